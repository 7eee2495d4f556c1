/**
 * People in MongoDB, and the erasure of everything a deleted person leaves behind.
 */
import mongoose from 'mongoose';
import { deletedPersonName, type ErasureStep } from '../../core/index.js';
import type { CheckedPage, PeopleAdapter } from '../adapter.js';
import type { DeletedPerson, GalleryChange, NewPerson, Person, PersonPatch } from '../store.js';
import { conflict, notFound } from '../validate.js';
import { nameKey, type MongoConnection } from './connection.mongo.js';
import type { PersonDoc, Session } from './documents.mongo.js';

export const toPerson = (d: PersonDoc): Person => ({
  id: d._id,
  name: d.name,
  externalId: d.externalId ?? null,
  notes: d.notes,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

/** A correction's snapshot (JSON text or null) with the person's name replaced. */
function renamedSnapshot(snapshot: string | null, name: string): string | null {
  return snapshot === null ? null : JSON.stringify({ ...(JSON.parse(snapshot) as object), personName: name });
}

export class MongoPeople implements PeopleAdapter {
  constructor(private readonly db: MongoConnection) {}

  createPerson({
    name,
    externalId,
    notes,
  }: Required<NewPerson>): Promise<{ person: Person } & GalleryChange> {
    return this.db.write(async (session) => {
      await this.refuseTakenExternalId(externalId, null, session);
      const now = this.db.nowIso();
      const doc: PersonDoc = {
        _id: this.db.newId(),
        name,
        nameKey: nameKey(name),
        externalId,
        notes,
        createdAt: now,
        updatedAt: now,
        seq: new mongoose.mongo.ObjectId(),
      };
      await this.db.people.insertOne(doc, { session });
      return { person: toPerson(doc), galleryVersion: await this.db.bumpGallery(session) };
    });
  }

  /** Names may repeat; an external id may not (checked here for a message that names it). */
  private async refuseTakenExternalId(
    externalId: string | null | undefined,
    ownId: string | null,
    session: Session,
  ): Promise<void> {
    if (externalId === null || externalId === undefined) return;
    const holder = await this.db.people.findOne(
      { externalId, ...(ownId === null ? {} : { _id: { $ne: ownId } }) },
      { session },
    );
    if (holder) throw conflict(`the external id "${externalId}" is already ${holder.name}'s`);
  }

  async getPerson(id: string): Promise<Person | null> {
    const doc = await this.db.people.findOne({ _id: id });
    return doc ? toPerson(doc) : null;
  }

  async getPersonByName(name: string): Promise<Person | null> {
    return (await this.findPeopleByName(name, 1))[0] ?? null;
  }

  async findPeopleByName(name: string, limit: number): Promise<Person[]> {
    const docs = await this.db.people
      .find({ nameKey: nameKey(name) })
      .sort({ createdAt: 1, seq: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toPerson);
  }

  async getPersonByExternalId(externalId: string): Promise<Person | null> {
    const doc = await this.db.people.findOne({ externalId });
    return doc ? toPerson(doc) : null;
  }

  async listPeople({ limit, offset }: CheckedPage): Promise<Person[]> {
    const docs = await this.db.people
      .find({})
      .sort({ nameKey: 1, createdAt: 1, seq: 1, _id: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toPerson);
  }

  updatePerson(
    id: string,
    { name, externalId, notes }: PersonPatch,
  ): Promise<{ person: Person } & GalleryChange> {
    return this.db.write(async (session) => {
      const current = await this.db.people.findOne({ _id: id }, { session });
      if (!current) throw notFound(`no person with id ${id}`);
      await this.refuseTakenExternalId(externalId, id, session);
      const next: PersonDoc = {
        ...current,
        name: name ?? current.name,
        nameKey: nameKey(name ?? current.name),
        externalId: externalId === undefined ? (current.externalId ?? null) : externalId,
        notes: notes ?? current.notes,
        updatedAt: this.db.nowIso(),
      };
      await this.db.people.replaceOne({ _id: id }, next, { session });
      // Reports show the current name while the person exists.
      if (name !== undefined) {
        await this.db.attendance.updateMany({ personId: id }, { $set: { personName: name } }, { session });
      }
      return { person: toPerson(next), galleryVersion: await this.db.bumpGallery(session) };
    });
  }

  deletePerson(id: string, steps: readonly ErasureStep[]): Promise<DeletedPerson> {
    return this.db.write(async (session) => {
      if (!(await this.db.people.findOne({ _id: id }, { session })))
        throw notFound(`no person with id ${id}`);
      let anonymisedAs: string | null = null;
      const erase = {
        descriptors: async () =>
          (await this.db.descriptors.deleteMany({ personId: id }, { session })).deletedCount,
        photos: async () => (await this.db.photos.deleteMany({ personId: id }, { session })).deletedCount,
        eventCrops: async () => {
          const assigned = await this.db.unknownFaces.distinct(
            'eventId',
            { assignedPersonId: id },
            { session },
          );
          const { modifiedCount } = await this.db.events.updateMany(
            { crop: { $ne: null }, $or: [{ personId: id }, { _id: { $in: assigned } }] },
            { $set: { crop: null } },
            { session },
          );
          return modifiedCount;
        },
        unknownFaces: async () => {
          await this.db.unknownFaces.updateMany(
            { candidatePersonId: id },
            { $set: { candidatePersonId: null, candidateDistance: null } },
            { session },
          );
          return (await this.db.unknownFaces.deleteMany({ assignedPersonId: id }, { session })).deletedCount;
        },
        attendance: async () => {
          await this.db.corrections.deleteMany({ personId: id }, { session });
          await this.db.excuses.deleteMany({ personId: id }, { session });
          return (await this.db.attendance.deleteMany({ personId: id }, { session })).deletedCount;
        },
        anonymiseAttendance: async () => {
          const counter = await this.db.meta.findOneAndUpdate(
            { _id: 'deletedPeople' },
            { $inc: { version: 1 } },
            { session, upsert: true, returnDocument: 'after' },
          );
          if (!counter) throw new Error('the deleted people counter is missing');
          const name = deletedPersonName(counter.version);
          anonymisedAs = name;
          // Correction snapshots are JSON text: rewritten one by one (a person has few).
          const corrections = await this.db.corrections.find({ personId: id }, { session }).toArray();
          for (const c of corrections) {
            await this.db.corrections.updateOne(
              { _id: c._id },
              { $set: { before: renamedSnapshot(c.before, name), after: renamedSnapshot(c.after, name) } },
              { session },
            );
          }
          const { modifiedCount } = await this.db.attendance.updateMany(
            { personId: id },
            { $set: { personName: name } },
            { session },
          );
          return modifiedCount;
        },
      } satisfies Record<ErasureStep, () => Promise<number>>;
      const erased = { descriptors: 0, photos: 0, eventCrops: 0, unknownFaces: 0, attendance: 0 };
      for (const step of steps) {
        erased[step === 'anonymiseAttendance' ? 'attendance' : step] = await erase[step]();
      }
      // SQLite's foreign key does this: a deleted person is in no group.
      await this.db.members.deleteMany({ personId: id }, { session });
      await this.db.people.deleteOne({ _id: id }, { session });
      return { ...erased, anonymisedAs, galleryVersion: await this.db.bumpGallery(session) };
    });
  }
}
