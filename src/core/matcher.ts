import { DESCRIPTOR_LENGTH, assertDescriptor } from './descriptor.js';
import { ErrorCode, RollcallError } from './errors.js';
import { createRowScanner, type RowScanKernel, type RowScanner } from './wasm/row-scan.js';

const INITIAL_ROW_CAPACITY = 64;
/**
 * The scan kernel sums in f32; a relative error of 512 · 2⁻²⁴ ≈ 3e-5 is the most rounding can move a
 * sum of 512 squares (the longest descriptor). Loosening its bound by far more than that means it never abandons a row that is
 * truly closer, and every row it does return is measured again exactly.
 */
const KERNEL_BOUND_SLACK = 1 + 1e-4;

/** One enrolled person and their distance to a query face (euclidean). */
export interface NearestPerson {
  personId: string;
  distance: number;
}

export interface GalleryOptions {
  /** Which scan to use; the JavaScript one is the fallback, chosen here only by tests and benchmarks. */
  kernel?: RowScanKernel;
  /**
   * Values in a descriptor: the length of the model whose descriptors the gallery holds (see
   * `DESCRIPTOR_LENGTHS`). @defaultValue face-api's 128
   */
  dimension?: number;
}

/**
 * The enrolled faces, held for exact nearest-person search.
 *
 * All descriptors live in one flat, growable, row-major `Float32Array` with an owner index per row, so
 * a search is a single pass over contiguous memory. The pass runs in a WebAssembly SIMD kernel (see
 * `wasm/row-scan.wat`) that abandons a row as soon as its partial squared distance reaches the current
 * bound; a plain JavaScript scan stands in where the kernel cannot load.
 */
export class Gallery {
  readonly #scanner: RowScanner;
  /** Person slot of each row. */
  #owners = new Int32Array(INITIAL_ROW_CAPACITY);
  #rowCount = 0;

  #personIds: string[] = [];
  #slotOf = new Map<string, number>();
  /** Row indices of each person slot. */
  #rowsOf: number[][] = [];

