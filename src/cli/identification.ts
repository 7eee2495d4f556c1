/**
 * Open-set identification over analysed photos: enroll, find each probe's two nearest people once,
 * apply a decision policy, and sweep what the policy cannot show on its own — the gallery growing,
 * and the match threshold moving.
 */
import {
  Gallery,
  STRANGER_RATES,
  mulberry32,
  operatingCurve,
  primaryFace,
  rank1AtStrangerRate,
  shuffled,
  summarizeProbes,
  thresholdGrid,
  thresholdPolicy,
  type CurvePoint,
  type DecisionPolicy,
  type PolicyFactory,
  type EvaluationSummary,
  type ProbeOutcome,
  type QualityGates,
  type SerializedError,
  type StrangerRateOperatingPoint,
  type SweepProbe,
} from '../core/index.js';
import type { DescribedFace } from '../engine/index.js';
import { enrollAnalyses, type LabelledPhoto, type PhotoAnalysis } from './enroll-folders.js';
import type { IdentificationProtocol, ProbePhoto } from './evaluation-protocol.js';

export interface IdentificationOptions {
  /** What a photo must pass to be enrolled. */
  enrollmentGates: QualityGates;
  /** Quality a face needs before it may be named in the threshold sweep; null names any face. */
  recognitionGates: QualityGates | null;
  /** Makes the decision policy of each gallery measured (the whole one and each subset). */
  policy: PolicyFactory;
  /** Values in a descriptor of the engine's model. */
  dimension: number;
  /** Seed of the gallery subsets. */
  seed: number;
  /** Gallery sizes to sweep besides "everyone enrolled". @defaultValue [100, 300] */
  gallerySizes?: readonly number[];
}

/** The figures at one gallery size; strangers are the same at every size. */
export interface GallerySweepPoint {
  /** People in the gallery: a seeded subset of the enrolled people, each subset inside the next. */
  galleryPeople: number;
  /** Probes of the people in the gallery (probes of enrolled people left out of it are not used). */
  enrolledProbes: number;
  strangerProbes: number;
  rank1Accuracy: number | null;
  correct: number;
  /** Enrolled probes given someone else's name: a count, then over enrolled probes. */
  enrolledNamedWrong: number;
  wrongNamesOfEnrolled: number | null;
  /** Stranger probes given a name: a count, then over stranger probes. */
  strangersNamed: number;
  strangersNamedRate: number | null;
  rank1AtStrangerRate: StrangerRateOperatingPoint[];
}

export interface IdentificationReport extends EvaluationSummary {
  identities: number;
  enrolledIdentities: number;
  enrollPhotos: number;
  enrolledPhotos: number;
  /** Rank-1 and wrong names as the gallery grows, at the decision policy in use. */
  gallerySweep: GallerySweepPoint[];
  /** The threshold sweep (match = unknown) over the whole gallery. */
  curve: CurvePoint[];
  /** Rank-1 at 10%, 5% and 1% of strangers named, over the whole gallery. */
  rank1AtStrangerRate: StrangerRateOperatingPoint[];
  refusedEnrollments: { file: string; reason: string }[];
  unreadable: { file: string; error: SerializedError }[];
  mistakes: Pick<ProbeOutcome, 'file' | 'identity' | 'named' | 'distance' | 'decision'>[];
}

interface ProbeFace {
  photo: ProbePhoto;
  /** The photo's primary face, or null when none was found. */
  face: DescribedFace | null;
}

