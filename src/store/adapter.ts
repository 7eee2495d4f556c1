/**
 * What an adapter gives `CheckedStore`: for each repository, the operations that read and write
 * its rows or documents, called only with checked values (`CheckedStore` checks every argument,
 * refuses calls after `close()` and translates errors). An adapter builds one object per
 * repository over its one connection, so a transaction can still span aggregates.
 *
 * A method returns a value (SQLite, synchronous) or a promise of one (MongoDB). A list returns up
 * to `limit + 1` items from `offset`, so the edge knows whether a next page exists without a count.
 */
import type {
  AccountsRule,
  AttendanceRules,
  DescriptorModel,
  ErasureStep,
  GroupSession,
  RecognitionEventType,
  UnknownFaceDecision,
  UnknownFaceRule,
  UnknownFaceStatus,
  WebhookEventType,
} from '../core/index.js';
import type {
  ApiToken,
  AttendanceCorrection,
  ClaimedWebhookEvent,
  DeletedPerson,
  ExcuseQuery,
  Gallery,
  GalleryChange,
  Group,
  GroupPatch,
  JsonValue,
  NewApiToken,
  NewGroup,
  NewPerson,
  NewSessionExcuse,
  NewUser,
  NewWebhookDelivery,
  NodeRecord,
  Person,
  PersonPatch,
  Photo,
  ReceivedEvent,
  RecordAttendanceResult,
  RecordUnknownFaceResult,
  SessionExcuse,
  Setting,
  StoredAttendance,
  StoredDescriptor,
  StoredEvent,
  StoredGroupSession,
  StoredWebhookEvent,
  UnknownFace,
  User,
  UserPatch,
  Webhook,
  WebhookDelivery,
} from './store.js';
import type { CheckedCorrection } from './validate.js';

export type Awaitable<T> = T | Promise<T>;

export interface CheckedPage {
  limit: number;
  offset: number;
}

/** A photo checked, its quality as JSON text. */
export interface CheckedPhoto {
  personId: string;
  fileName: string;
  bytes: Uint8Array;
  quality: string;
}

export interface EventFilter {
  from?: string;
  to?: string;
  personId?: string;
  type?: RecognitionEventType;
}

export interface AttendanceFilter {
  from: string;
  to: string;
  personId?: string;
}

export interface CorrectionFilter {
  personId?: string;
  from?: string;
  to?: string;
}

/** An event that marks attendance: its person and the local day it counts for. */
export interface Sighting {
  event: ReceivedEvent;
  personId: string;
  day: string;
  rules: AttendanceRules;
}

/** A hook checked, every field present. */
export interface CheckedWebhook {
  url: string;
  events: WebhookEventType[];
  secret: string;
  active: boolean;
  description: string;
}

/** A hook's change checked: only the fields to change are present. */
export type CheckedWebhookPatch = Partial<CheckedWebhook>;

/** An event to claim, its data as JSON text. */
export interface CheckedWebhookEvent {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: string;
}

/** Users and API tokens (`AccountsRepository`). */
export interface AccountsAdapter {
  createUser(user: NewUser, rule: AccountsRule | undefined): Awaitable<User>;
  getUser(id: string): Awaitable<User | null>;
  getUserByName(name: string): Awaitable<User | null>;
  listUsers(page: CheckedPage): Awaitable<User[]>;
  updateUser(id: string, set: UserPatch, rule: AccountsRule | undefined): Awaitable<User>;
  deleteUser(id: string, rule: AccountsRule | undefined): Awaitable<void>;
  createApiToken(token: NewApiToken): Awaitable<ApiToken>;
  findApiTokenByHash(tokenHash: string): Awaitable<ApiToken | null>;
  listApiTokens(userId: string): Awaitable<ApiToken[]>;
  /** @returns false when there is no such token. */
  touchApiToken(id: string, at: string): Awaitable<boolean>;
  /** @returns null when there is no such token. */
  revokeApiToken(id: string): Awaitable<ApiToken | null>;
}

/** People (`PeopleRepository`). */
export interface PeopleAdapter {
  createPerson(person: Required<NewPerson>): Awaitable<{ person: Person } & GalleryChange>;
  getPerson(id: string): Awaitable<Person | null>;
  getPersonByName(name: string): Awaitable<Person | null>;
  /** Up to `limit` people with this name, earliest enrolled first. */
  findPeopleByName(name: string, limit: number): Awaitable<Person[]>;
  getPersonByExternalId(externalId: string): Awaitable<Person | null>;
  listPeople(page: CheckedPage): Awaitable<Person[]>;
  updatePerson(id: string, patch: PersonPatch): Awaitable<{ person: Person } & GalleryChange>;
  /** Runs `steps` (core `erasureSteps`) and deletes the person, in one transaction. */
  deletePerson(id: string, steps: readonly ErasureStep[]): Awaitable<DeletedPerson>;
}

