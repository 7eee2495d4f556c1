/**
 * The services' views: what the API answers and the pages read. Type-only and free of Node (it
 * imports only types of `core` and the store's interface), so the browser program (`web/frontend/`)
 * can import the very types the services return instead of copies of them.
 */
import type { GalleryThresholds } from '../core/calibration.js';
import type { DescriptorModel } from '../core/descriptor.js';
import type { CameraRoleEntry } from '../core/camera-roles.js';
import type { CameraRole, SessionOutcome, SessionStatus } from '../core/schedule.js';
import type { JobView, ListedJobState } from '../queues/job-view.js';
import type { PersonState, PhotoStatus } from '../core/enrollment-photo.js';
import type { FaceQuality } from '../core/quality.js';
import type { Group, Person, StoredGroupSession, UnknownFace } from '../store/store.js';
import type { WebhookDeliveryType, WebhookEventType } from '../core/webhooks.js';

/** One person's attendance on one day, as the API and the CSV export show it. */
export interface AttendanceRecordView {
  person: { id: string; name: string };
  day: string;
  /** The earliest sighting of the day, by any camera (ISO 8601 UTC). */
  firstSeen: string;
  /** The latest sighting so far, by any camera; while `inView`, the person is still there. */
  lastSeen: string;
  /** The camera of the first sighting. */
  camera: string;
  /** The camera of the last sighting. */
  lastCamera: string;
  nodeId: string;
  /** Recognitions of the person that day, each event once (a person in view is re-reported every 10 s). */
  sightings: number;
  corrected: boolean;
  /** Seen within the in-view time (two sighting intervals and some slack): not gone yet. */
  inView: boolean;
  /**
   * Check-in: the first sighting at an entry or untagged camera (see `readRecord`); null when
   * only exit cameras saw the person.
   */
  checkIn: string | null;
  checkInCamera: string | null;
  /**
   * Check-out: the last sighting at an exit or untagged camera, once the person has left view;
   * null while they are in view or when no camera that sees people leave saw them.
   */
  checkOut: string | null;
  checkOutCamera: string | null;
  /** Stays in view: a gap of the cooldown (60 s) or more between sightings starts a new one. Null: unknown. */
  visits: number | null;
  /** The visits' lengths added, in whole seconds; null for a record kept before this was (or made by hand). */
  timePresentS: number | null;
}

/** A correction as the API shows it: whose, which day, by whom and why, and the record after it. */
export interface CorrectionView {
  id: string;
  /** The name is the record's (before or after), kept after the person is deleted. */
  person: { id: string; name: string | null };
  day: string;
  by: string;
  reason: string;
  at: string;
  /** Whether the person counts as present after the correction. */
  present: boolean;
  firstSeen: string | null;
  lastSeen: string | null;
}

/** A recognition node as the web node sees it: null where the node never reported. */
export interface NodeView {
  address: string;
  nodeId: string | null;
  connected: boolean;
  lastHeartbeatAt: string | null;
  /** The node's overall rate: what its cameras deliver together. */
  fps: number;
  cameras: { cameraId: string; fps: number; latencyP95Ms: number | null; online: boolean }[];
  galleryVersion: number | null;
  /** Which gallery the node takes: descriptors of two models never compare. */
  descriptorModel: DescriptorModel | null;
  outboxDepth: number | null;
  uptimeS: number | null;
  /**
   * How far the node's clock is ahead of the web node's (negative: behind), in ms, measured from its
   * heartbeats; null while unknown (not connected, or a node that does not report its clock).
   */
  clockSkewMs: number | null;
  /** The skew is beyond the tolerance: the node's event times are being corrected. Set its clock right. */
  clockSkewed: boolean;
}

/** A face as the review list shows it: with the name of the person it was assigned to. */
export type ReviewedFace = UnknownFace & { assignedPersonName: string | null };

/** The thresholds in force for the nodes' face model, as the Settings page explains them. */
export interface SettingsCalibration extends GalleryThresholds {
  model: DescriptorModel;
}

export interface RollcallSettings {
  /**
   * How often a stranger may be named (0.01: one stranger in a hundred). Each recognition node sets
   * its match threshold from its gallery so that this holds with the people enrolled now.
   */
  strangerRateTarget: number;
  /**
   * Set by hand instead of the target: a face closer than this to a person is a match (in the
   * units of the nodes' face model). Null: calibrated from the target.
   */
  matchThreshold: number | null;
  /** With `matchThreshold`: a face at least this far from everyone is unknown; between is uncertain. */
  unknownThreshold: number | null;
  /** Frames that must agree before a track is named. */
  consensusFrames: number;
  /** A person in view is re-reported at most this often, so check-out times stay true. */
  sightingIntervalS: number;
  /** IANA zone that decides which day attendance belongs to. */
  timeZone: string;
  /** Face crops of events, and unknown faces nobody reviewed, are dropped after this many days. */
  retentionDays: number;
}

