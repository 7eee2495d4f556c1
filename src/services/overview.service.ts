/**
 * Today at a glance, for the home page (`GET /api/v1/overview`): who is present out of whom the
 * cameras can recognise, who arrived in the last hour (with the face the camera kept), the cameras'
 * state, and for administrators the nodes in full, the unknown faces waiting for review and a
 * first-run checklist. What each role sees is decided here, not in the route.
 */
import { DESCRIPTOR_MODELS, MANUAL_SOURCE, localDay } from '../core/index.js';
import type { Clock } from '../shared/index.js';
import { MAX_PAGE_LIMIT, type Store, type StoredAttendance, type UserRole } from '../store/index.js';
import type { NodeStatusService } from './node-status.service.js';
import type {
  AdminOverview,
  ArrivalView,
  CameraStateView,
  ChecklistStepView,
  NodeView,
  OverviewView,
  PresenceView,
  ViewerOverview,
} from './views.js';

export type { OverviewView };

/** Check-ins this recent are arrivals. */
export const ARRIVALS_WINDOW_MS = 60 * 60 * 1000;
/** Arrivals shown with their face; the rest are counted. */
export const ARRIVALS_SHOWN = 12;
/** Open unknown faces counted one by one; past this the page says "100+". */
export const REVIEW_COUNT_CAP = 100;
/** Newest open unknown faces shown. */
export const REVIEW_SHOWN = 4;

/**
 * The check-ins made by a camera at or after `since`, newest first. A record made by hand
 * (present but not recognised) is present, not an arrival: no camera saw the person come in.
 * No upper bound: a node whose clock runs a little ahead still shows its arrivals.
 */
export function arrivalsSince(records: readonly StoredAttendance[], since: string): StoredAttendance[] {
  return records
    .filter((record) => record.firstCameraId !== MANUAL_SOURCE && record.firstSeen >= since)
    .sort((a, b) => (a.firstSeen < b.firstSeen ? 1 : a.firstSeen > b.firstSeen ? -1 : 0));
}

/** Each camera of each node, online only while its node is connected (a silent node's last report goes stale). */
export function cameraStates(nodes: readonly NodeView[]): CameraStateView[] {
  return nodes.flatMap((node) =>
    node.cameras.map((camera) => ({
      cameraId: camera.cameraId,
      nodeId: node.nodeId,
      online: node.connected && camera.online,
    })),
  );
}

/**
 * The first-run checklist, or null once every step is done. An administrator exists (whoever asks
 * is one); someone is enrolled once a camera can name them; the camera is checked once one delivers
 * frames now or any camera has already reported a face, so a camera switched off at night does not
 * bring the checklist back.
 */
export function firstRunChecklist(facts: {
  recognisable: number;
  camerasOnline: number;
  eventsReceived: boolean;
}): ChecklistStepView[] | null {
  const steps: ChecklistStepView[] = [
    { step: 'administrator', done: true },
    { step: 'enroll', done: facts.recognisable > 0 },
    { step: 'camera', done: facts.camerasOnline > 0 || facts.eventsReceived },
  ];
  return steps.every((step) => step.done) ? null : steps;
}

export interface OverviewDeps {
  store: Pick<
    Store,
    'getGalleryVersion' | 'getGallery' | 'listPeople' | 'listAttendance' | 'listEvents' | 'listUnknownFaces'
  >;
  nodes: Pick<NodeStatusService, 'list'>;
  clock: Clock;
  /** The attendance time zone, read at each call so a change in the settings applies at once. */
  timeZone: () => string;
}

interface PeopleCounts {
  enrolled: number;
  recognisable: number;
  /** Everyone enrolled now: a deleted person's anonymised record is not among today's present. */
  enrolledIds: ReadonlySet<string>;
}

export class OverviewService {
  /**
   * The people counts, kept until the gallery version changes (every enrollment, photo and erasure
   * changes it): counting whom a camera can name reads every descriptor, far too much for a page
   * that refreshes every few seconds. Requests during a count share it.
   */
  #people: { version: number; counts: Promise<PeopleCounts> } | undefined;

  constructor(private readonly deps: OverviewDeps) {}

