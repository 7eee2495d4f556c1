/**
 * `rollcall bench [--source SRC] [--frames N] [--enroll DIR] [--duration S] [--json]`: the live
 * pipeline against a naive baseline on the same frames, in one run. With `--lookalike LFW_DIR` it
 * runs the look-alike scenario instead (see `bench-lookalike.ts`); with `--cameras N`, N cameras
 * sharing one pool (see `bench-cameras.ts`).
 *
 * The baseline is what a simple system does: on one thread, detect and describe every face of
 * every frame with the same engine, then match each. The pipeline is Rollcall's: a pool of worker
 * threads, a tracker that describes only faces it is not yet sure of, consensus before naming.
 */
import type { Config } from '../../config.js';
import {
  DESCRIPTOR_LENGTHS,
  trackingFor,
  thresholdsForGallery,
  Gallery,
  matchFace,
  RECOGNITION_GATES,
  qualityProblems,
  type DescriptorModel,
  type MatchThresholds,
  type RgbImage,
} from '../core/index.js';
import { createFrameSource, type Frame } from '../capture/index.js';
import { FaceApiEngine, type FaceEngine } from '../engine/index.js';
import { RecognitionPipeline } from '../recognition/index.js';
import { FaceEnginePool } from '../workers/index.js';
import { formatCamerasBench, runCamerasBench } from './bench-cameras.js';
import { formatLookalike, runLookalikeBench } from './bench-lookalike.js';
import { enrollFolders } from './enroll-folders.js';
import { ProgressBar } from './progress.js';

export interface BenchArgs {
  source: string;
  frames: number;
  enroll: string | undefined;
  durationS: number | undefined;
  json: boolean;
  threads: number | undefined;
  /** LFW folder for the look-alike scenario; the speed bench is skipped when given. */
  lookalike: string | undefined;
  /** Look-alike scenario only: the descriptor model, and a stranger rate to calibrate thresholds for. */
  embedder?: DescriptorModel | undefined;
  strangerRate?: number | undefined;
  secondsPerPhoto?: number | undefined;
  /** Several cameras on one pool: per-camera fps and latency, memory over the run. */
  cameras?: number | undefined;
  /** `--cameras` only: frames a second each camera offers. @defaultValue 10 */
  fps?: number | undefined;
}

export interface BenchReport {
  source: string;
  frames: number;
  frameSize: string;
  threads: number;
  backend: string;
  /** Frames per second through the whole pipeline (every frame processed, none dropped). */
  fps: number;
  baselineFps: number;
  speedup: number;
  /** Frames per second of the detector alone on every thread: the ceiling for any pipeline. */
  detectorOnlyFps: number;
  /** fps / detectorOnlyFps: how close the pipeline comes to the detector's limit. */
  fractionOfDetectorLimit: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  /** One full detect + describe of a frame on one thread (the baseline's mean). */
  baselineMsPerFrame: number;
  /** p95 latency over one full detect + describe. */
  latencyVsFullFrame: number;
  facesDetected: number;
  facesDescribed: number;
  namesFound: string[];
  baselineNames: string[];
  sameNames: boolean;
  events: { recognized: number; sighting: number; unknown: number };
  /** Resident memory once the pipeline has seen every frame once (models loaded, buffers grown). */
  rssWarmMb: number;
  rssEndMb: number;
  durationS: number;
}

/** Reads `count` frames from a source as fast as it gives them. */
async function collectFrames(source: string, count: number, progress: ProgressBar): Promise<Frame[]> {
  const frameSource = createFrameSource(source, { realtime: false, fps: 10, secondsPerImage: 2 });
  const frames: Frame[] = [];
  const enough = new Promise<void>((resolve) => {
    frameSource.on('frame', (frame) => {
      if (frames.length >= count) return;
      frames.push(frame);
      progress.update(frames.length, count);
      if (frames.length === count) resolve();
    });
  });
  await frameSource.start();
  try {
    await enough;
  } finally {
    await frameSource.close();
    progress.done();
  }
  return frames;
}

