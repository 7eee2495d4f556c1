/**
 * `rollcall bench --cameras N [--duration S] [--fps F]`: N cameras on one engine pool, each with
 * its own pipeline, sharing the threads through the node's camera scheduler, as a recognition node
 * with `CAMERA_SOURCES` runs them. Each camera replays the frames read from `--source` (starting
 * at a different frame, so the cameras do not see the same picture at the same moment) at `--fps`,
 * stamped with the time it is offered, like a live camera; frames the pool cannot take are dropped
 * (newest wins), as live.
 *
 * Reports per camera the analysed frames per second and capture→result latency (p50/p95; every
 * event of a frame is out when its result is), against one full detect+describe of a frame on one
 * thread; and the process's resident memory sampled over the run, so a leak shows as a slope.
 */
import type { Config } from '../../config.js';
import {
  DESCRIPTOR_LENGTHS,
  Gallery,
  thresholdsForGallery,
  trackingFor,
  type RgbImage,
} from '../core/index.js';
import type { Frame } from '../capture/index.js';
import { CameraScheduler, RecognitionPipeline } from '../recognition/index.js';
import { FaceEnginePool } from '../workers/index.js';
import { enrollFolders } from './enroll-folders.js';
import { ProgressBar } from './progress.js';

export interface CamerasBenchArgs {
  cameras: number;
  /** @defaultValue 30 */
  durationS: number | undefined;
  /** Frames a second each camera offers. @defaultValue 10 */
  fps: number | undefined;
  threads: number | undefined;
  enroll: string | undefined;
}

export interface CameraBenchLine {
  cameraId: string;
  /** Frames offered per second. */
  fpsIn: number;
  /** Frames analysed per second. */
  fps: number;
  framesProcessed: number;
  framesDropped: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  /** p95 latency over one full detect+describe of a frame. */
  latencyVsFullFrame: number;
  events: number;
}

export interface CamerasBenchReport {
  source: string;
  frames: number;
  frameSize: string;
  threads: number;
  backend: string;
  cameraCount: number;
  /** Analysed frames per second, every camera together. */
  fps: number;
  /** One thread doing a full detect+describe of every frame: 1000 / baselineMsPerFrame. */
  baselineFps: number;
  speedup: number;
  /** The slowest camera's analysed rate: the figure the per-camera promise is about. */
  minCameraFps: number;
  /** Over every camera's analysed frames. */
  p50LatencyMs: number;
  p95LatencyMs: number;
  /** One full detect + describe of a frame on one thread of the pool (mean over the frames). */
  baselineMsPerFrame: number;
  /** The worst camera's p95 over one full detect + describe. */
  latencyVsFullFrame: number;
  /** Capture to each recognition event (named, unknown, sighting), every camera together. */
  events: number;
  p50EventLatencyMs: number;
  p95EventLatencyMs: number;
  cameras: CameraBenchLine[];
  rssStartMb: number;
  /**
   * RSS once warm (the first sample at or after 10 % of the run, at least 5 s in): models, buffers
   * and JIT have grown by then, so growth after it is what a leak would look like.
   */
  rssWarmMb: number;
  rssEndMb: number;
  /** rssEndMb − rssWarmMb. */
  rssGrowthAfterWarmMb: number;
  rssMaxMb: number;
  /** `[seconds since the start, MB]`, about twenty samples over the run. */
  rssSamplesMb: [number, number][];
  durationS: number;
}

function copy(image: RgbImage): RgbImage {
  return { ...image, data: image.data.slice() };
}

function rssMb(): number {
  return Math.round(process.memoryUsage().rss / 1e5) / 10;
}

/** The p-th percentile (0..1) of `values`, nearest rank; 0 for none. */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

/** Mean time of a full detect + describe of a frame, one at a time on the pool (warms it too). */
async function fullFrameMs(pool: FaceEnginePool, frames: readonly Frame[]): Promise<number> {
  const [warm] = frames;
  if (warm) await pool.analyze(copy(warm.image), { detector: 'tiny' });
  // The reference is a frame with a face in it (detection and a descriptor): an empty frame costs
  // only the detection, and a clip that starts empty would make the reference look cheap.
  const withFaces: number[] = [];
  const all: number[] = [];
  for (const frame of frames) {
    if (withFaces.length === 12 || all.length === 60) break;
    const started = performance.now();
    const faces = await pool.analyze(copy(frame.image), { detector: 'tiny' });
    const ms = performance.now() - started;
    all.push(ms);
    if (faces.length > 0) withFaces.push(ms);
  }
  const sample = withFaces.length > 0 ? withFaces : all;
  return sample.reduce((sum, ms) => sum + ms, 0) / Math.max(1, sample.length);
}