  /** Today at a glance, as `role` may see it. */
  async overview(role: UserRole): Promise<OverviewView> {
    const now = this.deps.clock.now();
    const timeZone = this.deps.timeZone();
    const day = localDay(new Date(now), timeZone);
    const since = new Date(now - ARRIVALS_WINDOW_MS).toISOString();
    const nodes = this.deps.nodes.list();
    const cameras = cameraStates(nodes);

    const [people, records] = await Promise.all([
      this.#peopleCounts(),
      this.#attendance(localDay(since, timeZone), day),
    ]);
    const arrivals = arrivalsSince(records, since);
    const presence: PresenceView = {
      present: records.filter((record) => record.day === day && people.enrolledIds.has(record.personId))
        .length,
      enrolled: people.enrolled,
      recognisable: people.recognisable,
    };
    const common: Omit<ViewerOverview, 'role'> = {
      at: new Date(now).toISOString(),
      day,
      timeZone,
      presence,
      arrivals: {
        since,
        total: arrivals.length,
        items: await Promise.all(arrivals.slice(0, ARRIVALS_SHOWN).map((record) => this.#arrival(record))),
      },
      cameras,
    };
    if (role !== 'admin') return { role: 'viewer', ...common };

    const { store } = this.deps;
    const [open, anyEvent] = await Promise.all([
      store.listUnknownFaces({ status: 'open', limit: REVIEW_COUNT_CAP }),
      store.listEvents({ limit: 1 }),
    ]);
    const admin: AdminOverview = {
      role: 'admin',
      ...common,
      nodes,
      review: {
        pending: open.items.length,
        more: open.nextOffset !== null,
        newest: open.items
          .slice(0, REVIEW_SHOWN)
          .map(({ id, at, cameraId, hasCrop }) => ({ id, at, cameraId, hasCrop })),
      },
      checklist: firstRunChecklist({
        recognisable: people.recognisable,
        camerasOnline: cameras.filter((camera) => camera.online).length,
        eventsReceived: anyEvent.items.length > 0,
      }),
    };
    return admin;
  }

  /** Every record from `from` to `to` (days, inclusive); a day holds at most one per person. */
  async #attendance(from: string, to: string): Promise<StoredAttendance[]> {
    const records: StoredAttendance[] = [];
    for (let offset: number | null = 0; offset !== null;) {
      const page = await this.deps.store.listAttendance({ from, to, limit: MAX_PAGE_LIMIT, offset });
      records.push(...page.items);
      offset = page.nextOffset;
    }
    return records;
  }

  /**
   * The check-in with the recognition event behind it: the person's first `recognized` event at or
   * after the check-in, which is the check-in's own event unless it was delivered out of order.
   */
  async #arrival(record: StoredAttendance): Promise<ArrivalView> {
    const found = await this.deps.store.listEvents({
      personId: record.personId,
      type: 'recognized',
      from: record.firstSeen,
      limit: 1,
    });
    const event = found.items[0];
    return {
      person: { id: record.personId, name: record.personName },
      at: record.firstSeen,
      cameraId: record.firstCameraId,
      nodeId: event?.nodeId ?? record.nodeId,
      eventId: event?.id ?? null,
      hasCrop: event?.hasCrop ?? false,
    };
  }

  async #peopleCounts(): Promise<PeopleCounts> {
    const version = await this.deps.store.getGalleryVersion();
    const known = this.#people;
    if (known?.version === version) return known.counts;
    const counts = this.#countPeople();
    this.#people = { version, counts };
    // A failed count is not kept: the next request tries again.
    counts.catch(() => {
      if (this.#people?.counts === counts) this.#people = undefined;
    });
    return counts;
  }

  async #countPeople(): Promise<PeopleCounts> {
    const { store } = this.deps;
    const enrolledIds = new Set<string>();
    for (let offset: number | null = 0; offset !== null;) {
      const page = await store.listPeople({ limit: MAX_PAGE_LIMIT, offset });
      for (const person of page.items) enrolledIds.add(person.id);
      offset = page.nextOffset;
    }
    // A person a camera of either face model can name counts once.
    const named = new Set<string>();
    for (const model of DESCRIPTOR_MODELS) {
      for (const person of (await store.getGallery(model)).people) named.add(person.personId);
    }
    return { enrolled: enrolledIds.size, recognisable: named.size, enrolledIds };
  }
}
