import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

import { DESCRIPTOR_LENGTH } from './descriptor.js';
import { gaussian, mulberry32 } from './random.js';
import { ErrorCode, RollcallError } from './errors.js';
import {
  Gallery,
  decide,
  matchFace,
  type MatchDecision,
  type MatchThresholds,
  type NearestPerson,
} from './matcher.js';
import type { RowScanKernel } from './wasm/row-scan.js';

const DIM = DESCRIPTOR_LENGTH;
const DESCRIPTORS_PER_PERSON = 5;
/** Spread of each dimension's population mean, of person centres around it, and of one photo around its centre. */
const MEAN_STD = 0.05;
const CENTRE_STD = 0.045;
const NOISE_STD = 0.025;
/** Untimed queries first, so the JIT has compiled the search before it is measured. */
const WARMUP_QUERIES = 10;

/** Options of {@link benchmarkMatcher}. */
export interface MatcherBenchOptions {
  /** Descriptors in the synthetic gallery, five per person. */
  descriptors: number;
  /** Timed queries: half near an enrolled person, half strangers. */
  queries: number;
  /** Seed of the generator, so runs are comparable. */
  seed: number;
  /** @defaultValue `{ match: 0.55, unknown: 0.6 }`, the config defaults */
  thresholds?: MatchThresholds;
}

/** What {@link benchmarkMatcher} measured. Times are milliseconds on the calling thread. */
export interface MatcherBenchResult {
  descriptors: number;
  people: number;
  queries: number;
  /** The scan that answered: `wasm-simd`, or `js` when the kernel could not load. */
  kernel: RowScanKernel;
  msPerQueryMean: number;
  msPerQueryP95: number;
  /** The same search through the JavaScript fallback scan, same run. */
  jsScanMsPerQuery: number;
  bruteForceMsPerQuery: number;
  /** `bruteForceMsPerQuery / msPerQueryMean`. */
  speedup: number;
  /** Enrolling everyone. */
  buildMs: number;
  /**
   * Fraction of queries where both scans' answers agree with the brute-force answer; anything but 1 is
   * a bug.
   */
  agreement: number;
}

/**
 * Times {@link matchFace} on a synthetic gallery shaped like face-api descriptors (same-person distances
 * around 0.4, different people around 0.7–0.9) against a naive full scan of the same data.
 */
export async function benchmarkMatcher(options: MatcherBenchOptions): Promise<MatcherBenchResult> {
  const thresholds = options.thresholds ?? { match: 0.55, unknown: 0.6 };
  const { descriptors, queries, seed } = options;
  if (!Number.isInteger(descriptors) || descriptors < DESCRIPTORS_PER_PERSON) {
    throw new RollcallError(
      ErrorCode.UsageInvalid,
      `descriptors must be an integer >= ${DESCRIPTORS_PER_PERSON}, got ${descriptors}`,
    );
  }
  if (!Number.isInteger(queries) || queries < 1) {
    throw new RollcallError(ErrorCode.UsageInvalid, `queries must be a positive integer, got ${queries}`);
  }

  const uniform = mulberry32(seed);
  const random = gaussian(uniform);
  const people = Math.floor(descriptors / DESCRIPTORS_PER_PERSON);
  const populationMean = Float64Array.from({ length: DIM }, () => random() * MEAN_STD);
  const centres = Array.from({ length: people }, () => around(populationMean, CENTRE_STD, random));
  const enrolled = centres.map((centre) =>
    Array.from({ length: DESCRIPTORS_PER_PERSON }, () => around(centre, NOISE_STD, random)),
  );
  const queryFaces = Array.from({ length: WARMUP_QUERIES + queries }, (_, i) => {
    const known = i % 2 === 0 ? centres[Math.floor(uniform() * people)] : undefined;
    return around(known ?? around(populationMean, CENTRE_STD, random), NOISE_STD, random);
  });

  const buildStart = performance.now();
  const gallery = enrol(new Gallery(), enrolled);
  const buildMs = performance.now() - buildStart;
  // Let a CLI's signal handlers and progress output run between the long synchronous phases.
  await yieldToEventLoop();
  const fast = timeQueries(gallery, queryFaces, thresholds);
  await yieldToEventLoop();
  const js = timeQueries(enrol(new Gallery({ kernel: 'js' }), enrolled), queryFaces, thresholds);
  await yieldToEventLoop();

  const flat = new Float32Array(people * DESCRIPTORS_PER_PERSON * DIM);
  enrolled.flat().forEach((face, row) => {
    flat.set(face, row * DIM);
  });
  const timed = queryFaces.slice(WARMUP_QUERIES);
  const bruteStart = performance.now();
  const brute = timed.map((query) => decide(bruteForceNearest(flat, query, thresholds.unknown), thresholds));
  const bruteForceMsPerQuery = (performance.now() - bruteStart) / queries;

  const agreed = brute.filter(
    (decision, i) => sameDecision(decision, fast.decisions[i]) && sameDecision(decision, js.decisions[i]),
  ).length;
  const msPerQueryMean = mean(fast.times);
  const times = fast.times.sort((a, b) => a - b);
  return {
    descriptors: people * DESCRIPTORS_PER_PERSON,
    people,
    queries,
    kernel: gallery.kernel,
    msPerQueryMean,
    msPerQueryP95: times[Math.min(queries - 1, Math.ceil(queries * 0.95) - 1)] ?? 0,
    jsScanMsPerQuery: mean(js.times),
    bruteForceMsPerQuery,
    speedup: bruteForceMsPerQuery / msPerQueryMean,
    buildMs,
    agreement: agreed / queries,
  };
}

