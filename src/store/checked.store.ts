/**
 * The store's edge, written once for every adapter: each public `Store` method checks its
 * arguments (`validate.ts`), refuses calls after `close()`, and hands checked values to the
 * adapter's `do…` method of the same name, whose errors it maps to the catalog through the
 * adapter's `translate`. An adapter extends this class and only maps rows or documents and runs
 * its transactions; a `do…` method may trust its arguments.
 *
 * A `do…` method returns a value (SQLite, synchronous) or a promise of one (MongoDB). A list's
 * `do…` method returns up to `limit + 1` items from `offset`, so the edge knows whether a next page
 * exists without a count.
 */
import {
  decideUnknownFace,
  clashingSession,
  describeSession,
  erasureSteps,
  ErrorCode,
  localDay,
  RollcallError,
  type AccountsRule,
  type AttendanceRules,
  type DescriptorModel,
  type ErasureStep,
  type GroupSession,
  type RecognitionEventType,
  type UnknownFaceDecision,
  type UnknownFaceRule,
  type UnknownFaceStatus,
  type WebhookEventType,
} from '../core/index.js';
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
  RecordAttendanceResult,
  ReceivedEvent,
  RecordUnknownFaceResult,
  SessionExcuse,
  SetDescriptorsOptions,
  Setting,
  SettingChange,
  Store,
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
import { DEFAULT_DELIVERY_LOG_LIMIT } from './store.js';
import type { StoreOptions } from './store-options.js';
import {
  checkAttendanceRules,
  checkBoolean,
  checkBytes,
  checkCorrection,
  checkDay,
  checkDescriptors,
  checkEvent,
  checkEventId,
  checkFileName,
  checkGroupSession,
  checkRateOrNull,
  checkHash,
  checkId,
  checkInstant,
  checkJson,
  checkModel,
  checkExternalId,
  checkName,
  checkPage,
  checkRole,
  checkStatus,
  checkText,
  conflict,
  invalid,
  MAX_NOTES_LENGTH,
  MAX_TEXT_LENGTH,
  notFound,
  toPage,
  checkKeepLast,
  checkWebhookDelivery,
  checkWebhookEventId,
  checkWebhookEventType,
  checkWebhookEventTypes,
  checkWebhookSecret,
  checkWebhookUrl,
  type CheckedCorrection,
} from './validate.js';

type Awaitable<T> = T | Promise<T>;

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

/** At most this many people of one name are listed: a name shared by more needs an external id. */
export const MAX_NAMESAKES = 100;

const EVENT_TYPES: readonly string[] = ['recognized', 'sighting', 'unknown'];

export abstract class CheckedStore implements Store {
  private closed = false;

  protected constructor(
    private readonly limits: Pick<Required<StoreOptions>, 'maxPhotoBytes' | 'maxCropBytes'>,
  ) {}

