/** The text `rollcall evaluate` prints without `--json`: the figures first, details after. */
import type { EvaluationReport } from './evaluate.command.js';

/** Mistakes listed in text; `--json` lists them all. */
const MISTAKES_SHOWN = 20;
/** Curve rows printed in text: one every this much of the threshold. */
const CURVE_ROW_STEP = 0.05;

export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? 'n/a' : `${(value * 100).toFixed(digits)}%`;
}

function threshold(value: number | null): string {
  return value === null ? 'none' : value.toFixed(3);
}

function identificationLines(report: EvaluationReport): string[] {
  if (report.probes === undefined) return [];
  const protocol =
    report.protocol?.kind === 'open-set'
      ? ` (open-set split, ${report.protocol.strangers} strangers asked, seed ${report.protocol.seed})`
      : '';
  const lines = [
    `Enrolled ${report.enrolledIdentities}/${report.identities} identities from ${report.enrolledPhotos}/${report.enrollPhotos} photos${protocol}`,
    `Probes: ${report.probes} (${report.enrolledProbes} of enrolled people, ${report.strangerProbes} of strangers); policy: ${report.decisionPolicy}`,
    `  rank-1 accuracy      ${percent(report.rank1Accuracy)}  (${report.correct} named correctly, ${report.missed} missed)`,
    `  false accept rate    ${percent(report.falseAcceptRate)}  (${report.wrongNames} wrong names: ${report.enrolledNamedWrong} of enrolled people, ${report.strangersNamed} of strangers)`,
    `  unknown reject rate  ${percent(report.unknownRejectRate)}`,
    `  faceless probes      ${report.facelessProbes}, uncertain ${report.uncertain}`,
  ];
  if (report.gallerySweep && report.gallerySweep.length > 0) {
    lines.push('As the gallery grows (strangers fixed):');
    lines.push(
      '   people  probes  rank-1  named wrong  strangers named  rank-1 at 10% / 5% / 1% strangers named',
    );
    for (const p of report.gallerySweep) {
      const at = p.rank1AtStrangerRate.map((r) => percent(r.rank1Accuracy)).join(' / ');
      lines.push(
        `  ${String(p.galleryPeople).padStart(7)} ${String(p.enrolledProbes).padStart(7)} ${percent(p.rank1Accuracy).padStart(7)} ${percent(p.wrongNamesOfEnrolled).padStart(12)} ${percent(p.strangersNamedRate).padStart(16)}  ${at}`,
      );
    }
  }
  if (report.curve && report.rank1AtStrangerRate) {
    lines.push('Operating curve over the whole gallery (match = unknown threshold):');
    for (const p of report.rank1AtStrangerRate) {
      lines.push(
        `  at most ${percent(p.strangersNamedRate, 0).padStart(3)} of strangers named: rank-1 ${percent(p.rank1Accuracy)} (threshold ${threshold(p.threshold)}, ${percent(p.achievedStrangersNamedRate)} named)`,
      );
    }
    lines.push('  threshold  rank-1  strangers named  named wrong');
    const rows = report.curve.filter(
      (p) => Math.abs(p.threshold / CURVE_ROW_STEP - Math.round(p.threshold / CURVE_ROW_STEP)) < 1e-9,
    );
    // Only the part of the curve where something happens: from the first name to everyone named.
    const first = rows.findIndex((p) => (p.rank1Accuracy ?? 0) > 0 || (p.strangersNamedRate ?? 0) > 0);
    const last = report.curve.at(-1);
    const end = last
      ? rows.findIndex(
          (p) => p.rank1Accuracy === last.rank1Accuracy && p.strangersNamedRate === last.strangersNamedRate,
        )
      : -1;
    for (const p of rows.slice(Math.max(0, first - 1), end < 0 ? undefined : end + 1)) {
      lines.push(
        `  ${p.threshold.toFixed(2).padStart(9)} ${percent(p.rank1Accuracy).padStart(7)} ${percent(p.strangersNamedRate).padStart(16)} ${percent(p.wrongNamesOfEnrolled).padStart(12)}`,
      );
    }
  }
  return lines;
}

function verificationLines(report: EvaluationReport): string[] {
  const v = report.verification;
  if (!v) return [];
  return [
    `Verification: ${v.pairs} pairs (${v.samePairs} same, ${v.differentPairs} different) in ${v.folds.length} folds, ${v.pairsWithoutFace} without a face (counted wrong; ${v.unreadablePhotos} photos unreadable)`,
    `  accuracy             ${percent(report.verificationAccuracy, 2)}  (threshold chosen on the other folds: ${v.folds.map((f) => threshold(f.threshold)).join(', ')})`,
    `  TAR at FAR 0.1%      ${percent(report.tarAtFar1e3, 2)}  (threshold ${threshold(v.tarThreshold)})`,
    `  EER                  ${percent(report.eer, 2)}  (threshold ${threshold(v.eerThreshold)})`,
  ];
}

export function formatReport(report: EvaluationReport): string {
  const cache = report.cache;
  const cached = cache ? `, ${cache.hits} of ${report.photos} from the cache ${cache.file}` : ', no cache';
  const lines = [
    ...identificationLines(report),
    ...verificationLines(report),
    `Analysis: ${report.photos} photos${cached}`,
    `  ${report.msPerImage.toFixed(1)} ms per image this run (analysis latency ${report.latencyMsPerImage.toFixed(0)} ms), backend ${report.backend}, ${report.threads} thread(s), ${report.descriptorModel} descriptors`,
  ];
  if (cache?.droppedBytes)
    lines.push(`  the cache had a damaged tail of ${cache.droppedBytes} bytes; it was cut off`);
  if (cache?.writeError) lines.push(`  the cache could not be written: ${cache.writeError}`);
  for (const r of report.refusedEnrollments ?? []) lines.push(`  refused enrollment ${r.file}: ${r.reason}`);
  for (const u of report.unreadable ?? []) lines.push(`  unreadable ${u.file}: ${u.error.message}`);
  const mistakes = report.mistakes ?? [];
  for (const m of mistakes.slice(0, MISTAKES_SHOWN)) {
    lines.push(
      `  ${m.file}: expected ${m.identity}, got ${m.named ?? m.decision} (distance ${m.distance?.toFixed(3) ?? '-'})`,
    );
  }
  if (mistakes.length > MISTAKES_SHOWN)
    lines.push(`  … and ${mistakes.length - MISTAKES_SHOWN} more mistakes (see --json)`);
  return lines.join('\n');
}
