/**
 * Groups, their members, sessions and excuses in SQLite.
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
import type { SqliteConnection } from './connection.sqlite.js';
import { toPerson, type PersonRow } from './people.sqlite.js';

interface GroupRow {
  id: string;
  name: string;
  notes: string;
  min_attendance_rate: number | null;
  created_at: string;
  updated_at: string;
}

interface GroupSessionRow {
  id: string;
  group_id: string;
  definition: string;
  created_at: string;
  updated_at: string;
}

interface ExcuseRow {
  id: string;
  session_id: string;
  person_id: string;
  day: string;
  reason: string;
  by_whom: string;
  at: string;
}

const toGroup = (r: GroupRow): Group => ({
  id: r.id,
  name: r.name,
  notes: r.notes,
  minAttendanceRate: r.min_attendance_rate,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toGroupSession = (r: GroupSessionRow): StoredGroupSession => ({
  ...(JSON.parse(r.definition) as GroupSession),
  id: r.id,
  groupId: r.group_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toExcuse = (r: ExcuseRow): SessionExcuse => ({
  id: r.id,
  sessionId: r.session_id,
  personId: r.person_id,
  day: r.day,
  reason: r.reason,
  by: r.by_whom,
  at: r.at,
});

export class SqliteGroups implements GroupsAdapter {
  constructor(private readonly db: SqliteConnection) {}

  createGroup({ name, notes, minAttendanceRate }: Required<NewGroup>): Group {
    return this.db.write(() => {
      if (this.db.sql('SELECT 1 FROM person_groups WHERE name = ?').get(name))
        throw conflict(`a group named "${name}" already exists`);
      const now = this.db.nowIso();
      return toGroup(
        this.db
          .sql(
            `INSERT INTO person_groups (id, name, notes, min_attendance_rate, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
          )
          .get(this.db.newId(), name, notes, minAttendanceRate, now, now) as GroupRow,
      );
    });
  }

  getGroup(id: string): Group | null {
    const row = this.db.sql('SELECT * FROM person_groups WHERE id = ?').get(id) as GroupRow | undefined;
    return row ? toGroup(row) : null;
  }

  listGroups({ limit, offset }: CheckedPage): Group[] {
    return (
      this.db
        .sql('SELECT * FROM person_groups ORDER BY name, id LIMIT ? OFFSET ?')
        .all(limit + 1, offset) as GroupRow[]
    ).map(toGroup);
  }

  updateGroup(id: string, patch: GroupPatch): Group | null {
    return this.db.write(() => {
      const current = this.getGroup(id);
      if (!current) return null;
      if (
        patch.name !== undefined &&
        this.db.sql('SELECT 1 FROM person_groups WHERE name = ? AND id != ?').get(patch.name, id)
      )
        throw conflict(`a group named "${patch.name}" already exists`);
      return toGroup(
        this.db
          .sql(
            `UPDATE person_groups SET name = ?, notes = ?, min_attendance_rate = ?, updated_at = ?
             WHERE id = ? RETURNING *`,
          )
          .get(
            patch.name ?? current.name,
            patch.notes ?? current.notes,
            patch.minAttendanceRate === undefined ? current.minAttendanceRate : patch.minAttendanceRate,
            this.db.nowIso(),
            id,
          ) as GroupRow,
      );
    });
  }

  deleteGroup(id: string): boolean {
    // Sessions, memberships and (through the sessions) excuses go by their foreign keys.
    return this.db.sql('DELETE FROM person_groups WHERE id = ?').run(id).changes > 0;
  }

  addGroupMembers(groupId: string, personIds: readonly string[]): void {
    this.db.write(() => {
      if (!this.getGroup(groupId)) throw notFound(`no group with id ${groupId}`);
      const now = this.db.nowIso();
      for (const personId of personIds) {
        if (!this.db.sql('SELECT 1 FROM people WHERE id = ?').get(personId))
          throw notFound(`no person with id ${personId}`);
        this.db
          .sql(
            'INSERT INTO group_members (group_id, person_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
          )
          .run(groupId, personId, now);
      }
    });
  }

  removeGroupMember(groupId: string, personId: string): boolean {
    return (
      this.db.sql('DELETE FROM group_members WHERE group_id = ? AND person_id = ?').run(groupId, personId)
        .changes > 0
    );
  }

  listGroupMembers(groupId: string): Person[] {
    return this.db.read(() => {
      if (!this.getGroup(groupId)) throw notFound(`no group with id ${groupId}`);
      return (
        this.db
          .sql(
            `SELECT p.* FROM people p JOIN group_members m ON m.person_id = p.id
             WHERE m.group_id = ? ORDER BY p.name, p.id`,
          )
          .all(groupId) as PersonRow[]
      ).map(toPerson);
    });
  }

  listGroupsOf(personId: string): Group[] {
    return (
      this.db
        .sql(
          `SELECT g.* FROM person_groups g JOIN group_members m ON m.group_id = g.id
           WHERE m.person_id = ? ORDER BY g.name, g.id`,
        )
        .all(personId) as GroupRow[]
    ).map(toGroup);
  }

  addGroupSession(
    groupId: string,
    session: GroupSession,
    clash: (others: StoredGroupSession[]) => void,
  ): StoredGroupSession {
    return this.db.write(() => {
      if (!this.getGroup(groupId)) throw notFound(`no group with id ${groupId}`);
      clash(this.listGroupSessions(groupId));
      const now = this.db.nowIso();
      return toGroupSession(
        this.db
          .sql(
            `INSERT INTO group_sessions (id, group_id, start_time, definition, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
          )
          .get(this.db.newId(), groupId, session.start, JSON.stringify(session), now, now) as GroupSessionRow,
      );
    });
  }

  getGroupSession(id: string): StoredGroupSession | null {
    const row = this.db.sql('SELECT * FROM group_sessions WHERE id = ?').get(id) as
      GroupSessionRow | undefined;
    return row ? toGroupSession(row) : null;
  }

  updateGroupSession(
    id: string,
    session: GroupSession,
    clash: (others: StoredGroupSession[]) => void,
  ): StoredGroupSession {
    return this.db.write(() => {
      const current = this.getGroupSession(id);
      if (!current) throw notFound(`no session with id ${id}`);
      clash(this.listGroupSessions(current.groupId).filter((other) => other.id !== id));
      return toGroupSession(
        this.db
          .sql(
            'UPDATE group_sessions SET start_time = ?, definition = ?, updated_at = ? WHERE id = ? RETURNING *',
          )
          .get(session.start, JSON.stringify(session), this.db.nowIso(), id) as GroupSessionRow,
      );
    });
  }

  deleteGroupSession(id: string): boolean {
    return this.db.sql('DELETE FROM group_sessions WHERE id = ?').run(id).changes > 0;
  }

  listGroupSessions(groupId: string): StoredGroupSession[] {
    return (
      this.db
        .sql('SELECT * FROM group_sessions WHERE group_id = ? ORDER BY start_time, created_at, id')
        .all(groupId) as GroupSessionRow[]
    ).map(toGroupSession);
  }

  excuseSession({ sessionId, personId, day, reason, by }: NewSessionExcuse): SessionExcuse {
    return this.db.write(() => {
      if (!this.getGroupSession(sessionId)) throw notFound(`no session with id ${sessionId}`);
      if (!this.db.sql('SELECT 1 FROM people WHERE id = ?').get(personId))
        throw notFound(`no person with id ${personId}`);
      return toExcuse(
        this.db
          .sql(
            `INSERT INTO session_excuses (id, session_id, person_id, day, reason, by_whom, at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (session_id, person_id, day)
               DO UPDATE SET reason = excluded.reason, by_whom = excluded.by_whom, at = excluded.at
             RETURNING *`,
          )
          .get(this.db.newId(), sessionId, personId, day, reason, by, this.db.nowIso()) as ExcuseRow,
      );
    });
  }

  deleteSessionExcuse(id: string): boolean {
    return this.db.sql('DELETE FROM session_excuses WHERE id = ?').run(id).changes > 0;
  }

  listSessionExcuses(
    query: Required<Pick<ExcuseQuery, 'from' | 'to'>> & Pick<ExcuseQuery, 'sessionId' | 'personId'>,
    { limit, offset }: CheckedPage,
  ): SessionExcuse[] {
    return (
      this.db
        .sql(
          `SELECT * FROM session_excuses
           WHERE day BETWEEN @from AND @to
             AND (@sessionId IS NULL OR session_id = @sessionId)
             AND (@personId IS NULL OR person_id = @personId)
           ORDER BY day, person_id, session_id LIMIT @limit OFFSET @offset`,
        )
        .all({
          from: query.from,
          to: query.to,
          sessionId: query.sessionId ?? null,
          personId: query.personId ?? null,
          limit: limit + 1,
          offset,
        }) as ExcuseRow[]
    ).map(toExcuse);
  }
}
