/**
 * Retention: what is old enough to drop. Face crops of events, and unknown faces nobody reviewed,
 * are kept for the retention period and no longer; attendance records and the audit trail of
 * events (without their crops) are kept. Pure, so every store and every web node applies the same
 * rule, and it is tested without a store or a clock.
 */

const MS_PER_DAY = 86_400_000;

/** The settings retention needs. */
export interface RetentionRules {
  /** Crops and unreviewed unknown faces are dropped after this many days (a whole number, ≥ 1). */
  retentionDays: number;
}

/** An unknown face as retention sees it. */
export interface RetainedUnknownFace {
  /** When the face was captured (ISO 8601). */
  at: string;
  status: 'open' | 'assigned' | 'dismissed';
}

/**
 * The instant before which data is past retention, as ISO 8601 UTC (the form the stores keep and
 * compare): `retentionDays` whole days of 24 h before `nowMs`, whatever the clocks of the site did
 * meanwhile.
 *
 * @throws RangeError when `retentionDays` is not a whole number ≥ 1, so a bad setting can never
 *   drop everything.
 */
export function retentionCutoff(nowMs: number, rules: RetentionRules): string {
  const { retentionDays } = rules;
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new RangeError(`retentionDays must be a whole number of days ≥ 1, got ${String(retentionDays)}`);
  }
  if (!Number.isFinite(nowMs)) throw new RangeError(`now must be a finite time, got ${String(nowMs)}`);
  return new Date(nowMs - retentionDays * MS_PER_DAY).toISOString();
}

/** Whether something captured at `at` (ISO 8601) is past retention at `cutoff`. */
export function isPastRetention(at: string, cutoff: string): boolean {
  const atMs = Date.parse(at);
  // An unreadable time is never taken as old: retention must not drop what it cannot date.
  return Number.isFinite(atMs) && atMs < Date.parse(cutoff);
}

/**
 * The unknown faces retention dismisses: still open (nobody assigned or dismissed them) and
 * captured before `cutoff`. A decided face is left alone; its crop follows the event's.
 */
export function staleUnknownFaces<F extends RetainedUnknownFace>(faces: readonly F[], cutoff: string): F[] {
  return faces.filter((face) => face.status === 'open' && isPastRetention(face.at, cutoff));
}
