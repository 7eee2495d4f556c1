/**
 * Groups as administrators keep them: a class or team with members and recurring sessions, and the
 * sessions they excuse. The store checks each value and holds the rule that a group's sessions do
 * not overlap; this service holds the rules that span records: a session is changed through its
 * own group, and only a member's session can be excused.
 */
import { ErrorCode, RollcallError, SESSION_DEFAULTS, type GroupSession } from '../core/index.js';
import type {
  Group,
  GroupPatch,
  NewGroup,
  Person,
  SessionExcuse,
  Store,
  StoredGroupSession,
} from '../store/index.js';
import type { GroupDetail, GroupSummary } from './views.js';

export type { GroupDetail, GroupSummary };

/**
 * A session as a caller sends it: the days and times, and whatever else differs from the
 * defaults (core `SESSION_DEFAULTS`). The store checks every field.
 */
export type SessionInput = Partial<GroupSession> & Pick<GroupSession, 'weekdays' | 'start' | 'end'>;

function withDefaults(session: SessionInput): GroupSession {
  return { ...SESSION_DEFAULTS, holidays: [], ...session };
}

type GroupStore = Pick<
  Store,
  | 'createGroup'
  | 'getGroup'
  | 'listGroups'
  | 'updateGroup'
  | 'deleteGroup'
  | 'addGroupMembers'
  | 'removeGroupMember'
  | 'listGroupMembers'
  | 'addGroupSession'
  | 'getGroupSession'
  | 'updateGroupSession'
  | 'deleteGroupSession'
  | 'listGroupSessions'
  | 'excuseSession'
>;

const member = (person: Person): { id: string; name: string } => ({ id: person.id, name: person.name });

export class GroupService {
  constructor(private readonly deps: { store: GroupStore }) {}

  /** Every group by name, a page at a time. */
  async list(page: { limit?: number; offset?: number } = {}): Promise<{
    groups: GroupSummary[];
    nextOffset: number | null;
  }> {
    const { store } = this.deps;
    const found = await store.listGroups(page);
    const groups = await Promise.all(
      found.items.map(async (group) => ({
        ...group,
        memberCount: (await store.listGroupMembers(group.id)).length,
        sessions: await store.listGroupSessions(group.id),
      })),
    );
    return { groups, nextOffset: found.nextOffset };
  }

  async get(id: string): Promise<GroupDetail> {
    const group = await this.group(id);
    const [members, sessions] = await Promise.all([
      this.deps.store.listGroupMembers(id),
      this.deps.store.listGroupSessions(id),
    ]);
    return { ...group, members: members.map(member), sessions };
  }

  create(group: NewGroup): Promise<Group> {
    return this.deps.store.createGroup(group);
  }

  async update(id: string, patch: GroupPatch): Promise<Group> {
    await this.group(id);
    return this.deps.store.updateGroup(id, patch);
  }

  async remove(id: string): Promise<void> {
    await this.group(id);
    await this.deps.store.deleteGroup(id);
  }

  async addMembers(id: string, personIds: readonly string[]): Promise<GroupDetail> {
    await this.group(id);
    await this.deps.store.addGroupMembers(id, personIds);
    return this.get(id);
  }

  async removeMember(id: string, personId: string): Promise<void> {
    await this.group(id);
    await this.deps.store.removeGroupMember(id, personId);
  }

  async addSession(id: string, session: SessionInput): Promise<StoredGroupSession> {
    await this.group(id);
    return this.deps.store.addGroupSession(id, withDefaults(session));
  }

  async updateSession(id: string, sessionId: string, session: SessionInput): Promise<StoredGroupSession> {
    await this.sessionOf(id, sessionId);
    return this.deps.store.updateGroupSession(sessionId, withDefaults(session));
  }

  async removeSession(id: string, sessionId: string): Promise<void> {
    await this.sessionOf(id, sessionId);
    await this.deps.store.deleteGroupSession(sessionId);
  }

  /** Excuses a member's session on a day; `by` is the administrator's name. */
  async excuse(
    id: string,
    sessionId: string,
    excuse: { personId: string; day: string; reason: string; by: string },
  ): Promise<SessionExcuse> {
    await this.sessionOf(id, sessionId);
    const members = await this.deps.store.listGroupMembers(id);
    if (!members.some((person) => person.id === excuse.personId))
      throw new RollcallError(
        ErrorCode.RequestInvalid,
        `personId: person ${excuse.personId} is not a member of this group`,
      );
    return this.deps.store.excuseSession({ sessionId, ...excuse });
  }

  private async group(id: string): Promise<Group> {
    const group = await this.deps.store.getGroup(id);
    if (!group) throw new RollcallError(ErrorCode.NotFound, `no group with id ${id}`);
    return group;
  }

  /** The session, when it is one of the group's: a session id under another group is not found. */
  private async sessionOf(id: string, sessionId: string): Promise<StoredGroupSession> {
    await this.group(id);
    const session = await this.deps.store.getGroupSession(sessionId);
    if (!session || session.groupId !== id)
      throw new RollcallError(ErrorCode.NotFound, `no session with id ${sessionId} in this group`);
    return session;
  }
}
