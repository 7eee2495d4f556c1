/**
 * Recognition events, attendance records and their corrections in MongoDB.
 */
import mongoose from 'mongoose';
import { correctRecord, recordSighting } from '../../core/index.js';
import type {
  AttendanceAdapter,
  AttendanceFilter,
  CheckedPage,
  CorrectionFilter,
  EventFilter,
  Sighting,
} from '../adapter.js';
import type {
  AttendanceCorrection,
  ReceivedEvent,
  RecordAttendanceResult,
  StoredAttendance,
  StoredEvent,
} from '../store.js';
import type { CheckedCorrection } from '../validate.js';
import { asBuffer, asBytes, type MongoConnection } from './connection.mongo.js';
import type { AttendanceDoc, CorrectionDoc, EventDoc, Filter, Session } from './documents.mongo.js';

const toEvent = (d: Omit<EventDoc, 'crop'> & { hasCrop: boolean }): StoredEvent => ({
  id: d._id,
  type: d.type,
  nodeId: d.nodeId,
  cameraId: d.cameraId,
  trackId: d.trackId,
  personId: d.personId,
  distance: d.distance,
  thresholds: { match: d.thresholds.match, unknown: d.thresholds.unknown },
  votes: d.votes,
  at: d.at,
  box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height },
  frameWidth: d.frameWidth,
  frameHeight: d.frameHeight,
  model: d.model,
  backend: d.backend,
  hasCrop: d.hasCrop,
  receivedAt: d.receivedAt,
  ...(d.nodeAt === undefined ? {} : { nodeAt: d.nodeAt }),
});

const toAttendance = (d: AttendanceDoc): StoredAttendance => ({
  personId: d.personId,
  day: d.day,
  personName: d.personName,
  firstSeen: d.firstSeen,
  lastSeen: d.lastSeen,
  firstCameraId: d.firstCameraId,
  lastCameraId: d.lastCameraId,
  nodeId: d.nodeId,
  eventCount: d.eventCount,
  // Records kept before visits and camera times were have neither: unknown, as in SQLite.
  visits: d.visits ?? null,
  cameras: d.cameras ?? null,
  corrected: d.corrected,
});

const toCorrection = (d: CorrectionDoc): AttendanceCorrection => ({
  id: d._id,
  personId: d.personId,
  day: d.day,
  by: d.by,
  reason: d.reason,
  at: d.at,
  before: d.before === null ? null : (JSON.parse(d.before) as StoredAttendance),
  after: d.after === null ? null : (JSON.parse(d.after) as StoredAttendance),
});

const EVENT_FIELDS = { crop: 0 } as const;

const attendanceId = (personId: string, day: string): string => `${personId}/${day}`;

/** Inserts the event unless its id exists (an upsert: a duplicate key would abort the transaction). */
export async function insertEvent(
  db: MongoConnection,
  event: ReceivedEvent,
  keepCrop: boolean,
  session: Session,
): Promise<boolean> {
  const doc: EventDoc = {
    _id: event.id,
    type: event.type,
    nodeId: event.nodeId,
    cameraId: event.cameraId,
    trackId: event.trackId,
    personId: event.personId,
    distance: event.distance,
    thresholds: { match: event.thresholds.match, unknown: event.thresholds.unknown },
    votes: event.votes,
    at: event.at,
    box: { x: event.box.x, y: event.box.y, width: event.box.width, height: event.box.height },
    frameWidth: event.frameWidth,
    frameHeight: event.frameHeight,
    model: event.model,
    backend: event.backend,
    receivedAt: db.nowIso(),
    ...(event.nodeAt === undefined ? {} : { nodeAt: event.nodeAt }),
    crop: keepCrop && event.crop ? asBuffer(event.crop) : null,
  };
  const { _id, ...fields } = doc;
  const result = await db.events.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true, session });
  return result.upsertedCount === 1;
}

export class MongoAttendance implements AttendanceAdapter {
  constructor(private readonly db: MongoConnection) {}

  insertEventOnce(event: ReceivedEvent): Promise<boolean> {
    return this.db.write(async (session) => {
      // A face of someone already erased is not stored again.
      const keepCrop = event.personId === null || (await this.db.personExists(event.personId, session));
      return insertEvent(this.db, event, keepCrop, session);
    });
  }

  recordAttendance({ event, personId, day, rules }: Sighting): Promise<RecordAttendanceResult> {
    return this.db.write(async (session): Promise<RecordAttendanceResult> => {
      const person = await this.db.people.findOne({ _id: personId }, { session });
      const existing = await this.db.attendance.findOne({ _id: attendanceId(personId, day) }, { session });
      const inserted = await insertEvent(this.db, event, person !== null, session);
      const { record, write } = recordSighting(
        existing ? toAttendance(existing) : null,
        { personName: person?.name ?? null, newEvent: inserted },
        { personId, at: event.at, cameraId: event.cameraId, nodeId: event.nodeId },
        rules,
      );
      if (write && record) await this.saveAttendance(record, session);
      return { inserted, attendance: record };
    });
  }

