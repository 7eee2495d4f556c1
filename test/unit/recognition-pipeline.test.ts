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
import {
  FULL_FRAME_INPUT_SIZE,
  RecognitionPipeline,
  type MotionGatingOptions,
} from '../../src/recognition/index.js';
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

/**
 * Without motion gating by default: these tests are about scheduling and naming with a full-frame
 * detection on every frame; gating has its own tests below.
 */
function setup(threads = 1, motion: MotionGatingOptions = { enabled: false }) {
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
      motion,
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

const SCENE_WIDTH = 320;
const SCENE_HEIGHT = 240;
const FACE_PX = 32;
/** What the scripted engine reads as a face: a block of pure white (the scene never is). */
const FACE_VALUE = 255;

/** A textured still scene at 10 fps, with a face (a white block) at `face` when given. */
function sceneFrame(seq: number, face?: { x: number; y: number }): Frame {
  const data = new Uint8Array(SCENE_WIDTH * SCENE_HEIGHT * 3);
  for (let y = 0; y < SCENE_HEIGHT; y++) {
    for (let x = 0; x < SCENE_WIDTH; x++) {
      const inFace = face && x >= face.x && x < face.x + FACE_PX && y >= face.y && y < face.y + FACE_PX;
      data.fill(
        inFace ? FACE_VALUE : 40 + ((x * 7 + y * 3) % 120),
        (y * SCENE_WIDTH + x) * 3,
        (y * SCENE_WIDTH + x) * 3 + 3,
      );
    }
  }
  return {
    cameraId: 'cam',
    seq,
    capturedAt: 1_700_000_000_000 + seq * 100,
    image: { width: SCENE_WIDTH, height: SCENE_HEIGHT, data },
  };
}

/** The white block in whatever image the engine was given (a whole frame or a region): ann's face. */
function findFace(image: RgbImage): LiveFace[] {
  let left = image.width;
  let top = image.height;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.data[(y * image.width + x) * 3] !== FACE_VALUE) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  if (right < 0) return [];
  const box = { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
  return [describedAt(box, axisDescriptor(0, 1.2))];
}

/** Feeds `count` frames one at a time, the engine answering with `answer`; returns the engine calls made. */
async function play(
  engine: ScriptedEngine,
  pipeline: RecognitionPipeline,
  frames: Frame[],
  answer: (call: Call, frame: Frame) => LiveFace[] = (call) => findFace(call.image),
): Promise<Call[]> {
  const calls: Call[] = [];
  for (const f of frames) {
    await pipeline.process(f);
    // Region calls of one frame go out together; answer until the frame is applied.
    for (let i = 0; i < 5; i++) {
      await tick();
      calls.push(...engine.calls);
      engine.answerAll((call) => answer(call, f));
    }
    await pipeline.drained();
  }
  return calls;
}

describe('RecognitionPipeline with motion gating', () => {
  it('costs no engine call on a still, empty scene except the first frame and the periodic sweep', async () => {
    const { engine, pipeline, frames } = setup(1, { sweepIntervalMs: 2000 });
    const calls = await play(
      engine,
      pipeline,
      Array.from({ length: 50 }, (_, seq) => sceneFrame(seq)),
    );
    // 5 s at 10 fps: the first frame, then one sweep every 2 s (at 2.0 s and 4.0 s).
    assert.equal(calls.length, 3);
    assert.equal(frames.length, 50, 'every frame still reaches the live view');
    const { analysis } = pipeline.stats();
    assert.equal(analysis.idleFrames, 47);
    assert.equal(analysis.fullFrames.sweep, 3);
  });

  it('finds a person who walks in, names them, then looks only at a small region around them', async () => {
    const { engine, pipeline, events, frames } = setup(1, { sweepIntervalMs: 2000 });
    const walk = [
      ...Array.from({ length: 5 }, (_, seq) => sceneFrame(seq)),
      // Walks in from the left, then stands still.
      ...Array.from({ length: 35 }, (_, i) => sceneFrame(5 + i, { x: Math.min(40 + i * 12, 160), y: 100 })),
    ];
    const calls = await play(engine, pipeline, walk);
    assert.deepEqual(
      events.map((e) => [e.type, e.personId]),
      [['recognized', 'ann']],
    );
    const named = events[0];
    assert.ok(named);
    assert.ok(named.at <= new Date(sceneFrame(7).capturedAt).toISOString(), 'named within the consensus');
    const regionCalls = calls.filter((c) => c.image.width < SCENE_WIDTH);
    // Only the first frame and the sweep at 2 s look at the whole frame: the newcomer is found
    // in the region where they moved.
    assert.equal(calls.length - regionCalls.length, 2, `${calls.length - regionCalls.length} full frames`);
    const newcomerCalls = regionCalls.filter((c) => c.options.tinyInputSize !== 256);
    const faceCalls = regionCalls.filter((c) => c.options.tinyInputSize === 256);
    assert.ok(newcomerCalls.length >= 1, 'motion where no face was tracked is looked at');
    for (const call of newcomerCalls) {
      // …at the full frame's scale or finer, so any face a full frame shows is found there.
      const scale = (call.options.tinyInputSize ?? 0) / Math.max(call.image.width, call.image.height);
      assert.ok(scale >= FULL_FRAME_INPUT_SIZE / SCENE_WIDTH, `scale ${scale}`);
    }
    assert.ok(faceCalls.length >= 5, `${faceCalls.length} face-region calls`);
    for (const call of faceCalls) {
      // A 32 px face in a 128 px region: enlarged so it reaches the detector at 64 px.
      assert.ok(call.image.width * call.image.height <= 0.4 * SCENE_WIDTH * SCENE_HEIGHT);
    }
    // The boxes found in regions are in frame pixels: the live view draws them where the face is.
    const last = frames.at(-1);
    assert.deepEqual(
      last?.faces.map((f) => [f.box, f.personId]),
      [[{ x: 160, y: 100, width: FACE_PX, height: FACE_PX }, 'ann']],
    );
    assert.ok(calls.length < walk.length, `${calls.length} engine calls for ${walk.length} frames`);
  });

  it("keeps a person who stands still long past the tracker's unseen limit, refreshing their region", async () => {
    const { engine, pipeline, events, frames } = setup(1, { sweepIntervalMs: 2000, trackRefreshMs: 500 });
    const at = { x: 200, y: 60 };
    // Present from the first frame, then 6 s of standing still (the tracker drops a face unseen for 1.5 s).
    const calls = await play(
      engine,
      pipeline,
      Array.from({ length: 60 }, (_, seq) => sceneFrame(seq, at)),
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ['recognized'],
      'named once, never lost and named again',
    );
    assert.ok(
      frames.every((f) => f.faces.length === 1),
      'the face is shown on every frame',
    );
    assert.equal(pipeline.stats().tracks, 1);
    // Each still second costs two small region refreshes and half a sweep, not ten detections.
    assert.ok(calls.length <= 20, `${calls.length} engine calls in 60 frames`);
    assert.ok(pipeline.stats().analysis.idleFrames >= 35);
  });

  it('finds within the sweep interval a person who walked in unseen and then stood still', async () => {
    const sweepIntervalMs = 1500;
    // A background that learns fast: the newcomer stops counting as motion within a few frames.
    const { engine, pipeline, events } = setup(1, { sweepIntervalMs, detector: { backgroundAlpha: 0.5 } });
    const at = { x: 120, y: 80 };
    const frameList = [
      ...Array.from({ length: 3 }, (_, seq) => sceneFrame(seq)),
      ...Array.from({ length: 40 }, (_, i) => sceneFrame(3 + i, at)),
    ];
    // Their face is turned away while they come in: the detector finds nothing for the first second.
    const visibleFrom = sceneFrame(3).capturedAt + 1000;
    const foundAt: number[] = [];
    await play(engine, pipeline, frameList, (call, f) => {
      if (f.capturedAt < visibleFrom) return [];
      const faces = findFace(call.image);
      if (faces.length > 0) foundAt.push(f.capturedAt);
      return faces;
    });
    const first = foundAt[0];
    assert.ok(first !== undefined, 'found');
    assert.ok(first <= visibleFrom + sweepIntervalMs, `found ${first - visibleFrom} ms after turning round`);
    assert.ok(pipeline.stats().analysis.idleFrames > 0, 'the still scene cost nothing before the sweep');
    assert.ok(pipeline.stats().analysis.fullFrames.sweep >= 2);
    assert.deepEqual(
      events.map((e) => [e.type, e.personId]),
      [['recognized', 'ann']],
    );
  });
});
