/**
 * The `GroupsRepository` contract: groups, members, sessions and excuses, as every adapter must
 * keep them — including the no-overlap rule checked inside the write, and what deleting a group,
 * a session or a person takes with it.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe } from 'node:test';
import { ErrorCode, SESSION_DEFAULTS, type GroupSession } from '../../../src/core/index.js';
import type { Store } from '../../../src/store/index.js';
import { contractIt, rejectsWithCode, type StoreContractOptions } from './support.js';

const MORNING: GroupSession = {
  ...SESSION_DEFAULTS,
  holidays: [],
  weekdays: ['mon', 'wed', 'fri'],
  start: '09:00',
  end: '10:30',
  lateGraceMin: 5,
};

export function groupsContract(
  name: string,
  create: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  const it = contractIt(options);
  describe(`GroupsRepository contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    const person = async (personName: string): Promise<string> =>
      (await store.createPerson({ name: personName })).person.id;

    it('creates, lists by name, renames and deletes groups; names are unique without case', async () => {
      const b = await store.createGroup({ name: 'Class 2B', minAttendanceRate: 0.8 });
      const a = await store.createGroup({ name: 'class 1a', notes: 'room 12' });
      assert.deepEqual(
        (await store.listGroups()).items.map((g) => [g.name, g.notes, g.minAttendanceRate]),
        [
          ['class 1a', 'room 12', null],
          ['Class 2B', '', 0.8],
        ],
      );
      await assert.rejects(store.createGroup({ name: 'CLASS 2b' }), rejectsWithCode(ErrorCode.StoreConflict));
      await assert.rejects(
        store.updateGroup(a.id, { name: 'Class 2B' }),
        rejectsWithCode(ErrorCode.StoreConflict),
      );
      const renamed = await store.updateGroup(a.id, { name: 'Class 1A', minAttendanceRate: 0.75 });
      assert.equal(renamed.name, 'Class 1A');
      assert.equal(renamed.notes, 'room 12', 'a patch keeps what it does not name');
      assert.equal((await store.updateGroup(b.id, { minAttendanceRate: null })).minAttendanceRate, null);
      await store.deleteGroup(b.id);
      assert.equal(await store.getGroup(b.id), null);
      await assert.rejects(store.deleteGroup(b.id), rejectsWithCode(ErrorCode.StoreNotFound));
      await assert.rejects(
        store.createGroup({ name: 'Bad rate', minAttendanceRate: 1.5 }),
        rejectsWithCode(ErrorCode.StoreInvalid),
      );
      await assert.rejects(store.createGroup({ name: '  ' }), rejectsWithCode(ErrorCode.StoreInvalid));
    });

    it('adds members all or none, lists them by name, and a person may be in several groups', async () => {
      const group = await store.createGroup({ name: 'Team' });
      const other = await store.createGroup({ name: 'Choir' });
      const [zoe, adam] = [await person('Zoe'), await person('Adam')];
      await store.addGroupMembers(group.id, [zoe, adam, zoe]);
      await store.addGroupMembers(group.id, [adam]);
      await store.addGroupMembers(other.id, [zoe]);
      assert.deepEqual(
        (await store.listGroupMembers(group.id)).map((p) => p.name),
        ['Adam', 'Zoe'],
      );
      assert.deepEqual(
        (await store.listGroupsOf(zoe)).map((g) => g.name),
        ['Choir', 'Team'],
      );
      await assert.rejects(
        store.addGroupMembers(other.id, [adam, 'no-such-person']),
        rejectsWithCode(ErrorCode.StoreNotFound),
      );
      assert.deepEqual(
        (await store.listGroupMembers(other.id)).map((p) => p.name),
        ['Zoe'],
        'nobody was added when one id was wrong',
      );
      await assert.rejects(
        store.addGroupMembers('no-such-group', [adam]),
        rejectsWithCode(ErrorCode.StoreNotFound),
      );
      await store.removeGroupMember(group.id, zoe);
      await assert.rejects(store.removeGroupMember(group.id, zoe), rejectsWithCode(ErrorCode.StoreNotFound));
      assert.deepEqual(
        (await store.listGroupMembers(group.id)).map((p) => p.name),
        ['Adam'],
      );
    });

    it('keeps sessions by start time, and refuses one that overlaps another of the group', async () => {
      const group = await store.createGroup({ name: 'Class 3C' });
      const afternoon = await store.addGroupSession(group.id, { ...MORNING, start: '13:00', end: '14:00' });
      const morning = await store.addGroupSession(group.id, MORNING);
      assert.deepEqual(
        (await store.listGroupSessions(group.id)).map((s) => [s.id, s.start, s.end]),
        [
          [morning.id, '09:00', '10:30'],
          [afternoon.id, '13:00', '14:00'],
        ],
      );
      const stored = await store.getGroupSession(morning.id);
      assert.deepEqual(
        { ...stored, id: undefined, groupId: undefined, createdAt: undefined, updatedAt: undefined },
        { ...MORNING, id: undefined, groupId: undefined, createdAt: undefined, updatedAt: undefined },
      );
      await assert.rejects(
        store.addGroupSession(group.id, { ...MORNING, weekdays: ['fri'], start: '10:00', end: '11:00' }),
        (error: Error) => {
          rejectsWithCode(ErrorCode.StoreConflict)(error);
          assert.match(
            error.message,
            /fri 10:00–11:00 overlaps the group's session mon, wed, fri 09:00–10:30/,
          );
          return true;
        },
      );
      // Back to back, on other days, or in another group: fine.
      await store.addGroupSession(group.id, { ...MORNING, start: '10:30', end: '11:00' });
      await store.addGroupSession(group.id, { ...MORNING, weekdays: ['tue'], start: '09:30', end: '10:00' });
      const other = await store.createGroup({ name: 'Choir' });
      await store.addGroupSession(other.id, MORNING);
      // Moving a session onto another is refused; moving it onto itself is not an overlap.
      await assert.rejects(
        store.updateGroupSession(afternoon.id, { ...MORNING, start: '10:00', end: '10:45' }),
        rejectsWithCode(ErrorCode.StoreConflict),
      );
      const moved = await store.updateGroupSession(afternoon.id, {
        ...MORNING,
        start: '13:30',
        end: '14:30',
      });
      assert.equal(moved.start, '13:30');
      await assert.rejects(
        store.addGroupSession(group.id, { ...MORNING, start: '11:00', end: '08:00' }),
        rejectsWithCode(ErrorCode.StoreInvalid),
      );
      await assert.rejects(
        store.addGroupSession('no-such-group', MORNING),
        rejectsWithCode(ErrorCode.StoreNotFound),
      );
      await store.deleteGroupSession(moved.id);
      assert.equal(await store.getGroupSession(moved.id), null);
      await assert.rejects(store.deleteGroupSession(moved.id), rejectsWithCode(ErrorCode.StoreNotFound));
    });

    it('excuses a session once per person and day, replacing the reason, and lists by day', async () => {
      const group = await store.createGroup({ name: 'Class 4D' });
      const session = await store.addGroupSession(group.id, MORNING);
      const [ann, bob] = [await person('Ann'), await person('Bob')];
      await store.excuseSession({
        sessionId: session.id,
        personId: bob,
        day: '2026-12-02',
        reason: 'dentist',
        by: 'Ada',
      });
      const first = await store.excuseSession({
        sessionId: session.id,
        personId: ann,
        day: '2026-12-02',
        reason: 'ill',
        by: 'Ada',
      });
      const again = await store.excuseSession({
        sessionId: session.id,
        personId: ann,
        day: '2026-12-02',
        reason: 'ill, with a note',
        by: 'Bea',
      });
      assert.equal(again.id, first.id, 'the same excuse, changed');
      await store.excuseSession({
        sessionId: session.id,
        personId: ann,
        day: '2026-12-04',
        reason: 'trip',
        by: 'Ada',
      });
      const listed = await store.listSessionExcuses({ from: '2026-12-01', to: '2026-12-03' });
      assert.deepEqual(
        listed.items.map((e) => [e.day, e.personId, e.reason, e.by]).sort(),
        [
          ['2026-12-02', ann, 'ill, with a note', 'Bea'],
          ['2026-12-02', bob, 'dentist', 'Ada'],
        ].sort(),
      );
      assert.equal(
        (await store.listSessionExcuses({ from: '2026-12-01', to: '2026-12-31', personId: ann })).items
          .length,
        2,
      );
      await store.deleteSessionExcuse(first.id);
      await assert.rejects(store.deleteSessionExcuse(first.id), rejectsWithCode(ErrorCode.StoreNotFound));
      await assert.rejects(
        store.excuseSession({ sessionId: 'nope', personId: ann, day: '2026-12-02', reason: 'x', by: 'Ada' }),
        rejectsWithCode(ErrorCode.StoreNotFound),
      );
      await assert.rejects(
        store.listSessionExcuses({ from: '2026-12-05', to: '2026-12-01' }),
        rejectsWithCode(ErrorCode.StoreInvalid),
      );
    });

    it('deleting a group takes its sessions, members and excuses; deleting a person takes them out of every group', async () => {
      const group = await store.createGroup({ name: 'Lab' });
      const session = await store.addGroupSession(group.id, MORNING);
      const [cy, di] = [await person('Cy'), await person('Di')];
      await store.addGroupMembers(group.id, [cy, di]);
      await store.excuseSession({
        sessionId: session.id,
        personId: di,
        day: '2026-12-02',
        reason: 'ill',
        by: 'Ada',
      });
      await store.deletePerson(cy);
      assert.deepEqual(
        (await store.listGroupMembers(group.id)).map((p) => p.name),
        ['Di'],
      );
      // Attendance is kept by default, and excuses with it; erasing attendance erases them.
      assert.equal((await store.listSessionExcuses({ from: '2026-12-02' })).items.length, 1);
      await store.deletePerson(di, { eraseAttendance: true });
      assert.equal((await store.listSessionExcuses({ from: '2026-12-02' })).items.length, 0);

      const again = await store.createGroup({ name: 'Studio' });
      const kept = await store.addGroupSession(again.id, MORNING);
      const eve = await person('Eve');
      await store.addGroupMembers(again.id, [eve]);
      await store.excuseSession({
        sessionId: kept.id,
        personId: eve,
        day: '2026-12-02',
        reason: 'ill',
        by: 'Ada',
      });
      await store.deleteGroup(again.id);
      assert.equal(await store.getGroupSession(kept.id), null);
      assert.deepEqual(await store.listGroupsOf(eve), []);
      assert.equal((await store.listSessionExcuses({ from: '2026-12-02' })).items.length, 0);
      assert.ok(await store.getPerson(eve), 'people outlive their groups');
    });
  });
}
