/**
 * `rollcall evaluate --enroll DIR --probe DIR [--json]`: how well Rollcall tells who is in a photo.
 *
 * Each DIR holds one folder per identity. Every photo of the first is enrolled through the same
 * engine, enrollment quality gates and gallery as the live system; every photo of the second is
 * identified with the live thresholds. Identities absent from the enrollment set must come out
 * unknown.
 */
import type { Config } from '../../config.js';
import {
  decide,
  ENROLLMENT_GATES,
  Gallery,
  primaryFace,
  RECOGNITION_GATES,
  qualityProblems,
  summarizeProbes,
  type EvaluationSummary,
  type MatchThresholds,
  type ProbeOutcome,
  type SerializedError,
} from '../core/index.js';
import type { FaceEngine } from '../engine/index.js';
import { FaceEnginePool } from '../workers/index.js';
import { analyzePhotos, enrollAnalyses, listIdentityPhotos, type PhotoAnalysis } from './enroll-folders.js';
import { ProgressBar } from './progress.js';

export interface EvaluateOptions {
  enrollDir: string;
  probeDir: string;
  thresholds: MatchThresholds;
  detector: Config['enrollDetector'];
  /**
   * `rollcall` applies the live system's quality gates; `baseline` mimics a plain face-api setup:
   * any face found is enrolled, every probe face is matched, no padding.
   */
  mode: 'rollcall' | 'baseline';
}

export interface EvaluationReport extends EvaluationSummary {
  identities: number;
  enrolledIdentities: number;
  enrollPhotos: number;
  enrolledPhotos: number;
  /** Wall-clock time per photo over the whole run (decode, detect, describe) with `threads` threads. */
  msPerImage: number;
  /** Mean time from starting one photo to its faces, queueing included. */
  latencyMsPerImage: number;
  backend: string;
  threads: number;
  model: string;
  thresholds: MatchThresholds;
  refusedEnrollments: { file: string; reason: string }[];
  unreadable: { file: string; error: SerializedError }[];
  mistakes: Pick<ProbeOutcome, 'file' | 'identity' | 'named' | 'distance' | 'decision'>[];
}

const NO_GATES = { minSizePx: 0, minScore: 0, minSharpness: Number.NEGATIVE_INFINITY, minFrontality: 0 };