export async function runCamerasBench(
  config: Config,
  args: CamerasBenchArgs,
  source: { name: string; frames: Frame[] },
): Promise<CamerasBenchReport> {
  const { frames } = source;
  const first = frames[0];
  if (!first) throw new Error(`the source ${source.name} gave no frames`);
  const durationMs = (args.durationS ?? 30) * 1000;
  const fpsIn = args.fps ?? 10;
  const pool = await FaceEnginePool.start({
    threads: args.threads ?? config.workerThreads,
    backend: config.tfBackend,
    defaultDetector: 'tiny',
    embedder: config.faceEmbedder,
  });
  try {
    const model = pool.info.descriptorModel;
    const gallery = new Gallery({ dimension: DESCRIPTOR_LENGTHS[model] });
    if (args.enroll) await enrollFolders(pool, gallery, args.enroll, config.enrollDetector);
    const calibrated = thresholdsForGallery(gallery.people(), model, {
      strangerRateTarget: config.strangerRateTarget,
      fixed: config.fixedThresholds,
    });
    const baselineMsPerFrame = await fullFrameMs(pool, frames);

    const scheduler = new CameraScheduler({ slots: pool.info.threads });
    const cameras = Array.from({ length: args.cameras }, (_, index) => {
      const cameraId = `camera-${index + 1}`;
      const pipeline = new RecognitionPipeline(
        { engine: pool, gallery, slots: scheduler.lane(cameraId) },
        {
          nodeId: 'bench',
          cameraId,
          thresholds: { match: calibrated.match, unknown: calibrated.unknown },
          tracker: { consensusFrames: config.consensusFrames, ...trackingFor(model) },
        },
      );
      const latencies: number[] = [];
      const eventLatencies: number[] = [];
      pipeline.on('frame', (metadata) => latencies.push(metadata.latencyMs));
      // Frames are stamped with the wall clock when offered, so this is capture to event.
      pipeline.on('event', (event) => eventLatencies.push(Date.now() - Date.parse(event.at)));
      return {
        cameraId,
        pipeline,
        latencies,
        eventLatencies,
        offset: Math.floor((index * frames.length) / args.cameras),
      };
    });

    const rssStartMb = rssMb();
    const rssSamplesMb: [number, number][] = [[0, rssStartMb]];
    let rssMaxMb = rssStartMb;
    const started = performance.now();
    const sampleEveryMs = Math.max(1000, durationMs / 20);
    const sampler = setInterval(() => {
      const mb = rssMb();
      rssMaxMb = Math.max(rssMaxMb, mb);
      rssSamplesMb.push([Math.round((performance.now() - started) / 100) / 10, mb]);
    }, sampleEveryMs);
    const progress = new ProgressBar(`${args.cameras} cameras`);
    const progressTimer = setInterval(() => {
      progress.update(Math.min(performance.now() - started, durationMs), durationMs);
    }, 500);
    // Each camera ticks on its own timer, spread over the frame interval as real cameras are.
    const intervalMs = 1000 / fpsIn;
    let seq = 0;
    const timers = cameras.map((camera, index) => {
      let next = camera.offset;
      const offer = () => {
        const frame = frames[next++ % frames.length] as Frame;
        camera.pipeline.offer({
          ...frame,
          cameraId: camera.cameraId,
          seq: seq++,
          capturedAt: Date.now(),
          image: copy(frame.image),
        });
      };
      let interval: NodeJS.Timeout | undefined;
      const delay = setTimeout(
        () => {
          offer();
          interval = setInterval(offer, intervalMs);
        },
        (index * intervalMs) / cameras.length,
      );
      return () => {
        clearTimeout(delay);
        clearInterval(interval);
      };
    });
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    for (const stop of timers) stop();
    await Promise.all(cameras.map((camera) => camera.pipeline.drained()));
    const elapsedS = (performance.now() - started) / 1000;
    clearInterval(sampler);
    clearInterval(progressTimer);
    progress.done();
    const rssEndMb = rssMb();
    rssMaxMb = Math.max(rssMaxMb, rssEndMb);
    rssSamplesMb.push([Math.round(elapsedS * 10) / 10, rssEndMb]);
    const warmAtS = Math.max(5, elapsedS / 10);
    const rssWarmMb = (rssSamplesMb.find(([at]) => at >= warmAtS) ?? [0, rssEndMb])[1];

    const lines = cameras.map((camera): CameraBenchLine => {
      const stats = camera.pipeline.stats();
      const p95 = percentile(camera.latencies, 0.95);
      return {
        cameraId: camera.cameraId,
        fpsIn: stats.framesIn / elapsedS,
        fps: stats.framesProcessed / elapsedS,
        framesProcessed: stats.framesProcessed,
        framesDropped: stats.framesDropped,
        p50LatencyMs: percentile(camera.latencies, 0.5),
        p95LatencyMs: p95,
        latencyVsFullFrame: p95 / baselineMsPerFrame,
        events: camera.eventLatencies.length,
      };
    });
    await Promise.all(cameras.map((camera) => camera.pipeline.close()));
    const all = cameras.flatMap((camera) => camera.latencies);
    const allEvents = cameras.flatMap((camera) => camera.eventLatencies);
    const fps = lines.reduce((sum, line) => sum + line.fps, 0);
    const baselineFps = 1000 / baselineMsPerFrame;
    return {
      source: source.name,
      frames: frames.length,
      frameSize: `${first.image.width}x${first.image.height}`,
      threads: pool.info.threads,
      backend: pool.info.backend,
      cameraCount: args.cameras,
      fps,
      baselineFps,
      speedup: fps / baselineFps,
      minCameraFps: Math.min(...lines.map((line) => line.fps)),
      p50LatencyMs: percentile(all, 0.5),
      p95LatencyMs: percentile(all, 0.95),
      baselineMsPerFrame,
      latencyVsFullFrame: Math.max(...lines.map((line) => line.latencyVsFullFrame)),
      events: allEvents.length,
      p50EventLatencyMs: percentile(allEvents, 0.5),
      p95EventLatencyMs: percentile(allEvents, 0.95),
      cameras: lines,
      rssStartMb,
      rssWarmMb,
      rssEndMb,
      rssGrowthAfterWarmMb: Math.round((rssEndMb - rssWarmMb) * 10) / 10,
      rssMaxMb,
      rssSamplesMb,
      durationS: elapsedS,
    };
  } finally {
    await pool.close();
  }
}

