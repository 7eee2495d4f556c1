/**
 * The store's edge, written once for every adapter: each public `Store` method checks its
 * arguments (`validate.ts`), refuses calls after `close()`, and hands checked values to the method
 * of the same name on the adapter's repository (`adapter.ts`), whose errors it maps to the catalog
 * through the adapter's `translate`. An adapter extends this class, passing its repositories to the
 * constructor; they only map rows or documents and run transactions, and may trust their arguments.
 * They are private here, so no caller reaches one without the checks.
 */
import {
  decideUnknownFace,
  clashingSession,
  describeSession,
  erasureSteps,
  ErrorCode,
  localDay,
  RollcallError,
  type AttendanceRules,
  type DescriptorModel,
  type GroupSession,
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
import type {
  AttendanceFilter,
  Awaitable,
  CheckedPage,
  CheckedWebhookPatch,
  CorrectionFilter,
  EventFilter,
  StoreAdapter,
} from './adapter.js';
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
} from './validate.js';

/** At most this many people of one name are listed: a name shared by more needs an external id. */
export const MAX_NAMESAKES = 100;

const EVENT_TYPES: readonly string[] = ['recognized', 'sighting', 'unknown'];

export abstract class CheckedStore implements Store {
  private closed = false;

  /** `adapter`: the adapter's repositories, reached only through the checked methods below. */
  protected constructor(
    private readonly limits: Pick<Required<StoreOptions>, 'maxPhotoBytes' | 'maxCropBytes'>,
    private readonly adapter: StoreAdapter,
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

  createUser(user: NewUser, options?: AccountsWriteOptions): Promise<User> {
    return this.run(() => {
      const name = checkName(user.name, 'user name');
      const role = checkRole(user.role);
      const passwordHash = checkHash(user.passwordHash, 'password hash');
      return this.adapter.accounts.createUser({ name, role, passwordHash }, options?.rule);
    });
  }

  getUser(id: string): Promise<User | null> {
    return this.run(() => this.adapter.accounts.getUser(checkId(id, 'user id')));
  }

  getUserByName(name: string): Promise<User | null> {
    return this.run(() => this.adapter.accounts.getUserByName(checkName(name, 'user name')));
  }

  listUsers(page?: PageOptions): Promise<Page<User>> {
    return this.run(() => this.paged(page, (checked) => this.adapter.accounts.listUsers(checked)));
  }

  updateUser(id: string, patch: UserPatch, options?: AccountsWriteOptions): Promise<User> {
    return this.run(() => {
      checkId(id, 'user id');
      const set: UserPatch = {};
      if (patch.role !== undefined) set.role = checkRole(patch.role);
      if (patch.passwordHash !== undefined) set.passwordHash = checkHash(patch.passwordHash, 'password hash');
      if (patch.disabled !== undefined) set.disabled = checkBoolean(patch.disabled, 'disabled');
      return this.adapter.accounts.updateUser(id, set, options?.rule);
    });
  }

  deleteUser(id: string, options?: AccountsWriteOptions): Promise<void> {
    return this.run(() => this.adapter.accounts.deleteUser(checkId(id, 'user id'), options?.rule));
  }

  // ---- API tokens ----

  createApiToken(token: NewApiToken): Promise<ApiToken> {
    return this.run(() => {
      const userId = checkId(token.userId, 'user id');
      const name = checkName(token.name, 'token name');
      const tokenHash = checkHash(token.tokenHash, 'token hash');
      return this.adapter.accounts.createApiToken({ userId, name, tokenHash });
    });
  }

  findApiTokenByHash(tokenHash: string): Promise<ApiToken | null> {
    return this.run(() => this.adapter.accounts.findApiTokenByHash(checkHash(tokenHash, 'token hash')));
  }

  listApiTokens(userId: string): Promise<ApiToken[]> {
    return this.run(() => this.adapter.accounts.listApiTokens(checkId(userId, 'user id')));
  }

  touchApiToken(id: string, at: string): Promise<void> {
    return this.run(async () => {
      const lastUsedAt = checkInstant(at, 'at');
      if (!(await this.adapter.accounts.touchApiToken(checkId(id, 'token id'), lastUsedAt))) {
        throw notFound(`no API token with id ${id}`);
      }
    });
  }

  revokeApiToken(id: string): Promise<ApiToken> {
    return this.run(async () => {
      const token = await this.adapter.accounts.revokeApiToken(checkId(id, 'token id'));
      if (!token) throw notFound(`no API token with id ${id}`);
      return token;
    });
  }

  // ---- people ----

  createPerson(person: NewPerson): Promise<{ person: Person } & GalleryChange> {
    return this.run(() => {
      const name = checkName(person.name, 'person name');
      const externalId = checkExternalId(person.externalId ?? null);
      const notes = checkText(person.notes ?? '', 'notes', MAX_NOTES_LENGTH);
      return this.adapter.people.createPerson({ name, externalId, notes });
    });
  }

  getPerson(id: string): Promise<Person | null> {
    return this.run(() => this.adapter.people.getPerson(checkId(id, 'person id')));
  }

  getPersonByName(name: string): Promise<Person | null> {
    return this.run(() => this.adapter.people.getPersonByName(checkName(name, 'person name')));
  }

  findPeopleByName(name: string): Promise<Person[]> {
    return this.run(() =>
      this.adapter.people.findPeopleByName(checkName(name, 'person name'), MAX_NAMESAKES),
    );
  }

  getPersonByExternalId(externalId: string): Promise<Person | null> {
    return this.run(() => {
      const checked = checkExternalId(externalId);
      if (checked === null) throw new RollcallError(ErrorCode.StoreInvalid, 'external id must be a string');
      return this.adapter.people.getPersonByExternalId(checked);
    });
  }

  listPeople(page?: PageOptions): Promise<Page<Person>> {
    return this.run(() => this.paged(page, (checked) => this.adapter.people.listPeople(checked)));
  }

  updatePerson(id: string, patch: PersonPatch): Promise<{ person: Person } & GalleryChange> {
    return this.run(() => {
      checkId(id, 'person id');
      const name = patch.name === undefined ? undefined : checkName(patch.name, 'person name');
      const externalId = patch.externalId === undefined ? undefined : checkExternalId(patch.externalId);
      const notes = patch.notes === undefined ? undefined : checkText(patch.notes, 'notes', MAX_NOTES_LENGTH);
      return this.adapter.people.updatePerson(id, { name, externalId, notes });
    });
  }

  deletePerson(id: string, options?: DeletePersonOptions): Promise<DeletedPerson> {
    return this.run(() => {
      checkId(id, 'person id');
      const eraseAttendance =
        options?.eraseAttendance === undefined
          ? false
          : checkBoolean(options.eraseAttendance, 'eraseAttendance');
      return this.adapter.people.deletePerson(id, erasureSteps({ eraseAttendance }));
    });
  }

  // ---- photos and descriptors ----

  addPhoto(photo: NewPhoto): Promise<Photo> {
    return this.run(() => {
      const personId = checkId(photo.personId, 'person id');
      const fileName = checkFileName(photo.fileName);
      const bytes = checkBytes(photo.bytes, 'photo', this.limits.maxPhotoBytes);
      const quality = checkJson(photo.quality ?? null, 'quality');
      return this.adapter.photos.addPhoto({ personId, fileName, bytes, quality });
    });
  }

  getPhoto(id: string): Promise<Photo | null> {
    return this.run(() => this.adapter.photos.getPhoto(checkId(id, 'photo id')));
  }

  getPhotoBytes(id: string): Promise<Uint8Array | null> {
    return this.run(() => this.adapter.photos.getPhotoBytes(checkId(id, 'photo id')));
  }

  listPhotos(personId: string): Promise<Photo[]> {
    return this.run(() => this.adapter.photos.listPhotos(checkId(personId, 'person id')));
  }

  setPhotoQuality(id: string, quality: JsonValue): Promise<Photo> {
    return this.run(async () => {
      const text = checkJson(quality, 'quality');
      const photo = await this.adapter.photos.setPhotoQuality(checkId(id, 'photo id'), text);
      if (!photo) throw notFound(`no photo with id ${id}`);
      return photo;
    });
  }

  deletePhoto(id: string): Promise<GalleryChange> {
    return this.run(() => this.adapter.photos.deletePhoto(checkId(id, 'photo id')));
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
      return this.adapter.photos.setPhotoDescriptors(photoId, model, list, options.bumpGallery !== false);
    });
  }

  listDescriptors(personId: string, model?: DescriptorModel): Promise<StoredDescriptor[]> {
    return this.run(() => {
      checkId(personId, 'person id');
      return this.adapter.photos.listDescriptors(
        personId,
        model === undefined ? undefined : checkModel(model),
      );
    });
  }

  listPhotosLackingDescriptors(model: DescriptorModel, page?: PageOptions): Promise<Page<Photo>> {
    return this.run(() => {
      checkModel(model);
      return this.paged(page, (checked) => this.adapter.photos.listPhotosLackingDescriptors(model, checked));
    });
  }

  getGalleryVersion(): Promise<number> {
    return this.run(() => this.adapter.photos.getGalleryVersion());
  }

  bumpGalleryVersion(): Promise<GalleryChange> {
    return this.run(() => this.adapter.photos.bumpGalleryVersion());
  }

  getGallery(model: DescriptorModel): Promise<Gallery> {
    return this.run(() => this.adapter.photos.getGallery(checkModel(model)));
  }

  // ---- events and attendance ----

  insertEventOnce(event: ReceivedEvent): Promise<boolean> {
    return this.run(() =>
      this.adapter.attendance.insertEventOnce(checkEvent(event, this.limits.maxCropBytes)),
    );
  }

  recordAttendance(event: ReceivedEvent, rules: AttendanceRules): Promise<RecordAttendanceResult> {
    return this.run(() => {
      const checked = checkEvent(event, this.limits.maxCropBytes);
      checkAttendanceRules(rules);
      const personId = checked.personId;
      if (personId === null)
        throw invalid('an unknown-face event has no person to mark; use recordUnknownFace');
      const day = localDay(checked.at, rules.timeZone);
      return this.adapter.attendance.recordAttendance({ event: checked, personId, day, rules });
    });
  }

  getEvent(id: string): Promise<StoredEvent | null> {
    return this.run(() => this.adapter.attendance.getEvent(checkEventId(id)));
  }

  getEventCrop(id: string): Promise<Uint8Array | null> {
    return this.run(() => this.adapter.attendance.getEventCrop(checkEventId(id)));
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
        return this.adapter.attendance.listEvents(filter, page);
      }),
    );
  }

  pruneEventCrops(before: string): Promise<number> {
    return this.run(() => this.adapter.attendance.pruneEventCrops(checkInstant(before, 'before')));
  }

  getAttendance(personId: string, day: string): Promise<StoredAttendance | null> {
    return this.run(() =>
      this.adapter.attendance.getAttendance(checkId(personId, 'person id'), checkDay(day)),
    );
  }

  listAttendance(query: AttendanceQuery): Promise<Page<StoredAttendance>> {
    return this.run(() =>
      this.paged(query, (page) => {
        const from = checkDay(query.from, 'from');
        const to = query.to === undefined ? from : checkDay(query.to, 'to');
        if (to < from) throw invalid(`to (${to}) is before from (${from})`);
        const filter: AttendanceFilter = { from, to };
        if (query.personId !== undefined) filter.personId = checkId(query.personId, 'person id');
        return this.adapter.attendance.listAttendance(filter, page);
      }),
    );
  }

  correctAttendance(correction: AttendanceCorrectionInput): Promise<AttendanceCorrection> {
    return this.run(() => this.adapter.attendance.correctAttendance(checkCorrection(correction)));
  }

  listCorrections(query?: CorrectionQuery): Promise<Page<AttendanceCorrection>> {
    return this.run(() =>
      this.paged(query, (page) => {
        const filter: CorrectionFilter = {};
        if (query?.personId !== undefined) filter.personId = checkId(query.personId, 'person id');
        if (query?.from !== undefined) filter.from = checkDay(query.from, 'from');
        if (query?.to !== undefined) filter.to = checkDay(query.to, 'to');
        return this.adapter.attendance.listCorrections(filter, page);
      }),
    );
  }

  // ---- unknown faces ----

  recordUnknownFace(event: ReceivedEvent): Promise<RecordUnknownFaceResult> {
    return this.run(() => {
      const checked = checkEvent(event, this.limits.maxCropBytes);
      if (checked.type !== 'unknown' || checked.personId !== null) {
        throw invalid('only an unknown-face event (type "unknown", no personId) opens an unknown face');
      }
      return this.adapter.unknownFaces.recordUnknownFace(checked);
    });
  }

  getUnknownFace(id: string): Promise<UnknownFace | null> {
    return this.run(() => this.adapter.unknownFaces.getUnknownFace(checkId(id, 'unknown face id')));
  }

  getUnknownFaceCrop(id: string): Promise<Uint8Array | null> {
    return this.run(() => this.adapter.unknownFaces.getUnknownFaceCrop(checkId(id, 'unknown face id')));
  }

  listUnknownFaces(query?: UnknownFaceQuery): Promise<Page<UnknownFace>> {
    return this.run(() =>
      this.paged(query, (page) =>
        this.adapter.unknownFaces.listUnknownFaces(
          query?.status === undefined ? null : checkStatus(query.status),
          page,
        ),
      ),
    );
  }

  assignUnknownFace(id: string, personId: string, options?: UnknownFaceWriteOptions): Promise<UnknownFace> {
    return this.run(() =>
      this.adapter.unknownFaces.decideUnknownFace(
        checkId(id, 'unknown face id'),
        { status: 'assigned', personId: checkId(personId, 'person id') },
        options?.rule ?? decideUnknownFace,
      ),
    );
  }

  dismissUnknownFace(id: string, options?: UnknownFaceWriteOptions): Promise<UnknownFace> {
    return this.run(() =>
      this.adapter.unknownFaces.decideUnknownFace(
        checkId(id, 'unknown face id'),
        { status: 'dismissed' },
        options?.rule ?? decideUnknownFace,
      ),
    );
  }

  reopenUnknownFace(id: string, undo: { personId: string; decidedAt: string }): Promise<UnknownFace> {
    return this.run(() =>
      this.adapter.unknownFaces.decideUnknownFace(
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

  upsertNode(node: NodeRecord): Promise<NodeRecord> {
    return this.run(async () => {
      const id = checkId(node.id, 'node id');
      const lastSeen = checkInstant(node.lastSeen, 'lastSeen');
      const status = checkJson(node.status, 'status');
      await this.adapter.nodes.upsertNode(id, lastSeen, status);
      return { id, lastSeen, status: JSON.parse(status) as JsonValue };
    });
  }

  getNode(id: string): Promise<NodeRecord | null> {
    return this.run(() => this.adapter.nodes.getNode(checkId(id, 'node id')));
  }

  listNodes(): Promise<NodeRecord[]> {
    return this.run(() => this.adapter.nodes.listNodes());
  }

  deleteNode(id: string): Promise<void> {
    return this.run(async () => {
      if (!(await this.adapter.nodes.deleteNode(checkId(id, 'node id'))))
        throw notFound(`no node with id ${id}`);
    });
  }

  // ---- settings ----

  getSetting(key: string): Promise<Setting | null> {
    return this.run(() => this.adapter.settings.getSetting(checkId(key, 'setting key')));
  }

  setSetting(key: string, value: JsonValue): Promise<Setting> {
    return this.run(() => {
      checkId(key, 'setting key');
      return this.adapter.settings.setSetting(key, checkJson(value, 'setting value'));
    });
  }

  updateSetting(key: string, change: SettingChange): Promise<Setting> {
    return this.run(() =>
      this.adapter.settings.updateSetting(checkId(key, 'setting key'), (saved) =>
        checkJson(change(saved), 'setting value'),
      ),
    );
  }

  listSettings(): Promise<Setting[]> {
    return this.run(() => this.adapter.settings.listSettings());
  }

  deleteSetting(key: string): Promise<void> {
    return this.run(async () => {
      if (!(await this.adapter.settings.deleteSetting(checkId(key, 'setting key'))))
        throw notFound(`no setting ${key}`);
    });
  }

  // ---- groups and their sessions ----

  createGroup(group: NewGroup): Promise<Group> {
    return this.run(() =>
      this.adapter.groups.createGroup({
        name: checkName(group.name, 'group name'),
        notes: checkText(group.notes ?? '', 'notes', MAX_NOTES_LENGTH),
        minAttendanceRate: checkRateOrNull(group.minAttendanceRate ?? null, 'minAttendanceRate'),
      }),
    );
  }

  getGroup(id: string): Promise<Group | null> {
    return this.run(() => this.adapter.groups.getGroup(checkId(id, 'group id')));
  }

  listGroups(page?: PageOptions): Promise<Page<Group>> {
    return this.run(() => this.paged(page, (checked) => this.adapter.groups.listGroups(checked)));
  }

  updateGroup(id: string, patch: GroupPatch): Promise<Group> {
    return this.run(async () => {
      checkId(id, 'group id');
      const checked: GroupPatch = {};
      if (patch.name !== undefined) checked.name = checkName(patch.name, 'group name');
      if (patch.notes !== undefined) checked.notes = checkText(patch.notes, 'notes', MAX_NOTES_LENGTH);
      if (patch.minAttendanceRate !== undefined)
        checked.minAttendanceRate = checkRateOrNull(patch.minAttendanceRate, 'minAttendanceRate');
      const group = await this.adapter.groups.updateGroup(id, checked);
      if (!group) throw notFound(`no group with id ${id}`);
      return group;
    });
  }

  deleteGroup(id: string): Promise<void> {
    return this.run(async () => {
      if (!(await this.adapter.groups.deleteGroup(checkId(id, 'group id'))))
        throw notFound(`no group with id ${id}`);
    });
  }

  addGroupMembers(groupId: string, personIds: readonly string[]): Promise<void> {
    return this.run(() => {
      checkId(groupId, 'group id');
      if (!Array.isArray(personIds)) throw invalid('personIds must be a list of person ids');
      const ids = [...new Set(personIds.map((id) => checkId(id, 'person id')))];
      return this.adapter.groups.addGroupMembers(groupId, ids);
    });
  }

  removeGroupMember(groupId: string, personId: string): Promise<void> {
    return this.run(async () => {
      const removed = await this.adapter.groups.removeGroupMember(
        checkId(groupId, 'group id'),
        checkId(personId, 'person id'),
      );
      if (!removed) throw notFound(`person ${personId} is not in group ${groupId}`);
    });
  }

  listGroupMembers(groupId: string): Promise<Person[]> {
    return this.run(() => this.adapter.groups.listGroupMembers(checkId(groupId, 'group id')));
  }

  listGroupsOf(personId: string): Promise<Group[]> {
    return this.run(() => this.adapter.groups.listGroupsOf(checkId(personId, 'person id')));
  }

  addGroupSession(groupId: string, session: GroupSession): Promise<StoredGroupSession> {
    return this.run(() => {
      checkId(groupId, 'group id');
      const checked = checkGroupSession(session);
      return this.adapter.groups.addGroupSession(groupId, checked, (others) => {
        refuseClash(others, checked);
      });
    });
  }

  getGroupSession(id: string): Promise<StoredGroupSession | null> {
    return this.run(() => this.adapter.groups.getGroupSession(checkId(id, 'session id')));
  }

  updateGroupSession(id: string, session: GroupSession): Promise<StoredGroupSession> {
    return this.run(() => {
      checkId(id, 'session id');
      const checked = checkGroupSession(session);
      return this.adapter.groups.updateGroupSession(id, checked, (others) => {
        refuseClash(others, checked);
      });
    });
  }

  deleteGroupSession(id: string): Promise<void> {
    return this.run(async () => {
      if (!(await this.adapter.groups.deleteGroupSession(checkId(id, 'session id'))))
        throw notFound(`no session with id ${id}`);
    });
  }

  listGroupSessions(groupId: string): Promise<StoredGroupSession[]> {
    return this.run(() => this.adapter.groups.listGroupSessions(checkId(groupId, 'group id')));
  }

  excuseSession(excuse: NewSessionExcuse): Promise<SessionExcuse> {
    return this.run(() =>
      this.adapter.groups.excuseSession({
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
      if (!(await this.adapter.groups.deleteSessionExcuse(checkId(id, 'excuse id'))))
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
        this.adapter.groups.listSessionExcuses(
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

  createWebhook(hook: NewWebhook): Promise<Webhook> {
    return this.run(() =>
      this.adapter.webhooks.createWebhook({
        url: checkWebhookUrl(hook.url),
        events: checkWebhookEventTypes(hook.events),
        secret: checkWebhookSecret(hook.secret),
        active: hook.active === undefined ? true : checkBoolean(hook.active, 'active'),
        description: checkText(hook.description ?? '', 'description', MAX_TEXT_LENGTH),
      }),
    );
  }

  getWebhook(id: string): Promise<Webhook | null> {
    return this.run(() => this.adapter.webhooks.getWebhook(checkId(id, 'hook id')));
  }

  listWebhooks(page?: PageOptions): Promise<Page<Webhook>> {
    return this.run(() => this.paged(page, (checked) => this.adapter.webhooks.listWebhooks(checked)));
  }

  listWebhooksFor(type: WebhookEventType): Promise<Webhook[]> {
    return this.run(() => this.adapter.webhooks.listWebhooksFor(checkWebhookEventType(type)));
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
      const hook = await this.adapter.webhooks.updateWebhook(id, checked);
      if (!hook) throw notFound(`no webhook with id ${id}`);
      return hook;
    });
  }

  deleteWebhook(id: string): Promise<void> {
    return this.run(async () => {
      if (!(await this.adapter.webhooks.deleteWebhook(checkId(id, 'hook id'))))
        throw notFound(`no webhook with id ${id}`);
    });
  }

  claimWebhookEvent(event: NewWebhookEvent): Promise<ClaimedWebhookEvent> {
    return this.run(() =>
      this.adapter.webhooks.claimWebhookEvent({
        id: checkWebhookEventId(event.id),
        type: checkWebhookEventType(event.type),
        createdAt: checkInstant(event.createdAt, 'createdAt'),
        data: checkJson(event.data, 'event data'),
      }),
    );
  }

  getWebhookEvent(id: string): Promise<StoredWebhookEvent | null> {
    return this.run(() => this.adapter.webhooks.getWebhookEvent(checkWebhookEventId(id)));
  }

  markWebhookEventDispatched(id: string, at: string): Promise<void> {
    return this.run(async () => {
      const eventId = checkWebhookEventId(id);
      if (!(await this.adapter.webhooks.markWebhookEventDispatched(eventId, checkInstant(at, 'at'))))
        throw notFound(`no webhook event with id ${id}`);
    });
  }

  listUndispatchedWebhookEvents(before: string, page?: PageOptions): Promise<Page<StoredWebhookEvent>> {
    return this.run(() => {
      const cutoff = checkInstant(before, 'before');
      return this.paged(page, (checked) =>
        this.adapter.webhooks.listUndispatchedWebhookEvents(cutoff, checked),
      );
    });
  }

  pruneWebhookEvents(before: string): Promise<number> {
    return this.run(() => this.adapter.webhooks.pruneWebhookEvents(checkInstant(before, 'before')));
  }

  logWebhookDelivery(delivery: NewWebhookDelivery, options?: DeliveryLogOptions): Promise<WebhookDelivery> {
    return this.run(() =>
      this.adapter.webhooks.logWebhookDelivery(
        checkWebhookDelivery(delivery),
        checkKeepLast(options?.keepLast ?? DEFAULT_DELIVERY_LOG_LIMIT),
      ),
    );
  }

  listWebhookDeliveries(hookId: string, page?: PageOptions): Promise<Page<WebhookDelivery>> {
    return this.run(() => {
      const id = checkId(hookId, 'hook id');
      return this.paged(page, (checked) => this.adapter.webhooks.listWebhookDeliveries(id, checked));
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
