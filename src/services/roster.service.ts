/**
 * The roster: for one group and one day, each session that runs that day with every member's
 * outcome — present, late, left early, absent, excused, or still expected — resolved by core
 * `resolveSession` from the member's recognitions that day, the cameras' roles and the excuses.
 * A sighting outside every session is still in the attendance record; the roster only reads.
 */
import {
  ErrorCode,
  localDay,
  RollcallError,
  resolveSession,
  sessionRunsOn,
  SESSION_STATUSES,
  type CameraRole,
  type SeenAt,
  type SessionStatus,
} from '../core/index.js';
import type { Clock } from '../shared/index.js';
import { MAX_PAGE_LIMIT, type Store } from '../store/index.js';
import { memberSightings } from './member-sightings.js';
import type { RosterEntry, RosterSession, RosterView } from './views.js';

export type { RosterEntry, RosterSession, RosterView };

export interface RosterDeps {
  store: Pick<
    Store,
    'getGroup' | 'listGroupMembers' | 'listGroupSessions' | 'listSessionExcuses' | 'listEvents'
  >;
  clock: Pick<Clock, 'now'>;
  /** The attendance time zone, read at each call. */
  timeZone: () => string;
  /** Seconds between a node's re-reports of a person in view (the settings' sighting interval). */
  sightingIntervalS: () => number;
  /** What each camera sees; cameras not named count as both ways. */
  cameraRoles: () => Promise<Readonly<Record<string, CameraRole>>>;
}

/**
 * A person in view is re-reported every sighting interval; two missed reports and some slack
 * (a node's clock, delivery) mean they have left.
 */
export function inViewMs(sightingIntervalS: number): number {
  return sightingIntervalS * 2 * 1000 + 5000;
}

export class RosterService {
  constructor(private readonly deps: RosterDeps) {}

  /** The group's roster on `day` (default: today in the attendance time zone). */
  async day(groupId: string, day?: string): Promise<RosterView> {
    const { store } = this.deps;
    const group = await store.getGroup(groupId);
    if (!group) throw new RollcallError(ErrorCode.NotFound, `no group with id ${groupId}`);
    const timeZone = this.deps.timeZone();
    const nowMs = this.deps.clock.now();
    const date = day ?? localDay(new Date(nowMs), timeZone);
    const sessions = (await store.listGroupSessions(groupId)).filter((s) => sessionRunsOn(s, date));
    const members = await store.listGroupMembers(groupId);
    const [roles, excuses, sightings] = await Promise.all([
      this.deps.cameraRoles(),
      sessions.length === 0 ? [] : this.excusesOn(date),
      sessions.length === 0
        ? new Map<string, Map<string, SeenAt[]>>()
        : memberSightings(
            store,
            members.map((m) => m.id),
            { from: date, to: date, timeZone },
          ),
    ]);
    const now = new Date(nowMs).toISOString();
    const inView = inViewMs(this.deps.sightingIntervalS());
    return {
      group: { id: group.id, name: group.name },
      day: date,
      at: now,
      timeZone,
      sessions: sessions.map((session) => {
        const entries = members.map((person): RosterEntry => {
          const excuse = excuses.find((e) => e.sessionId === session.id && e.personId === person.id);
          const outcome = resolveSession({
            session,
            day: date,
            timeZone,
            sightings: sightings.get(person.id)?.get(date) ?? [],
            cameraRoles: roles,
            now,
            inViewMs: inView,
            excused: excuse !== undefined,
          });
          return {
            person: { id: person.id, name: person.name },
            ...outcome,
            excuse: excuse ? { reason: excuse.reason, by: excuse.by } : null,
          };
        });
        const counts = Object.fromEntries(SESSION_STATUSES.map((status) => [status, 0])) as Record<
          SessionStatus,
          number
        >;
        for (const entry of entries) counts[entry.status] += 1;
        return { session, entries, counts, arrived: counts.present + counts.late + counts['left-early'] };
      }),
    };
  }

  private async excusesOn(day: string) {
    const excuses = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page = await this.deps.store.listSessionExcuses({
        from: day,
        to: day,
        limit: MAX_PAGE_LIMIT,
        offset,
      });
      excuses.push(...page.items);
      offset = page.nextOffset;
    }
    return excuses;
  }
}