/** A camera as everyone may see it: its name, its node's name, and whether it delivers frames now. */
export interface CameraStateView {
  cameraId: string;
  nodeId: string | null;
  /** The node is connected and says the camera delivers frames. */
  online: boolean;
}

/** Who is here today, out of whom Rollcall could recognise. */
export interface PresenceView {
  /** People enrolled now with an attendance record today (by camera or by hand); a deleted person kept as an anonymous record is not counted. */
  present: number;
  /** People enrolled (with or without a usable photo). */
  enrolled: number;
  /** People with at least one descriptor: whom a camera can name. */
  recognisable: number;
  // `expected` joins here with groups (issue #15): the people due today.
}

/** A check-in by camera within the arrivals window. */
export interface ArrivalView {
  person: { id: string; name: string };
  /** The check-in, ISO 8601 UTC (the page shows it in the attendance zone). */
  at: string;
  cameraId: string;
  nodeId: string;
  /**
   * The recognition event behind the check-in, whose crop is `GET /api/v1/events/:id/crop.jpg`;
   * null when none was found (delivered out of order, or erased).
   */
  eventId: string | null;
  hasCrop: boolean;
}

/** One step of the administrators' first-run checklist. */
export interface ChecklistStepView {
  step: 'administrator' | 'enroll' | 'camera';
  done: boolean;
}

/** An open unknown face, as the home page shows a few of them. */
export interface PendingFaceView {
  id: string;
  at: string;
  cameraId: string;
  hasCrop: boolean;
}

interface OverviewCommon {
  /** When this was read, ISO 8601 UTC. */
  at: string;
  /** Today (`YYYY-MM-DD`) in the attendance zone, and the zone the page shows times in. */
  day: string;
  timeZone: string;
  presence: PresenceView;
  arrivals: {
    /** The window's start, ISO 8601 UTC: check-ins since then are arrivals. */
    since: string;
    /** Arrivals in the window; `items` holds the newest of them. */
    total: number;
    items: ArrivalView[];
  };
  cameras: CameraStateView[];
}

/** The home page's "today at a glance" for a viewer: attendance and the cameras' state. */
export interface ViewerOverview extends OverviewCommon {
  role: 'viewer';
}

/** The administrators' version: also the nodes in full, the faces to review and the first-run checklist. */
export interface AdminOverview extends OverviewCommon {
  role: 'admin';
  nodes: NodeView[];
  review: {
    /** Open unknown faces, counted up to a cap; `more` says there are more than `pending`. */
    pending: number;
    more: boolean;
    newest: PendingFaceView[];
  };
  /** The steps of a first run while one is undone; null once every step is done. */
  checklist: ChecklistStepView[] | null;
}

export type OverviewView = ViewerOverview | AdminOverview;

/**
 * A background job as the Jobs page shows it: what it is about, why it failed in plain words, and
 * whether an administrator may run it again.
 */
export interface JobListItem extends JobView {
  /** `training`: one person's uploaded photos; `gallery`: every photo described again for a face model. */
  kind: 'training' | 'gallery';
  /** Whom a training job trains (the name null once they were deleted); null for a gallery job. */
  person: { id: string; name: string | null } | null;
  /** The face model a gallery job describes the photos for; null for a training job. */
  model: DescriptorModel | null;
  /** Photos a training job was given; null for a gallery job (it finds its photos when it runs). */
  photoCount: number | null;
  /**
   * Why it failed, or why its last try failed while it waits to try again, in plain words: a
   * headline, and the reason for each photo when the photos were the trouble. Null when it did not.
   */
  failure: { message: string; reasons: string[] } | null;
  /** Whether `POST /api/v1/jobs/:id/retry` would run it again now. */
  retryable: boolean;
}

/** A page of the Jobs list, newest first, with how many jobs are in each state. */
export interface JobListPage {
  items: JobListItem[];
  nextOffset: number | null;
  counts: Record<ListedJobState, number>;
}

/** One enrollment photo as the person's page shows it. */
export interface PhotoView {
  id: string;
  /** The uploaded file's base name. */
  fileName: string;
  byteLength: number;
  createdAt: string;
  /** `pending` until the training job has judged it. */
  status: PhotoStatus;
  /** Why it was refused, one plain sentence each; empty unless refused. */
  reasons: string[];
  /** The face's measures, for an accepted photo. */
  quality: FaceQuality | null;
  /** Someone else enrolled whom this face is close to. */
  lookalike: { name: string; distance: number } | null;
}

/** A person in the gallery (`GET /people`): the person and what their photos make of them. */
export interface PersonSummary extends Person {
  /** Photos stored, whatever became of them. */
  photoCount: number;
  /** Photos accepted: the ones the cameras recognise the person by. */
  usablePhotoCount: number;
  state: PersonState;
  /** The accepted photo whose face stands for the person (its thumbnail), or null when none is. */
  portraitPhotoId: string | null;
}

