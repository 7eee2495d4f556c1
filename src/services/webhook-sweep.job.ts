/**
 * The minute's webhook sweep, run by a job scheduler once a minute for the whole site: it resolves
 * the sessions of today (and of yesterday, for sessions whose check-out window runs past midnight)
 * with the roster, and emits `attendance.late` for each late arrival and, once a session's
 * check-out window has closed, `attendance.absent` for each member who did not come (core
 * `sessionWebhookEvents`). The events' ids are deterministic and claimed in the store, so a
 * second run, a run on another web node or a run after a restart sends nothing twice. It also
 * relays events a stopped web node claimed but never queued, and forgets old dispatched events.
 */
import {
  localDay,
  sessionRunsOn,
  sessionWebhookEvents,
  sessionWebhookTimes,
  type WebhookEventType,
} from '../core/index.js';
import type { JobHandler, JobName, JobResults } from '../queues/index.js';
import type { Clock } from '../shared/index.js';
import { MAX_PAGE_LIMIT, type Group, type Store } from '../store/index.js';
import type { RosterService } from './roster.service.js';
import type { WebhookEmitter } from './webhook-emitter.service.js';

export interface WebhookSweepDeps {
  store: Pick<Store, 'listGroups' | 'listGroupSessions'>;
  roster: Pick<RosterService, 'day'>;
  emitter: Pick<WebhookEmitter, 'emit' | 'subscribed' | 'relayPending' | 'prune'>;
  /** The same clock as the roster's. */
  clock: Pick<Clock, 'now'>;
  /** The attendance time zone, read at each run. */
  timeZone: () => string;
  /** Dispatched events are forgotten after this long. @defaultValue 35 days */
  keepEventsMs?: number;
}

export type SweepResult = JobResults[typeof JobName.SweepWebhooks];

/**
 * A session keeps being looked at this long after its check-out window closed, so one that ended
 * while no web node ran still gets its absences sent when one starts.
 */
export const SWEEP_CATCH_UP_MS = 12 * 3600_000;

const DAY_MS = 86_400_000;
const SESSION_EVENTS: readonly WebhookEventType[] = ['attendance.late', 'attendance.absent'];

function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T12:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
}

export class WebhookSweep {
  /**
   * Sessions (id/day) whose check-out window had closed at a run that emitted their events: later
   * runs on this node skip them. Only a saving: another node, or this one after a restart, looks
   * once more and the store's claims keep it from sending anything twice.
   */
  readonly #settled = new Map<string, string>();

  constructor(private readonly deps: WebhookSweepDeps) {}

  async run(): Promise<SweepResult> {
    const { emitter, clock } = this.deps;
    const nowMs = clock.now();
    const relayed = await emitter.relayPending();
    const pruned = await emitter.prune(
      new Date(nowMs - (this.deps.keepEventsMs ?? 35 * DAY_MS)).toISOString(),
    );
    const wanted = await emitter.subscribed(SESSION_EVENTS);
    if (wanted.size === 0) return { emitted: 0, relayed, pruned };
    const timeZone = this.deps.timeZone();
    const today = localDay(new Date(nowMs), timeZone);
    const yesterday = dayBefore(today);
    for (const [key, day] of this.#settled) if (day < yesterday) this.#settled.delete(key);
    let emitted = 0;
    for (const group of await this.#groups()) {
      for (const day of [yesterday, today]) emitted += await this.#sweep(group, day, timeZone, nowMs, wanted);
    }
    return { emitted, relayed, pruned };
  }

  async #groups(): Promise<Group[]> {
    const groups: Group[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page = await this.deps.store.listGroups({ limit: MAX_PAGE_LIMIT, offset });
      groups.push(...page.items);
      offset = page.nextOffset;
    }
    return groups;
  }

  /** One group's sessions of one day that can have news: from the first late arrival until the catch-up ends. */
  async #sweep(
    group: Group,
    day: string,
    timeZone: string,
    nowMs: number,
    wanted: ReadonlySet<WebhookEventType>,
  ): Promise<number> {
    const { store, roster, emitter } = this.deps;
    const due = new Map<string, number>();
    for (const session of await store.listGroupSessions(group.id)) {
      if (!sessionRunsOn(session, day) || this.#settled.has(`${session.id}/${day}`)) continue;
      const { lateAfterMs, absentFromMs } = sessionWebhookTimes(session, day, timeZone);
      if (nowMs > lateAfterMs && nowMs <= absentFromMs + SWEEP_CATCH_UP_MS) due.set(session.id, absentFromMs);
    }
    if (due.size === 0) return 0;
    const view = await roster.day(group.id, day);
    const createdAt = new Date(nowMs).toISOString();
    let emitted = 0;
    for (const { session, entries } of view.sessions) {
      const absentFromMs = due.get(session.id);
      if (absentFromMs === undefined) continue;
      const events = sessionWebhookEvents({
        group: view.group,
        session,
        day,
        timeZone,
        members: entries,
        nowMs,
        createdAt,
      });
      for (const event of events) {
        if (wanted.has(event.type) && (await emitter.emit(event))) emitted++;
      }
      if (nowMs >= absentFromMs) this.#settled.set(`${session.id}/${day}`, day);
    }
    return emitted;
  }
}

export function handleSweepWebhooks(
  sweep: Pick<WebhookSweep, 'run'>,
): JobHandler<typeof JobName.SweepWebhooks> {
  return () => sweep.run();
}