  /** Writes a record as the core rules made it, over the one stored for its person and day. */
  private async saveAttendance(record: StoredAttendance, session: Session): Promise<void> {
    const doc: AttendanceDoc = { _id: attendanceId(record.personId, record.day), ...record };
    await this.db.attendance.replaceOne({ _id: doc._id }, doc, { upsert: true, session });
  }

  /** Events without their crops, with `hasCrop` computed by the server. */
  private async findEvents(filter: Filter<EventDoc>, skip: number, limit: number): Promise<StoredEvent[]> {
    const docs = await this.db.events
      .aggregate<Omit<EventDoc, 'crop'> & { hasCrop: boolean }>([
        { $match: filter },
        { $sort: { at: 1, _id: 1 } },
        { $skip: skip },
        { $limit: limit },
        { $addFields: { hasCrop: { $ne: [{ $ifNull: ['$crop', null] }, null] } } },
        { $project: EVENT_FIELDS },
      ])
      .toArray();
    return docs.map(toEvent);
  }

  async getEvent(id: string): Promise<StoredEvent | null> {
    const [event] = await this.findEvents({ _id: id }, 0, 1);
    return event ?? null;
  }

  async getEventCrop(id: string): Promise<Uint8Array | null> {
    const doc = await this.db.events.findOne({ _id: id }, { projection: { crop: 1 } });
    return asBytes(doc?.crop);
  }

  listEvents(
    { from, to, personId, type }: EventFilter,
    { limit, offset }: CheckedPage,
  ): Promise<StoredEvent[]> {
    const filter: Filter<EventDoc> = {};
    const at: { $gte?: string; $lt?: string } = {};
    if (from !== undefined) at.$gte = from;
    if (to !== undefined) at.$lt = to;
    if (Object.keys(at).length > 0) filter.at = at;
    if (personId !== undefined) filter.personId = personId;
    if (type !== undefined) filter.type = type;
    return this.findEvents(filter, offset, limit + 1);
  }

  pruneEventCrops(before: string): Promise<number> {
    return this.db.write(async (session) => {
      const open = await this.db.unknownFaces.distinct('eventId', { status: 'open' }, { session });
      const { modifiedCount } = await this.db.events.updateMany(
        { at: { $lt: before }, crop: { $ne: null }, _id: { $nin: open } },
        { $set: { crop: null } },
        { session },
      );
      return modifiedCount;
    });
  }

  async getAttendance(personId: string, day: string): Promise<StoredAttendance | null> {
    const doc = await this.db.attendance.findOne({ _id: attendanceId(personId, day) });
    return doc ? toAttendance(doc) : null;
  }

  async listAttendance(
    { from, to, personId }: AttendanceFilter,
    { limit, offset }: CheckedPage,
  ): Promise<StoredAttendance[]> {
    const filter: Filter<AttendanceDoc> = { day: { $gte: from, $lte: to } };
    if (personId !== undefined) filter.personId = personId;
    const docs = await this.db.attendance
      .find(filter)
      .sort({ day: 1, firstSeen: 1, personId: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toAttendance);
  }

  correctAttendance(correction: CheckedCorrection): Promise<AttendanceCorrection> {
    const { personId, day, by, reason, times } = correction;
    return this.db.write(async (session): Promise<AttendanceCorrection> => {
      const _id = attendanceId(personId, day);
      const existing = await this.db.attendance.findOne({ _id }, { session });
      const before = existing ? toAttendance(existing) : null;
      const person = await this.db.people.findOne({ _id: personId }, { session });
      const after = correctRecord(before, times, { personId, day, personName: person?.name ?? null });
      if (after === null) await this.db.attendance.deleteOne({ _id }, { session });
      else await this.saveAttendance(after, session);
      const doc: CorrectionDoc = {
        _id: this.db.newId(),
        personId,
        day,
        by,
        reason,
        at: this.db.nowIso(),
        seq: new mongoose.mongo.ObjectId(),
        before: before === null ? null : JSON.stringify(before),
        after: after === null ? null : JSON.stringify(after),
      };
      await this.db.corrections.insertOne(doc, { session });
      return toCorrection(doc);
    });
  }

  async listCorrections(
    { personId, from, to }: CorrectionFilter,
    { limit, offset }: CheckedPage,
  ): Promise<AttendanceCorrection[]> {
    const filter: Filter<CorrectionDoc> = {};
    if (personId !== undefined) filter.personId = personId;
    const day: { $gte?: string; $lte?: string } = {};
    if (from !== undefined) day.$gte = from;
    if (to !== undefined) day.$lte = to;
    if (Object.keys(day).length > 0) filter.day = day;
    const docs = await this.db.corrections
      .find(filter)
      .sort({ at: 1, seq: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toCorrection);
  }
}