/** `GET /people/:id`: the person with every photo, newest last. */
export interface PersonDetail extends PersonSummary {
  photos: PhotoView[];
}

/** What became of one photo in a training job. */
export interface TrainingOutcome {
  photoId: string;
  fileName: string;
  accepted: boolean;
  /** Why it was refused, one plain sentence each; empty when accepted. */
  reasons: string[];
}

/**
 * The training job's `progressDetail`: how many of its photos the engine has read, the last one
 * read, and, once all are judged (also when the job then fails), what became of each.
 */
export interface TrainingProgress {
  done: number;
  total: number;
  /** The file name of the photo read last; null before the first. */
  photo: string | null;
  outcomes?: TrainingOutcome[];
}

/** A webhook as the API shows one: never its secret (shown once, when made or replaced). */
export interface WebhookView {
  id: string;
  url: string;
  events: WebhookEventType[];
  active: boolean;
  description: string;
  createdAt: string;
  updatedAt: string;
}

/** One attempt in a webhook's delivery log. */
export interface WebhookDeliveryView {
  id: string;
  /** The event's id, the `X-Rollcall-Delivery` header: the same on every attempt. */
  eventId: string;
  eventType: WebhookDeliveryType;
  attempt: number;
  /** Whether the receiver answered 2xx. */
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: string;
  /**
   * When the queue tries this event again (estimated from its retry policy): set on an event's
   * latest attempt when it failed and attempts are left; null otherwise (and in a test's answer).
   */
  nextRetryAt: string | null;
  /** This failed attempt was the event's last: the queue gave up on it. */
  gaveUp: boolean;
}

/** A group in a list: how many members, and its sessions. */
export interface GroupSummary extends Group {
  memberCount: number;
  sessions: StoredGroupSession[];
}

/** A group with everything in it. */
export interface GroupDetail extends Group {
  members: { id: string; name: string }[];
  sessions: StoredGroupSession[];
}

/** One member's session, as the roster board and the reports show it. */
export interface RosterEntry extends SessionOutcome {
  person: { id: string; name: string };
  /** Why an administrator excused it; null unless `excused`. */
  excuse: { reason: string; by: string } | null;
}

export interface RosterSession {
  session: StoredGroupSession;
  /** Members by name. */
  entries: RosterEntry[];
  /** How many members have each status. */
  counts: Record<SessionStatus, number>;
  /** Members who came (present, late or left early): the board's "N of M present". */
  arrived: number;
}

export interface RosterView {
  group: { id: string; name: string };
  day: string;
  /** The time the roster was resolved at: statuses while a session runs are as of then. */
  at: string;
  /**
   * The attendance time zone (IANA) the day and the sessions' times are in: a page shows
   * arrivals and departures in it, and finds today from `at` with it.
   */
  timeZone: string;
  /** The sessions that run on `day`, by start time. */
  sessions: RosterSession[];
}

// ---- reports over a range of days (`GroupReportService`) ----

/** One member's session on one day, as a report's detail line. */
export interface SessionRecord extends RosterEntry {
  day: string;
  group: { id: string; name: string };
  session: { id: string; start: string; end: string };
}

/** How one member did over the range. */
export interface MemberSummary {
  person: { id: string; name: string };
  counts: Record<SessionStatus, number>;
  /** Sessions that are over and were not excused: what the rate is out of. */
  counted: number;
  /** Present, late or left early, over `counted`; null when nothing counted yet. */
  rate: number | null;
  /** The rate is under the group's minimum attendance rate. */
  belowMinimum: boolean;
}

export interface GroupReport {
  group: { id: string; name: string; minAttendanceRate: number | null };
  from: string;
  to: string;
  /** The zone the times and days are in. */
  timeZone: string;
  /** Today in that zone when the report was made: the days after it have nothing counted yet. */
  today: string;
  /** Members by name. */
  members: MemberSummary[];
  /** Every member's every session in the range, by day, session start, then name. */
  records: SessionRecord[];
}

export interface PersonHistory {
  person: { id: string; name: string };
  from: string;
  to: string;
  timeZone: string;
  /** Today in that zone when the report was made. */
  today: string;
  /** The person's sessions in every group they are in, by day and start. */
  records: SessionRecord[];
  /** Per group: the same summary as a group report's. */
  groups: (MemberSummary & { group: { id: string; name: string; minAttendanceRate: number | null } })[];
}

/** What each camera sees: the roles in force as reports read them, and each camera's whole story. */
export interface CameraRolesView {
  /** Entry and exit cameras by id; a camera not named counts as both ways. */
  roles: Record<string, CameraRole>;
  /** Every camera with an administrator's tag or a role its node declared, by id. */
  cameras: CameraRoleEntry[];
}
