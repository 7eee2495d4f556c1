import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Gallery } from '../../src/core/index.js';
import type {
  DescribedFace,
  DetectedFace,
  EngineInfo,
  FaceEngine,
  LiveFace,
  RgbImage,
} from '../../src/engine/index.js';
import type { Frame } from '../../src/capture/index.js';
import { CameraScheduler, RecognitionPipeline } from '../../src/recognition/index.js';
import { stoppedClock } from '../../src/shared/index.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CameraScheduler', () => {
  it('gives a camera alone every thread, and no more', () => {
    const scheduler = new CameraScheduler({ slots: 2 });
    const lane = scheduler.lane('door');
    const answers: boolean[] = [];
    for (let i = 0; i < 3; i++) lane.request((granted) => answers.push(granted));
    assert.deepEqual(answers, [true, true], 'two threads, two grants at once; the third waits');
    lane.release();
    assert.deepEqual(answers, [true, true, true]);
    assert.deepEqual(scheduler.stats(), [{ cameraId: 'door', inFlight: 2, waiting: 0, granted: 3 }]);
  });

  it('hands a freed thread to the waiting camera with the fewest in flight, then round robin', () => {
    const scheduler = new CameraScheduler({ slots: 2 });
    const order: string[] = [];
    const lanes = Object.fromEntries(['a', 'b', 'c'].map((id) => [id, scheduler.lane(id)]));
    const ask = (id: string): void => {
      lanes[id]?.request((granted) => {
        if (granted) order.push(id);
      });
    };
    // "a" floods: it takes both free threads, then keeps asking.
    for (let i = 0; i < 5; i++) ask('a');
    ask('b');
    ask('c');
    assert.deepEqual(order, ['a', 'a']);
    // Each freed thread goes to a camera with nothing in flight before "a" gets another.
    lanes.a?.release();
    lanes.a?.release();
    assert.deepEqual(order, ['a', 'a', 'b', 'c']);
    lanes.b?.release();
    ask('b');
    lanes.c?.release();
    // b and a both have 0 in flight now: "a" was served longest ago.
    assert.deepEqual(order, ['a', 'a', 'b', 'c', 'a', 'b']);
  });

  it('answers requests not yet granted with false when a camera cancels, and refuses a stray release', () => {
    const scheduler = new CameraScheduler({ slots: 1 });
    const busy = scheduler.lane('busy');
    const closing = scheduler.lane('closing');
    busy.request(() => undefined);
    const answers: boolean[] = [];
    closing.request((granted) => answers.push(granted));
    closing.cancel();
    assert.deepEqual(answers, [false]);
    assert.throws(() => {
      closing.release();
    }, /did not hold/);
    assert.throws(() => scheduler.lane('busy'), /already has a lane/);
    assert.throws(() => new CameraScheduler({ slots: 0 }), /at least 1/);
  });
});

/**
 * A fake pool: `threads` calls may run at once (more is a scheduler bug), each answered by the test.
 * A frame's camera is the first byte of its pixels.
 */
class TimedEngine implements FaceEngine {
  readonly info: EngineInfo;
  readonly running: { camera: number; startedRound: number; resolve: (faces: LiveFace[]) => void }[] = [];
  maxRunning = 0;
  round = 0;

  constructor(threads: number) {
    this.info = { backend: 'fake', threads, model: 'timed', descriptorModel: 'face-api' };
  }

  detectAndDescribe(image: RgbImage): Promise<LiveFace[]> {
    return new Promise((resolve) => {
      this.running.push({ camera: image.data[0] ?? -1, startedRound: this.round, resolve });
      this.maxRunning = Math.max(this.maxRunning, this.running.length);
    });
  }

  /** Ends every call that has run for its camera's cost in rounds; returns the cameras finished. */
  finish(costInRounds: (camera: number) => number): number[] {
    const done = this.running.filter((call) => this.round - call.startedRound >= costInRounds(call.camera));
    for (const call of done) {
      this.running.splice(this.running.indexOf(call), 1);
      call.resolve([]);
    }
    return done.map((call) => call.camera);
  }

