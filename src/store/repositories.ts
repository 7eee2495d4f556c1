/**
 * The store's repositories, one per aggregate: what a service that needs only accounts, or only
 * the gallery, depends on. `Store` (store.ts) is all of them plus `close()`, and every adapter
 * implements `Store`; the conventions in store.ts hold for every method here.
 */
import type { AttendanceRules, DescriptorModel, GroupSession, WebhookEventType } from '../core/index.js';
import type {
  AccountsWriteOptions,
  ApiToken,
  AttendanceCorrection,
  AttendanceCorrectionInput,
  AttendanceQuery,
  ClaimedWebhookEvent,
  CorrectionQuery,
  DeliveryLogOptions,
  DeletedPerson,
  DeletePersonOptions,
  EventQuery,
  ExcuseQuery,
  Gallery,
  GalleryChange,
  Group,
  GroupPatch,
  JsonValue,
  NewApiToken,
  NewGroup,
  NewPerson,
  NewPhoto,
  NewSessionExcuse,
  NewUser,
  NewWebhook,
  NewWebhookDelivery,
  NewWebhookEvent,
  NodeRecord,
  Page,
  PageOptions,
  Person,
  PersonPatch,
  Photo,
  ReceivedEvent,
  RecordAttendanceResult,
  RecordUnknownFaceResult,
  SessionExcuse,
  SetDescriptorsOptions,
  Setting,
  SettingChange,
  StoredAttendance,
  StoredDescriptor,
  StoredEvent,
  StoredGroupSession,
  StoredWebhookEvent,
  UnknownFace,
  UnknownFaceQuery,
  UnknownFaceWriteOptions,
  User,
  UserPatch,
  Webhook,
  WebhookDelivery,
  WebhookPatch,
} from './store.js';

/** Users and their API tokens: who may sign in, and with which role. */
export interface AccountsRepository {
  // users
  createUser(user: NewUser, options?: AccountsWriteOptions): Promise<User>;
  getUser(id: string): Promise<User | null>;
  getUserByName(name: string): Promise<User | null>;
  listUsers(page?: PageOptions): Promise<Page<User>>;
  updateUser(id: string, patch: UserPatch, options?: AccountsWriteOptions): Promise<User>;
  /** Deletes the user and their API tokens. */
  deleteUser(id: string, options?: AccountsWriteOptions): Promise<void>;

  // API tokens
  createApiToken(token: NewApiToken): Promise<ApiToken>;
  /** The token with this hash, revoked or not (the caller checks `revoked` and the user). */
  findApiTokenByHash(tokenHash: string): Promise<ApiToken | null>;
  listApiTokens(userId: string): Promise<ApiToken[]>;
  touchApiToken(id: string, at: string): Promise<void>;
  revokeApiToken(id: string): Promise<ApiToken>;
}

/**
 * People and what recognises them: photos, descriptors, and the gallery version that every change
 * to them increases.
 */
export interface PeopleRepository {
  // people
  /** @throws `STORE_CONFLICT` when another person has the external id (names may repeat). */
  createPerson(person: NewPerson): Promise<{ person: Person } & GalleryChange>;
  getPerson(id: string): Promise<Person | null>;
  /**
   * The earliest enrolled person with this name (compared without ASCII case), or null. Names may
   * repeat: code that acts on someone uses their id, or {@link PeopleRepository.findPeopleByName}
   * to see whether a name is ambiguous.
   */
  getPersonByName(name: string): Promise<Person | null>;
  /** Everyone with this name (compared without ASCII case), earliest enrolled first; at most 100. */
  findPeopleByName(name: string): Promise<Person[]>;
  /** The person with this external id (compared exactly, after trimming), or null. */
  getPersonByExternalId(externalId: string): Promise<Person | null>;
  listPeople(page?: PageOptions): Promise<Page<Person>>;
  /** @throws `STORE_CONFLICT` when another person has the external id. */
  updatePerson(id: string, patch: PersonPatch): Promise<{ person: Person } & GalleryChange>;
  /**
   * Erases the person: descriptors, photos, the crops of their recognition events, unknown faces
   * assigned to them, group memberships, and attendance (erased, or kept anonymised), in one
   * transaction.
   */
  deletePerson(id: string, options?: DeletePersonOptions): Promise<DeletedPerson>;

