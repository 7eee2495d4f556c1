/**
 * What every MongoDB repository works on: the collections of one database under one mongoose
 * connection, the transaction, the clock and ids, and the reads several repositories make inside
 * their writes (the gallery version, whether a person exists). One connection, so a transaction of
 * one repository may touch another's collections (deleting a person erases their photos and
 * attendance).
 */
import mongoose from 'mongoose';
import type { StoreOptions } from '../store-options.js';
import type {
  AttendanceDoc,
  Bytes,
  Collection,
  CorrectionDoc,
  DeliveryDoc,
  DescriptorDoc,
  EventDoc,
  ExcuseDoc,
  GroupDoc,
  GroupSessionDoc,
  MemberDoc,
  MetaDoc,
  NodeDoc,
  PersonDoc,
  PhotoDoc,
  Session,
  SettingDoc,
  TokenDoc,
  UnknownFaceDoc,
  UserDoc,
  WebhookDoc,
  WebhookEventDoc,
} from './documents.mongo.js';

/**
 * Snapshot reads and majority writes: a transaction sees one consistent state (the gallery and
 * its version), and a committed write (an acknowledged event) survives the loss of the primary.
 */
const TRANSACTION_OPTIONS: mongoose.mongo.TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: new mongoose.mongo.WriteConcern('majority', undefined, true),
};

export class MongoConnection {
  readonly meta: Collection<MetaDoc>;
  readonly users: Collection<UserDoc>;
  readonly tokens: Collection<TokenDoc>;
  readonly people: Collection<PersonDoc>;
  readonly photos: Collection<PhotoDoc>;
  readonly descriptors: Collection<DescriptorDoc>;
  readonly events: Collection<EventDoc>;
  readonly attendance: Collection<AttendanceDoc>;
  readonly corrections: Collection<CorrectionDoc>;
  readonly unknownFaces: Collection<UnknownFaceDoc>;
  readonly nodes: Collection<NodeDoc>;
  readonly settings: Collection<SettingDoc>;
  readonly groups: Collection<GroupDoc>;
  readonly members: Collection<MemberDoc>;
  readonly groupSessions: Collection<GroupSessionDoc>;
  readonly excuses: Collection<ExcuseDoc>;
  readonly webhooks: Collection<WebhookDoc>;
  readonly webhookEvents: Collection<WebhookEventDoc>;
  readonly deliveries: Collection<DeliveryDoc>;

  constructor(
    private readonly connection: mongoose.Connection,
    db: mongoose.mongo.Db,
    private readonly options: Pick<Required<StoreOptions>, 'now' | 'newId'>,
  ) {
    this.meta = db.collection<MetaDoc>('meta');
    this.users = db.collection<UserDoc>('users');
    this.tokens = db.collection<TokenDoc>('api_tokens');
    this.people = db.collection<PersonDoc>('people');
    this.photos = db.collection<PhotoDoc>('photos');
    this.descriptors = db.collection<DescriptorDoc>('descriptors');
    this.events = db.collection<EventDoc>('events');
    this.attendance = db.collection<AttendanceDoc>('attendance');
    this.corrections = db.collection<CorrectionDoc>('attendance_corrections');
    this.unknownFaces = db.collection<UnknownFaceDoc>('unknown_faces');
    this.nodes = db.collection<NodeDoc>('nodes');
    this.settings = db.collection<SettingDoc>('settings');
    this.groups = db.collection<GroupDoc>('groups');
    this.members = db.collection<MemberDoc>('group_members');
    this.groupSessions = db.collection<GroupSessionDoc>('group_sessions');
    this.excuses = db.collection<ExcuseDoc>('session_excuses');
    this.webhooks = db.collection<WebhookDoc>('webhooks');
    this.webhookEvents = db.collection<WebhookEventDoc>('webhook_events');
    this.deliveries = db.collection<DeliveryDoc>('webhook_deliveries');
  }

  /** Runs `fn` in a transaction, retried by the driver on transient errors (so `fn` may run twice). */
  async write<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const session = await this.connection.startSession();
    try {
      let result: { value: T } | undefined;
      await session.withTransaction(async () => {
        result = { value: await fn(session) };
      }, TRANSACTION_OPTIONS);
      if (!result) throw new Error('the transaction ended without a result');
      return result.value;
    } finally {
      await session.endSession();
    }
  }

  nowIso(): string {
    return this.options.now().toISOString();
  }

  async galleryVersion(session?: Session): Promise<number> {
    return (await this.meta.findOne({ _id: 'gallery' }, session ? { session } : {}))?.version ?? 0;
  }

  async bumpGallery(session: Session): Promise<number> {
    const doc = await this.meta.findOneAndUpdate(
      { _id: 'gallery' },
      { $inc: { version: 1 } },
      { session, upsert: true, returnDocument: 'after' },
    );
    if (!doc) throw new Error('the gallery version is missing');
    return doc.version;
  }

  async personExists(id: string, session: Session): Promise<boolean> {
    return (await this.people.findOne({ _id: id }, { session })) !== null;
  }

  newId(): string {
    return this.options.newId();
  }
}

/** SQLite's NOCASE: only A-Z fold. */
export const nameKey = (name: string): string => name.replace(/[A-Z]/g, (c) => c.toLowerCase());

export const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Callers get plain Uint8Arrays (what the interface promises), whatever the driver decoded. */
export function asBytes(value: Bytes | null | undefined): Uint8Array | null {
  if (value === null || value === undefined) return null;
  const view = value instanceof mongoose.mongo.Binary ? value.read(0, value.length()) : value;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
