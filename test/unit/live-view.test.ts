import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  facesAt,
  updateInView,
  type AnalysedFaces,
  type FrameFace,
  type FrameMetadata,
  type InView,
  type RgbImage,
} from '../../src/core/index.js';
import { LiveView, MAX_HOLD_MS } from '../../src/recognition/live-view.js';
import type { Cancel, Clock } from '../../src/shared/index.js';

function face(
  trackId: string,
  x: number,
  state: FrameFace['state'] = 'named',
  personId: string | null = 'p1',
): FrameFace {
  return { trackId, box: { x, y: 10, width: 40, height: 40 }, state, personId, distance: 0.3 };
}

function analysed(seq: number, capturedAt: number, faces: FrameFace[]): AnalysedFaces {
  return { seq, capturedAt, faces };
}

describe('facesAt: boxes for a frame between analysed ones', () => {
  it("draws an analysed frame's own faces", () => {
    const a = analysed(4, 1000, [face('t1', 100)]);
    assert.deepEqual(facesAt(a, undefined, 1000, 1000), a.faces);
  });

  it('moves a face in a straight line between the analysed frames either side', () => {
    const a = analysed(4, 1000, [face('t1', 100)]);
    const b = analysed(8, 1400, [face('t1', 200, 'named')]);
    assert.equal(facesAt(a, b, 1100, 1000)[0]?.box.x, 125);
    assert.equal(facesAt(a, b, 1300, 1000)[0]?.box.x, 175);
  });

  it('keeps what was known before: state and name change only on analysed frames', () => {
    const a = analysed(1, 0, [face('t1', 0, 'pending', null)]);
    const b = analysed(2, 100, [face('t1', 10, 'named', 'p1')]);
    const [between] = facesAt(a, b, 90, 1000);
    assert.ok(between);
    assert.equal(between.state, 'pending');
    assert.equal(between.personId, null);
  });

  it('lets a face appear and leave half-way between the analysed frames', () => {
    const a = analysed(1, 0, [face('leaving', 0)]);
    const b = analysed(2, 100, [face('coming', 50)]);
    assert.deepEqual(
      facesAt(a, b, 40, 1000).map((f) => f.trackId),
      ['leaving'],
    );
    assert.deepEqual(
      facesAt(a, b, 60, 1000).map((f) => f.trackId),
      ['coming'],
    );
  });

  it('drops boxes older than the hold: a stalled analysis leaves no box on a live picture', () => {
    const a = analysed(1, 0, [face('t1', 0)]);
    assert.equal(facesAt(a, undefined, 900, 1000).length, 1);
    assert.deepEqual(facesAt(a, undefined, 1100, 1000), []);
    assert.deepEqual(facesAt(undefined, undefined, 0, 1000), []);
    // An analysis long after: the frame is taken as unanalysed on that side too.
    assert.deepEqual(facesAt(a, analysed(9, 5000, [face('t1', 90)]), 2500, 1000), []);
  });
});

describe('updateInView: who is in view of a camera', () => {
  const named = (personId: string): FrameFace => face(`t-${personId}`, 0, 'named', personId);

  it('lists named faces only, from the first frame they are named in', () => {
    const list = updateInView(
      [],
      [named('ann'), face('t9', 0, 'unknown', null), face('t8', 0, 'pending', null)],
      1000,
      3000,
    );
    assert.deepEqual(list, [{ personId: 'ann', since: 1000, lastSeenAt: 1000 }]);
  });

  it('keeps "since" through frames that miss the face, and lets the person leave after the grace period', () => {
    let list: InView[] = updateInView([], [named('ann')], 1000, 3000);
    list = updateInView(list, [], 2000, 3000);
    list = updateInView(list, [named('ann')], 3500, 3000);
    assert.deepEqual(list, [{ personId: 'ann', since: 1000, lastSeenAt: 3500 }]);
    list = updateInView(list, [], 6500, 3000);
    assert.equal(list.length, 1, 'still within 3 s of the last sighting');
    list = updateInView(list, [], 6501, 3000);
    assert.deepEqual(list, []);
  });

  it('starts a new stay for someone back after leaving', () => {
    const gone: InView[] = [{ personId: 'ann', since: 0, lastSeenAt: 1000 }];
    assert.deepEqual(updateInView(gone, [named('ann')], 9000, 3000), [
      { personId: 'ann', since: 9000, lastSeenAt: 9000 },
    ]);
  });

  it('leaves the list it was given unchanged', () => {
    const list: InView[] = [{ personId: 'ann', since: 0, lastSeenAt: 0 }];
    updateInView(list, [named('ann')], 100, 3000);
    assert.deepEqual(list, [{ personId: 'ann', since: 0, lastSeenAt: 0 }]);
  });
});

