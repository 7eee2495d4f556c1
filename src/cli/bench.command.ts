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
  type TrackerOptions,
} from '../core/index.js';
import { createFrameSource, type Frame } from '../capture/index.js';
import { FaceApiEngine, type FaceEngine } from '../engine/index.js';
import { RecognitionPipeline, type MotionGatingOptions, type PipelineStats } from '../recognition/index.js';
import { FaceEnginePool } from '../workers/index.js';
import { formatCamerasBench, runCamerasBench } from './bench-cameras.js';
import { formatLookalike, runLookalikeBench } from './bench-lookalike.js';
import { enrollFolders } from './enroll-folders.js';
import { ProgressBar } from './progress.js';
import { makeStaticCameraClip, readStaticClip, type Visit } from './static-camera-clip.js';

export interface BenchArgs {
  source: string;
  /** Frames to read from `source` (the static clip: frames to keep; all when undefined). */
  frames: number | undefined;
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
  /**
   * A faces folder (`../shared/faces`) to build the static-camera clip from (see
   * `static-camera-clip.ts`); replaces `--source` and `--frames`, and enrolls the cast unless
   * `--enroll` is given.
   */
  staticClip?: string | undefined;
}

/** When each person was first named, in seconds of the clip; null when never. */
export interface FirstName {
  person: string;
  /** When they came into view (static clip only). */
  enteredAtS: number | null;
  /** The first frame the baseline matched them on (it names on one frame, without consensus). */
  baselineS: number | null;
  pipelineS: number | null;
  ungatedS: number | null;
  /** pipelineS - baselineS: at most one consensus window is the target. */
  delayS: number | null;
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
  /** From handing in the frame to each recognition event it caused (named, unknown, sighting). */
  p50EventLatencyMs: number;
  p95EventLatencyMs: number;
  /** The baseline's mean time per frame on one thread, empty frames included. */
  baselineMsPerFrame: number;
  /** One full detect + describe of a frame that has faces, on one thread (the baseline's mean). */
  baselineMsPerFaceFrame: number;
  /** p95 latency over one full detect + describe of a frame with faces. */
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
  /** The same pipeline with motion gating off (a full-frame detection on every frame), same run. */
  ungatedFps: number;
  /** fps / ungatedFps. */
  gatingSpeedup: number;
  ungatedP95LatencyMs: number;
  ungatedNames: string[];
  /** What the gated pipeline's frame analysis did with the frames of the first pass. */
  analysis: PipelineStats['analysis'];
  /** Consensus frames at 10 fps: how much later than the baseline a name may come. */
  consensusWindowS: number;
  firstNames: FirstName[];
  /** Every person the baseline named was named by the pipeline no more than a consensus window later. */
  firstNamesWithinConsensus: boolean;
}