/** Runs `protocol` on the analyses (`analysisOf` gives each photo's, by file). */
export function identify(
  protocol: IdentificationProtocol,
  analysisOf: (file: string) => PhotoAnalysis,
  options: IdentificationOptions,
): IdentificationReport {
  const enrollAnalysesInOrder = protocol.enroll.map((p) => analysisOf(p.file));
  const gallery = new Gallery({ dimension: options.dimension });
  const enrollment = enrollAnalyses(gallery, protocol.enroll, enrollAnalysesInOrder, options.enrollmentGates);
  const unreadable = [...enrollment.unreadable];

  const probeFaces: ProbeFace[] = [];
  for (const photo of protocol.probes) {
    const analysis = analysisOf(photo.file);
    if (!analysis.ok) unreadable.push({ file: photo.file, error: analysis.error });
    else probeFaces.push({ photo, face: primaryFace(analysis.faces) ?? null });
  }

  const whole = scoreProbes(gallery, probeFaces, options.policy(enrollment.people), options);
  const summary = summarizeProbes(whole.outcomes);
  const enrolledIdentities = [...new Set(protocol.enroll.map((p) => p.identity))];
  return {
    identities: enrolledIdentities.length,
    enrolledIdentities: gallery.personCount,
    enrollPhotos: protocol.enroll.length,
    enrolledPhotos: gallery.descriptorCount,
    ...summary,
    gallerySweep: gallerySweep(
      protocol.enroll,
      enrollAnalysesInOrder,
      enrolledIdentities,
      probeFaces,
      options,
    ),
    curve: operatingCurve(whole.sweep, thresholdGrid(whole.sweep)),
    rank1AtStrangerRate: STRANGER_RATES.map((rate) => rank1AtStrangerRate(whole.sweep, rate)),
    refusedEnrollments: enrollment.refused,
    unreadable,
    mistakes: whole.outcomes
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

/**
 * Each probe's two nearest people, searched once without a distance limit, turned into the policy's
 * decision and into what the threshold sweep needs.
 */
function scoreProbes(
  gallery: Gallery,
  probes: readonly ProbeFace[],
  policy: DecisionPolicy,
  options: IdentificationOptions,
): { outcomes: ProbeOutcome[]; sweep: SweepProbe[] } {
  // With no threshold at all, this says which faces the gates let be named at some threshold.
  const nameable = thresholdPolicy({ match: Infinity, unknown: Infinity }, options.recognitionGates);
  const outcomes: ProbeOutcome[] = [];
  const sweep: SweepProbe[] = [];
  for (const { photo, face } of probes) {
    const base = { file: photo.file, identity: photo.identity, enrolled: photo.enrolled };
    if (face === null) {
      outcomes.push({ ...base, faceFound: false, named: null, distance: null, decision: 'no_face' });
      sweep.push({ identity: photo.identity, enrolled: photo.enrolled, nearest: null });
      continue;
    }
    const nearest = gallery.nearestPeople(face.descriptor, 2);
    const decision = policy(nearest, face);
    outcomes.push({
      ...base,
      faceFound: true,
      named: decision.kind === 'match' ? decision.personId : null,
      distance: Number.isFinite(decision.distance) ? decision.distance : null,
      decision: decision.kind,
    });
    const best = nearest[0];
    sweep.push({
      identity: photo.identity,
      enrolled: photo.enrolled,
      nearest: best !== undefined && nameable(nearest, face).kind === 'match' ? best : null,
    });
  }
  return { outcomes, sweep };
}

/**
 * The figures for seeded, nested subsets of the enrolled people (100, 300, …, everyone), with the
 * same strangers throughout: how accuracy and wrong names move as the gallery grows.
 */
function gallerySweep(
  enroll: readonly LabelledPhoto[],
  analyses: readonly PhotoAnalysis[],
  enrolledIdentities: readonly string[],
  probes: readonly ProbeFace[],
  options: IdentificationOptions,
): GallerySweepPoint[] {
  const order = shuffled(enrolledIdentities, mulberry32(options.seed));
  const sizes = [...(options.gallerySizes ?? [100, 300]), order.length].filter(
    (n, i, all) => n > 0 && n <= order.length && all.indexOf(n) === i,
  );
  return sizes.map((size) => {
    const members = new Set(order.slice(0, size));
    const inSubset = enroll.map((p) => members.has(p.identity));
    const gallery = new Gallery({ dimension: options.dimension });
    const enrolled = enrollAnalyses(
      gallery,
      enroll.filter((_, i) => inSubset[i]),
      analyses.filter((_, i) => inSubset[i]),
      options.enrollmentGates,
    );
    const used = probes.filter((p) => !p.photo.enrolled || members.has(p.photo.identity));
    const { outcomes, sweep } = scoreProbes(gallery, used, options.policy(enrolled.people), options);
    const s = summarizeProbes(outcomes);
    const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);
    return {
      galleryPeople: size,
      enrolledProbes: s.enrolledProbes,
      strangerProbes: s.strangerProbes,
      rank1Accuracy: s.rank1Accuracy,
      correct: s.correct,
      enrolledNamedWrong: s.enrolledNamedWrong,
      wrongNamesOfEnrolled: ratio(s.enrolledNamedWrong, s.enrolledProbes),
      strangersNamed: s.strangersNamed,
      strangersNamedRate: ratio(s.strangersNamed, s.strangerProbes),
      rank1AtStrangerRate: STRANGER_RATES.map((rate) => rank1AtStrangerRate(sweep, rate)),
    };
  });
}