export function formatCamerasBench(report: CamerasBenchReport): string {
  return [
    `${report.cameraCount} cameras × ${report.frames} frames ${report.frameSize} from ${report.source}, ${report.threads} thread(s), ${report.backend}, ${report.durationS.toFixed(0)} s`,
    `  one full detect+describe: ${report.baselineMsPerFrame.toFixed(0)} ms`,
    ...report.cameras.map(
      (c) =>
        `  ${c.cameraId.padEnd(10)} ${c.fps.toFixed(1)} analysed fps of ${c.fpsIn.toFixed(1)}, ${c.framesDropped} dropped; ` +
        `latency p50 ${c.p50LatencyMs.toFixed(0)} ms, p95 ${c.p95LatencyMs.toFixed(0)} ms (${c.latencyVsFullFrame.toFixed(2)}x); ${c.events} events`,
    ),
    `  together  ${report.fps.toFixed(1)} fps (slowest camera ${report.minCameraFps.toFixed(1)}); p95 ${report.p95LatencyMs.toFixed(0)} ms`,
    `  events    ${report.events}, capture to event p50 ${report.p50EventLatencyMs.toFixed(0)} ms, p95 ${report.p95EventLatencyMs.toFixed(0)} ms`,
    `  memory    RSS ${report.rssStartMb} MB at the start, ${report.rssWarmMb} MB warm, ${report.rssEndMb} MB at the end ` +
      `(${report.rssGrowthAfterWarmMb >= 0 ? '+' : ''}${report.rssGrowthAfterWarmMb} MB after warm-up), ${report.rssMaxMb} MB at most`,
  ].join('\n');
}