/** Photos, descriptors and the gallery version (`PeopleRepository`). */
export interface PhotosAdapter {
  addPhoto(photo: CheckedPhoto): Awaitable<Photo>;
  getPhoto(id: string): Awaitable<Photo | null>;
  getPhotoBytes(id: string): Awaitable<Uint8Array | null>;
  listPhotos(personId: string): Awaitable<Photo[]>;
  /** `quality` is JSON text. @returns null when there is no such photo. */
  setPhotoQuality(id: string, quality: string): Awaitable<Photo | null>;
  deletePhoto(id: string): Awaitable<GalleryChange>;
  setPhotoDescriptors(
    photoId: string,
    model: DescriptorModel,
    descriptors: readonly Float32Array[],
    bumpGallery: boolean,
  ): Awaitable<GalleryChange>;
  listDescriptors(personId: string, model: DescriptorModel | undefined): Awaitable<StoredDescriptor[]>;
  listPhotosLackingDescriptors(model: DescriptorModel, page: CheckedPage): Awaitable<Photo[]>;
  getGalleryVersion(): Awaitable<number>;
  bumpGalleryVersion(): Awaitable<GalleryChange>;
  getGallery(model: DescriptorModel): Awaitable<Gallery>;
}

/** Recognition events, attendance and corrections (`AttendanceRepository`). */
export interface AttendanceAdapter {
  insertEventOnce(event: ReceivedEvent): Awaitable<boolean>;
  recordAttendance(sighting: Sighting): Awaitable<RecordAttendanceResult>;
  getEvent(id: string): Awaitable<StoredEvent | null>;
  getEventCrop(id: string): Awaitable<Uint8Array | null>;
  listEvents(filter: EventFilter, page: CheckedPage): Awaitable<StoredEvent[]>;
  pruneEventCrops(before: string): Awaitable<number>;
  getAttendance(personId: string, day: string): Awaitable<StoredAttendance | null>;
  listAttendance(filter: AttendanceFilter, page: CheckedPage): Awaitable<StoredAttendance[]>;
  correctAttendance(correction: CheckedCorrection): Awaitable<AttendanceCorrection>;
  listCorrections(filter: CorrectionFilter, page: CheckedPage): Awaitable<AttendanceCorrection[]>;
}

/** Unknown faces and their review (`UnknownFacesRepository`). */
export interface UnknownFacesAdapter {
  recordUnknownFace(event: ReceivedEvent): Awaitable<RecordUnknownFaceResult>;
  getUnknownFace(id: string): Awaitable<UnknownFace | null>;
  getUnknownFaceCrop(id: string): Awaitable<Uint8Array | null>;
  listUnknownFaces(status: UnknownFaceStatus | null, page: CheckedPage): Awaitable<UnknownFace[]>;
  /** Writes `decision` on the face if `rule` says so, in one transaction with reading the face. */
  decideUnknownFace(id: string, decision: UnknownFaceDecision, rule: UnknownFaceRule): Awaitable<UnknownFace>;
}

/** Each node's last report (`NodesRepository`). */
export interface NodesAdapter {
  /** `status` is JSON text. */
  upsertNode(id: string, lastSeen: string, status: string): Awaitable<void>;
  getNode(id: string): Awaitable<NodeRecord | null>;
  listNodes(): Awaitable<NodeRecord[]>;
  /** @returns false when there is no such node. */
  deleteNode(id: string): Awaitable<boolean>;
}

/** Settings (`SettingsRepository`). */
export interface SettingsAdapter {
  getSetting(key: string): Awaitable<Setting | null>;
  /** `value` is JSON text. */
  setSetting(key: string, value: string): Awaitable<Setting>;
  /** Saves `change(saved)`, JSON text, in one transaction with reading `saved`. */
  updateSetting(key: string, change: (saved: JsonValue | null) => string): Awaitable<Setting>;
  listSettings(): Awaitable<Setting[]>;
  /** @returns false when there is no such setting. */
  deleteSetting(key: string): Awaitable<boolean>;
}

