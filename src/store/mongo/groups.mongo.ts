/**
 * Groups, their members, sessions and excuses in MongoDB.
 */
import type { GroupSession } from '../../core/index.js';
import type { CheckedPage, GroupsAdapter } from '../adapter.js';
import type {
  ExcuseQuery,
  Group,
  GroupPatch,
  NewGroup,
  NewSessionExcuse,
  Person,
  SessionExcuse,
  StoredGroupSession,
} from '../store.js';
import { conflict, notFound } from '../validate.js';
import { nameKey, type MongoConnection } from './connection.mongo.js';
import type { ExcuseDoc, Filter, GroupDoc, GroupSessionDoc, Session } from './documents.mongo.js';
import { toPerson } from './people.mongo.js';

const toGroup = (d: GroupDoc): Group => ({
  id: d._id,
  name: d.name,
  notes: d.notes,
  minAttendanceRate: d.minAttendanceRate,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

const toGroupSession = (d: GroupSessionDoc): StoredGroupSession => ({
  ...(JSON.parse(d.definition) as GroupSession),
  id: d._id,
  groupId: d.groupId,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

const toExcuse = (d: ExcuseDoc): SessionExcuse => ({
  id: d.excuseId,
  sessionId: d.sessionId,
  personId: d.personId,
  day: d.day,
  reason: d.reason,
  by: d.by,
  at: d.at,
});

export class MongoGroups implements GroupsAdapter {
  constructor(private readonly db: MongoConnection) {}

  createGroup({ name, notes, minAttendanceRate }: Required<NewGroup>): Promise<Group> {
    return this.db.write(async (session) => {
      if (await this.db.groups.findOne({ nameKey: nameKey(name) }, { session }))
        throw conflict(`a group named "${name}" already exists`);
      const now = this.db.nowIso();
      const doc: GroupDoc = {
        _id: this.db.newId(),
        name,
        nameKey: nameKey(name),
        notes,
        minAttendanceRate,
        createdAt: now,
        updatedAt: now,
      };
      await this.db.groups.insertOne(doc, { session });
      return toGroup(doc);
    });
  }

  async getGroup(id: string): Promise<Group | null> {
    const doc = await this.db.groups.findOne({ _id: id });
    return doc ? toGroup(doc) : null;
  }

  async listGroups({ limit, offset }: CheckedPage): Promise<Group[]> {
    const docs = await this.db.groups
      .find({})
      .sort({ nameKey: 1, _id: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toGroup);
  }

  updateGroup(id: string, patch: GroupPatch): Promise<Group | null> {
    return this.db.write(async (session) => {
      const current = await this.db.groups.findOne({ _id: id }, { session });
      if (!current) return null;
      if (
        patch.name !== undefined &&
        (await this.db.groups.findOne({ nameKey: nameKey(patch.name), _id: { $ne: id } }, { session }))
      )
        throw conflict(`a group named "${patch.name}" already exists`);
      const next: GroupDoc = {
        ...current,
        name: patch.name ?? current.name,
        nameKey: nameKey(patch.name ?? current.name),
        notes: patch.notes ?? current.notes,
        minAttendanceRate:
          patch.minAttendanceRate === undefined ? current.minAttendanceRate : patch.minAttendanceRate,
        updatedAt: this.db.nowIso(),
      };
      await this.db.groups.replaceOne({ _id: id }, next, { session });
      return toGroup(next);
    });
  }

  deleteGroup(id: string): Promise<boolean> {
    return this.db.write(async (session) => {
      if ((await this.db.groups.deleteOne({ _id: id }, { session })).deletedCount === 0) return false;
      const sessionIds = await this.db.groupSessions.distinct('_id', { groupId: id }, { session });
      await this.db.excuses.deleteMany({ sessionId: { $in: sessionIds } }, { session });
      await this.db.groupSessions.deleteMany({ groupId: id }, { session });
      await this.db.members.deleteMany({ groupId: id }, { session });
      return true;
    });
  }

  addGroupMembers(groupId: string, personIds: readonly string[]): Promise<void> {
    return this.db.write(async (session) => {
      if (!(await this.db.groups.findOne({ _id: groupId }, { session })))
        throw notFound(`no group with id ${groupId}`);
      const now = this.db.nowIso();
      for (const personId of personIds) {
        if (!(await this.db.people.findOne({ _id: personId }, { session })))
          throw notFound(`no person with id ${personId}`);
        await this.db.members.updateOne(
          { _id: `${groupId}/${personId}` },
          { $setOnInsert: { groupId, personId, addedAt: now } },
          { upsert: true, session },
        );
      }
    });
  }

  async removeGroupMember(groupId: string, personId: string): Promise<boolean> {
    return (await this.db.members.deleteOne({ _id: `${groupId}/${personId}` })).deletedCount > 0;
  }

  async listGroupMembers(groupId: string): Promise<Person[]> {
    if (!(await this.db.groups.findOne({ _id: groupId }))) throw notFound(`no group with id ${groupId}`);
    const ids = await this.db.members.distinct('personId', { groupId });
    const docs = await this.db.people
      .find({ _id: { $in: ids } })
      .sort({ nameKey: 1, _id: 1 })
      .toArray();
    return docs.map(toPerson);
  }

  async listGroupsOf(personId: string): Promise<Group[]> {
    const ids = await this.db.members.distinct('groupId', { personId });
    const docs = await this.db.groups
      .find({ _id: { $in: ids } })
      .sort({ nameKey: 1, _id: 1 })
      .toArray();
    return docs.map(toGroup);
  }

  private async sessionsOf(groupId: string, session?: Session): Promise<StoredGroupSession[]> {
    const docs = await this.db.groupSessions
      .find({ groupId }, session ? { session } : {})
      .sort({ start: 1, createdAt: 1, _id: 1 })
      .toArray();
    return docs.map(toGroupSession);
  }

  addGroupSession(
    groupId: string,
    definition: GroupSession,
    clash: (others: StoredGroupSession[]) => void,
  ): Promise<StoredGroupSession> {
    return this.db.write(async (session) => {
      if (!(await this.db.groups.findOne({ _id: groupId }, { session })))
        throw notFound(`no group with id ${groupId}`);
      clash(await this.sessionsOf(groupId, session));
      // Touching the group makes two sessions added at once conflict as transactions, so the
      // no-overlap check cannot pass in both.
      await this.db.groups.updateOne(
        { _id: groupId },
        { $set: { updatedAt: this.db.nowIso() } },
        { session },
      );
      const now = this.db.nowIso();
      const doc: GroupSessionDoc = {
        _id: this.db.newId(),
        groupId,
        start: definition.start,
        definition: JSON.stringify(definition),
        createdAt: now,
        updatedAt: now,
      };
      await this.db.groupSessions.insertOne(doc, { session });
      return toGroupSession(doc);
    });
  }

  async getGroupSession(id: string): Promise<StoredGroupSession | null> {
    const doc = await this.db.groupSessions.findOne({ _id: id });
    return doc ? toGroupSession(doc) : null;
  }

  updateGroupSession(
    id: string,
    definition: GroupSession,
    clash: (others: StoredGroupSession[]) => void,
  ): Promise<StoredGroupSession> {
    return this.db.write(async (session) => {
      const current = await this.db.groupSessions.findOne({ _id: id }, { session });
      if (!current) throw notFound(`no session with id ${id}`);
      clash((await this.sessionsOf(current.groupId, session)).filter((other) => other.id !== id));
      await this.db.groups.updateOne(
        { _id: current.groupId },
        { $set: { updatedAt: this.db.nowIso() } },
        { session },
      );
      const next: GroupSessionDoc = {
        ...current,
        start: definition.start,
        definition: JSON.stringify(definition),
        updatedAt: this.db.nowIso(),
      };
      await this.db.groupSessions.replaceOne({ _id: id }, next, { session });
      return toGroupSession(next);
    });
  }

  deleteGroupSession(id: string): Promise<boolean> {
    return this.db.write(async (session) => {
      if ((await this.db.groupSessions.deleteOne({ _id: id }, { session })).deletedCount === 0) return false;
      await this.db.excuses.deleteMany({ sessionId: id }, { session });
      return true;
    });
  }

  listGroupSessions(groupId: string): Promise<StoredGroupSession[]> {
    return this.sessionsOf(groupId);
  }

  excuseSession({ sessionId, personId, day, reason, by }: NewSessionExcuse): Promise<SessionExcuse> {
    return this.db.write(async (session) => {
      if (!(await this.db.groupSessions.findOne({ _id: sessionId }, { session })))
        throw notFound(`no session with id ${sessionId}`);
      if (!(await this.db.people.findOne({ _id: personId }, { session })))
        throw notFound(`no person with id ${personId}`);
      const doc = await this.db.excuses.findOneAndUpdate(
        { _id: `${sessionId}/${personId}/${day}` },
        {
          $set: { reason, by, at: this.db.nowIso() },
          $setOnInsert: { excuseId: this.db.newId(), sessionId, personId, day },
        },
        { upsert: true, returnDocument: 'after', session },
      );
      if (!doc) throw new Error('the excuse was not written');
      return toExcuse(doc);
    });
  }

  async deleteSessionExcuse(id: string): Promise<boolean> {
    return (await this.db.excuses.deleteOne({ excuseId: id })).deletedCount > 0;
  }

  async listSessionExcuses(
    query: Required<Pick<ExcuseQuery, 'from' | 'to'>> & Pick<ExcuseQuery, 'sessionId' | 'personId'>,
    { limit, offset }: CheckedPage,
  ): Promise<SessionExcuse[]> {
    const filter: Filter<ExcuseDoc> = { day: { $gte: query.from, $lte: query.to } };
    if (query.sessionId !== undefined) filter.sessionId = query.sessionId;
    if (query.personId !== undefined) filter.personId = query.personId;
    const docs = await this.db.excuses
      .find(filter)
      .sort({ day: 1, personId: 1, sessionId: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toExcuse);
  }
}
