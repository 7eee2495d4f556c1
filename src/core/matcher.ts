import { DESCRIPTOR_LENGTH, assertDescriptor } from './descriptor.js';
import { ErrorCode, RollcallError } from './errors.js';

const DIM = DESCRIPTOR_LENGTH;
/**
 * Dimensions summed between two checks of the abandon bound. Checking more often exits a little sooner
 * but pays a hard-to-predict branch each time; 16 measured fastest (8 was ~10% slower).
 */
const BLOCK = 16;
const INITIAL_ROW_CAPACITY = 64;

/** One enrolled person and their distance to a query face (euclidean). */
export interface NearestPerson {
  personId: string;
  distance: number;
}

/**
 * The enrolled faces, held for exact nearest-person search.
 *
 * All descriptors live in one flat, growable, row-major `Float32Array` with an owner index per row,
 * so a search is a single tight loop over contiguous memory. The search abandons a row as soon as its
 * partial squared distance reaches the current bound, and visits dimensions in the order that makes
 * that happen soonest for the query at hand (see {@link Gallery.nearestPeople}).
 */
export class Gallery {
  /** `#rowCount` rows of `DIM` values. */
  #rows = new Float32Array(INITIAL_ROW_CAPACITY * DIM);
  /** Person slot of each row. */
  #owners = new Int32Array(INITIAL_ROW_CAPACITY);
  #rowCount = 0;
  /**
   * Per-dimension sum and sum of squares over all rows, kept up to date on every change so the
   * variance is always at hand. Float drift over many updates only nudges the visiting order, which
   * never affects the answer.
   */
  readonly #dimSum = new Float64Array(DIM);
  readonly #dimSumSq = new Float64Array(DIM);

  #personIds: string[] = [];
  #slotOf = new Map<string, number>();
  /** Row indices of each person slot. */
  #rowsOf: number[][] = [];

