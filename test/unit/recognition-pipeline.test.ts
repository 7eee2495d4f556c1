import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Gallery, type Box, type FrameMetadata, type RecognitionEvent } from '../../src/core/index.js';
import type {
  DescribedFace,
  DetectedFace,
  DetectOptions,
  EngineInfo,
  FaceEngine,
  LiveDetectOptions,
  LiveFace,
  RgbImage,
} from '../../src/engine/index.js';
import type { Frame } from '../../src/capture/index.js';
import { RecognitionPipeline } from '../../src/recognition/index.js';
import { stoppedClock } from '../../src/shared/index.js';

const BOX: Box = { x: 10, y: 10, width: 100, height: 100 };
const GOOD_QUALITY = { sizePx: 100, score: 0.99, sharpness: 300, frontality: 0.9 };

/** A descriptor pointing along axis `axis`: descriptors on different axes are √2 apart. */
function axisDescriptor(axis: number, length = 1): Float32Array {
  const d = new Float32Array(128);
  d[axis] = length;
  return d;
}

function describedAt(box: Box, descriptor: Float32Array): DescribedFace {
  return { box, score: 0.99, landmarks: new Float32Array(136), descriptor, quality: GOOD_QUALITY };
}

interface Call {
  image: RgbImage;
  options: LiveDetectOptions;
  resolve: (faces: LiveFace[]) => void;
  reject: (error: Error) => void;
}

/** A strict fake: every call waits until the test answers it. Only the live step may be used. */
class ScriptedEngine implements FaceEngine {
  readonly info: EngineInfo;
  readonly calls: Call[] = [];

  constructor(threads = 1) {
    this.info = { backend: 'fake', threads, model: 'scripted', descriptorModel: 'face-api' };
  }

  detectAndDescribe(image: RgbImage, options: LiveDetectOptions = {}): Promise<LiveFace[]> {
    return new Promise((resolve, reject) => this.calls.push({ image, options, resolve, reject }));
  }

  /** Answers every pending call with the faces `answer` gives for it, oldest first. */
  answerAll(answer: (call: Call) => LiveFace[]): void {
    for (const call of this.calls.splice(0)) call.resolve(answer(call));
  }

