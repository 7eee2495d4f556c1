/**
 * The retention job: applies the retention policy (`core/retention.ts`) to the store. Unknown faces
 * nobody reviewed within the period are dismissed first, then the crops of every event older than
 * it are dropped (an open unknown face keeps its crop until it is dismissed). Attendance records and
 * the audit trail of events stay.
 *
 * Made once per period by the job scheduler in the catalog, whichever web node's worker takes it;
 * the Settings page also runs it directly when an administrator saves, so a shorter period applies
 * at once.
 */
import {
  ErrorCode,
  isRollcallError,
  retentionCutoff,
  staleUnknownFaces,
  type RetentionRules,
} from '../core/index.js';
import type { JobHandler, JobName, JobResults } from '../queues/index.js';
import { systemClock, type Clock } from '../shared/index.js';
import type { Store, UnknownFace } from '../store/index.js';

export interface RetentionDeps {
  store: Pick<Store, 'listUnknownFaces' | 'dismissUnknownFace' | 'pruneEventCrops'>;
  /**
   * The rules in force, read at every run: another web node may have saved a new period since
   * this one started (`SettingsService.saved`).
   */
  rules: () => RetentionRules | Promise<RetentionRules>;
  /** Only its time is read. @defaultValue {@link systemClock} */
  clock?: Pick<Clock, 'now'>;
}

export type RetentionResult = JobResults[typeof JobName.ApplyRetention];

/** Open unknown faces are read this many at a time. */
const PAGE_SIZE = 1000;

/** One retention pass; safe to run twice at once (the second finds nothing more to do). */
export async function applyRetention(deps: RetentionDeps): Promise<RetentionResult> {
  const { store } = deps;
  const { retentionDays } = await deps.rules();
  const cutoff = retentionCutoff((deps.clock ?? systemClock).now(), { retentionDays });
  // Read every page before dismissing: a dismissal changes the open list under the paging.
  const stale: UnknownFace[] = [];
  let offset: number | null = 0;
  while (offset !== null) {
    const page = await store.listUnknownFaces({ status: 'open', limit: PAGE_SIZE, offset });
    stale.push(...staleUnknownFaces(page.items, cutoff));
    offset = page.nextOffset;
  }
  let dismissed = 0;
  for (const face of stale) {
    try {
      await store.dismissUnknownFace(face.id);
      dismissed++;
    } catch (error) {
      // Decided meanwhile, by an administrator or by a run on another node: nothing left to do.
      if (!isRollcallError(error, ErrorCode.StoreConflict)) throw error;
    }
  }
  const cropsDropped = await store.pruneEventCrops(cutoff);
  return { retentionDays, cutoff, dismissed, cropsDropped };
}

export function handleApplyRetention(deps: RetentionDeps): JobHandler<typeof JobName.ApplyRetention> {
  return () => applyRetention(deps);
}