  // Scratch space reused by every search, so a search allocates almost nothing.
  readonly #score = new Float64Array(DIM);
  readonly #visitOrder = new Int32Array(DIM);
  readonly #orderedQuery = new Float64Array(DIM);

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
    for (const d of descriptors) assertDescriptor(d);

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
    const owned = this.#rowsOf[slot] ?? [];
    for (const d of descriptors) {
      const row = this.#rowCount++;
      this.#rows.set(d, row * DIM);
      this.#owners[row] = slot;
      owned.push(row);
      this.#count(d, 1);
    }
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
    this.#dimSum.fill(0);
    this.#dimSumSq.fill(0);
  }

  /**
   * The `k` nearest distinct people to `query`, nearest first, each at the distance of their closest
   * descriptor, keeping only those strictly closer than `maxDistance`.
   *
   * Exact: the answer is the one a brute-force scan gives. Speed comes from abandoning a row once its
   * partial squared distance reaches the k-th best so far (or `maxDistance²`, so a finite
   * `maxDistance` makes the search much faster), checked every 16 dimensions. Dimensions are visited
   * in descending order of their expected contribution to the distance from this query to a gallery
   * row, `(query[j] − mean[j])² + variance[j]`: for a query at the gallery mean that is plain variance
   * order, and a query's own outlying dimensions come first, which roughly halves the work.
   *
   * @param k - how many people to return. @defaultValue 2
   * @param maxDistance - exclusive upper bound on the returned distances. @defaultValue Infinity
   * @throws RollcallError `DESCRIPTOR_INVALID` for a malformed query; `USAGE_INVALID` for a bad `k` or
   *   `maxDistance`.
   */
  nearestPeople(query: Float32Array, k = 2, maxDistance = Infinity): NearestPerson[] {
    assertDescriptor(query);
    if (!Number.isInteger(k) || k < 1) {
      throw new RollcallError(ErrorCode.UsageInvalid, `k must be a positive integer, got ${k}`);
    }
    if (Number.isNaN(maxDistance) || maxDistance < 0) {
      throw new RollcallError(ErrorCode.UsageInvalid, `maxDistance must be >= 0, got ${maxDistance}`);
    }
    const n = this.#rowCount;
    if (n === 0 || maxDistance === 0) return [];

    const order = this.#orderVisit(query);
    const q = this.#orderedQuery;

    // Best k distinct people so far, ascending by squared distance.
    const topSlots: number[] = [];
    const topSq: number[] = [];
    // Inflated by a few ulps so rounding can never prune a row that is truly under maxDistance; the
    // exact `< maxDistance` test happens when a candidate is accepted.
    let bound = Number.isFinite(maxDistance)
      ? maxDistance * maxDistance * (1 + 4 * Number.EPSILON)
      : Infinity;

    const rows = this.#rows;
    const owners = this.#owners;
    /* eslint-disable @typescript-eslint/no-non-null-assertion --
       The hot loop. Every index is below rowCount * DIM <= rows.length, or below DIM for the query and
       the order, so the `undefined` that noUncheckedIndexedAccess allows for cannot occur, and `!`
       costs nothing at run time where `?? 0` would cost a check per value. */
    for (let row = 0, base = 0; row < n; row++, base += DIM) {
      let sum = 0;
      let p = 0;
      for (; p < DIM; p += BLOCK) {
        const d0 = q[p]! - rows[base + order[p]!]!;
        const d1 = q[p + 1]! - rows[base + order[p + 1]!]!;
        const d2 = q[p + 2]! - rows[base + order[p + 2]!]!;
        const d3 = q[p + 3]! - rows[base + order[p + 3]!]!;
        const d4 = q[p + 4]! - rows[base + order[p + 4]!]!;
        const d5 = q[p + 5]! - rows[base + order[p + 5]!]!;
        const d6 = q[p + 6]! - rows[base + order[p + 6]!]!;
        const d7 = q[p + 7]! - rows[base + order[p + 7]!]!;
        const d8 = q[p + 8]! - rows[base + order[p + 8]!]!;
        const d9 = q[p + 9]! - rows[base + order[p + 9]!]!;
        const d10 = q[p + 10]! - rows[base + order[p + 10]!]!;
        const d11 = q[p + 11]! - rows[base + order[p + 11]!]!;
        const d12 = q[p + 12]! - rows[base + order[p + 12]!]!;
        const d13 = q[p + 13]! - rows[base + order[p + 13]!]!;
        const d14 = q[p + 14]! - rows[base + order[p + 14]!]!;
        const d15 = q[p + 15]! - rows[base + order[p + 15]!]!;
        sum +=
          d0 * d0 +
          d1 * d1 +
          d2 * d2 +
          d3 * d3 +
          d4 * d4 +
          d5 * d5 +
          d6 * d6 +
          d7 * d7 +
          (d8 * d8 + d9 * d9 + d10 * d10 + d11 * d11 + d12 * d12 + d13 * d13 + d14 * d14 + d15 * d15);
        if (sum >= bound) break;
      }
      if (p < DIM) continue;

      // A full distance under the bound: rare, so this part need not be fast.
      const slot = owners[row]!;
      const at = topSlots.indexOf(slot);
      if (at >= 0) {
        // Already among the best: keep the closer of this person's descriptors.
        if (sum >= topSq[at]!) continue;
        topSlots.splice(at, 1);
        topSq.splice(at, 1);
      } else if (Math.sqrt(sum) >= maxDistance) {
        continue;
      }
      let insertAt = topSq.length;
      while (insertAt > 0 && topSq[insertAt - 1]! > sum) insertAt--;
      topSlots.splice(insertAt, 0, slot);
      topSq.splice(insertAt, 0, sum);
      if (topSq.length > k) {
        topSlots.pop();
        topSq.pop();
      }
      if (topSq.length === k) bound = topSq[k - 1]!;
    }

    return topSlots.map((slot, i) => ({ personId: this.#personIds[slot]!, distance: Math.sqrt(topSq[i]!) }));
    /* eslint-enable @typescript-eslint/no-non-null-assertion */
  }

  /**
   * Fills the visiting order (returned) and the query permuted into it. The order only affects speed,
   * never the answer.
   */
  #orderVisit(query: Float32Array): Int32Array {
    const n = this.#rowCount;
    const score = this.#score;
    const order = this.#visitOrder;
    for (let j = 0; j < DIM; j++) {
      const mean = (this.#dimSum[j] ?? 0) / n;
      const variance = Math.max(0, (this.#dimSumSq[j] ?? 0) / n - mean * mean);
      score[j] = ((query[j] ?? 0) - mean) ** 2 + variance;
      order[j] = j;
    }
    order.sort((a, b) => (score[b] ?? 0) - (score[a] ?? 0));
    for (let p = 0; p < DIM; p++) this.#orderedQuery[p] = query[order[p] ?? p] ?? 0;
    return order;
  }

  /** Removes every row of `slot`, moving the last row into each hole. */
  #deleteRowsOf(slot: number): void {
    const owned = this.#rowsOf[slot] ?? [];
    // Descending, so the row moved into a hole is never one of this person's rows still to delete.
    owned.sort((a, b) => b - a);
    for (const row of owned) {
      this.#count(this.#rows.subarray(row * DIM, row * DIM + DIM), -1);
      const last = --this.#rowCount;
      if (row !== last) {
        this.#rows.copyWithin(row * DIM, last * DIM, last * DIM + DIM);
        const movedSlot = this.#owners[last] ?? 0;
        this.#owners[row] = movedSlot;
        const movedRows = this.#rowsOf[movedSlot] ?? [];
        movedRows[movedRows.indexOf(last)] = row;
      }
    }
    this.#rowsOf[slot] = [];
  }

  /** Adds (`sign` 1) or removes (`sign` -1) one row from the per-dimension statistics. */
  #count(row: Float32Array, sign: 1 | -1): void {
    for (let j = 0; j < DIM; j++) {
      const v = row[j] ?? 0;
      this.#dimSum[j] = (this.#dimSum[j] ?? 0) + sign * v;
      this.#dimSumSq[j] = (this.#dimSumSq[j] ?? 0) + sign * v * v;
    }
  }

  #reserve(rowCount: number): void {
    if (rowCount <= this.#owners.length) return;
    let capacity = this.#owners.length;
    while (capacity < rowCount) capacity *= 2;
    const rows = new Float32Array(capacity * DIM);
    rows.set(this.#rows.subarray(0, this.#rowCount * DIM));
    const owners = new Int32Array(capacity);
    owners.set(this.#owners.subarray(0, this.#rowCount));
    this.#rows = rows;
    this.#owners = owners;
  }
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