  constructor(options: GalleryOptions = {}) {
    this.#scanner = createRowScanner(
      INITIAL_ROW_CAPACITY,
      options.dimension ?? DESCRIPTOR_LENGTH,
      options.kernel,
    );
  }

  /** Values in each descriptor this gallery holds. */
  get dimension(): number {
    return this.#scanner.dimension;
  }

  /** The scan in use: `wasm-simd`, or `js` when the kernel could not load. */
  get kernel(): RowScanKernel {
    return this.#scanner.kernel;
  }

  /** Number of enrolled people. */
  get personCount(): number {
    return this.#personIds.length;
  }

  /** Number of stored descriptors over all people. */
  get descriptorCount(): number {
    return this.#rowCount;
  }

  /** Whether `personId` is enrolled. */
  has(personId: string): boolean {
    return this.#slotOf.has(personId);
  }

  /**
   * Enrols `personId` with `descriptors`, replacing any descriptors they had.
   *
   * @throws RollcallError `USAGE_INVALID` for an empty id or no descriptors; `DESCRIPTOR_INVALID` for a
   *   malformed descriptor (the gallery is then left unchanged).
   */
  upsert(personId: string, descriptors: Float32Array[]): void {
    if (typeof personId !== 'string' || personId.length === 0) {
      throw new RollcallError(ErrorCode.UsageInvalid, 'personId must be a non-empty string');
    }
    if (!Array.isArray(descriptors) || descriptors.length === 0) {
      throw new RollcallError(ErrorCode.UsageInvalid, `person "${personId}" needs at least one descriptor`);
    }
    // Validate everything before touching the gallery so a bad descriptor cannot half-replace a person.
    for (const d of descriptors) assertDescriptor(d, this.dimension);

    let slot = this.#slotOf.get(personId);
    if (slot === undefined) {
      slot = this.#personIds.length;
      this.#personIds.push(personId);
      this.#slotOf.set(personId, slot);
      this.#rowsOf.push([]);
    } else {
      this.#deleteRowsOf(slot);
    }

    this.#reserve(this.#rowCount + descriptors.length);
    const rows = this.#scanner.rows;
    const owned = this.#rowsOf[slot] ?? [];
    const DIM = this.dimension;
    for (const d of descriptors) {
      const row = this.#rowCount++;
      rows.set(d, row * DIM);
      this.#owners[row] = slot;
      owned.push(row);
    }
  }

  /** Every enrolled person with copies of their descriptors (for calibration, not the hot path). */
  people(): { personId: string; descriptors: Float32Array[] }[] {
    const rows = this.#scanner.rows;
    const DIM = this.dimension;
    return this.#personIds.map((personId, slot) => ({
      personId,
      descriptors: (this.#rowsOf[slot] ?? []).map((row) => rows.slice(row * DIM, row * DIM + DIM)),
    }));
  }

  /** Forgets `personId` and their descriptors. Returns whether they were enrolled. */
  remove(personId: string): boolean {
    const slot = this.#slotOf.get(personId);
    if (slot === undefined) return false;
    this.#deleteRowsOf(slot);

    // Swap-delete the person slot: the last person takes the freed slot.
    const lastSlot = this.#personIds.length - 1;
    if (slot !== lastSlot) {
      const movedId = this.#personIds[lastSlot] ?? '';
      const movedRows = this.#rowsOf[lastSlot] ?? [];
      this.#personIds[slot] = movedId;
      this.#rowsOf[slot] = movedRows;
      this.#slotOf.set(movedId, slot);
      for (const row of movedRows) this.#owners[row] = slot;
    }
    this.#personIds.pop();
    this.#rowsOf.pop();
    this.#slotOf.delete(personId);
    return true;
  }

  /** Forgets everyone. Keeps the allocated capacity. */
  clear(): void {
    this.#rowCount = 0;
    this.#personIds = [];
    this.#slotOf.clear();
    this.#rowsOf = [];
  }

  /**
   * The `k` nearest distinct people to `query`, nearest first, each at the distance of their closest
   * descriptor, keeping only those strictly closer than `maxDistance`.
   *
   * Exact: the answer is the one a brute-force scan gives. Speed comes from the kernel abandoning a row
   * once its partial squared distance reaches the k-th best so far (or `maxDistance²`, so a finite
   * `maxDistance` makes the search much faster); only the few rows that survive are measured here.
   *
   * @param k - how many people to return. @defaultValue 2
   * @param maxDistance - exclusive upper bound on the returned distances. @defaultValue Infinity
   * @throws RollcallError `DESCRIPTOR_INVALID` for a malformed query; `USAGE_INVALID` for a bad `k` or
   *   `maxDistance`.
   */
  nearestPeople(query: Float32Array, k = 2, maxDistance = Infinity): NearestPerson[] {
    const DIM = this.dimension;
    assertDescriptor(query, DIM);
    if (!Number.isInteger(k) || k < 1) {
      throw new RollcallError(ErrorCode.UsageInvalid, `k must be a positive integer, got ${k}`);
    }
    if (Number.isNaN(maxDistance) || maxDistance < 0) {
      throw new RollcallError(ErrorCode.UsageInvalid, `maxDistance must be >= 0, got ${maxDistance}`);
    }
    const n = this.#rowCount;
    if (n === 0 || maxDistance === 0) return [];

    const scanner = this.#scanner;
    const rows = scanner.rows;
    scanner.setQuery(query);

    // Best k distinct people so far, ascending by squared distance.
    const topSlots: number[] = [];
    const topSq: number[] = [];
    // Inflated by a few ulps so rounding can never prune a row that is truly under maxDistance; the
    // exact `< maxDistance` test happens when a candidate is accepted.
    let bound = Number.isFinite(maxDistance)
      ? maxDistance * maxDistance * (1 + 4 * Number.EPSILON)
      : Infinity;

    for (
      let row = scanner.nextUnder(0, n, bound * KERNEL_BOUND_SLACK);
      row < n;
      row = scanner.nextUnder(row + 1, n, bound * KERNEL_BOUND_SLACK)
    ) {
      // The kernel sums in f32, so a row it returns may be a hair over the bound; this sum is exact.
      const sum = squaredDistance(query, rows, row * DIM, DIM);
      if (sum >= bound) continue;
      const slot = this.#owners[row] ?? -1;
      const at = topSlots.indexOf(slot);
      if (at >= 0) {
        // Already among the best: keep the closer of this person's descriptors.
        if (sum >= (topSq[at] ?? Infinity)) continue;
        topSlots.splice(at, 1);
        topSq.splice(at, 1);
      } else if (Math.sqrt(sum) >= maxDistance) {
        continue;
      }
      let insertAt = topSq.length;
      while (insertAt > 0 && (topSq[insertAt - 1] ?? 0) > sum) insertAt--;
      topSlots.splice(insertAt, 0, slot);
      topSq.splice(insertAt, 0, sum);
      if (topSq.length > k) {
        topSlots.pop();
        topSq.pop();
      }
      if (topSq.length === k) bound = topSq[k - 1] ?? bound;
    }

    return topSlots.map((slot, i) => ({
      personId: this.#personIds[slot] ?? '',
      distance: Math.sqrt(topSq[i] ?? Infinity),
    }));
  }

  /** Removes every row of `slot`, moving the last row into each hole. */
  #deleteRowsOf(slot: number): void {
    const rows = this.#scanner.rows;
    const DIM = this.dimension;
    const owned = this.#rowsOf[slot] ?? [];
    // Descending, so the row moved into a hole is never one of this person's rows still to delete.
    owned.sort((a, b) => b - a);
    for (const row of owned) {
      const last = --this.#rowCount;
      if (row !== last) {
        rows.copyWithin(row * DIM, last * DIM, last * DIM + DIM);
        const movedSlot = this.#owners[last] ?? 0;
        this.#owners[row] = movedSlot;
        const movedRows = this.#rowsOf[movedSlot] ?? [];
        movedRows[movedRows.indexOf(last)] = row;
      }
    }
    this.#rowsOf[slot] = [];
  }

  #reserve(rowCount: number): void {
    if (rowCount <= this.#owners.length) return;
    let capacity = this.#owners.length;
    while (capacity < rowCount) capacity *= 2;
    this.#scanner.reserve(capacity);
    const owners = new Int32Array(capacity);
    owners.set(this.#owners.subarray(0, this.#rowCount));
    this.#owners = owners;
  }
}