  detect(): Promise<DetectedFace[]> {
    return Promise.reject(new Error('not used'));
  }
  describe(): Promise<DescribedFace[]> {
    return Promise.reject(new Error('not used'));
  }
  analyze(): Promise<DescribedFace[]> {
    return Promise.reject(new Error('not used'));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function frameOf(camera: number, seq: number): Frame {
  return {
    cameraId: `cam${camera}`,
    seq,
    capturedAt: 1_700_000_000_000 + seq,
    image: { width: 2, height: 2, data: new Uint8Array(12).fill(camera) },
  };
}

/**
 * Runs `rounds` rounds: in each, every camera offers its frames, then calls that have run long
 * enough end. Returns the frames analysed per camera.
 */
async function simulate(options: {
  threads: number;
  framesPerRound: number[];
  costInRounds: (camera: number) => number;
  rounds: number;
  shared: boolean;
}): Promise<{ analysed: number[]; maxRunning: number }> {
  const engine = new TimedEngine(options.threads);
  const scheduler = new CameraScheduler({ slots: options.threads });
  const pipelines = options.framesPerRound.map(
    (_, camera) =>
      new RecognitionPipeline(
        {
          engine,
          gallery: new Gallery(),
          clock: stoppedClock(1_700_000_000_000),
          encodeCrop: () => Promise.resolve(new Uint8Array(0)),
          ...(options.shared ? { slots: scheduler.lane(`cam${camera}`) } : {}),
        },
        {
          nodeId: 'n',
          cameraId: `cam${camera}`,
          thresholds: { match: 0.5, unknown: 0.6 },
          // Every frame is a full-frame engine call: this measures the sharing, not the gating.
          motion: { enabled: false },
        },
      ),
  );
  const analysed = options.framesPerRound.map(() => 0);
  let seq = 0;
  for (let round = 0; round < options.rounds; round++) {
    engine.round = round;
    options.framesPerRound.forEach((count, camera) => {
      for (let i = 0; i < count; i++) pipelines[camera]?.offer(frameOf(camera, seq++));
    });
    await tick();
    engine.round = round + 1;
    for (const camera of engine.finish(options.costInRounds)) analysed[camera] = (analysed[camera] ?? 0) + 1;
    for (let i = 0; i < 4; i++) await tick();
  }
  const closed = Promise.all(pipelines.map((p) => p.close()));
  engine.finish(() => 0);
  await closed;
  return { analysed, maxRunning: engine.maxRunning };
}

describe('cameras sharing one pool through the scheduler', () => {
  it('a camera flooding frames does not starve a slow one: each gets its share of the threads', async () => {
    // Two threads, three cameras: cam0 offers 20 frames a round, cam1 and cam2 one each.
    const { analysed, maxRunning } = await simulate({
      threads: 2,
      framesPerRound: [20, 1, 1],
      costInRounds: () => 1,
      rounds: 60,
      shared: true,
    });
    assert.ok(maxRunning <= 2, `never more frames in the pool than threads, saw ${maxRunning}`);
    const total = analysed.reduce((a, b) => a + b, 0);
    assert.ok(total >= 100, `the threads stay busy: ${total} frames in 60 rounds of 2 threads`);
    for (const [camera, count] of analysed.entries()) {
      assert.ok(
        count >= total / 3 - 3,
        `camera ${camera} got ${count} of ${total} frames, not its third (${analysed.join(', ')})`,
      );
    }
  });

  it('shares in frames even when one camera’s frames cost three times as much', async () => {
    const { analysed } = await simulate({
      threads: 2,
      framesPerRound: [5, 5],
      costInRounds: (camera) => (camera === 0 ? 3 : 1),
      rounds: 60,
      shared: true,
    });
    const [dear = 0, cheap = 0] = analysed;
    assert.ok(dear >= 15, `the dear camera still gets frames analysed: ${dear}`);
    // The cheap camera finishes sooner, so it is served more often, never less than the dear one.
    assert.ok(cheap >= dear, `cheap ${cheap}, dear ${dear}`);
  });

  it('without the scheduler the flooding camera holds every thread and the quiet ones wait behind it', async () => {
    // The contrast that shows the test above can fail: pipelines with a thread count of their own
    // each put up to two frames into a pool of two.
    const { maxRunning } = await simulate({
      threads: 2,
      framesPerRound: [20, 1, 1],
      costInRounds: () => 1,
      rounds: 10,
      shared: false,
    });
    assert.ok(maxRunning > 2, `unshared pipelines oversubscribe the pool: ${maxRunning} at once`);
  });
});