function copy(image: RgbImage): RgbImage {
  return { ...image, data: image.data.slice() };
}

function rssMb(): number {
  return Math.round(process.memoryUsage().rss / 1e5) / 10;
}

async function runBaseline(
  engine: FaceEngine,
  frames: Frame[],
  gallery: Gallery,
  thresholds: MatchThresholds,
  progress: ProgressBar,
): Promise<{ fps: number; msPerFrame: number; names: Set<string> }> {
  const names = new Set<string>();
  const started = performance.now();
  for (const [i, frame] of frames.entries()) {
    const faces = await engine.analyze(copy(frame.image), { detector: 'tiny' });
    for (const face of faces) {
      if (qualityProblems(face.quality, RECOGNITION_GATES).length > 0) continue;
      const decision = matchFace(gallery, face.descriptor, thresholds);
      if (decision.kind === 'match') names.add(decision.personId);
    }
    progress.update(i + 1, frames.length);
  }
  progress.done();
  const elapsed = performance.now() - started;
  return { fps: (frames.length * 1000) / elapsed, msPerFrame: elapsed / frames.length, names };
}

async function runDetectorOnly(pool: FaceEnginePool, frames: Frame[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: pool.info.threads }, async () => {
      while (next < frames.length) {
        const frame = frames[next++] as Frame;
        await pool.detect(copy(frame.image), { detector: 'tiny' });
      }
    }),
  );
  return (frames.length * 1000) / (performance.now() - started);
}

export async function runBench(config: Config, args: BenchArgs): Promise<BenchReport> {
  const threads = args.threads ?? config.workerThreads;
  const frames = await collectFrames(args.source, args.frames, new ProgressBar('reading frames'));
  const first = frames[0];
  if (!first) throw new Error(`the source ${args.source} gave no frames`);

  const pool = await FaceEnginePool.start({
    threads,
    backend: config.tfBackend,
    defaultDetector: 'tiny',
    embedder: config.faceEmbedder,
  });
  const model = pool.info.descriptorModel;
  const gallery = new Gallery({ dimension: DESCRIPTOR_LENGTHS[model] });
  try {
    if (args.enroll) await enrollFolders(pool, gallery, args.enroll, config.enrollDetector);
    // As a live node sets them for this gallery.
    const calibrated = thresholdsForGallery(gallery.people(), model, {
      strangerRateTarget: config.strangerRateTarget,
      fixed: config.fixedThresholds,
    });
    const thresholds = { match: calibrated.match, unknown: calibrated.unknown };

    const inThread = await FaceApiEngine.create({ backend: config.tfBackend, embedder: model });
    const baseline = await runBaseline(inThread, frames, gallery, thresholds, new ProgressBar('baseline'));
    await inThread.close();

    const detectorOnlyFps = await runDetectorOnly(pool, frames);

    const pipeline = new RecognitionPipeline(
      { engine: pool, gallery },
      {
        nodeId: 'bench',
        cameraId: 'bench',
        thresholds,
        tracker: { consensusFrames: config.consensusFrames, ...trackingFor(model) },
      },
    );
    const namesFound = new Set<string>();
    const events = { recognized: 0, sighting: 0, unknown: 0 };
    pipeline.on('event', (event) => {
      events[event.type]++;
      if (event.type === 'recognized' && event.personId) namesFound.add(event.personId);
    });
    const progress = new ProgressBar('pipeline');
    const durationMs = (args.durationS ?? 0) * 1000;
    const started = performance.now();
    let processed = 0;
    let seq = 0;
    let rssWarmMb = 0;
    do {
      if (processed === frames.length) rssWarmMb = rssMb();
      for (const frame of frames) {
        await pipeline.process({ ...frame, seq: seq++, capturedAt: Date.now(), image: copy(frame.image) });
        processed++;
        progress.update(
          durationMs ? Math.min(performance.now() - started, durationMs) : processed,
          durationMs || frames.length,
        );
      }
    } while (performance.now() - started < durationMs);
    await pipeline.drained();
    const elapsed = performance.now() - started;
    progress.done();
    const stats = pipeline.stats();
    await pipeline.close();

    const fps = (processed * 1000) / elapsed;
    const found = [...namesFound].sort();
    const baselineNames = [...baseline.names].sort();
    return {
      source: args.source,
      frames: frames.length,
      frameSize: `${first.image.width}x${first.image.height}`,
      threads: pool.info.threads,
      backend: pool.info.backend,
      fps,
      baselineFps: baseline.fps,
      speedup: fps / baseline.fps,
      detectorOnlyFps,
      fractionOfDetectorLimit: fps / detectorOnlyFps,
      p50LatencyMs: stats.latencyP50Ms,
      p95LatencyMs: stats.latencyP95Ms,
      baselineMsPerFrame: baseline.msPerFrame,
      latencyVsFullFrame: stats.latencyP95Ms / baseline.msPerFrame,
      facesDetected: stats.facesDetected,
      facesDescribed: stats.facesDescribed,
      namesFound: found,
      baselineNames,
      sameNames: found.join() === baselineNames.join(),
      events,
      rssWarmMb: rssWarmMb || rssMb(),
      rssEndMb: rssMb(),
      durationS: elapsed / 1000,
    };
  } finally {
    await pool.close();
  }
}