/** Squared euclidean distance between `query` and the row of `rows` starting at `base`, in f64. */
function squaredDistance(query: Float32Array, rows: Float32Array, base: number, dimension: number): number {
  let sum = 0;
  for (let j = 0; j < dimension; j++) {
    const d = (query[j] ?? 0) - (rows[base + j] ?? 0);
    sum += d * d;
  }
  return sum;
}

/**
 * Distance thresholds (euclidean) that turn the nearest person into a decision.
 * A face with best distance `< match` is that person; `>= unknown` is unknown; in between is uncertain.
 */
export interface MatchThresholds {
  /** Strictly below this, the face is the nearest person. */
  match: number;
  /** At or above this, the face is nobody enrolled. Must be `>= match`. */
  unknown: number;
}

/** What a face is, given the gallery. */
export type MatchDecision =
  | { kind: 'match'; personId: string; distance: number; runnerUp?: NearestPerson }
  | { kind: 'uncertain'; personId: string; distance: number }
  /** `distance` is Infinity when nobody was found (empty gallery, or nobody within the search limit). */
  | { kind: 'unknown'; distance: number };

/**
 * Turns the nearest people (ascending, as returned by {@link Gallery.nearestPeople}) into a decision.
 *
 * @throws RollcallError `USAGE_INVALID` when the thresholds are negative, NaN or `unknown < match`.
 */
export function decide(nearest: readonly NearestPerson[], thresholds: MatchThresholds): MatchDecision {
  assertThresholds(thresholds);
  const [best, runnerUp] = nearest;
  if (best === undefined) return { kind: 'unknown', distance: Infinity };
  if (best.distance >= thresholds.unknown) return { kind: 'unknown', distance: best.distance };
  if (best.distance >= thresholds.match) {
    return { kind: 'uncertain', personId: best.personId, distance: best.distance };
  }
  const decision: MatchDecision = { kind: 'match', personId: best.personId, distance: best.distance };
  if (runnerUp !== undefined)
    decision.runnerUp = { personId: runnerUp.personId, distance: runnerUp.distance };
  return decision;
}

/**
 * Decides who `query` is. Searches only within `thresholds.unknown`, which is what keeps it fast, so an
 * unknown face reports `distance: Infinity` whenever nobody is that close.
 */
export function matchFace(gallery: Gallery, query: Float32Array, thresholds: MatchThresholds): MatchDecision {
  assertThresholds(thresholds);
  return decide(gallery.nearestPeople(query, 2, thresholds.unknown), thresholds);
}

function assertThresholds(thresholds: MatchThresholds): void {
  const { match, unknown } = thresholds;
  if (!(match >= 0)) {
    throw new RollcallError(ErrorCode.UsageInvalid, `thresholds.match must be >= 0, got ${match}`);
  }
  if (!(unknown >= match)) {
    throw new RollcallError(
      ErrorCode.UsageInvalid,
      `thresholds.unknown must be >= thresholds.match (${match}), got ${unknown}`,
    );
  }
}