  /** Releases the adapter's connection; called once, by the first `close()`. */
  protected abstract release(): Promise<void>;
  /** Maps what the database threw to the catalog; a RollcallError passes through. */
  protected abstract translate(error: unknown): RollcallError;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.release();
  }

  /** Every public method goes through here: closed check, then the call, its errors translated. */
  private async run<T>(fn: () => Awaitable<T>): Promise<T> {
    if (this.closed) throw new RollcallError(ErrorCode.StoreClosed, 'the store is closed');
    try {
      return await fn();
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Checks the page options first, then fetches up to `limit + 1` items and makes them a page. */
  private async paged<T>(
    page: PageOptions | undefined,
    fetch: (page: CheckedPage) => Awaitable<T[]>,
  ): Promise<Page<T>> {
    const checked = checkPage(page);
    return toPage(await fetch(checked), checked.limit, checked.offset, (item) => item);
  }

  // ---- users ----

  protected abstract doCreateUser(user: NewUser, rule: AccountsRule | undefined): Awaitable<User>;
  protected abstract doGetUser(id: string): Awaitable<User | null>;
  protected abstract doGetUserByName(name: string): Awaitable<User | null>;
  protected abstract doListUsers(page: CheckedPage): Awaitable<User[]>;
  protected abstract doUpdateUser(
    id: string,
    set: UserPatch,
    rule: AccountsRule | undefined,
  ): Awaitable<User>;
  protected abstract doDeleteUser(id: string, rule: AccountsRule | undefined): Awaitable<void>;

  createUser(user: NewUser, options?: AccountsWriteOptions): Promise<User> {
    return this.run(() => {
      const name = checkName(user.name, 'user name');
      const role = checkRole(user.role);
      const passwordHash = checkHash(user.passwordHash, 'password hash');
      return this.doCreateUser({ name, role, passwordHash }, options?.rule);
    });
  }

  getUser(id: string): Promise<User | null> {
    return this.run(() => this.doGetUser(checkId(id, 'user id')));
  }

  getUserByName(name: string): Promise<User | null> {
    return this.run(() => this.doGetUserByName(checkName(name, 'user name')));
  }

  listUsers(page?: PageOptions): Promise<Page<User>> {
    return this.run(() => this.paged(page, (checked) => this.doListUsers(checked)));
  }

  updateUser(id: string, patch: UserPatch, options?: AccountsWriteOptions): Promise<User> {
    return this.run(() => {
      checkId(id, 'user id');
      const set: UserPatch = {};
      if (patch.role !== undefined) set.role = checkRole(patch.role);
      if (patch.passwordHash !== undefined) set.passwordHash = checkHash(patch.passwordHash, 'password hash');
      if (patch.disabled !== undefined) set.disabled = checkBoolean(patch.disabled, 'disabled');
      return this.doUpdateUser(id, set, options?.rule);
    });
  }

  deleteUser(id: string, options?: AccountsWriteOptions): Promise<void> {
    return this.run(() => this.doDeleteUser(checkId(id, 'user id'), options?.rule));
  }

  // ---- API tokens ----

  protected abstract doCreateApiToken(token: NewApiToken): Awaitable<ApiToken>;
  protected abstract doFindApiTokenByHash(tokenHash: string): Awaitable<ApiToken | null>;
  protected abstract doListApiTokens(userId: string): Awaitable<ApiToken[]>;
  /** @returns false when there is no such token. */
  protected abstract doTouchApiToken(id: string, at: string): Awaitable<boolean>;
  /** @returns null when there is no such token. */
  protected abstract doRevokeApiToken(id: string): Awaitable<ApiToken | null>;

  createApiToken(token: NewApiToken): Promise<ApiToken> {
    return this.run(() => {
      const userId = checkId(token.userId, 'user id');
      const name = checkName(token.name, 'token name');
      const tokenHash = checkHash(token.tokenHash, 'token hash');
      return this.doCreateApiToken({ userId, name, tokenHash });
    });
  }

  findApiTokenByHash(tokenHash: string): Promise<ApiToken | null> {
    return this.run(() => this.doFindApiTokenByHash(checkHash(tokenHash, 'token hash')));
  }

  listApiTokens(userId: string): Promise<ApiToken[]> {
    return this.run(() => this.doListApiTokens(checkId(userId, 'user id')));
  }

  touchApiToken(id: string, at: string): Promise<void> {
    return this.run(async () => {
      const lastUsedAt = checkInstant(at, 'at');
      if (!(await this.doTouchApiToken(checkId(id, 'token id'), lastUsedAt))) {
        throw notFound(`no API token with id ${id}`);
      }
    });
  }

  revokeApiToken(id: string): Promise<ApiToken> {
    return this.run(async () => {
      const token = await this.doRevokeApiToken(checkId(id, 'token id'));
      if (!token) throw notFound(`no API token with id ${id}`);
      return token;
    });
  }

  // ---- people ----

  protected abstract doCreatePerson(
    person: Required<NewPerson>,
  ): Awaitable<{ person: Person } & GalleryChange>;
  protected abstract doGetPerson(id: string): Awaitable<Person | null>;
  protected abstract doGetPersonByName(name: string): Awaitable<Person | null>;
  /** Up to `limit` people with this name, earliest enrolled first. */
  protected abstract doFindPeopleByName(name: string, limit: number): Awaitable<Person[]>;
  protected abstract doGetPersonByExternalId(externalId: string): Awaitable<Person | null>;
  protected abstract doListPeople(page: CheckedPage): Awaitable<Person[]>;
  protected abstract doUpdatePerson(
    id: string,
    patch: PersonPatch,
  ): Awaitable<{ person: Person } & GalleryChange>;
  /** Runs `steps` (core `erasureSteps`) and deletes the person, in one transaction. */
  protected abstract doDeletePerson(id: string, steps: readonly ErasureStep[]): Awaitable<DeletedPerson>;

  createPerson(person: NewPerson): Promise<{ person: Person } & GalleryChange> {
    return this.run(() => {
      const name = checkName(person.name, 'person name');
      const externalId = checkExternalId(person.externalId ?? null);
      const notes = checkText(person.notes ?? '', 'notes', MAX_NOTES_LENGTH);
      return this.doCreatePerson({ name, externalId, notes });
    });
  }

  getPerson(id: string): Promise<Person | null> {
    return this.run(() => this.doGetPerson(checkId(id, 'person id')));
  }

  getPersonByName(name: string): Promise<Person | null> {
    return this.run(() => this.doGetPersonByName(checkName(name, 'person name')));
  }

  findPeopleByName(name: string): Promise<Person[]> {
    return this.run(() => this.doFindPeopleByName(checkName(name, 'person name'), MAX_NAMESAKES));
  }

  getPersonByExternalId(externalId: string): Promise<Person | null> {
    return this.run(() => {
      const checked = checkExternalId(externalId);
      if (checked === null) throw new RollcallError(ErrorCode.StoreInvalid, 'external id must be a string');
      return this.doGetPersonByExternalId(checked);
    });
  }

  listPeople(page?: PageOptions): Promise<Page<Person>> {
    return this.run(() => this.paged(page, (checked) => this.doListPeople(checked)));
  }

  updatePerson(id: string, patch: PersonPatch): Promise<{ person: Person } & GalleryChange> {
    return this.run(() => {
      checkId(id, 'person id');
      const name = patch.name === undefined ? undefined : checkName(patch.name, 'person name');
      const externalId = patch.externalId === undefined ? undefined : checkExternalId(patch.externalId);
      const notes = patch.notes === undefined ? undefined : checkText(patch.notes, 'notes', MAX_NOTES_LENGTH);
      return this.doUpdatePerson(id, { name, externalId, notes });
    });
  }

  deletePerson(id: string, options?: DeletePersonOptions): Promise<DeletedPerson> {
    return this.run(() => {
      checkId(id, 'person id');
      const eraseAttendance =
        options?.eraseAttendance === undefined
          ? false
          : checkBoolean(options.eraseAttendance, 'eraseAttendance');
      return this.doDeletePerson(id, erasureSteps({ eraseAttendance }));
    });
  }

  // ---- photos and descriptors ----

  protected abstract doAddPhoto(photo: CheckedPhoto): Awaitable<Photo>;
  protected abstract doGetPhoto(id: string): Awaitable<Photo | null>;
  protected abstract doGetPhotoBytes(id: string): Awaitable<Uint8Array | null>;
  protected abstract doListPhotos(personId: string): Awaitable<Photo[]>;
  /** `quality` is JSON text. @returns null when there is no such photo. */
  protected abstract doSetPhotoQuality(id: string, quality: string): Awaitable<Photo | null>;
  protected abstract doDeletePhoto(id: string): Awaitable<GalleryChange>;
  protected abstract doSetPhotoDescriptors(
    photoId: string,
    model: DescriptorModel,
    descriptors: readonly Float32Array[],
    bumpGallery: boolean,
  ): Awaitable<GalleryChange>;
  protected abstract doListDescriptors(
    personId: string,
    model: DescriptorModel | undefined,
  ): Awaitable<StoredDescriptor[]>;
  protected abstract doListPhotosLackingDescriptors(
    model: DescriptorModel,
    page: CheckedPage,
  ): Awaitable<Photo[]>;
  protected abstract doGetGalleryVersion(): Awaitable<number>;
  protected abstract doBumpGalleryVersion(): Awaitable<GalleryChange>;
  protected abstract doGetGallery(model: DescriptorModel): Awaitable<Gallery>;

  addPhoto(photo: NewPhoto): Promise<Photo> {
    return this.run(() => {
      const personId = checkId(photo.personId, 'person id');
      const fileName = checkFileName(photo.fileName);
      const bytes = checkBytes(photo.bytes, 'photo', this.limits.maxPhotoBytes);
      const quality = checkJson(photo.quality ?? null, 'quality');
      return this.doAddPhoto({ personId, fileName, bytes, quality });
    });
  }

  getPhoto(id: string): Promise<Photo | null> {
    return this.run(() => this.doGetPhoto(checkId(id, 'photo id')));
  }

  getPhotoBytes(id: string): Promise<Uint8Array | null> {
    return this.run(() => this.doGetPhotoBytes(checkId(id, 'photo id')));
  }

  listPhotos(personId: string): Promise<Photo[]> {
    return this.run(() => this.doListPhotos(checkId(personId, 'person id')));
  }

  setPhotoQuality(id: string, quality: JsonValue): Promise<Photo> {
    return this.run(async () => {
      const text = checkJson(quality, 'quality');
      const photo = await this.doSetPhotoQuality(checkId(id, 'photo id'), text);
      if (!photo) throw notFound(`no photo with id ${id}`);
      return photo;
    });
  }

  deletePhoto(id: string): Promise<GalleryChange> {
    return this.run(() => this.doDeletePhoto(checkId(id, 'photo id')));
  }

  setPhotoDescriptors(
    photoId: string,
    model: DescriptorModel,
    descriptors: readonly Float32Array[],
    options: SetDescriptorsOptions = {},
  ): Promise<GalleryChange> {
    return this.run(() => {
      checkId(photoId, 'photo id');
      checkModel(model);
      const list = checkDescriptors(descriptors, model);
      return this.doSetPhotoDescriptors(photoId, model, list, options.bumpGallery !== false);
    });
  }

  listDescriptors(personId: string, model?: DescriptorModel): Promise<StoredDescriptor[]> {
    return this.run(() => {
      checkId(personId, 'person id');
      return this.doListDescriptors(personId, model === undefined ? undefined : checkModel(model));
    });
  }

  listPhotosLackingDescriptors(model: DescriptorModel, page?: PageOptions): Promise<Page<Photo>> {
    return this.run(() => {
      checkModel(model);
      return this.paged(page, (checked) => this.doListPhotosLackingDescriptors(model, checked));
    });
  }

  getGalleryVersion(): Promise<number> {
    return this.run(() => this.doGetGalleryVersion());
  }

  bumpGalleryVersion(): Promise<GalleryChange> {
    return this.run(() => this.doBumpGalleryVersion());
  }

  getGallery(model: DescriptorModel): Promise<Gallery> {
    return this.run(() => this.doGetGallery(checkModel(model)));
  }

  // ---- events and attendance ----

  protected abstract doInsertEventOnce(event: ReceivedEvent): Awaitable<boolean>;
  protected abstract doRecordAttendance(sighting: Sighting): Awaitable<RecordAttendanceResult>;
  protected abstract doGetEvent(id: string): Awaitable<StoredEvent | null>;
  protected abstract doGetEventCrop(id: string): Awaitable<Uint8Array | null>;
  protected abstract doListEvents(filter: EventFilter, page: CheckedPage): Awaitable<StoredEvent[]>;
  protected abstract doPruneEventCrops(before: string): Awaitable<number>;
  protected abstract doGetAttendance(personId: string, day: string): Awaitable<StoredAttendance | null>;
  protected abstract doListAttendance(
    filter: AttendanceFilter,
    page: CheckedPage,
  ): Awaitable<StoredAttendance[]>;
  protected abstract doCorrectAttendance(correction: CheckedCorrection): Awaitable<AttendanceCorrection>;
  protected abstract doListCorrections(
    filter: CorrectionFilter,
    page: CheckedPage,
  ): Awaitable<AttendanceCorrection[]>;

  insertEventOnce(event: ReceivedEvent): Promise<boolean> {
    return this.run(() => this.doInsertEventOnce(checkEvent(event, this.limits.maxCropBytes)));
  }

  recordAttendance(event: ReceivedEvent, rules: AttendanceRules): Promise<RecordAttendanceResult> {
    return this.run(() => {
      const checked = checkEvent(event, this.limits.maxCropBytes);
      checkAttendanceRules(rules);
      const personId = checked.personId;
      if (personId === null)
        throw invalid('an unknown-face event has no person to mark; use recordUnknownFace');
      const day = localDay(checked.at, rules.timeZone);
      return this.doRecordAttendance({ event: checked, personId, day, rules });
    });
  }

  getEvent(id: string): Promise<StoredEvent | null> {
    return this.run(() => this.doGetEvent(checkEventId(id)));
  }

  getEventCrop(id: string): Promise<Uint8Array | null> {
    return this.run(() => this.doGetEventCrop(checkEventId(id)));
  }

  listEvents(query?: EventQuery): Promise<Page<StoredEvent>> {
    return this.run(() =>
      this.paged(query, (page) => {
        const filter: EventFilter = {};
        if (query?.from !== undefined) filter.from = checkInstant(query.from, 'from');
        if (query?.to !== undefined) filter.to = checkInstant(query.to, 'to');
        if (query?.personId !== undefined) filter.personId = checkId(query.personId, 'person id');
        if (query?.type !== undefined) {
          if (!EVENT_TYPES.includes(query.type)) throw invalid('unknown event type');
          filter.type = query.type;
        }
        return this.doListEvents(filter, page);
      }),
    );
  }

  pruneEventCrops(before: string): Promise<number> {
    return this.run(() => this.doPruneEventCrops(checkInstant(before, 'before')));
  }

  getAttendance(personId: string, day: string): Promise<StoredAttendance | null> {
    return this.run(() => this.doGetAttendance(checkId(personId, 'person id'), checkDay(day)));
  }

  listAttendance(query: AttendanceQuery): Promise<Page<StoredAttendance>> {
    return this.run(() =>
      this.paged(query, (page) => {
        const from = checkDay(query.from, 'from');
        const to = query.to === undefined ? from : checkDay(query.to, 'to');
        if (to < from) throw invalid(`to (${to}) is before from (${from})`);
        const filter: AttendanceFilter = { from, to };
        if (query.personId !== undefined) filter.personId = checkId(query.personId, 'person id');
        return this.doListAttendance(filter, page);
      }),
    );
  }

  correctAttendance(correction: AttendanceCorrectionInput): Promise<AttendanceCorrection> {
    return this.run(() => this.doCorrectAttendance(checkCorrection(correction)));
  }

  listCorrections(query?: CorrectionQuery): Promise<Page<AttendanceCorrection>> {
    return this.run(() =>
      this.paged(query, (page) => {
        const filter: CorrectionFilter = {};
        if (query?.personId !== undefined) filter.personId = checkId(query.personId, 'person id');
        if (query?.from !== undefined) filter.from = checkDay(query.from, 'from');
        if (query?.to !== undefined) filter.to = checkDay(query.to, 'to');
        return this.doListCorrections(filter, page);
      }),
    );
  }

  // ---- unknown faces ----

  protected abstract doRecordUnknownFace(event: ReceivedEvent): Awaitable<RecordUnknownFaceResult>;
  protected abstract doGetUnknownFace(id: string): Awaitable<UnknownFace | null>;
  protected abstract doGetUnknownFaceCrop(id: string): Awaitable<Uint8Array | null>;
  protected abstract doListUnknownFaces(
    status: UnknownFaceStatus | null,
    page: CheckedPage,
  ): Awaitable<UnknownFace[]>;
  /** Writes `decision` on the face if `rule` says so, in one transaction with reading the face. */
  protected abstract doDecideUnknownFace(
    id: string,
    decision: UnknownFaceDecision,
    rule: UnknownFaceRule,
  ): Awaitable<UnknownFace>;

  recordUnknownFace(event: ReceivedEvent): Promise<RecordUnknownFaceResult> {
    return this.run(() => {
      const checked = checkEvent(event, this.limits.maxCropBytes);
      if (checked.type !== 'unknown' || checked.personId !== null) {
        throw invalid('only an unknown-face event (type "unknown", no personId) opens an unknown face');
      }
      return this.doRecordUnknownFace(checked);
    });
  }

  getUnknownFace(id: string): Promise<UnknownFace | null> {
    return this.run(() => this.doGetUnknownFace(checkId(id, 'unknown face id')));
  }

  getUnknownFaceCrop(id: string): Promise<Uint8Array | null> {
    return this.run(() => this.doGetUnknownFaceCrop(checkId(id, 'unknown face id')));
  }

  listUnknownFaces(query?: UnknownFaceQuery): Promise<Page<UnknownFace>> {
    return this.run(() =>
      this.paged(query, (page) =>
        this.doListUnknownFaces(query?.status === undefined ? null : checkStatus(query.status), page),
      ),
    );
  }

  assignUnknownFace(id: string, personId: string, options?: UnknownFaceWriteOptions): Promise<UnknownFace> {
    return this.run(() =>
      this.doDecideUnknownFace(
        checkId(id, 'unknown face id'),
        { status: 'assigned', personId: checkId(personId, 'person id') },
        options?.rule ?? decideUnknownFace,
      ),
    );
  }

  dismissUnknownFace(id: string, options?: UnknownFaceWriteOptions): Promise<UnknownFace> {
    return this.run(() =>
      this.doDecideUnknownFace(
        checkId(id, 'unknown face id'),
        { status: 'dismissed' },
        options?.rule ?? decideUnknownFace,
      ),
    );
  }

  reopenUnknownFace(id: string, undo: { personId: string; decidedAt: string }): Promise<UnknownFace> {
    return this.run(() =>
      this.doDecideUnknownFace(
        checkId(id, 'unknown face id'),
        {
          status: 'open',
          undo: {
            personId: checkId(undo.personId, 'person id'),
            decidedAt: checkInstant(undo.decidedAt, 'decidedAt'),
          },
        },
        decideUnknownFace,
      ),
    );
  }

  // ---- nodes ----

  /** `status` is JSON text. */
  protected abstract doUpsertNode(id: string, lastSeen: string, status: string): Awaitable<void>;
  protected abstract doGetNode(id: string): Awaitable<NodeRecord | null>;
  protected abstract doListNodes(): Awaitable<NodeRecord[]>;
  /** @returns false when there is no such node. */
  protected abstract doDeleteNode(id: string): Awaitable<boolean>;

  upsertNode(node: NodeRecord): Promise<NodeRecord> {
    return this.run(async () => {
      const id = checkId(node.id, 'node id');
      const lastSeen = checkInstant(node.lastSeen, 'lastSeen');
      const status = checkJson(node.status, 'status');
      await this.doUpsertNode(id, lastSeen, status);
      return { id, lastSeen, status: JSON.parse(status) as JsonValue };
    });
  }

  getNode(id: string): Promise<NodeRecord | null> {
    return this.run(() => this.doGetNode(checkId(id, 'node id')));
  }

  listNodes(): Promise<NodeRecord[]> {
    return this.run(() => this.doListNodes());
  }

  deleteNode(id: string): Promise<void> {
    return this.run(async () => {
      if (!(await this.doDeleteNode(checkId(id, 'node id')))) throw notFound(`no node with id ${id}`);
    });
  }

  // ---- settings ----

  protected abstract doGetSetting(key: string): Awaitable<Setting | null>;
  /** `value` is JSON text. */
  protected abstract doSetSetting(key: string, value: string): Awaitable<Setting>;
  /** Saves `change(saved)`, JSON text, in one transaction with reading `saved`. */
  protected abstract doUpdateSetting(
    key: string,
    change: (saved: JsonValue | null) => string,
  ): Awaitable<Setting>;
  protected abstract doListSettings(): Awaitable<Setting[]>;
  /** @returns false when there is no such setting. */
  protected abstract doDeleteSetting(key: string): Awaitable<boolean>;

  getSetting(key: string): Promise<Setting | null> {
    return this.run(() => this.doGetSetting(checkId(key, 'setting key')));
  }

  setSetting(key: string, value: JsonValue): Promise<Setting> {
    return this.run(() => {
      checkId(key, 'setting key');
      return this.doSetSetting(key, checkJson(value, 'setting value'));
    });
  }

  updateSetting(key: string, change: SettingChange): Promise<Setting> {
    return this.run(() =>
      this.doUpdateSetting(checkId(key, 'setting key'), (saved) => checkJson(change(saved), 'setting value')),
    );
  }

  listSettings(): Promise<Setting[]> {
    return this.run(() => this.doListSettings());
  }

  deleteSetting(key: string): Promise<void> {
    return this.run(async () => {
      if (!(await this.doDeleteSetting(checkId(key, 'setting key')))) throw notFound(`no setting ${key}`);
    });
  }

  // ---- groups and their sessions ----

  protected abstract doCreateGroup(group: Required<NewGroup>): Awaitable<Group>;
  protected abstract doGetGroup(id: string): Awaitable<Group | null>;
  protected abstract doListGroups(page: CheckedPage): Awaitable<Group[]>;
  /** @returns null when there is no such group. */
  protected abstract doUpdateGroup(id: string, patch: GroupPatch): Awaitable<Group | null>;
  /** @returns false when there is no such group. */
  protected abstract doDeleteGroup(id: string): Awaitable<boolean>;
  /** Adds every person or none: `STORE_NOT_FOUND` naming a missing group or person. */
  protected abstract doAddGroupMembers(groupId: string, personIds: readonly string[]): Awaitable<void>;
  /** @returns false when the person was not in the group. */
  protected abstract doRemoveGroupMember(groupId: string, personId: string): Awaitable<boolean>;
  protected abstract doListGroupMembers(groupId: string): Awaitable<Person[]>;
  protected abstract doListGroupsOf(personId: string): Awaitable<Group[]>;
  /**
   * Writes the session after `clash(others)` (the group's other sessions, read in the same
   * transaction) returned null; a clash is thrown as `STORE_CONFLICT`.
   */
  protected abstract doAddGroupSession(
    groupId: string,
    session: GroupSession,
    clash: (others: StoredGroupSession[]) => void,
  ): Awaitable<StoredGroupSession>;
  protected abstract doGetGroupSession(id: string): Awaitable<StoredGroupSession | null>;
  protected abstract doUpdateGroupSession(
    id: string,
    session: GroupSession,
    clash: (others: StoredGroupSession[]) => void,
  ): Awaitable<StoredGroupSession>;
  /** @returns false when there is no such session. */
  protected abstract doDeleteGroupSession(id: string): Awaitable<boolean>;
  protected abstract doListGroupSessions(groupId: string): Awaitable<StoredGroupSession[]>;
  /** Inserts, or replaces the reason, by, and time of the excuse for the same session, person and day. */
  protected abstract doExcuseSession(excuse: NewSessionExcuse): Awaitable<SessionExcuse>;
  /** @returns false when there is no such excuse. */
  protected abstract doDeleteSessionExcuse(id: string): Awaitable<boolean>;
  protected abstract doListSessionExcuses(
    query: Required<Pick<ExcuseQuery, 'from' | 'to'>> & Pick<ExcuseQuery, 'sessionId' | 'personId'>,
    page: CheckedPage,
  ): Awaitable<SessionExcuse[]>;

  createGroup(group: NewGroup): Promise<Group> {
    return this.run(() =>
      this.doCreateGroup({
        name: checkName(group.name, 'group name'),
        notes: checkText(group.notes ?? '', 'notes', MAX_NOTES_LENGTH),
        minAttendanceRate: checkRateOrNull(group.minAttendanceRate ?? null, 'minAttendanceRate'),
      }),
    );
  }

  getGroup(id: string): Promise<Group | null> {
    return this.run(() => this.doGetGroup(checkId(id, 'group id')));
  }

  listGroups(page?: PageOptions): Promise<Page<Group>> {
    return this.run(() => this.paged(page, (checked) => this.doListGroups(checked)));
  }

  updateGroup(id: string, patch: GroupPatch): Promise<Group> {
    return this.run(async () => {
      checkId(id, 'group id');
      const checked: GroupPatch = {};
      if (patch.name !== undefined) checked.name = checkName(patch.name, 'group name');
      if (patch.notes !== undefined) checked.notes = checkText(patch.notes, 'notes', MAX_NOTES_LENGTH);
      if (patch.minAttendanceRate !== undefined)
        checked.minAttendanceRate = checkRateOrNull(patch.minAttendanceRate, 'minAttendanceRate');
      const group = await this.doUpdateGroup(id, checked);
      if (!group) throw notFound(`no group with id ${id}`);
      return group;
    });
  }

  deleteGroup(id: string): Promise<void> {
    return this.run(async () => {
      if (!(await this.doDeleteGroup(checkId(id, 'group id')))) throw notFound(`no group with id ${id}`);
    });
  }

  addGroupMembers(groupId: string, personIds: readonly string[]): Promise<void> {
    return this.run(() => {
      checkId(groupId, 'group id');
      if (!Array.isArray(personIds)) throw invalid('personIds must be a list of person ids');
      const ids = [...new Set(personIds.map((id) => checkId(id, 'person id')))];
      return this.doAddGroupMembers(groupId, ids);
    });
  }

  removeGroupMember(groupId: string, personId: string): Promise<void> {
    return this.run(async () => {
      const removed = await this.doRemoveGroupMember(
        checkId(groupId, 'group id'),
        checkId(personId, 'person id'),
      );
      if (!removed) throw notFound(`person ${personId} is not in group ${groupId}`);
    });
  }

  listGroupMembers(groupId: string): Promise<Person[]> {
    return this.run(() => this.doListGroupMembers(checkId(groupId, 'group id')));
  }

  listGroupsOf(personId: string): Promise<Group[]> {
    return this.run(() => this.doListGroupsOf(checkId(personId, 'person id')));
  }

  addGroupSession(groupId: string, session: GroupSession): Promise<StoredGroupSession> {
    return this.run(() => {
      checkId(groupId, 'group id');
      const checked = checkGroupSession(session);
      return this.doAddGroupSession(groupId, checked, (others) => {
        refuseClash(others, checked);
      });
    });
  }

  getGroupSession(id: string): Promise<StoredGroupSession | null> {
    return this.run(() => this.doGetGroupSession(checkId(id, 'session id')));
  }

  updateGroupSession(id: string, session: GroupSession): Promise<StoredGroupSession> {
    return this.run(() => {
      checkId(id, 'session id');
      const checked = checkGroupSession(session);
      return this.doUpdateGroupSession(id, checked, (others) => {
        refuseClash(others, checked);
      });
    });
  }

  deleteGroupSession(id: string): Promise<void> {
    return this.run(async () => {
      if (!(await this.doDeleteGroupSession(checkId(id, 'session id'))))
        throw notFound(`no session with id ${id}`);
    });
  }

  listGroupSessions(groupId: string): Promise<StoredGroupSession[]> {
    return this.run(() => this.doListGroupSessions(checkId(groupId, 'group id')));
  }

  excuseSession(excuse: NewSessionExcuse): Promise<SessionExcuse> {
    return this.run(() =>
      this.doExcuseSession({
        sessionId: checkId(excuse.sessionId, 'session id'),
        personId: checkId(excuse.personId, 'person id'),
        day: checkDay(excuse.day),
        reason: checkName(excuse.reason, 'reason', MAX_TEXT_LENGTH),
        by: checkName(excuse.by, 'by'),
      }),
    );
  }

  deleteSessionExcuse(id: string): Promise<void> {
    return this.run(async () => {
      if (!(await this.doDeleteSessionExcuse(checkId(id, 'excuse id'))))
        throw notFound(`no excuse with id ${id}`);
    });
  }

  listSessionExcuses(query: ExcuseQuery): Promise<Page<SessionExcuse>> {
    return this.run(() => {
      const from = checkDay(query.from, 'from');
      const to = query.to === undefined ? from : checkDay(query.to, 'to');
      if (to < from) throw invalid('to must not be before from');
      const sessionId = query.sessionId === undefined ? undefined : checkId(query.sessionId, 'session id');
      const personId = query.personId === undefined ? undefined : checkId(query.personId, 'person id');
      return this.paged(query, (checked) =>
        this.doListSessionExcuses(
          {
            from,
            to,
            ...(sessionId === undefined ? {} : { sessionId }),
            ...(personId === undefined ? {} : { personId }),
          },
          checked,
        ),
      );
    });
  }

  // ---- webhooks ----

  protected abstract doCreateWebhook(hook: CheckedWebhook): Awaitable<Webhook>;
  protected abstract doGetWebhook(id: string): Awaitable<Webhook | null>;
  protected abstract doListWebhooks(page: CheckedPage): Awaitable<Webhook[]>;
  protected abstract doListWebhooksFor(type: WebhookEventType): Awaitable<Webhook[]>;
  /** @returns null when there is no such hook. */
  protected abstract doUpdateWebhook(id: string, patch: CheckedWebhookPatch): Awaitable<Webhook | null>;
  /** @returns false when there is no such hook. */
  protected abstract doDeleteWebhook(id: string): Awaitable<boolean>;
  /** Inserts the event unless its id is there, in one write; returns the stored one either way. */
  protected abstract doClaimWebhookEvent(event: CheckedWebhookEvent): Awaitable<ClaimedWebhookEvent>;
  protected abstract doGetWebhookEvent(id: string): Awaitable<StoredWebhookEvent | null>;
  /** Sets `dispatchedAt` unless it is set. @returns false when there is no such event. */
  protected abstract doMarkWebhookEventDispatched(id: string, at: string): Awaitable<boolean>;
  protected abstract doListUndispatchedWebhookEvents(
    before: string,
    page: CheckedPage,
  ): Awaitable<StoredWebhookEvent[]>;
  protected abstract doPruneWebhookEvents(before: string): Awaitable<number>;
  /**
   * Adds the attempt and drops the hook's attempts beyond the newest `keepLast`, in one write;
   * `STORE_NOT_FOUND` when the hook is gone.
   */
  protected abstract doLogWebhookDelivery(
    delivery: NewWebhookDelivery,
    keepLast: number,
  ): Awaitable<WebhookDelivery>;
  /** `STORE_NOT_FOUND` when the hook does not exist. */
  protected abstract doListWebhookDeliveries(hookId: string, page: CheckedPage): Awaitable<WebhookDelivery[]>;

  createWebhook(hook: NewWebhook): Promise<Webhook> {
    return this.run(() =>
      this.doCreateWebhook({
        url: checkWebhookUrl(hook.url),
        events: checkWebhookEventTypes(hook.events),
        secret: checkWebhookSecret(hook.secret),
        active: hook.active === undefined ? true : checkBoolean(hook.active, 'active'),
        description: checkText(hook.description ?? '', 'description', MAX_TEXT_LENGTH),
      }),
    );
  }

  getWebhook(id: string): Promise<Webhook | null> {
    return this.run(() => this.doGetWebhook(checkId(id, 'hook id')));
  }

  listWebhooks(page?: PageOptions): Promise<Page<Webhook>> {
    return this.run(() => this.paged(page, (checked) => this.doListWebhooks(checked)));
  }

  listWebhooksFor(type: WebhookEventType): Promise<Webhook[]> {
    return this.run(() => this.doListWebhooksFor(checkWebhookEventType(type)));
  }

  updateWebhook(id: string, patch: WebhookPatch): Promise<Webhook> {
    return this.run(async () => {
      checkId(id, 'hook id');
      const checked: CheckedWebhookPatch = {};
      if (patch.url !== undefined) checked.url = checkWebhookUrl(patch.url);
      if (patch.events !== undefined) checked.events = checkWebhookEventTypes(patch.events);
      if (patch.secret !== undefined) checked.secret = checkWebhookSecret(patch.secret);
      if (patch.active !== undefined) checked.active = checkBoolean(patch.active, 'active');
      if (patch.description !== undefined)
        checked.description = checkText(patch.description, 'description', MAX_TEXT_LENGTH);
      const hook = await this.doUpdateWebhook(id, checked);
      if (!hook) throw notFound(`no webhook with id ${id}`);
      return hook;
    });
  }

  deleteWebhook(id: string): Promise<void> {
    return this.run(async () => {
      if (!(await this.doDeleteWebhook(checkId(id, 'hook id')))) throw notFound(`no webhook with id ${id}`);
    });
  }

  claimWebhookEvent(event: NewWebhookEvent): Promise<ClaimedWebhookEvent> {
    return this.run(() =>
      this.doClaimWebhookEvent({
        id: checkWebhookEventId(event.id),
        type: checkWebhookEventType(event.type),
        createdAt: checkInstant(event.createdAt, 'createdAt'),
        data: checkJson(event.data, 'event data'),
      }),
    );
  }

  getWebhookEvent(id: string): Promise<StoredWebhookEvent | null> {
    return this.run(() => this.doGetWebhookEvent(checkWebhookEventId(id)));
  }

  markWebhookEventDispatched(id: string, at: string): Promise<void> {
    return this.run(async () => {
      const eventId = checkWebhookEventId(id);
      if (!(await this.doMarkWebhookEventDispatched(eventId, checkInstant(at, 'at'))))
        throw notFound(`no webhook event with id ${id}`);
    });
  }

  listUndispatchedWebhookEvents(before: string, page?: PageOptions): Promise<Page<StoredWebhookEvent>> {
    return this.run(() => {
      const cutoff = checkInstant(before, 'before');
      return this.paged(page, (checked) => this.doListUndispatchedWebhookEvents(cutoff, checked));
    });
  }

  pruneWebhookEvents(before: string): Promise<number> {
    return this.run(() => this.doPruneWebhookEvents(checkInstant(before, 'before')));
  }

  logWebhookDelivery(delivery: NewWebhookDelivery, options?: DeliveryLogOptions): Promise<WebhookDelivery> {
    return this.run(() =>
      this.doLogWebhookDelivery(
        checkWebhookDelivery(delivery),
        checkKeepLast(options?.keepLast ?? DEFAULT_DELIVERY_LOG_LIMIT),
      ),
    );
  }

  listWebhookDeliveries(hookId: string, page?: PageOptions): Promise<Page<WebhookDelivery>> {
    return this.run(() => {
      const id = checkId(hookId, 'hook id');
      return this.paged(page, (checked) => this.doListWebhookDeliveries(id, checked));
    });
  }
}

/** The rule that a group's sessions do not overlap, run by the adapter inside its write. */
function refuseClash(others: readonly StoredGroupSession[], session: GroupSession): void {
  const other = clashingSession(others, session);
  if (other)
    throw conflict(
      `the session ${describeSession(session)} overlaps the group's session ${describeSession(other)}; a member cannot be in both`,
    );
}