/** Frames are 10 fps apart in every source the bench reads; the pipeline sees them on that clock. */
const FRAME_MS = 100;

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
): Promise<{
  fps: number;
  msPerFrame: number;
  msPerFaceFrame: number;
  names: Set<string>;
  firstFrame: Map<string, number>;
}> {
  const names = new Set<string>();
  const firstFrame = new Map<string, number>();
  const faceFrameMs: number[] = [];
  const started = performance.now();
  for (const [i, frame] of frames.entries()) {
    const frameStarted = performance.now();
    const faces = await engine.analyze(copy(frame.image), { detector: 'tiny' });
    if (faces.length > 0) faceFrameMs.push(performance.now() - frameStarted);
    for (const face of faces) {
      if (qualityProblems(face.quality, RECOGNITION_GATES).length > 0) continue;
      const decision = matchFace(gallery, face.descriptor, thresholds);
      if (decision.kind === 'match') {
        names.add(decision.personId);
        if (!firstFrame.has(decision.personId)) firstFrame.set(decision.personId, i);
      }
    }
    progress.update(i + 1, frames.length);
  }
  progress.done();
  const elapsed = performance.now() - started;
  const msPerFrame = elapsed / frames.length;
  const msPerFaceFrame =
    faceFrameMs.length > 0 ? faceFrameMs.reduce((sum, ms) => sum + ms, 0) / faceFrameMs.length : msPerFrame;
  return { fps: (frames.length * 1000) / elapsed, msPerFrame, msPerFaceFrame, names, firstFrame };
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

interface PipelineRun {
  fps: number;
  elapsedMs: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  eventLatencyP50Ms: number;
  eventLatencyP95Ms: number;
  names: Set<string>;
  /** Person → the clip frame (index in the first pass) whose result first named them. */
  firstNamed: Map<string, number>;
  events: { recognized: number; sighting: number; unknown: number };
  stats: PipelineStats;
  firstPassAnalysis: PipelineStats['analysis'];
  rssWarmMb: number;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

/**
 * Every frame through a pipeline as fast as it takes them. The pipeline sees the frames on the
 * clip's own clock (10 fps), so its sweeps, refreshes and tracker timeouts happen when they would
 * live; latency is measured here, from handing a frame in to its result, on the wall clock.
 */
async function runPipeline(
  engine: FaceEngine,
  gallery: Gallery,
  frames: Frame[],
  options: {
    thresholds: MatchThresholds;
    tracker: Partial<TrackerOptions>;
    motion: MotionGatingOptions;
    durationMs: number;
  },
  progress: ProgressBar,
): Promise<PipelineRun> {
  const clipStart = Date.now();
  const pipeline = new RecognitionPipeline(
    { engine, gallery },
    {
      nodeId: 'bench',
      cameraId: 'bench',
      thresholds: options.thresholds,
      tracker: options.tracker,
      motion: options.motion,
    },
  );
  const names = new Set<string>();
  const firstNamed = new Map<string, number>();
  const events = { recognized: 0, sighting: 0, unknown: 0 };
  const handedIn = new Map<number, number>();
  const latencies: number[] = [];
  const eventLatencies: number[] = [];
  pipeline.on('event', (event) => {
    events[event.type]++;
    // The frame's own clock time is its place in the clip; its result is still to come, so the
    // hand-in time is still known.
    const seq = Math.round((Date.parse(event.at) - clipStart) / FRAME_MS);
    const at = handedIn.get(seq);
    if (at !== undefined) eventLatencies.push(performance.now() - at);
    if (event.type !== 'recognized' || !event.personId) return;
    names.add(event.personId);
    if (!firstNamed.has(event.personId) && seq < frames.length) firstNamed.set(event.personId, seq);
  });
  pipeline.on('frame', (metadata) => {
    const at = handedIn.get(metadata.seq);
    handedIn.delete(metadata.seq);
    if (at !== undefined) latencies.push(performance.now() - at);
  });
  const started = performance.now();
  let processed = 0;
  let seq = 0;
  let rssWarmMb = 0;
  let firstPassAnalysis: PipelineStats['analysis'] | undefined;
  do {
    if (processed === frames.length) {
      rssWarmMb = rssMb();
      await pipeline.drained();
      firstPassAnalysis = pipeline.stats().analysis;
    }
    for (const frame of frames) {
      handedIn.set(seq, performance.now());
      await pipeline.process({
        ...frame,
        seq,
        capturedAt: clipStart + seq * FRAME_MS,
        image: copy(frame.image),
      });
      seq++;
      processed++;
      progress.update(
        options.durationMs ? Math.min(performance.now() - started, options.durationMs) : processed,
        options.durationMs || frames.length,
      );
    }
  } while (performance.now() - started < options.durationMs);
  await pipeline.drained();
  const elapsedMs = performance.now() - started;
  progress.done();
  const stats = pipeline.stats();
  await pipeline.close();
  return {
    fps: (processed * 1000) / elapsedMs,
    elapsedMs,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP95Ms: percentile(latencies, 0.95),
    eventLatencyP50Ms: percentile(eventLatencies, 0.5),
    eventLatencyP95Ms: percentile(eventLatencies, 0.95),
    names,
    firstNamed,
    events,
    stats,
    firstPassAnalysis: firstPassAnalysis ?? stats.analysis,
    rssWarmMb: rssWarmMb || rssMb(),
  };
}

function firstNamesOf(
  frameCount: number,
  baseline: Map<string, number>,
  gated: Map<string, number>,
  ungated: Map<string, number>,
  visits: Visit[] | undefined,
): FirstName[] {
  const seconds = (frame: number | undefined) => (frame === undefined ? null : (frame * FRAME_MS) / 1000);
  const people = new Set([
    ...baseline.keys(),
    ...gated.keys(),
    ...ungated.keys(),
    ...(visits ?? []).map((v) => v.person),
  ]);
  return [...people]
    .sort()
    .map((person) => {
      const baselineS = seconds(baseline.get(person));
      const pipelineS = seconds(gated.get(person));
      return {
        person,
        enteredAtS: visits?.find((v) => v.person === person)?.inS ?? null,
        baselineS,
        pipelineS,
        ungatedS: seconds(ungated.get(person)),
        delayS:
          baselineS !== null && pipelineS !== null ? Math.round((pipelineS - baselineS) * 1000) / 1000 : null,
      };
    })
    .filter((f) => f.baselineS === null || f.baselineS < (frameCount * FRAME_MS) / 1000);
}

export async function runBench(config: Config, args: BenchArgs): Promise<BenchReport> {
  const threads = args.threads ?? config.workerThreads;
  let frames: Frame[];
  let enroll = args.enroll;
  let source = args.source;
  let visits: Visit[] | undefined;
  if (args.staticClip !== undefined) {
    const clip = await makeStaticCameraClip(args.staticClip);
    frames = (await readStaticClip(clip.clip)).slice(0, args.frames);
    enroll ??= clip.enrollDir;
    source = `static-camera clip (${clip.clip})`;
    // A clip cut by --frames keeps only the people who come in before the cut.
    visits = clip.visits.filter((v) => v.inS < (frames.length * FRAME_MS) / 1000);
  } else {
    frames = await collectFrames(args.source, args.frames ?? 60, new ProgressBar('reading frames'));
  }
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
    if (enroll) await enrollFolders(pool, gallery, enroll, config.enrollDetector);
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

    const run = (label: string, motion: MotionGatingOptions) =>
      runPipeline(
        pool,
        gallery,
        frames,
        {
          thresholds,
          tracker: { consensusFrames: config.consensusFrames, ...trackingFor(model) },
          motion,
          durationMs: (args.durationS ?? 0) * 1000,
        },
        new ProgressBar(label),
      );
    const ungated = await run('pipeline, ungated', { enabled: false });
    const gated = await run('pipeline, motion-gated', {});
    const fps = gated.fps;
    const namesFound = gated.names;
    const events = gated.events;
    const stats = gated.stats;
    const rssWarmMb = gated.rssWarmMb;
    const elapsed = gated.elapsedMs;
    const consensusWindowS = (config.consensusFrames * FRAME_MS) / 1000;
    const firstNames = firstNamesOf(
      frames.length,
      baseline.firstFrame,
      gated.firstNamed,
      ungated.firstNamed,
      visits,
    );
    const found = [...namesFound].sort();
    const baselineNames = [...baseline.names].sort();
    return {
      source,
      frames: frames.length,
      frameSize: `${first.image.width}x${first.image.height}`,
      threads: pool.info.threads,
      backend: pool.info.backend,
      fps,
      baselineFps: baseline.fps,
      speedup: fps / baseline.fps,
      detectorOnlyFps,
      fractionOfDetectorLimit: fps / detectorOnlyFps,
      p50LatencyMs: gated.latencyP50Ms,
      p95LatencyMs: gated.latencyP95Ms,
      p50EventLatencyMs: gated.eventLatencyP50Ms,
      p95EventLatencyMs: gated.eventLatencyP95Ms,
      baselineMsPerFrame: baseline.msPerFrame,
      baselineMsPerFaceFrame: baseline.msPerFaceFrame,
      latencyVsFullFrame: gated.latencyP95Ms / baseline.msPerFaceFrame,
      facesDetected: stats.facesDetected,
      facesDescribed: stats.facesDescribed,
      namesFound: found,
      baselineNames,
      sameNames: found.join() === baselineNames.join(),
      events,
      rssWarmMb: rssWarmMb || rssMb(),
      rssEndMb: rssMb(),
      durationS: elapsed / 1000,
      ungatedFps: ungated.fps,
      gatingSpeedup: fps / ungated.fps,
      ungatedP95LatencyMs: ungated.latencyP95Ms,
      ungatedNames: [...ungated.names].sort(),
      analysis: gated.firstPassAnalysis,
      consensusWindowS,
      firstNames,
      firstNamesWithinConsensus: firstNames.every(
        (f) => f.baselineS === null || (f.delayS !== null && f.delayS <= consensusWindowS + 1e-9),
      ),
    };
  } finally {
    await pool.close();
  }
}

function seconds(value: number | null): string {
  return value === null ? 'never' : `${value.toFixed(1)} s`;
}

export function formatBench(report: BenchReport): string {
  return [
    `${report.frames} frames ${report.frameSize} from ${report.source}, ${report.threads} thread(s), ${report.backend}`,
    `  pipeline   ${report.fps.toFixed(1)} fps   (baseline ${report.baselineFps.toFixed(1)} fps: ${report.speedup.toFixed(1)}x)`,
    `  detector   ${report.detectorOnlyFps.toFixed(1)} fps alone; the pipeline reaches ${(report.fractionOfDetectorLimit * 100).toFixed(0)}% of it`,
    `  latency    p50 ${report.p50LatencyMs.toFixed(0)} ms, p95 ${report.p95LatencyMs.toFixed(0)} ms (${report.latencyVsFullFrame.toFixed(2)}x one full detect+describe of a frame with faces, ${report.baselineMsPerFaceFrame.toFixed(0)} ms)`,
    `  events     capture to event p50 ${report.p50EventLatencyMs.toFixed(0)} ms, p95 ${report.p95EventLatencyMs.toFixed(0)} ms`,
    `  gating     ${report.fps.toFixed(1)} fps with motion gating, ${report.ungatedFps.toFixed(1)} fps without (${report.gatingSpeedup.toFixed(1)}x); first pass: ${report.analysis.idleFrames} idle, ${report.analysis.regionFrames} region-only (${report.analysis.regions} regions), ${Object.values(report.analysis.fullFrames).reduce((a, b) => a + b, 0)} full frames (${Object.entries(
      report.analysis.fullFrames,
    )
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ')})`,
    `  faces      ${report.facesDetected} detected, ${report.facesDescribed} described`,
    ...report.firstNames.map(
      (f) =>
        `  first name ${f.person}: entered ${seconds(f.enteredAtS)}, baseline ${seconds(f.baselineS)}, pipeline ${seconds(f.pipelineS)} (ungated ${seconds(f.ungatedS)})`,
    ),
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
    const frames = await collectFrames(args.source, args.frames ?? 60, new ProgressBar('reading frames'));
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
