/**
 * The `AttendanceRepository` contract: recognition events, attendance and corrections, as every adapter must keep them.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe } from 'node:test';
import { ErrorCode, type RecognitionEvent } from '../../../src/core/index.js';
import type { Store } from '../../../src/store/index.js';
import { makeEvent, rejectsWithCode, UTC, contractIt, type StoreContractOptions } from './support.js';

export function attendanceContract(
  name: string,
  create: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  const it = contractIt(options);
  describe(`AttendanceRepository contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    async function person(personName: string): Promise<string> {
      return (await store.createPerson({ name: personName })).person.id;
    }

    describe('recognition events', () => {
      it('stores each event once, with its crop, and returns whether it was new', async () => {
        const id = await person('Ada');
        const event = makeEvent({ personId: id });
        assert.equal(await store.insertEventOnce(event), true);
        assert.equal(await store.insertEventOnce(event), false);
        assert.equal(await store.insertEventOnce({ ...event, cameraId: 'other' }), false, 'the id decides');
        const stored = await store.getEvent(event.id);
        assert.ok(stored);
        const { crop, ...rest } = event;
        assert.deepEqual({ ...stored, receivedAt: '' }, { ...rest, hasCrop: true, receivedAt: '' });
        assert.deepEqual(await store.getEventCrop(event.id), crop);
        assert.equal(await store.getEvent('missing'), null);
        assert.equal(await store.getEventCrop('missing'), null);

        const sighting = makeEvent({ type: 'sighting', personId: id, crop: null });
        assert.equal(await store.insertEventOnce(sighting), true);
        assert.equal((await store.getEvent(sighting.id))?.hasCrop, false);
        assert.equal(await store.getEventCrop(sighting.id), null);
      });

      it('lists events by time range, person and type, with paging', async () => {
        const ada = await person('Ada');
        const times = ['2025-03-10T07:00:00.000Z', '2025-03-10T08:00:00.000Z', '2025-03-10T09:00:00.000Z'];
        const events = times.map((at) => makeEvent({ personId: ada, at }));
        const unknown = makeEvent({ type: 'unknown', personId: null, at: '2025-03-10T08:30:00.000Z' });
        for (const e of [...events].reverse()) await store.insertEventOnce(e);
        await store.insertEventOnce(unknown);

        const all = await store.listEvents();
        assert.deepEqual(
          all.items.map((e) => e.at),
          [times[0], times[1], unknown.at, times[2]],
          'oldest first, whatever the arrival order',
        );
        const range = await store.listEvents({ from: times[1], to: times[2] });
        assert.deepEqual(
          range.items.map((e) => e.id),
          [events[1]?.id, unknown.id],
          'from inclusive, to exclusive',
        );
        assert.equal((await store.listEvents({ personId: ada })).items.length, 3);
        assert.deepEqual(
          (await store.listEvents({ type: 'unknown' })).items.map((e) => e.id),
          [unknown.id],
        );
        const page = await store.listEvents({ limit: 3 });
        assert.equal(page.nextOffset, 3);
        const rest = await store.listEvents({ limit: 3, offset: 3 });
        assert.deepEqual(
          rest.items.map((e) => e.at),
          [times[2]],
        );
        assert.equal(rest.nextOffset, null);
        await assert.rejects(store.listEvents({ from: 'monday' }), rejectsWithCode(ErrorCode.StoreInvalid));
      });

      it('refuses malformed events', async () => {
        const bad: Partial<RecognitionEvent>[] = [
          { id: '' },
          { id: 'x'.repeat(257) },
          { id: 'a\u0000b' },
          { type: 'waved' as RecognitionEvent['type'] },
          { nodeId: '' },
          { personId: null },
          { personId: '../../etc' },
          { at: 'not a time' },
          { distance: Number.NaN },
          { votes: 1.5 },
          { box: { x: 0, y: 0, width: Number.POSITIVE_INFINITY, height: 1 } },
          { crop: new Uint8Array(0) },
          { model: '' },
        ];
        for (const overrides of bad) {
          await assert.rejects(
            store.insertEventOnce(makeEvent({ personId: 'p1', ...overrides })),
            rejectsWithCode(ErrorCode.StoreInvalid),
            JSON.stringify(overrides),
          );
        }
        assert.equal((await store.listEvents()).items.length, 0);
      });

      it("keeps the node's own clock reading beside a corrected time", async () => {
        const id = await person('Ada');
        // The node's clock was 10 minutes ahead: the web node counts it at 08:00, the node said 08:10.
        const corrected = {
          ...makeEvent({ personId: id, at: '2025-03-01T08:00:00.000Z' }),
          nodeAt: '2025-03-01T08:10:00.000Z',
        };
        const { attendance } = await store.recordAttendance(corrected, UTC);
        assert.equal(attendance?.firstSeen, '2025-03-01T08:00:00.000Z', 'attendance uses the corrected time');
        const stored = await store.getEvent(corrected.id);
        assert.ok(stored);
        assert.equal(stored.at, '2025-03-01T08:00:00.000Z');
        assert.equal(stored.nodeAt, '2025-03-01T08:10:00.000Z');
        const face = makeEvent({ type: 'unknown', personId: null, at: '2025-03-01T09:00:00.000Z' });
        await store.recordUnknownFace({ ...face, nodeAt: '2025-03-01T09:10:00.000Z' });
        assert.equal((await store.getEvent(face.id))?.nodeAt, '2025-03-01T09:10:00.000Z');
        const plain = makeEvent({ personId: id });
        await store.insertEventOnce(plain);
        assert.equal((await store.getEvent(plain.id))?.nodeAt, undefined, "absent when `at` is the node's");
        await assert.rejects(
          store.insertEventOnce({ ...makeEvent({ personId: id }), nodeAt: 'yesterday' }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
      });

      it('prunes old crops but keeps the crops of faces still waiting for review', async () => {
        const id = await person('Ada');
        const old = makeEvent({ personId: id, at: '2025-01-01T00:00:00.000Z' });
        const fresh = makeEvent({ personId: id, at: '2025-03-01T00:00:00.000Z' });
        const openFace = makeEvent({ type: 'unknown', personId: null, at: '2025-01-01T00:00:00.000Z' });
        await store.insertEventOnce(old);
        await store.insertEventOnce(fresh);
        await store.recordUnknownFace(openFace);
        assert.equal(await store.pruneEventCrops('2025-02-01T00:00:00Z'), 1);
        assert.equal(await store.getEventCrop(old.id), null);
        assert.equal((await store.getEvent(old.id))?.hasCrop, false);
        assert.ok(await store.getEventCrop(fresh.id));
        assert.ok(await store.getEventCrop(openFace.id));
        assert.equal(await store.pruneEventCrops('2025-02-01T00:00:00Z'), 0);
      });
    });

    describe('attendance', () => {
      it('keeps the earliest and latest sighting of the day, whatever the arrival order', async () => {
        const id = await person('Ada');
        const at = (hm: string) => `2025-03-10T${hm}:00.000Z`;
        const noon = makeEvent({ personId: id, at: at('12:00'), cameraId: 'hall' });
        const first = await store.recordAttendance(noon, UTC);
        assert.equal(first.inserted, true);
        assert.deepEqual(first.attendance, {
          personId: id,
          day: '2025-03-10',
          personName: 'Ada',
          firstSeen: at('12:00'),
          lastSeen: at('12:00'),
          firstCameraId: 'hall',
          lastCameraId: 'hall',
          nodeId: 'node-a',
          eventCount: 1,
          visits: [{ from: at('12:00'), to: at('12:00') }],
          cameras: { hall: { firstSeen: at('12:00'), lastSeen: at('12:00') } },
          corrected: false,
        });
        // The node replays its outbox: an earlier event arrives after a later one.
        await store.recordAttendance(
          makeEvent({ personId: id, at: at('17:30'), cameraId: 'exit', nodeId: 'node-b' }),
          UTC,
        );
        const late = await store.recordAttendance(
          makeEvent({ type: 'sighting', personId: id, at: at('08:05'), cameraId: 'door', crop: null }),
          UTC,
        );
        assert.equal(late.attendance?.firstSeen, at('08:05'));
        assert.equal(late.attendance.firstCameraId, 'door');
        assert.equal(late.attendance.lastSeen, at('17:30'));
        assert.equal(late.attendance.lastCameraId, 'exit');
        assert.equal(late.attendance.nodeId, 'node-b');
        assert.equal(late.attendance.eventCount, 3);
        assert.equal(late.attendance.visits?.length, 3, 'hours apart: three visits');
        assert.deepEqual(late.attendance.cameras, {
          door: { firstSeen: at('08:05'), lastSeen: at('08:05') },
          hall: { firstSeen: at('12:00'), lastSeen: at('12:00') },
          exit: { firstSeen: at('17:30'), lastSeen: at('17:30') },
        });
        assert.deepEqual(await store.getAttendance(id, '2025-03-10'), late.attendance);
        assert.equal(await store.getAttendance(id, '2025-03-11'), null);
        assert.equal(
          (await store.listEvents({ personId: id })).items.length,
          3,
          'every event is in the audit trail',
        );
      });

      it('is idempotent per event id under repeated and concurrent delivery', async () => {
        const id = await person('Ada');
        const events = [0, 1, 2].map((i) =>
          makeEvent({ personId: id, at: `2025-03-10T${String(8 + i).padStart(2, '0')}:00:00.000Z` }),
        );
        const deliveries = [...events, ...events, ...events].flatMap((e) => [e, e]);
        const results = await Promise.all(deliveries.map((e) => store.recordAttendance(e, UTC)));
        assert.equal(results.filter((r) => r.inserted).length, 3, 'each event counted once');
        for (const e of events) {
          assert.equal(await store.recordAttendance(e, UTC).then((r) => r.inserted), false);
          assert.equal(await store.insertEventOnce(e), false);
        }
        const record = await store.getAttendance(id, '2025-03-10');
        assert.equal(record?.eventCount, 3);
        assert.equal(record.firstSeen, '2025-03-10T08:00:00.000Z');
        assert.equal(record.lastSeen, '2025-03-10T10:00:00.000Z');
        const repeated = results.find((r) => !r.inserted);
        assert.ok(repeated?.attendance, 'a repeated delivery still reports the record');
        assert.equal((await store.listEvents()).items.length, 3);
      });

      it('counts every sighting, and sightings closer than the cooldown as one visit', async () => {
        const id = await person('Ada');
        const rules = { timeZone: 'UTC', cooldownS: 60 };
        for (const at of ['08:00:00', '08:00:10', '08:00:20', '08:05:00'])
          await store.recordAttendance(makeEvent({ personId: id, at: `2025-03-10T${at}.000Z` }), rules);
        const record = await store.getAttendance(id, '2025-03-10');
        assert.equal(record?.eventCount, 4);
        assert.deepEqual(record.visits, [
          { from: '2025-03-10T08:00:00.000Z', to: '2025-03-10T08:00:20.000Z' },
          { from: '2025-03-10T08:05:00.000Z', to: '2025-03-10T08:05:00.000Z' },
        ]);
        assert.equal(record.lastSeen, '2025-03-10T08:05:00.000Z');
      });

      it('puts each event on the local day of its time zone', async () => {
        const id = await person('Ada');
        const cases: { zone: string; at: string; day: string }[] = [
          // Berlin, winter (UTC+1): 22:59:59Z is 23:59:59 local, 23:00:00Z is the next day.
          { zone: 'Europe/Berlin', at: '2025-01-14T22:59:59.999Z', day: '2025-01-14' },
          { zone: 'Europe/Berlin', at: '2025-01-14T23:00:00.000Z', day: '2025-01-15' },
          // Berlin, the night clocks go forward (UTC+1 to UTC+2 on 2025-03-30).
          { zone: 'Europe/Berlin', at: '2025-03-30T21:59:59.000Z', day: '2025-03-30' },
          { zone: 'Europe/Berlin', at: '2025-03-30T22:00:00.000Z', day: '2025-03-31' },
          // Los Angeles (UTC-8): a UTC morning is still the previous local day.
          { zone: 'America/Los_Angeles', at: '2025-02-01T07:59:00.000Z', day: '2025-01-31' },
          { zone: 'America/Los_Angeles', at: '2025-02-01T08:00:00.000Z', day: '2025-02-01' },
          // Kiritimati (UTC+14): ahead of UTC by more than half a day.
          { zone: 'Pacific/Kiritimati', at: '2025-06-30T10:00:00.000Z', day: '2025-07-01' },
          // New year and a leap day in UTC.
          { zone: 'UTC', at: '2024-12-31T23:59:59.999Z', day: '2024-12-31' },
          { zone: 'UTC', at: '2025-01-01T00:00:00.000Z', day: '2025-01-01' },
          { zone: 'UTC', at: '2024-02-29T12:00:00.000Z', day: '2024-02-29' },
        ];
        for (const c of cases) {
          const result = await store.recordAttendance(makeEvent({ personId: id, at: c.at }), {
            timeZone: c.zone,
          });
          assert.equal(result.attendance?.day, c.day, `${c.at} in ${c.zone}`);
          assert.equal(result.attendance.eventCount, 1, `${c.at} in ${c.zone} opens its own day`);
        }
        const days = (await store.listAttendance({ from: '2024-01-01', to: '2025-12-31' })).items.map(
          (r) => r.day,
        );
        assert.deepEqual(days, [...new Set(cases.map((c) => c.day))].sort());
      });

      it('lists by day, by range and by person, with paging', async () => {
        const ada = await person('Ada');
        const bob = await person('Bob');
        const mark = (personId: string, at: string) =>
          store.recordAttendance(makeEvent({ personId, at }), UTC);
        await mark(bob, '2025-03-10T07:00:00.000Z');
        await mark(ada, '2025-03-10T09:00:00.000Z');
        await mark(ada, '2025-03-11T09:00:00.000Z');
        await mark(ada, '2025-03-13T09:00:00.000Z');

        const day = await store.listAttendance({ from: '2025-03-10' });
        assert.deepEqual(
          day.items.map((r) => r.personName),
          ['Bob', 'Ada'],
          'by check-in',
        );
        const range = await store.listAttendance({ from: '2025-03-10', to: '2025-03-12' });
        assert.deepEqual(
          range.items.map((r) => `${r.day} ${r.personName}`),
          ['2025-03-10 Bob', '2025-03-10 Ada', '2025-03-11 Ada'],
        );
        const adas = await store.listAttendance({ from: '2025-03-01', to: '2025-03-31', personId: ada });
        assert.deepEqual(
          adas.items.map((r) => r.day),
          ['2025-03-10', '2025-03-11', '2025-03-13'],
        );
        const page = await store.listAttendance({
          from: '2025-03-01',
          to: '2025-03-31',
          limit: 2,
          offset: 2,
        });
        assert.deepEqual(
          page.items.map((r) => r.day),
          ['2025-03-11', '2025-03-13'],
        );
        assert.equal(page.nextOffset, null);
        assert.equal((await store.listAttendance({ from: '2025-03-12' })).items.length, 0);

        for (const query of [
          { from: '2025-3-1' },
          { from: '2025-02-30' },
          { from: '2025-03-10', to: '2025-03-09' },
          { from: 'today' },
        ]) {
          await assert.rejects(
            store.listAttendance(query),
            rejectsWithCode(ErrorCode.StoreInvalid),
            query.from,
          );
        }
        await assert.rejects(store.getAttendance(ada, '10/03/2025'), rejectsWithCode(ErrorCode.StoreInvalid));
      });

      it('refuses unknown-face events, a bad time zone, and leaves nothing behind', async () => {
        const id = await person('Ada');
        await assert.rejects(
          store.recordAttendance(makeEvent({ type: 'unknown', personId: null }), UTC),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        const event = makeEvent({ personId: id });
        await assert.rejects(
          store.recordAttendance(event, { timeZone: 'Mars/Olympus' }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        assert.equal(await store.getEvent(event.id), null);
        assert.equal((await store.listAttendance({ from: '2025-03-10' })).items.length, 0);
      });

      it('records manual corrections with who, when, why and what changed', async () => {
        const ada = await person('Ada');
        const bob = await person('Bob');
        await store.recordAttendance(makeEvent({ personId: ada, at: '2025-03-10T08:00:00.000Z' }), UTC);

        const fixed = await store.correctAttendance({
          personId: ada,
          day: '2025-03-10',
          by: 'admin',
          reason: 'left at 17:00, exit camera was down',
          change: { firstSeen: '2025-03-10T08:00:00.000Z', lastSeen: '2025-03-10T17:00:00.000Z' },
        });
        assert.equal(fixed.by, 'admin');
        assert.equal(fixed.before?.lastSeen, '2025-03-10T08:00:00.000Z');
        assert.equal(fixed.after?.lastSeen, '2025-03-10T17:00:00.000Z');
        assert.equal(fixed.after.corrected, true);
        assert.deepEqual(fixed.after.visits, fixed.before.visits, "a correction keeps the sightings' visits");
        assert.deepEqual(await store.getAttendance(ada, '2025-03-10'), fixed.after);

        const added = await store.correctAttendance({
          personId: bob,
          day: '2025-03-10',
          by: 'admin',
          reason: 'wore a mask all day',
          change: { firstSeen: '2025-03-10T09:00:00.000Z', lastSeen: '2025-03-10T16:00:00.000Z' },
        });
        assert.equal(added.before, null);
        assert.equal(added.after?.personName, 'Bob');
        assert.equal(added.after.firstCameraId, 'manual');
        assert.equal(added.after.eventCount, 0);
        assert.equal(added.after.visits, null, 'a record made by hand has no known time present');
        assert.equal(added.after.cameras, null);

        const removed = await store.correctAttendance({
          personId: bob,
          day: '2025-03-10',
          by: 'admin',
          reason: 'was on leave; a lookalike',
          change: { remove: true },
        });
        assert.equal(removed.after, null);
        assert.equal(await store.getAttendance(bob, '2025-03-10'), null);

        const all = await store.listCorrections();
        assert.deepEqual(
          all.items.map((c) => c.reason),
          ['left at 17:00, exit camera was down', 'wore a mask all day', 'was on leave; a lookalike'],
        );
        assert.equal((await store.listCorrections({ personId: bob })).items.length, 2);
        assert.equal((await store.listCorrections({ from: '2025-03-11' })).items.length, 0);

        // Later events still apply on top of a corrected record.
        const after = await store.recordAttendance(
          makeEvent({ personId: ada, at: '2025-03-10T18:00:00.000Z' }),
          UTC,
        );
        assert.equal(after.attendance?.lastSeen, '2025-03-10T18:00:00.000Z');
        assert.equal(after.attendance.corrected, true);

        const base = { personId: ada, day: '2025-03-10', by: 'admin', reason: 'r' };
        for (const change of [
          { firstSeen: '2025-03-10T17:00:00.000Z', lastSeen: '2025-03-10T08:00:00.000Z' },
          { firstSeen: '2025-06-10T08:00:00.000Z', lastSeen: '2025-06-10T09:00:00.000Z' },
          { firstSeen: 'morning', lastSeen: '2025-03-10T09:00:00.000Z' },
        ]) {
          await assert.rejects(
            store.correctAttendance({ ...base, change }),
            rejectsWithCode(ErrorCode.StoreInvalid),
          );
        }
        await assert.rejects(
          store.correctAttendance({ ...base, reason: '', change: { remove: true } }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        await assert.rejects(
          store.correctAttendance({ ...base, day: '2025-03-12', change: { remove: true } }),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        await assert.rejects(
          store.correctAttendance({
            ...base,
            personId: 'ghost',
            change: { firstSeen: '2025-03-10T08:00:00.000Z', lastSeen: '2025-03-10T09:00:00.000Z' },
          }),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        assert.equal((await store.listCorrections()).items.length, 3, 'refused corrections are not recorded');
      });
    });
  });
}
