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
  erasureSteps,
  ErrorCode,
  localDay,
  RollcallError,
  type AccountsRule,
  type AttendanceRules,
  type DescriptorModel,
  type ErasureStep,
  type RecognitionEventType,
  type UnknownFaceDecision,
  type UnknownFaceRule,
  type UnknownFaceStatus,
} from '../core/index.js';
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
  RecordAttendanceResult,
  ReceivedEvent,
  RecordUnknownFaceResult,
  SetDescriptorsOptions,
  Setting,
  SettingChange,
  Store,
  StoredAttendance,
  StoredDescriptor,
  StoredEvent,
  UnknownFace,
  UnknownFaceQuery,
  UnknownFaceWriteOptions,
  User,
  UserPatch,
} from './store.js';
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
  checkHash,
  checkId,
  checkInstant,
  checkJson,
  checkModel,
  checkName,
  checkPage,
  checkRole,
  checkStatus,
  checkText,
  invalid,
  MAX_NOTES_LENGTH,
  notFound,
  toPage,
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
      const notes = checkText(person.notes ?? '', 'notes', MAX_NOTES_LENGTH);
      return this.doCreatePerson({ name, notes });
    });
  }

  getPerson(id: string): Promise<Person | null> {
    return this.run(() => this.doGetPerson(checkId(id, 'person id')));
  }

  getPersonByName(name: string): Promise<Person | null> {
    return this.run(() => this.doGetPersonByName(checkName(name, 'person name')));
  }

  listPeople(page?: PageOptions): Promise<Page<Person>> {
    return this.run(() => this.paged(page, (checked) => this.doListPeople(checked)));
  }

  updatePerson(id: string, patch: PersonPatch): Promise<{ person: Person } & GalleryChange> {
    return this.run(() => {
      checkId(id, 'person id');
      const name = patch.name === undefined ? undefined : checkName(patch.name, 'person name');
      const notes = patch.notes === undefined ? undefined : checkText(patch.notes, 'notes', MAX_NOTES_LENGTH);
      return this.doUpdatePerson(id, { name, notes });
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
}