export function formatBench(report: BenchReport): string {
  return [
    `${report.frames} frames ${report.frameSize} from ${report.source}, ${report.threads} thread(s), ${report.backend}`,
    `  pipeline   ${report.fps.toFixed(1)} fps   (baseline ${report.baselineFps.toFixed(1)} fps: ${report.speedup.toFixed(1)}x)`,
    `  detector   ${report.detectorOnlyFps.toFixed(1)} fps alone; the pipeline reaches ${(report.fractionOfDetectorLimit * 100).toFixed(0)}% of it`,
    `  latency    p50 ${report.p50LatencyMs.toFixed(0)} ms, p95 ${report.p95LatencyMs.toFixed(0)} ms (${report.latencyVsFullFrame.toFixed(2)}x one full detect+describe of ${report.baselineMsPerFrame.toFixed(0)} ms)`,
    `  faces      ${report.facesDetected} detected, ${report.facesDescribed} described`,
    `  names      ${report.namesFound.join(', ') || '(none)'}; baseline ${report.baselineNames.join(', ') || '(none)'}${report.sameNames ? ' (same)' : ' (DIFFERENT)'}`,
    `  memory     RSS ${report.rssWarmMb} MB after the first pass, ${report.rssEndMb} MB at the end, over ${report.durationS.toFixed(0)} s`,
  ].join('\n');
}

export async function runBenchCommand(config: Config, args: BenchArgs): Promise<number> {
  if (args.lookalike !== undefined) {
    const report = await runLookalikeBench(config, {
      lfwDir: args.lookalike,
      threads: args.threads,
      embedder: args.embedder,
      strangerRate: args.strangerRate,
      secondsPerPhoto: args.secondsPerPhoto,
    });
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatLookalike(report)}\n`);
    return 0;
  }
  if (args.cameras !== undefined) {
    const frames = await collectFrames(args.source, args.frames, new ProgressBar('reading frames'));
    const report = await runCamerasBench(
      config,
      {
        cameras: args.cameras,
        durationS: args.durationS,
        fps: args.fps,
        threads: args.threads,
        enroll: args.enroll,
      },
      { name: args.source, frames },
    );
    process.stdout.write(
      args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatCamerasBench(report)}\n`,
    );
    return 0;
  }
  const report = await runBench(config, args);
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatBench(report)}\n`);
  return 0;
}
