import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import {
  SupervisedFrameSource,
  type Frame,
  type FrameSource,
  type FrameSourceEvents,
  type RestartInfo,
  type SupervisedFrameSourceOptions,
} from '../../src/capture/index.js';
import { ErrorCode, isRollcallError, RollcallError } from '../../src/core/index.js';
import { backoffDelayMs, type Cancel, type Clock } from '../../src/shared/index.js';

/** Time that moves only when the test says so; due callbacks run in order. */
class FakeClock implements Clock {
  #now = 1_000_000;
  /** The wall clock's distance from the timers' time: moved by {@link FakeClock.stepWall} only. */
  #wallOffset = 0;
  #timers: { at: number; order: number; callback: () => void; cancelled: boolean }[] = [];
  #order = 0;

  now(): number {
    return this.#now + this.#wallOffset;
  }

  monotonic(): number {
    return this.#now;
  }

  /** Sets the wall clock forward or back (NTP, an administrator): timers and `monotonic` keep going. */
  stepWall(ms: number): void {
    this.#wallOffset += ms;
  }

  schedule(delayMs: number, callback: () => void): Cancel {
    const timer = { at: this.#now + Math.max(0, delayMs), order: this.#order++, callback, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Timers still waiting to run. */
  get pending(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      const due = this.#timers
        .filter((t) => !t.cancelled && t.at <= end)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.#timers.splice(this.#timers.indexOf(due), 1);
      this.#now = due.at;
      due.callback();
    }
    this.#now = end;
    await settle();
  }
}

/** Lets promise chains run to completion (no real time passes). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

type StartBehaviour = 'resolve' | 'reject' | 'hang';

/** A strict fake: records what the watchdog did to it and emits only what the test tells it to. */
class FakeSource extends EventEmitter<FrameSourceEvents> implements FrameSource {
  readonly description: string;
  started = false;
  closed = 0;
  #seq = 0;

  constructor(
    readonly index: number,
    readonly behaviour: StartBehaviour,
  ) {
    super();
    this.description = `fake #${index}`;
  }

  start(): Promise<void> {
    this.started = true;
    if (this.behaviour === 'resolve') return Promise.resolve();
    if (this.behaviour === 'reject') {
      return Promise.reject(new RollcallError(ErrorCode.CameraBusy, `fake #${this.index}: busy`));
    }
    return new Promise(() => undefined);
  }

  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }

