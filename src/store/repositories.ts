/**
 * The store's repositories, one per aggregate: what a service that needs only accounts, or only
 * the gallery, depends on. `Store` (store.ts) is all of them plus `close()`, and every adapter
 * implements `Store`; the conventions in store.ts hold for every method here.
 */
import type { AttendanceRules, DescriptorModel } from '../core/index.js';
import type {
  AccountsWriteOptions,
  ApiToken,
  AttendanceCorrection,
  AttendanceCorrectionInput,
  AttendanceQuery,
  CorrectionQuery,
  DeletedPerson,
  DeletePersonOptions,
  EventQuery,
  Gallery,
  GalleryChange,
  JsonValue,
  NewApiToken,
  NewPerson,
  NewPhoto,
  NewUser,
  NodeRecord,
  Page,
  PageOptions,
  Person,
  PersonPatch,
  Photo,
  ReceivedEvent,
  RecordAttendanceResult,
  RecordUnknownFaceResult,
  SetDescriptorsOptions,
  Setting,
  SettingChange,
  StoredAttendance,
  StoredDescriptor,
  StoredEvent,
  UnknownFace,
  UnknownFaceQuery,
  UnknownFaceWriteOptions,
  User,
  UserPatch,
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
  createPerson(person: NewPerson): Promise<{ person: Person } & GalleryChange>;
  getPerson(id: string): Promise<Person | null>;
  getPersonByName(name: string): Promise<Person | null>;
  listPeople(page?: PageOptions): Promise<Page<Person>>;
  updatePerson(id: string, patch: PersonPatch): Promise<{ person: Person } & GalleryChange>;
  /**
   * Erases the person: descriptors, photos, the crops of their recognition events, unknown faces
   * assigned to them, and (optionally) attendance, in one transaction.
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
