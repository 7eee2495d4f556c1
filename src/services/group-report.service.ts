/**
 * Reports over any range of days: for a group, every member's sessions resolved (core
 * `resolveSession`) and counted — present, late, left early, absent, excused — with an attendance
 * rate and a warning under the group's minimum; for a person, the same over every group they are
 * in, day by day, for a calendar. Sessions still running or to come count as nothing yet.
 */
import {
  ErrorCode,
  resolveSession,
  RollcallError,
  sessionRunsOn,
  SESSION_STATUSES,
  type CameraRole,
  localDay,
  type SessionStatus,
} from '../core/index.js';
import type { Clock } from '../shared/index.js';
import {
  MAX_PAGE_LIMIT,
  type Group,
  type SessionExcuse,
  type Store,
  type StoredGroupSession,
} from '../store/index.js';
import { daysBetween, memberSightings } from './member-sightings.js';
import { inViewMs } from './roster.service.js';
import type { GroupReport, MemberSummary, PersonHistory, SessionRecord } from './views.js';

export type { GroupReport, MemberSummary, PersonHistory, SessionRecord };

/** The longest range a report covers: a school year and some. */
export const MAX_REPORT_DAYS = 400;

export interface GroupReportDeps {
  store: Pick<
    Store,
    | 'getGroup'
    | 'getPerson'
    | 'listGroupMembers'
    | 'listGroupSessions'
    | 'listGroupsOf'
    | 'listSessionExcuses'
    | 'listEvents'
  >;
  clock: Pick<Clock, 'now'>;
  timeZone: () => string;
  sightingIntervalS: () => number;
  cameraRoles: () => Promise<Readonly<Record<string, CameraRole>>>;
}

const ATTENDED: readonly SessionStatus[] = ['present', 'late', 'left-early'];

/** Counts and rate of a list of session records (one member's, one group's). */
export function summarise(
  records: readonly SessionRecord[],
  minAttendanceRate: number | null,
): Omit<MemberSummary, 'person'> {
  const counts = Object.fromEntries(SESSION_STATUSES.map((status) => [status, 0])) as Record<
    SessionStatus,
    number
  >;
  for (const record of records) counts[record.status] += 1;
  const attended = ATTENDED.reduce((sum, status) => sum + counts[status], 0);
  const counted = attended + counts.absent;
  const rate = counted === 0 ? null : attended / counted;
  return {
    counts,
    counted,
    rate,
    belowMinimum: rate !== null && minAttendanceRate !== null && rate < minAttendanceRate,
  };
}

export class GroupReportService {
  constructor(private readonly deps: GroupReportDeps) {}

  async group(groupId: string, from: string, to: string): Promise<GroupReport> {
    checkRange(from, to);
    const group = await this.deps.store.getGroup(groupId);
    if (!group) throw new RollcallError(ErrorCode.NotFound, `no group with id ${groupId}`);
    const members = await this.deps.store.listGroupMembers(groupId);
    const records = await this.resolve([group], members, from, to);
    return {
      group: groupRef(group),
      from,
      to,
      timeZone: this.deps.timeZone(),
      today: this.today(),
      members: members.map((person) => ({
        person: { id: person.id, name: person.name },
        ...summarise(
          records.filter((r) => r.person.id === person.id),
          group.minAttendanceRate,
        ),
      })),
      records,
    };
  }

  async person(personId: string, from: string, to: string): Promise<PersonHistory> {
    checkRange(from, to);
    const person = await this.deps.store.getPerson(personId);
    if (!person) throw new RollcallError(ErrorCode.NotFound, `no person with id ${personId}`);
    const groups = await this.deps.store.listGroupsOf(personId);
    const records = await this.resolve(groups, [person], from, to);
    return {
      person: { id: person.id, name: person.name },
      from,
      to,
      timeZone: this.deps.timeZone(),
      today: this.today(),
      records,
      groups: groups.map((group) => ({
        group: groupRef(group),
        person: { id: person.id, name: person.name },
        ...summarise(
          records.filter((r) => r.group.id === group.id),
          group.minAttendanceRate,
        ),
      })),
    };
  }

  /** Today in the attendance zone, by the clock: a page's presets ("this month") start from it. */
  private today(): string {
    return localDay(new Date(this.deps.clock.now()), this.deps.timeZone());
  }

  /** Every session of `groups` that runs in the range, resolved for each of `people` in them. */
  private async resolve(
    groups: readonly Group[],
    people: readonly { id: string; name: string }[],
    from: string,
    to: string,
  ): Promise<SessionRecord[]> {
    const { store } = this.deps;
    const timeZone = this.deps.timeZone();
    const now = new Date(this.deps.clock.now()).toISOString();
    const inView = inViewMs(this.deps.sightingIntervalS());
    const [roles, sightings, excuses] = await Promise.all([
      this.deps.cameraRoles(),
      memberSightings(
        store,
        people.map((p) => p.id),
        { from, to, timeZone },
      ),
      this.excuses(from, to),
    ]);
    const records: SessionRecord[] = [];
    for (const group of groups) {
      const sessions: StoredGroupSession[] = await store.listGroupSessions(group.id);
      const members = new Set((await store.listGroupMembers(group.id)).map((p) => p.id));
      for (const day of daysBetween(from, to)) {
        for (const session of sessions.filter((s) => sessionRunsOn(s, day))) {
          for (const person of people) {
            if (!members.has(person.id)) continue;
            const excuse = excuses.find(
              (e) => e.sessionId === session.id && e.personId === person.id && e.day === day,
            );
            const outcome = resolveSession({
              session,
              day,
              timeZone,
              sightings: sightings.get(person.id)?.get(day) ?? [],
              cameraRoles: roles,
              now,
              inViewMs: inView,
              excused: excuse !== undefined,
            });
            records.push({
              day,
              group: { id: group.id, name: group.name },
              session: { id: session.id, start: session.start, end: session.end },
              person: { id: person.id, name: person.name },
              ...outcome,
              excuse: excuse ? { reason: excuse.reason, by: excuse.by } : null,
            });
          }
        }
      }
    }
    return records.sort(
      (a, b) =>
        a.day.localeCompare(b.day) ||
        a.session.start.localeCompare(b.session.start) ||
        a.group.name.localeCompare(b.group.name) ||
        a.person.name.localeCompare(b.person.name),
    );
  }

  private async excuses(from: string, to: string): Promise<SessionExcuse[]> {
    const excuses: SessionExcuse[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page = await this.deps.store.listSessionExcuses({ from, to, limit: MAX_PAGE_LIMIT, offset });
      excuses.push(...page.items);
      offset = page.nextOffset;
    }
    return excuses;
  }
}

function groupRef(group: Group): { id: string; name: string; minAttendanceRate: number | null } {
  return { id: group.id, name: group.name, minAttendanceRate: group.minAttendanceRate };
}

function checkRange(from: string, to: string): void {
  if (to < from) throw new RollcallError(ErrorCode.RequestInvalid, 'to: the last day is before the first');
  if (daysBetween(from, to).length > MAX_REPORT_DAYS)
    throw new RollcallError(ErrorCode.RequestInvalid, `to: a report covers at most ${MAX_REPORT_DAYS} days`);
}