  frame(): void {
    const image = { width: 1, height: 1, data: new Uint8Array(3) };
    this.emit('frame', { cameraId: 'inner', seq: this.#seq++, capturedAt: 0, image });
  }
}

interface Harness {
  clock: FakeClock;
  sources: FakeSource[];
  watchdog: SupervisedFrameSource;
  frames: Frame[];
  restarts: RestartInfo[];
  /** The inner source made most recently. */
  latest(): FakeSource;
}

function harness(
  behaviours: (index: number) => StartBehaviour = () => 'resolve',
  options: Partial<SupervisedFrameSourceOptions> = {},
): Harness {
  const clock = new FakeClock();
  const sources: FakeSource[] = [];
  const watchdog = new SupervisedFrameSource({
    cameraId: 'cam1',
    factory: () => {
      const source = new FakeSource(sources.length, behaviours(sources.length));
      sources.push(source);
      return source;
    },
    clock,
    random: () => 0,
    ...options,
  });
  const frames: Frame[] = [];
  const restarts: RestartInfo[] = [];
  watchdog.on('frame', (frame) => frames.push(frame));
  watchdog.on('restarted', (info) => restarts.push(info));
  return {
    clock,
    sources,
    watchdog,
    frames,
    restarts,
    latest: () => {
      const source = sources.at(-1);
      assert.ok(source, 'a source was made');
      return source;
    },
  };
}

describe('SupervisedFrameSource (fake source, fake clock)', () => {
  it('passes frames on under its camera id with one seq that keeps counting across restarts', async () => {
    const h = harness();
    await h.watchdog.start();
    h.latest().frame();
    h.latest().frame();
    h.latest().emit('ended');
    await h.clock.advance(500);
    assert.equal(h.sources.length, 2);
    h.latest().frame();
    assert.deepEqual(
      h.frames.map((f) => [f.cameraId, f.seq]),
      [
        ['cam1', 0],
        ['cam1', 1],
        ['cam1', 2],
      ],
    );
    await h.watchdog.close();
  });

  it('does not take a wall-clock step for a stall: silence is measured on the steady clock', async () => {
    const h = harness(() => 'resolve', { stallTimeoutMs: 5000 });
    await h.watchdog.start();
    const source = h.latest();
    source.frame();
    await h.clock.advance(1000);
    source.frame();
    h.clock.stepWall(3 * 3_600_000);
    await h.clock.advance(4000);
    assert.equal(h.watchdog.restarts, 0, 'frames came 4 s ago; only the wall clock jumped 3 h');
    h.clock.stepWall(-5 * 3_600_000);
    await h.clock.advance(999);
    assert.equal(h.watchdog.restarts, 0);
    await h.clock.advance(1);
    assert.equal(h.watchdog.restarts, 1, 'a real silence still counts, whatever the wall clock did');
    await h.watchdog.close();
  });

  it('restarts a source that stops sending frames, after the stall timeout', async () => {
    const h = harness(() => 'resolve', { stallTimeoutMs: 5000 });
    await h.watchdog.start();
    const first = h.latest();
    first.frame();
    await h.clock.advance(3000);
    first.frame();
    await h.clock.advance(4999);
    assert.equal(h.watchdog.restarts, 0, 'frames kept coming often enough');
    await h.clock.advance(1);
    assert.equal(h.watchdog.stalls, 1);
    assert.equal(h.watchdog.restarts, 1);
    assert.match(h.restarts[0]?.reason ?? '', /^stalled: no frame for 5000 ms/);
    assert.equal(first.closed, 1, 'the silent source was closed');
    assert.equal(h.watchdog.current, undefined, 'nothing runs during the backoff');

    await h.clock.advance(500);
    assert.equal(h.sources.length, 2);
    assert.ok(h.latest().started);
    first.frame();
    assert.equal(h.frames.length, 2, 'frames from the retired source are ignored');
    h.latest().frame();
    assert.equal(h.frames.at(-1)?.seq, 2);
    await h.watchdog.close();
  });

  it('gives a new source the longer first-frame grace before calling it stalled', async () => {
    const h = harness(() => 'resolve', { stallTimeoutMs: 5000, firstFrameTimeoutMs: 15_000 });
    await h.watchdog.start();
    await h.clock.advance(14_999);
    assert.equal(h.watchdog.restarts, 0);
    await h.clock.advance(1);
    assert.equal(h.watchdog.stalls, 1);
    assert.match(h.restarts[0]?.reason ?? '', /no first frame within 15000 ms/);
    await h.watchdog.close();
  });

  it('restarts after an error with a backoff that doubles up to the maximum, and reports the error', async () => {
    const h = harness(() => 'resolve', { initialBackoffMs: 500, maxBackoffMs: 3000 });
    const errors: Error[] = [];
    h.watchdog.on('error', (error) => errors.push(error));
    await h.watchdog.start();
    for (let i = 0; i < 5; i++) {
      h.latest().emit('error', new RollcallError(ErrorCode.SourceFailed, `boom ${i}`));
      const delay = h.restarts.at(-1)?.delayMs ?? 0;
      await h.clock.advance(delay - 1);
      assert.equal(h.sources.length, i + 1, 'no new source before the backoff is over');
      await h.clock.advance(1);
      assert.equal(h.sources.length, i + 2);
    }
    assert.deepEqual(
      h.restarts.map((r) => [r.attempt, r.delayMs]),
      [
        [1, 500],
        [2, 1000],
        [3, 2000],
        [4, 3000],
        [5, 3000],
      ],
    );
    assert.equal(h.restarts[0]?.reason, 'error: boom 0');
    assert.ok(isRollcallError(h.restarts[0].error, ErrorCode.SourceFailed));
    assert.deepEqual(
      errors.map((e) => e.message),
      ['boom 0', 'boom 1', 'boom 2', 'boom 3', 'boom 4'],
    );
    assert.ok(
      h.sources.slice(0, -1).every((s) => s.closed === 1),
      'every failed source was closed once',
    );
    await h.watchdog.close();
  });

  it('counts only the first report of a failing source (error then ended is one restart)', async () => {
    const h = harness();
    await h.watchdog.start();
    h.latest().emit('error', new Error('gone'));
    h.latest().emit('ended');
    assert.equal(h.watchdog.restarts, 1);
    await h.watchdog.close();
  });

  it('keeps backing off while restarts fail to start, then resets after a healthy minute', async () => {
    // Source 0 runs, 1 and 2 fail to start, 3 runs for a minute, then fails.
    const h = harness((i) => (i === 1 || i === 2 ? 'reject' : 'resolve'), {
      initialBackoffMs: 100,
      healthyResetMs: 60_000,
    });
    await h.watchdog.start();
    h.latest().frame();
    h.latest().emit('ended');
    await h.clock.advance(100 + 200 + 400);
    assert.equal(h.sources.length, 4);
    assert.deepEqual(
      h.restarts.map((r) => [r.attempt, r.delayMs, r.reason.split(':')[0]]),
      [
        [1, 100, 'ended'],
        [2, 200, 'start failed'],
        [3, 400, 'start failed'],
      ],
    );
    assert.ok(isRollcallError(h.restarts[1]?.error, ErrorCode.CameraBusy));
    const healthy = h.latest();
    for (let t = 0; t <= 60_000; t += 1000) {
      healthy.frame();
      await h.clock.advance(1000);
    }
    healthy.emit('ended');
    assert.deepEqual(h.restarts.at(-1)?.attempt, 1, 'a healthy minute reset the backoff');
    assert.equal(h.restarts.at(-1)?.delayMs, 100);
    await h.watchdog.close();
  });

  it('adds up to jitterRatio of random delay', () => {
    assert.equal(
      backoffDelayMs(1, { jitterRatio: 0.2 }, () => 0),
      500,
    );
    assert.equal(
      backoffDelayMs(1, { jitterRatio: 0.2 }, () => 0.5),
      550,
    );
    assert.equal(
      backoffDelayMs(3, { jitterRatio: 0.2 }, () => 0.999),
      2400,
    );
    assert.equal(
      backoffDelayMs(20, {}, () => 0.999),
      30_000,
      'never past the maximum',
    );
  });

  it('close() during a backoff cancels the restart, leaves no timer, and is idempotent', async () => {
    const h = harness();
    await h.watchdog.start();
    h.latest().emit('ended');
    await h.clock.advance(0);
    assert.equal(h.clock.pending, 1, 'only the restart is scheduled: the old source closed in time');
    const closing = h.watchdog.close();
    assert.equal(h.watchdog.close(), closing, 'close() again returns the same promise');
    await closing;
    assert.equal(h.clock.pending, 0);
    await h.clock.advance(60_000);
    assert.equal(h.sources.length, 1, 'no source was started after close()');
    assert.equal(h.sources[0]?.closed, 1);
  });

  it('close() while running closes the inner source and stops the stall timer', async () => {
    const h = harness();
    await h.watchdog.start();
    h.latest().frame();
    await h.watchdog.close();
    assert.equal(h.latest().closed, 1);
    assert.equal(h.clock.pending, 0);
    h.latest().frame();
    assert.equal(h.frames.length, 1, 'no frames after close()');
  });

  it('rejects start() when the very first start fails, with the inner reason', async () => {
    const h = harness(() => 'reject');
    await assert.rejects(h.watchdog.start(), (error) => isRollcallError(error, ErrorCode.CameraBusy));
    assert.equal(h.sources[0]?.closed, 1);
    assert.equal(h.watchdog.restarts, 0);
    assert.equal(h.clock.pending, 0);
  });

  it('rejects start() when the first start hangs past the first-frame grace', async () => {
    const h = harness(() => 'hang', { firstFrameTimeoutMs: 2000 });
    const starting = h.watchdog.start();
    const assertion = assert.rejects(starting, /did not start within 2000 ms/);
    await h.clock.advance(2000);
    await assertion;
    assert.equal(h.sources[0]?.closed, 1);
  });

  it('with retryFirstStart keeps trying in the background until a source starts', async () => {
    const h = harness((i) => (i < 2 ? 'reject' : 'resolve'), {
      retryFirstStart: true,
      initialBackoffMs: 100,
    });
    await h.watchdog.start();
    assert.equal(h.watchdog.restarts, 1);
    await h.clock.advance(100 + 200);
    assert.equal(h.sources.length, 3);
    h.latest().frame();
    assert.equal(h.frames.length, 1);
    await h.watchdog.close();
  });

  it('survives a factory that throws: it is one more failed start', async () => {
    let calls = 0;
    const clock = new FakeClock();
    const good = new FakeSource(0, 'resolve');
    const watchdog = new SupervisedFrameSource({
      cameraId: 'cam1',
      clock,
      random: () => 0,
      factory: () => {
        calls++;
        if (calls === 2) throw new RollcallError(ErrorCode.SourceInvalid, 'factory broke');
        return calls === 1 ? good : new FakeSource(calls, 'resolve');
      },
    });
    const restarts: RestartInfo[] = [];
    watchdog.on('restarted', (info) => restarts.push(info));
    await watchdog.start();
    good.emit('ended');
    await clock.advance(500);
    assert.equal(restarts[1]?.reason, 'start failed: factory broke');
    await clock.advance(1000);
    assert.equal(calls, 3);
    assert.ok(watchdog.current);
    await watchdog.close();
  });

  it('names the option in validation errors', () => {
    assert.throws(
      () =>
        new SupervisedFrameSource({
          cameraId: 'c',
          factory: () => new FakeSource(0, 'resolve'),
          stallTimeoutMs: 0,
        }),
      (error) => isRollcallError(error, ErrorCode.SourceInvalid) && /stallTimeoutMs/.test(error.message),
    );
    assert.throws(
      () =>
        new SupervisedFrameSource({
          cameraId: 'c',
          factory: () => new FakeSource(0, 'resolve'),
          jitterRatio: 2,
        }),
      /jitterRatio/,
    );
  });
});