export async function evaluate(
  engine: FaceEngine,
  options: EvaluateOptions,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<EvaluationReport> {
  const enrollPhotos = await listIdentityPhotos(options.enrollDir);
  const probePhotos = await listIdentityPhotos(options.probeDir);
  const total = enrollPhotos.length + probePhotos.length;
  let done = 0;
  const progress = () => {
    onProgress(++done, total);
  };
  const started = performance.now();
  const detectOptions = { detector: options.detector, padCascade: options.mode === 'rollcall' };
  const enrollResults = await analyzePhotos(engine, enrollPhotos, detectOptions, progress);
  const probeAnalyses = await analyzePhotos(engine, probePhotos, detectOptions, progress);

  const gallery = new Gallery();
  const enrollment = enrollAnalyses(
    gallery,
    enrollPhotos,
    enrollResults,
    options.mode === 'rollcall' ? ENROLLMENT_GATES : NO_GATES,
  );
  const unreadable = [...enrollment.unreadable];

  const enrolledIdentities = new Set(enrollPhotos.map((p) => p.identity));
  const outcomes: ProbeOutcome[] = [];
  probePhotos.forEach((photo, i) => {
    const analysis = probeAnalyses[i] as PhotoAnalysis;
    if (!analysis.ok) {
      unreadable.push({ file: photo.file, error: analysis.error });
      return;
    }
    const enrolled = enrolledIdentities.has(photo.identity);
    const face = primaryFace(analysis.faces);
    if (!face) {
      outcomes.push({
        file: photo.file,
        identity: photo.identity,
        enrolled,
        faceFound: false,
        named: null,
        distance: null,
        decision: 'no_face',
      });
      return;
    }
    // The live system never names a face below the recognition gates; neither does evaluation.
    const usable =
      options.mode === 'baseline' || qualityProblems(face.quality, RECOGNITION_GATES).length === 0;
    const nearest = gallery.nearestPeople(face.descriptor, 2);
    const decision = usable
      ? decide(nearest, options.thresholds)
      : ({ kind: 'unknown', distance: nearest[0]?.distance ?? Infinity } as const);
    outcomes.push({
      file: photo.file,
      identity: photo.identity,
      enrolled,
      faceFound: true,
      named: decision.kind === 'match' ? decision.personId : null,
      distance: Number.isFinite(decision.distance) ? decision.distance : null,
      decision: decision.kind,
    });
  });

  const analyses = [...enrollResults, ...probeAnalyses];
  const summary = summarizeProbes(outcomes);
  return {
    identities: enrolledIdentities.size,
    enrolledIdentities: gallery.personCount,
    enrollPhotos: enrollPhotos.length,
    enrolledPhotos: gallery.descriptorCount,
    ...summary,
    msPerImage: analyses.length ? (performance.now() - started) / analyses.length : 0,
    latencyMsPerImage: analyses.length ? analyses.reduce((sum, a) => sum + a.ms, 0) / analyses.length : 0,
    backend: engine.info.backend,
    threads: engine.info.threads,
    model: engine.info.model,
    thresholds: options.thresholds,
    refusedEnrollments: enrollment.refused,
    unreadable,
    mistakes: outcomes
      .filter((o) => (o.enrolled ? o.named !== o.identity : o.named !== null))
      .map(({ file, identity, named, distance, decision }) => ({
        file,
        identity,
        named,
        distance,
        decision,
      })),
  };
}

function percent(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`;
}

export function formatReport(report: EvaluationReport): string {
  const lines = [
    `Enrolled ${report.enrolledIdentities}/${report.identities} identities from ${report.enrolledPhotos}/${report.enrollPhotos} photos`,
    `Probes: ${report.probes} (${report.enrolledProbes} of enrolled people, ${report.strangerProbes} of strangers)`,
    `  rank-1 accuracy      ${percent(report.rank1Accuracy)}  (${report.correct} named correctly, ${report.missed} missed)`,
    `  false accept rate    ${percent(report.falseAcceptRate)}  (${report.wrongNames} wrong names)`,
    `  unknown reject rate  ${percent(report.unknownRejectRate)}`,
    `  faceless probes      ${report.facelessProbes}, uncertain ${report.uncertain}`,
    `  ${report.msPerImage.toFixed(0)} ms per image (latency ${report.latencyMsPerImage.toFixed(0)} ms), backend ${report.backend}, ${report.threads} thread(s)`,
  ];
  for (const r of report.refusedEnrollments) lines.push(`  refused enrollment ${r.file}: ${r.reason}`);
  for (const u of report.unreadable) lines.push(`  unreadable ${u.file}: ${u.error.message}`);
  for (const m of report.mistakes) {
    lines.push(
      `  ${m.file}: expected ${m.identity}, got ${m.named ?? m.decision} (distance ${m.distance?.toFixed(3) ?? '-'})`,
    );
  }
  return lines.join('\n');
}

/** The stock face-api setup Rollcall is measured against: SSD, euclidean distance 0.6. */
const BASELINE_THRESHOLDS: MatchThresholds = { match: 0.6, unknown: 0.6 };

async function evaluateWithPool(
  config: Config,
  args: { enroll: string; probe: string; threads?: number },
  mode: EvaluateOptions['mode'],
  progress: ProgressBar,
): Promise<EvaluationReport> {
  const engine = await FaceEnginePool.start({
    threads: args.threads ?? config.workerThreads,
    backend: config.tfBackend,
    defaultDetector: config.enrollDetector,
    pipeline: mode === 'rollcall' ? 'rollcall' : 'faceapi-default',
  });
  try {
    return await evaluate(
      engine,
      {
        enrollDir: args.enroll,
        probeDir: args.probe,
        thresholds:
          mode === 'rollcall'
            ? { match: config.matchThreshold, unknown: config.unknownThreshold }
            : BASELINE_THRESHOLDS,
        detector: mode === 'rollcall' ? config.enrollDetector : 'ssd',
        mode,
      },
      (done, total) => {
        progress.update(done, total);
      },
    );
  } finally {
    progress.done();
    await engine.close();
  }
}

export async function runEvaluate(
  config: Config,
  args: { enroll: string; probe: string; json: boolean; baseline: boolean; threads?: number },
): Promise<number> {
  const report: EvaluationReport & { baseline?: EvaluationReport } = await evaluateWithPool(
    config,
    args,
    'rollcall',
    new ProgressBar('evaluate'),
  );
  if (args.baseline)
    report.baseline = await evaluateWithPool(config, args, 'baseline', new ProgressBar('baseline'));
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`Rollcall\n${formatReport(report)}\n`);
    if (report.baseline)
      process.stdout.write(
        `Baseline (face-api stock pipeline, distance 0.6)\n${formatReport(report.baseline)}\n`,
      );
  }
  return 0;
}
