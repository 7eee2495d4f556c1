/**
 * `rollcall evaluate`: how well Rollcall tells who is in a photo, and whether two photos show the
 * same person.
 *
 * Identification: `--enroll DIR --probe DIR` (one folder per identity in each), or `--open-set DIR`
 * (the open-set split of one tree). Photos are enrolled through the same engine, enrollment quality
 * gates and gallery as the live system; each probe's two nearest people are found once and a
 * decision policy names it; identities absent from the enrollment set must come out unknown.
 * Verification: `--pairs FILE --images DIR` (LFW pairs.txt). Every photo's analysis is cached by
 * content, so a second run that changes only decisions takes seconds.
 */
import { writeFile } from 'node:fs/promises';
import type { Config } from '../../config.js';
import {
  DESCRIPTOR_LENGTHS,
  ENROLLMENT_GATES,
  ErrorCode,
  RECOGNITION_GATES,
  RollcallError,
  PRIOR_THRESHOLDS,
  thresholdPolicy,
  thresholdsForGallery,
  type GalleryThresholds,
  type PolicyPerson,
  type DescriptorModel,
  type PolicyFactory,
  type LfwPairs,
  type MatchThresholds,
} from '../core/index.js';
import type { DetectOptions, FaceEngine } from '../engine/index.js';
import { FaceEnginePool } from '../workers/index.js';
import {
  AnalysisCache,
  analysisCodeFingerprint,
  pipelineKey,
  type AnalysisCacheStats,
} from './analysis-cache.js';
import { operatingCurveSvg, type ChartSeries } from './curve-chart.js';
import { analyzePhotos, type LabelledPhoto, type PhotoAnalysis } from './enroll-folders.js';
import type { IdentificationProtocol } from './evaluation-protocol.js';
import { formatReport, percent } from './evaluation-report.js';
import { identify, type IdentificationReport } from './identification.js';
import { pairPhotoFile, verifyPairs, type VerificationReport } from './pairs-verification.js';
import { prepareEvaluation, type EvaluateArgs } from './evaluate-args.js';
import { ProgressBar } from './progress.js';

export interface EvaluateOptions {
  identification?: IdentificationProtocol;
  pairs?: { parsed: LfwPairs; imagesDir: string };
  thresholds: MatchThresholds;
  detector: Config['enrollDetector'];
  /**
   * `rollcall` applies the live system's quality gates; `baseline` mimics a plain face-api setup:
   * any face found is enrolled, every probe face is matched, no padding.
   */
  mode: 'rollcall' | 'baseline';
  /**
   * Names each probe from its two nearest people (and its face). @defaultValue the live rule,
   * `thresholdPolicy(thresholds, gates)`, with the recognition gates in `rollcall` mode
   */
  policy?: { name: string; forGallery: PolicyFactory };
  /** Seed of the gallery subsets. */
  seed: number;
  /** Where analyses are cached; null analyses every photo afresh and stores nothing. */
  cacheDir: string | null;
}

export interface RunInfo {
  mode: EvaluateOptions['mode'];
  /** The protocol of the identification figures, when there are any. */
  protocol?: { kind: IdentificationProtocol['kind']; strangers?: number; seed?: number };
  /** Photos the run needed (each analysed, or taken from the cache, once). */
  photos: number;
  /** Wall-clock time per photo over the whole run (read, decode, detect, describe, or the cache) with `threads` threads. */
  msPerImage: number;
  /** Mean time analysing one photo took, queueing included; for a cached photo, when it was analysed. */
  latencyMsPerImage: number;
  backend: string;
  threads: number;
  model: string;
  descriptorModel: string;
  /** The thresholds in force: fixed, or those calibrated for the whole gallery. */
  thresholds: MatchThresholds;
  /** With calibration: how the whole gallery's thresholds were set and the stranger rate they predict. */
  calibration?: GalleryThresholds;
  decisionPolicy: string;
  cache: AnalysisCacheStats | null;
}

/** Identification figures when a protocol was given, verification figures when pairs were. */
export type EvaluationReport = RunInfo & Partial<IdentificationReport> & Partial<VerificationReport>;

const NO_GATES = { minSizePx: 0, minScore: 0, minSharpness: Number.NEGATIVE_INFINITY, minFrontality: 0 };