/** A clock whose time moves only when told; its timers run as it passes them. */
class FakeClock implements Clock {
  #now = 1_000_000;
  #timers: { at: number; callback: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.#now;
  }

  schedule(delayMs: number, callback: () => void): Cancel {
    const timer = { at: this.#now + Math.max(0, delayMs), callback, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Moves to `at`, running the timers due on the way in time order. */
  async runUntil(at: number): Promise<void> {
    for (;;) {
      await settle();
      const due = this.#timers.filter((t) => !t.cancelled && t.at <= at).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#timers.splice(this.#timers.indexOf(due), 1);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
    }
    this.#now = Math.max(this.#now, at);
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

const IMAGE: RgbImage = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3) };

interface Sent {
  metadata: FrameMetadata;
  at: number;
}

/**
 * A camera at `cameraFps` for `seconds`, a face walking right at 1 px per ms; the engine analyses
 * every `analyseEvery`-th frame and answers `analysisMs` after capture.
 */
async function play(options: {
  cameraFps: number;
  seconds: number;
  analyseEvery: number;
  analysisMs: number;
  maxFps?: number;
  watched?: () => boolean;
  stallAfterMs?: number;
}): Promise<{ sent: Sent[]; encoded: number; view: LiveView; start: number }> {
  const clock = new FakeClock();
  const sent: Sent[] = [];
  let encoded = 0;
  const view = new LiveView(
    {
      encode: () => {
        encoded++;
        return Promise.resolve(new Uint8Array([0xff, 0xd8]));
      },
      publish: (metadata) => sent.push({ metadata, at: clock.now() }),
      watched: options.watched ?? (() => true),
      clock,
    },
    { maxFps: options.maxFps ?? 15 },
  );
  const start = clock.now();
  const intervalMs = 1000 / options.cameraFps;
  const frames = Math.round(options.seconds * options.cameraFps);
  for (let seq = 0; seq < frames; seq++) {
    const capturedAt = Math.round(start + seq * intervalMs);
    await clock.runUntil(capturedAt);
    view.captured({ cameraId: 'door', seq, capturedAt, image: IMAGE });
    const stalled = options.stallAfterMs !== undefined && capturedAt - start >= options.stallAfterMs;
    if (seq % options.analyseEvery === 0 && !stalled) {
      clock.schedule(options.analysisMs, () => {
        view.analysed({
          cameraId: 'door',
          seq,
          capturedAt,
          width: 640,
          height: 480,
          faces: [face('door-1', capturedAt - start)],
          latencyMs: options.analysisMs,
        });
      });
    }
  }
  await clock.runUntil(start + options.seconds * 1000 + 2000);
  view.close();
  return { sent, encoded, view, start };
}

describe('LiveView: the frames web nodes show', () => {
  it("sends every frame of a 10 fps camera while the analysis does half of them, with the face's true box", async () => {
    const { sent, start } = await play({ cameraFps: 10, seconds: 6, analyseEvery: 2, analysisMs: 150 });
    assert.equal(sent.length, 60, 'every captured frame');
    assert.deepEqual(
      sent.map((s) => s.metadata.seq),
      [...Array(60).keys()],
      'in capture order',
    );
    // Once the delay has settled, each frame waits for the analysis after it: the walking face's
    // box is where the face is on that very frame, on analysed and skipped frames alike.
    // (The last frame has no analysis after it: the camera stopped.)
    for (const { metadata } of sent.filter(
      (s) => s.metadata.capturedAt - start >= 3000 && s.metadata.seq < 59,
    )) {
      assert.equal(metadata.faces.length, 1, `seq ${metadata.seq}`);
      assert.equal(metadata.faces[0]?.box.x, metadata.capturedAt - start, `seq ${metadata.seq}`);
    }
  });

  it('sends frames evenly spaced, a steady delay after capture, not in bursts as results come', async () => {
    const { sent, start } = await play({ cameraFps: 10, seconds: 6, analyseEvery: 3, analysisMs: 200 });
    const settled = sent.filter((s) => s.metadata.capturedAt - start >= 2000);
    const gaps = settled.slice(1).map((s, i) => s.at - (settled[i] as Sent).at);
    // Results come every 300 ms and free three frames at once; the frames still leave 100 ms apart.
    assert.ok(
      gaps.every((gap) => gap >= 80 && gap <= 120),
      `gaps ${gaps.join(',')}`,
    );
    const delays = settled.map((s) => s.at - s.metadata.capturedAt);
    assert.ok(
      delays.every((d) => d >= 200 && d <= 1000),
      `delays ${delays.join(',')}`,
    );
    for (const { metadata, at } of settled) assert.equal(metadata.latencyMs, at - metadata.capturedAt);
  });

  it('skips frames evenly above maxFps', async () => {
    const { sent, start } = await play({
      cameraFps: 30,
      seconds: 4,
      analyseEvery: 3,
      analysisMs: 100,
      maxFps: 15,
    });
    // After the first second (a camera may start with a short burst), every other frame.
    const steady = sent.filter((s) => s.metadata.capturedAt - start >= 1000).map((s) => s.metadata.seq);
    assert.ok(steady.length >= 44 && steady.length <= 46, `${steady.length} frames for 3 s at 15 fps`);
    assert.ok(
      steady.slice(1).every((seq, i) => seq - (steady[i] as number) === 2),
      steady.join(','),
    );
  });

  it('lets through frames that arrive bunched after a busy moment, at the camera rate on average', async () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    const view = new LiveView(
      {
        encode: () => Promise.resolve(new Uint8Array([0xff, 0xd8])),
        publish: (metadata) => sent.push(metadata.seq),
        watched: () => true,
        clock,
      },
      { maxFps: 15 },
    );
    // 10 fps, but every other pair of frames arrives 5 ms apart (the event loop was busy).
    const start = clock.now();
    for (let seq = 0; seq < 40; seq++) {
      const capturedAt = start + Math.floor(seq / 2) * 200 + (seq % 2) * 5;
      await clock.runUntil(capturedAt);
      view.captured({ cameraId: 'door', seq, capturedAt, image: IMAGE });
    }
    await clock.runUntil(start + 6000);
    assert.equal(sent.length, 40);
  });

  it('encodes nothing while no web node is connected', async () => {
    const { sent, encoded } = await play({
      cameraFps: 10,
      seconds: 2,
      analyseEvery: 2,
      analysisMs: 100,
      watched: () => false,
    });
    assert.equal(encoded, 0);
    assert.equal(sent.length, 0);
  });

  it('draws late boxes, not none, when the analysis is slower than the longest delay', async () => {
    const { sent, start } = await play({ cameraFps: 10, seconds: 10, analyseEvery: 4, analysisMs: 2500 });
    const settled = sent.filter((s) => s.metadata.capturedAt - start >= 4000);
    assert.ok(
      settled.every((s) => s.at - s.metadata.capturedAt <= 1001),
      'sent within the longest delay',
    );
    assert.ok(
      settled.every((s) => s.metadata.faces.length === 1),
      'every frame has the newest box known',
    );
  });

  it('keeps sending when the analysis stalls, within the longest delay, and drops its boxes', async () => {
    const { sent, start } = await play({
      cameraFps: 10,
      seconds: 12,
      analyseEvery: 2,
      analysisMs: 150,
      stallAfterMs: 3000,
    });
    assert.equal(sent.length, 120);
    assert.ok(sent.every((s) => s.at - s.metadata.capturedAt <= 1000 + 1));
    const late = sent.filter((s) => s.metadata.capturedAt - start >= 3000 + MAX_HOLD_MS);
    assert.ok(late.length > 0);
    assert.ok(late.every((s) => s.metadata.faces.length === 0));
  });

  it('refuses options that cannot work, naming them', () => {
    const deps = {
      encode: () => Promise.resolve(new Uint8Array()),
      publish: () => undefined,
      watched: () => true,
    };
    assert.throws(() => new LiveView(deps, { maxFps: 0 }), /maxFps/);
    assert.throws(() => new LiveView(deps, { maxDelayMs: -1 }), /maxDelayMs/);
  });
});