/** Groups, their members, sessions and excuses (`GroupsRepository`). */
export interface GroupsAdapter {
  createGroup(group: Required<NewGroup>): Awaitable<Group>;
  getGroup(id: string): Awaitable<Group | null>;
  listGroups(page: CheckedPage): Awaitable<Group[]>;
  /** @returns null when there is no such group. */
  updateGroup(id: string, patch: GroupPatch): Awaitable<Group | null>;
  /** @returns false when there is no such group. */
  deleteGroup(id: string): Awaitable<boolean>;
  /** Adds every person or none: `STORE_NOT_FOUND` naming a missing group or person. */
  addGroupMembers(groupId: string, personIds: readonly string[]): Awaitable<void>;
  /** @returns false when the person was not in the group. */
  removeGroupMember(groupId: string, personId: string): Awaitable<boolean>;
  listGroupMembers(groupId: string): Awaitable<Person[]>;
  listGroupsOf(personId: string): Awaitable<Group[]>;
  /**
   * Writes the session after `clash(others)` (the group's other sessions, read in the same
   * transaction) returned null; a clash is thrown as `STORE_CONFLICT`.
   */
  addGroupSession(
    groupId: string,
    session: GroupSession,
    clash: (others: StoredGroupSession[]) => void,
  ): Awaitable<StoredGroupSession>;
  getGroupSession(id: string): Awaitable<StoredGroupSession | null>;
  updateGroupSession(
    id: string,
    session: GroupSession,
    clash: (others: StoredGroupSession[]) => void,
  ): Awaitable<StoredGroupSession>;
  /** @returns false when there is no such session. */
  deleteGroupSession(id: string): Awaitable<boolean>;
  listGroupSessions(groupId: string): Awaitable<StoredGroupSession[]>;
  /** Inserts, or replaces the reason, by, and time of the excuse for the same session, person and day. */
  excuseSession(excuse: NewSessionExcuse): Awaitable<SessionExcuse>;
  /** @returns false when there is no such excuse. */
  deleteSessionExcuse(id: string): Awaitable<boolean>;
  listSessionExcuses(
    query: Required<Pick<ExcuseQuery, 'from' | 'to'>> & Pick<ExcuseQuery, 'sessionId' | 'personId'>,
    page: CheckedPage,
  ): Awaitable<SessionExcuse[]>;
}

/** Hooks, claimed events and the delivery log (`WebhooksRepository`). */
export interface WebhooksAdapter {
  createWebhook(hook: CheckedWebhook): Awaitable<Webhook>;
  getWebhook(id: string): Awaitable<Webhook | null>;
  listWebhooks(page: CheckedPage): Awaitable<Webhook[]>;
  listWebhooksFor(type: WebhookEventType): Awaitable<Webhook[]>;
  /** @returns null when there is no such hook. */
  updateWebhook(id: string, patch: CheckedWebhookPatch): Awaitable<Webhook | null>;
  /** @returns false when there is no such hook. */
  deleteWebhook(id: string): Awaitable<boolean>;
  /** Inserts the event unless its id is there, in one write; returns the stored one either way. */
  claimWebhookEvent(event: CheckedWebhookEvent): Awaitable<ClaimedWebhookEvent>;
  getWebhookEvent(id: string): Awaitable<StoredWebhookEvent | null>;
  /** Sets `dispatchedAt` unless it is set. @returns false when there is no such event. */
  markWebhookEventDispatched(id: string, at: string): Awaitable<boolean>;
  listUndispatchedWebhookEvents(before: string, page: CheckedPage): Awaitable<StoredWebhookEvent[]>;
  pruneWebhookEvents(before: string): Awaitable<number>;
  /**
   * Adds the attempt and drops the hook's attempts beyond the newest `keepLast`, in one write;
   * `STORE_NOT_FOUND` when the hook is gone.
   */
  logWebhookDelivery(delivery: NewWebhookDelivery, keepLast: number): Awaitable<WebhookDelivery>;
  /** `STORE_NOT_FOUND` when the hook does not exist. */
  listWebhookDeliveries(hookId: string, page: CheckedPage): Awaitable<WebhookDelivery[]>;
}

/** Every repository of one adapter, over one connection. */
export interface StoreAdapter {
  accounts: AccountsAdapter;
  people: PeopleAdapter;
  photos: PhotosAdapter;
  attendance: AttendanceAdapter;
  unknownFaces: UnknownFacesAdapter;
  nodes: NodesAdapter;
  settings: SettingsAdapter;
  groups: GroupsAdapter;
  webhooks: WebhooksAdapter;
}