function enrol(gallery: Gallery, enrolled: readonly Float32Array[][]): Gallery {
  enrolled.forEach((faces, person) => {
    gallery.upsert(personId(person), faces);
  });
  return gallery;
}

/** Answers every query, timing all but the warm-up ones. */
function timeQueries(
  gallery: Gallery,
  queryFaces: readonly Float32Array[],
  thresholds: MatchThresholds,
): { decisions: MatchDecision[]; times: number[] } {
  const decisions: MatchDecision[] = [];
  const times: number[] = [];
  queryFaces.forEach((query, i) => {
    const start = performance.now();
    const decision = matchFace(gallery, query, thresholds);
    if (i >= WARMUP_QUERIES) {
      times.push(performance.now() - start);
      decisions.push(decision);
    }
  });
  return { decisions, times };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The two nearest people by a full scan of every row, with no pruning: the reference answer. */
function bruteForceNearest(flat: Float32Array, query: Float32Array, maxDistance: number): NearestPerson[] {
  const perPerson = DESCRIPTORS_PER_PERSON * DIM;
  const best: NearestPerson[] = [];
  for (let person = 0; person * perPerson < flat.length; person++) {
    let min = Infinity;
    for (let base = person * perPerson; base < (person + 1) * perPerson; base += DIM) {
      let sum = 0;
      for (let i = 0; i < DIM; i++) {
        const d = (query[i] ?? 0) - (flat[base + i] ?? 0);
        sum += d * d;
      }
      min = Math.min(min, sum);
    }
    const distance = Math.sqrt(min);
    if (distance < maxDistance) best.push({ personId: personId(person), distance });
  }
  return best.sort((a, b) => a.distance - b.distance).slice(0, 2);
}

function sameDecision(a: MatchDecision, b: MatchDecision | undefined): boolean {
  if (b?.kind !== a.kind || !sameDistance(a.distance, b.distance)) return false;
  if (a.kind === 'unknown' || b.kind === 'unknown') return true;
  if (a.personId !== b.personId) return false;
  const x = a.kind === 'match' ? a.runnerUp : undefined;
  const y = b.kind === 'match' ? b.runnerUp : undefined;
  if (x === undefined || y === undefined) return x === y;
  return x.personId === y.personId && sameDistance(x.distance, y.distance);
}

/** Equal up to summation-order rounding; Infinity equals Infinity. */
function sameDistance(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) < 1e-6;
}

function personId(index: number): string {
  return `person-${index}`;
}

function around(centre: ArrayLike<number>, std: number, random: () => number): Float32Array {
  return Float32Array.from({ length: DIM }, (_, i) => (centre[i] ?? 0) + random() * std);
}