/** Every photo the run needs, each once (pairs and protocols share photos). */
function photosOf(options: EvaluateOptions): LabelledPhoto[] {
  const byFile = new Map<string, LabelledPhoto>();
  const add = (photo: LabelledPhoto) => {
    if (!byFile.has(photo.file)) byFile.set(photo.file, photo);
  };
  options.identification?.enroll.forEach(add);
  options.identification?.probes.forEach(add);
  for (const pair of options.pairs?.parsed.pairs ?? []) {
    for (const ref of [pair.a, pair.b])
      add({ identity: ref.name, file: pairPhotoFile(options.pairs?.imagesDir ?? '', ref) });
  }
  return [...byFile.values()];
}

export async function evaluate(
  engine: FaceEngine,
  options: EvaluateOptions,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<EvaluationReport> {
  const photos = photosOf(options);
  let done = 0;
  const progress = () => {
    onProgress(++done, photos.length);
  };
  const started = performance.now();
  const detectOptions: DetectOptions = {
    detector: options.detector,
    padCascade: options.mode === 'rollcall',
  };
  const cache =
    options.cacheDir === null
      ? undefined
      : await AnalysisCache.open(
          options.cacheDir,
          pipelineKey(engine.info, detectOptions, await analysisCodeFingerprint()),
        );
  let analyses: PhotoAnalysis[];
  try {
    analyses = await analyzePhotos(engine, photos, detectOptions, progress, cache);
  } finally {
    await cache?.close();
  }
  const byFile = new Map(photos.map((p, i) => [p.file, analyses[i] as PhotoAnalysis]));
  const analysisOf = (file: string): PhotoAnalysis => {
    const analysis = byFile.get(file);
    if (!analysis) throw new RollcallError(ErrorCode.InternalError, `${file} was not analysed`);
    return analysis;
  };

  const rollcall = options.mode === 'rollcall';
  const report: EvaluationReport = {
    mode: options.mode,
    photos: photos.length,
    msPerImage: photos.length ? (performance.now() - started) / photos.length : 0,
    latencyMsPerImage: analyses.length ? analyses.reduce((sum, a) => sum + a.ms, 0) / analyses.length : 0,
    backend: engine.info.backend,
    threads: engine.info.threads,
    model: engine.info.model,
    descriptorModel: engine.info.descriptorModel,
    thresholds: options.thresholds,
    decisionPolicy:
      options.policy?.name ??
      `match below ${options.thresholds.match}, unknown from ${options.thresholds.unknown}, ${
        rollcall ? 'faces below the recognition quality gates left unknown' : 'no quality gates'
      }`,
    cache: cache ? { ...cache.stats } : null,
  };
  if (options.identification) {
    const gates = rollcall ? RECOGNITION_GATES : null;
    report.protocol = { kind: options.identification.kind, ...options.identification.split };
    Object.assign(
      report,
      identify(options.identification, analysisOf, {
        enrollmentGates: rollcall ? ENROLLMENT_GATES : NO_GATES,
        recognitionGates: gates,
        policy: options.policy?.forGallery ?? (() => thresholdPolicy(options.thresholds, gates)),
        dimension: DESCRIPTOR_LENGTHS[engine.info.descriptorModel],
        seed: options.seed,
      }),
    );
  }
  if (options.pairs)
    Object.assign(report, verifyPairs(options.pairs.parsed, options.pairs.imagesDir, analysisOf));
  return report;
}

/** The stock face-api setup Rollcall is measured against: SSD, euclidean distance 0.6. */
const BASELINE_THRESHOLDS: MatchThresholds = { match: 0.6, unknown: 0.6 };

async function evaluateWithPool(
  config: Config,
  args: EvaluateArgs,
  shared: Pick<EvaluateOptions, 'identification' | 'pairs'>,
  mode: EvaluateOptions['mode'],
  embedder: DescriptorModel | undefined,
  progress: ProgressBar,
): Promise<EvaluationReport> {
  const fixed: MatchThresholds | undefined =
    mode === 'baseline'
      ? BASELINE_THRESHOLDS
      : args.match !== undefined
        ? { match: args.match, unknown: args.unknown ?? args.match }
        : args.target === undefined
          ? config.fixedThresholds
          : undefined;
  // Fail on bad thresholds before minutes of analysis, not after.
  if (fixed) thresholdPolicy(fixed, null);
  const engine = await FaceEnginePool.start({
    threads: args.threads ?? config.workerThreads,
    backend: config.tfBackend,
    defaultDetector: config.enrollDetector,
    pipeline: mode === 'rollcall' ? 'rollcall' : 'faceapi-default',
    embedder: embedder ?? config.faceEmbedder,
  });
  const model = engine.info.descriptorModel;
  const target = args.target ?? config.strangerRateTarget;
  // As the live system does: thresholds calibrated for each gallery measured, from the people in
  // it, for the target; the largest gallery's are reported.
  let calibrated: GalleryThresholds | undefined;
  const calibratedPolicy = {
    name: `calibrated per gallery for strangers named at most ${percent(target)} (${model}), faces below the recognition quality gates left unknown`,
    forGallery: (people: readonly PolicyPerson[]) => {
      const thresholds = thresholdsForGallery(people, model, { strangerRateTarget: target });
      if (!calibrated || thresholds.people >= calibrated.people) calibrated = thresholds;
      return thresholdPolicy(thresholds, RECOGNITION_GATES);
    },
  };
  try {
    const report = await evaluate(
      engine,
      {
        ...shared,
        thresholds: fixed ?? PRIOR_THRESHOLDS[model],
        ...(fixed ? {} : { policy: calibratedPolicy }),
        detector: mode === 'rollcall' ? config.enrollDetector : 'ssd',
        mode,
        seed: args.seed,
        cacheDir: args.cache,
      },
      (done, total) => {
        progress.update(done, total);
      },
    );
    if (calibrated) {
      report.thresholds = { match: calibrated.match, unknown: calibrated.unknown };
      report.calibration = calibrated;
    }
    return report;
  } finally {
    progress.done();
    await engine.close();
  }
}

function chartSeries(name: string, report: EvaluationReport, marked: boolean): ChartSeries {
  return {
    name,
    points: (report.curve ?? []).map((p) => ({ x: p.strangersNamedRate, y: p.rank1Accuracy })),
    marks: marked
      ? (report.rank1AtStrangerRate ?? []).map((p) => ({
          x: p.achievedStrangersNamedRate,
          y: p.rank1Accuracy,
          label: `${percent(p.rank1Accuracy)} at ≤${percent(p.strangersNamedRate, 0)}`,
        }))
      : [],
  };
}

async function writeCurve(file: string, report: FullReport): Promise<void> {
  const series = [report, ...(report.otherModels ?? [])].map((r, i) =>
    chartSeries(`Rollcall (${r.descriptorModel} descriptors)`, r, i === 0),
  );
  if (report.baseline) series.push(chartSeries('face-api stock pipeline (baseline)', report.baseline, false));
  const protocol =
    report.protocol?.kind === 'open-set' ? `open set, seed ${report.protocol.seed}` : 'enroll/probe folders';
  await writeFile(
    file,
    operatingCurveSvg(series, {
      title: 'Open-set identification: rank-1 against strangers named',
      subtitle: [
        `${report.enrolledIdentities ?? 0} people enrolled, ${report.enrolledProbes ?? 0} probes of them, ${
          report.strangerProbes ?? 0
        } strangers (${protocol}); ${report.descriptorModel} descriptors`,
        'Threshold swept with match = unknown; dots: rank-1 with at most 10%, 5%, 1% of strangers named',
      ],
    }),
  );
}

/** What `runEvaluate` prints: the headline report, and the others measured in the same run. */
type FullReport = EvaluationReport & { otherModels?: EvaluationReport[]; baseline?: EvaluationReport };

export async function runEvaluate(config: Config, args: EvaluateArgs): Promise<number> {
  const shared = await prepareEvaluation(args);
  const [first, ...others] = args.embedders ?? [undefined];
  const label = (embedder: DescriptorModel | undefined) => (embedder ? `evaluate ${embedder}` : 'evaluate');
  const report: FullReport = await evaluateWithPool(
    config,
    args,
    shared,
    'rollcall',
    first,
    new ProgressBar(label(first)),
  );
  for (const embedder of others) {
    report.otherModels ??= [];
    report.otherModels.push(
      await evaluateWithPool(config, args, shared, 'rollcall', embedder, new ProgressBar(label(embedder))),
    );
  }
  if (args.baseline) {
    report.baseline = await evaluateWithPool(
      config,
      args,
      shared,
      'baseline',
      undefined,
      new ProgressBar('baseline'),
    );
  }
  if (args.curve !== undefined) await writeCurve(args.curve, report);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`Rollcall (${report.descriptorModel} descriptors)\n${formatReport(report)}\n`);
    for (const other of report.otherModels ?? []) {
      process.stdout.write(`\nRollcall (${other.descriptorModel} descriptors)\n${formatReport(other)}\n`);
    }
    if (report.baseline)
      process.stdout.write(
        `\nBaseline (face-api stock pipeline, distance 0.6)\n${formatReport(report.baseline)}\n`,
      );
  }
  if (args.curve !== undefined) process.stderr.write(`operating curve written to ${args.curve}\n`);
  return 0;
}