  // photos and descriptors
  addPhoto(photo: NewPhoto): Promise<Photo>;
  getPhoto(id: string): Promise<Photo | null>;
  getPhotoBytes(id: string): Promise<Uint8Array | null>;
  listPhotos(personId: string): Promise<Photo[]>;
  setPhotoQuality(id: string, quality: JsonValue): Promise<Photo>;
  /** Deletes the photo and its descriptors. */
  deletePhoto(id: string): Promise<GalleryChange>;
  /**
   * Replaces the descriptors of `model` computed from a photo, leaving its descriptors of other
   * models alone. Idempotent, so a training job that runs twice (retry after a crash) leaves the
   * same gallery, not duplicates.
   *
   * @throws `DESCRIPTOR_INVALID` for a descriptor that is not of the model's length.
   */
  setPhotoDescriptors(
    photoId: string,
    model: DescriptorModel,
    descriptors: readonly Float32Array[],
    options?: SetDescriptorsOptions,
  ): Promise<GalleryChange>;
  /** The person's descriptors of `model`, or of every model when it is omitted. */
  listDescriptors(personId: string, model?: DescriptorModel): Promise<StoredDescriptor[]>;
  /**
   * Photos that have descriptors of some other model but none of `model`: accepted enrollment
   * photos that a re-embedding job must describe again for a node of `model`. Photos the training
   * job refused (no descriptor of any model) are not among them. Oldest first.
   */
  listPhotosLackingDescriptors(model: DescriptorModel, page?: PageOptions): Promise<Page<Photo>>;
  getGalleryVersion(): Promise<number>;
  /** Increases the gallery version alone: the end of a batch written without bumps. */
  bumpGalleryVersion(): Promise<GalleryChange>;
  /** The gallery of one descriptor model, read in one snapshot with its version. */
  getGallery(model: DescriptorModel): Promise<Gallery>;
}

/** The audit trail of recognition events, the attendance they make, and corrections by hand. */
export interface AttendanceRepository {
  /** Stores the event in the audit trail unless its id is already there; returns whether it was new. */
  insertEventOnce(event: ReceivedEvent): Promise<boolean>;
  /**
   * Stores the event once and applies it to its person's record for the local day decided by
   * `rules.timeZone` (core `recordSighting`), in one transaction: a redelivered event changes nothing.
   */
  recordAttendance(event: ReceivedEvent, rules: AttendanceRules): Promise<RecordAttendanceResult>;
  getEvent(id: string): Promise<StoredEvent | null>;
  getEventCrop(id: string): Promise<Uint8Array | null>;
  /** Events by capture time, oldest first. */
  listEvents(query?: EventQuery): Promise<Page<StoredEvent>>;
  /** Drops the crops of events captured before `before` (retention); returns how many. */
  pruneEventCrops(before: string): Promise<number>;
  getAttendance(personId: string, day: string): Promise<StoredAttendance | null>;
  /** Records by day, then check-in. */
  listAttendance(query: AttendanceQuery): Promise<Page<StoredAttendance>>;
  correctAttendance(correction: AttendanceCorrectionInput): Promise<AttendanceCorrection>;
  listCorrections(query?: CorrectionQuery): Promise<Page<AttendanceCorrection>>;
}

/** Faces the cameras did not name, kept for review: assigned to a person or dismissed. */
export interface UnknownFacesRepository {
  /** Stores an `unknown` event once and opens an unknown face for review, in one transaction. */
  recordUnknownFace(event: ReceivedEvent): Promise<RecordUnknownFaceResult>;
  getUnknownFace(id: string): Promise<UnknownFace | null>;
  getUnknownFaceCrop(id: string): Promise<Uint8Array | null>;
  /** Newest first. */
  listUnknownFaces(query?: UnknownFaceQuery): Promise<Page<UnknownFace>>;
  /** Only an open face can be assigned or dismissed; otherwise `STORE_CONFLICT`. */
  assignUnknownFace(id: string, personId: string, options?: UnknownFaceWriteOptions): Promise<UnknownFace>;
  dismissUnknownFace(id: string, options?: UnknownFaceWriteOptions): Promise<UnknownFace>;
  /**
   * Opens an assigned face again, only while it is still the assignment `undo` names (its person
   * and decision time); otherwise `STORE_CONFLICT`. For a caller whose follow-up to its own
   * assignment failed.
   */
  reopenUnknownFace(id: string, undo: { personId: string; decidedAt: string }): Promise<UnknownFace>;
}

/** Each recognition node's last report (its heartbeat). */
export interface NodesRepository {
  upsertNode(node: NodeRecord): Promise<NodeRecord>;
  getNode(id: string): Promise<NodeRecord | null>;
  listNodes(): Promise<NodeRecord[]>;
  deleteNode(id: string): Promise<void>;
}