  detect(_image: RgbImage, _options?: DetectOptions): Promise<DetectedFace[]> {
    return Promise.reject(new Error('the pipeline must use detectAndDescribe'));
  }
  describe(): Promise<DescribedFace[]> {
    return Promise.reject(new Error('the pipeline must use detectAndDescribe'));
  }
  analyze(): Promise<DescribedFace[]> {
    return Promise.reject(new Error('the pipeline must use detectAndDescribe'));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function frame(seq: number, capturedAt = 1_700_000_000_000 + seq * 100): Frame {
  return {
    cameraId: 'cam',
    seq,
    capturedAt,
    image: { width: 4, height: 4, data: new Uint8Array(48).fill(seq) },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Lets queued work run until `condition` holds (or fails the test). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await tick();
  assert.ok(condition(), 'condition never became true');
}

function setup(threads = 1) {
  const engine = new ScriptedEngine(threads);
  const gallery = new Gallery();
  gallery.upsert('ann', [axisDescriptor(0)]);
  let ids = 0;
  const pipeline = new RecognitionPipeline(
    {
      engine,
      gallery,
      clock: stoppedClock(1_700_000_000_000),
      newId: () => `event-${++ids}`,
      encodeCrop: () => Promise.resolve(new Uint8Array([0xff, 0xd8, 0xff])),
    },
    {
      nodeId: 'node-1',
      cameraId: 'cam',
      thresholds: { match: 0.55, unknown: 0.6 },
      tracker: { consensusFrames: 2 },
    },
  );
  const events: RecognitionEvent[] = [];
  const frames: FrameMetadata[] = [];
  pipeline.on('event', (e) => events.push(e));
  pipeline.on('frame', (m) => frames.push(m));
  return { engine, pipeline, events, frames };
}

describe('RecognitionPipeline', () => {
  it('keeps only the newest frame while every thread is busy', async () => {
    const { engine, pipeline, frames } = setup(1);
    for (let seq = 0; seq < 5; seq++) pipeline.offer(frame(seq));
    assert.equal(engine.calls.length, 1, 'one frame in flight on one thread');
    engine.answerAll(() => []);
    await until(() => engine.calls.length === 1);
    engine.answerAll(() => []);
    await until(() => frames.length === 2);
    assert.deepEqual(
      frames.map((f) => f.seq),
      [0, 4],
      'frames 1-3 were replaced by newer ones',
    );
    assert.equal(pipeline.stats().framesDropped, 3);
    assert.equal(pipeline.stats().framesIn, 5);
  });

  it('applies results in capture order even when threads finish out of order', async () => {
    const { engine, pipeline, frames } = setup(2);
    pipeline.offer(frame(0));
    pipeline.offer(frame(1));
    const [first, second] = engine.calls.splice(0);
    second?.resolve([]);
    await tick();
    assert.equal(frames.length, 0, 'frame 1 waits for frame 0');
    first?.resolve([]);
    await pipeline.drained();
    assert.deepEqual(
      frames.map((f) => f.seq),
      [0, 1],
    );
  });

  it('names a face after consensus, with the evidence in the event, then skips describing it', async () => {
    const { engine, pipeline, events, frames } = setup(1);
    for (let seq = 0; seq < 3; seq++) {
      await pipeline.process(frame(seq));
      const call = engine.calls[0];
      assert.ok(call);
      if (seq < 2) {
        assert.deepEqual(call.options.skip, [], 'a pending face is described');
        engine.answerAll(() => [describedAt(BOX, axisDescriptor(0, 1.2))]);
      } else {
        assert.deepEqual(call.options.skip, [BOX], 'a named face is only tracked');
        engine.answerAll(() => [{ box: BOX, score: 0.99 }]);
      }
      await pipeline.drained();
    }
    assert.equal(events.length, 1);
    const [event] = events;
    assert.ok(event);
    assert.equal(event.type, 'recognized');
    assert.equal(event.personId, 'ann');
    assert.ok(Math.abs((event.distance ?? 0) - 0.2) < 1e-6);
    assert.deepEqual(event.thresholds, { match: 0.55, unknown: 0.6 });
    assert.equal(event.votes, 2);
    assert.equal(event.id, 'event-1');
    assert.equal(event.nodeId, 'node-1');
    assert.equal(event.trackId, 'cam-1');
    assert.equal(event.at, new Date(frame(1).capturedAt).toISOString());
    assert.deepEqual([...(event.crop ?? [])], [0xff, 0xd8, 0xff]);
    assert.equal(event.model, 'scripted');
    assert.deepEqual(
      frames.map((f) => f.faces[0]?.state),
      ['pending', 'named', 'named'],
    );
    assert.equal(pipeline.stats().facesDescribed, 2);
    assert.equal(pipeline.stats().facesDetected, 3);
  });

  it('reports a face that stays near someone but is never confirmed as an unconfirmed unknown face', async () => {
    const { engine, pipeline, events } = setup(1);
    // 0.57 from ann: between the match (0.55) and unknown (0.6) thresholds on every frame.
    for (let seq = 0; seq < 5; seq++) {
      await pipeline.process(frame(seq));
      engine.answerAll(() => [describedAt(BOX, axisDescriptor(0, 1.57))]);
      await pipeline.drained();
    }
    assert.equal(events.length, 1);
    const [event] = events;
    assert.ok(event);
    assert.equal(event.type, 'unknown');
    assert.equal(event.personId, null, 'nobody is marked present');
    assert.equal(event.unconfirmed, true);
    assert.equal(event.candidate?.personId, 'ann');
    assert.ok(Math.abs(event.candidate.distance - 0.57) < 1e-6);
    assert.ok(Math.abs((event.distance ?? 0) - 0.57) < 1e-6);
    assert.deepEqual([...(event.crop ?? [])], [0xff, 0xd8, 0xff], 'the review shows the face');
  });

  it('takes new thresholds and consensus from settings pushed by a web node', async () => {
    const { engine, pipeline, events } = setup(1);
    assert.throws(() => {
      pipeline.updateSettings({ thresholds: { match: 0.6, unknown: 0.5 } });
    }, /thresholds.unknown/);
    // Distance 0.2 from ann: a match under 0.55, but not under a stricter 0.15.
    pipeline.updateSettings({ thresholds: { match: 0.15, unknown: 0.6 }, consensusFrames: 1 });
    await pipeline.process(frame(0));
    engine.answerAll(() => [describedAt(BOX, axisDescriptor(0, 1.2))]);
    await pipeline.drained();
    assert.equal(events.length, 0, 'uncertain under the stricter threshold');
    pipeline.updateSettings({ thresholds: { match: 0.55, unknown: 0.6 } });
    await pipeline.process(frame(1));
    engine.answerAll(() => [describedAt(BOX, axisDescriptor(0, 1.2))]);
    await pipeline.drained();
    assert.deepEqual(
      events.map((e) => [e.type, e.personId, e.votes]),
      [['recognized', 'ann', 1]],
      'one agreeing frame is enough with consensusFrames 1',
    );
  });

  it('gives the engine its own copy of the pixels', async () => {
    const { engine, pipeline } = setup(1);
    const input = frame(7);
    await pipeline.process(input);
    const call = engine.calls[0];
    assert.ok(call);
    assert.notEqual(call.image.data, input.image.data);
    assert.deepEqual([...call.image.data], [...input.image.data]);
    engine.answerAll(() => []);
    await pipeline.close();
  });

  it('reports a failed frame and goes on with the next', async () => {
    const { engine, pipeline, frames } = setup(1);
    const errors: Error[] = [];
    pipeline.on('error', (e) => errors.push(e));
    await pipeline.process(frame(0));
    engine.calls.splice(0)[0]?.reject(new Error('thread crashed'));
    await pipeline.drained();
    await pipeline.process(frame(1));
    engine.answerAll(() => []);
    await pipeline.drained();
    assert.deepEqual(
      errors.map((e) => e.message),
      ['thread crashed'],
    );
    assert.deepEqual(
      frames.map((f) => f.seq),
      [1],
    );
    assert.equal(pipeline.stats().framesFailed, 1);
  });
});