/** Settings saved from the admin pages, as JSON values by key. */
export interface SettingsRepository {
  getSetting(key: string): Promise<Setting | null>;
  setSetting(key: string, value: JsonValue): Promise<Setting>;
  /** Saves `change(saved)` in one transaction with reading `saved`: no other save slips in between. */
  updateSetting(key: string, change: SettingChange): Promise<Setting>;
  listSettings(): Promise<Setting[]>;
  deleteSetting(key: string): Promise<void>;
}

/**
 * Groups (a class, a team), their members and their recurring sessions, and the sessions an
 * administrator excused. A person may be in several groups; deleting a person takes them out of
 * every group.
 */
export interface GroupsRepository {
  createGroup(group: NewGroup): Promise<Group>;
  getGroup(id: string): Promise<Group | null>;
  /** By name. */
  listGroups(page?: PageOptions): Promise<Page<Group>>;
  updateGroup(id: string, patch: GroupPatch): Promise<Group>;
  /** Deletes the group with its sessions, memberships and excuses; people and attendance stay. */
  deleteGroup(id: string): Promise<void>;

  /** Adds people to the group; those already in it stay as they are. All or none. */
  addGroupMembers(groupId: string, personIds: readonly string[]): Promise<void>;
  removeGroupMember(groupId: string, personId: string): Promise<void>;
  /** The members, by name. */
  listGroupMembers(groupId: string): Promise<Person[]>;
  /** The groups a person is in, by name. */
  listGroupsOf(personId: string): Promise<Group[]>;

  /**
   * Adds a session to the group. The group's sessions may not overlap (core
   * `overlappingSessions`), checked in the same transaction as the write: `STORE_CONFLICT`.
   */
  addGroupSession(groupId: string, session: GroupSession): Promise<StoredGroupSession>;
  getGroupSession(id: string): Promise<StoredGroupSession | null>;
  /** Replaces the session's definition; the no-overlap rule holds as for adding. */
  updateGroupSession(id: string, session: GroupSession): Promise<StoredGroupSession>;
  /** Deletes the session and its excuses. */
  deleteGroupSession(id: string): Promise<void>;
  /** By start time, then creation. */
  listGroupSessions(groupId: string): Promise<StoredGroupSession[]>;

  /** Excuses a member's session on a day; a second excuse for the same one replaces its reason. */
  excuseSession(excuse: NewSessionExcuse): Promise<SessionExcuse>;
  deleteSessionExcuse(id: string): Promise<void>;
  /** By day, then person. */
  listSessionExcuses(query: ExcuseQuery): Promise<Page<SessionExcuse>>;
}

/**
 * Webhooks: the URLs that receive events, the events claimed for delivery (each id once, whoever
 * makes it), and each hook's log of delivery attempts, kept to its newest few hundred.
 */
export interface WebhooksRepository {
  createWebhook(hook: NewWebhook): Promise<Webhook>;
  getWebhook(id: string): Promise<Webhook | null>;
  /** Oldest first. */
  listWebhooks(page?: PageOptions): Promise<Page<Webhook>>;
  /** The active hooks subscribed to `type`, oldest first. */
  listWebhooksFor(type: WebhookEventType): Promise<Webhook[]>;
  updateWebhook(id: string, patch: WebhookPatch): Promise<Webhook>;
  /** Deletes the hook and its delivery log. */
  deleteWebhook(id: string): Promise<void>;

  /**
   * Stores the event unless its id is stored already, in one write: of any number of callers
   * (web nodes, runs of a job, redeliveries) making the same event, exactly one gets `claimed`.
   */
  claimWebhookEvent(event: NewWebhookEvent): Promise<ClaimedWebhookEvent>;
  getWebhookEvent(id: string): Promise<StoredWebhookEvent | null>;
  /** Records that the event's deliveries are queued; the first time counts. */
  markWebhookEventDispatched(id: string, at: string): Promise<void>;
  /** Events claimed but never dispatched (their claimant stopped), created before `before`; oldest first. */
  listUndispatchedWebhookEvents(before: string, page?: PageOptions): Promise<Page<StoredWebhookEvent>>;
  /** Deletes dispatched events created before `before`; returns how many. */
  pruneWebhookEvents(before: string): Promise<number>;

  /** Adds an attempt to the hook's log and drops its attempts beyond `keepLast`, in one write. */
  logWebhookDelivery(delivery: NewWebhookDelivery, options?: DeliveryLogOptions): Promise<WebhookDelivery>;
  /** The hook's attempts, newest first. */
  listWebhookDeliveries(hookId: string, page?: PageOptions): Promise<Page<WebhookDelivery>>;
}
