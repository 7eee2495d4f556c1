/**
 * The roster on a real SQLite store: a group with two sessions on one scripted day, recognitions
 * stored at chosen times and cameras, and what each member's sessions come to — while the
 * morning runs and after the day.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SESSION_DEFAULTS, type CameraRole, type GroupSession } from '../../src/core/index.js';
import { GroupService, RosterService, type RosterView } from '../../src/services/index.js';
import { createStore, type Store } from '../../src/store/index.js';
import { makeEvent } from './store.contract.js';
import { tempDir } from '../support/temp.js';

const DAY = '2026-11-30'; // a Monday
const ZONE = 'Europe/Berlin'; // UTC+1 in winter
/** `HH:MM` Berlin time on DAY, as an instant. */
const berlin = (time: string): string => {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return new Date(Date.UTC(2026, 10, 30, h - 1, m)).toISOString();
};

const SESSION: GroupSession = {
  ...SESSION_DEFAULTS,
  holidays: [],
  weekdays: ['mon', 'tue'],
  start: '09:00',
  end: '10:30',
};

describe('RosterService on a real store: a scripted day', () => {
  let store: Store;
  let now = berlin('18:00');
  let roles: Record<string, CameraRole> = { door: 'entry', hall: 'exit' };
  let roster: RosterService;
  let groups: GroupService;
  let groupId = '';
  const ids: Record<string, string> = {};

  before(async () => {
    store = await createStore({ dataDir: await tempDir('roster') });
    groups = new GroupService({ store });
    roster = new RosterService({
      store,
      clock: { now: () => Date.parse(now) },
      timeZone: () => ZONE,
      sightingIntervalS: () => 10,
      cameraRoles: () => Promise.resolve(roles),
    });
    for (const name of ['Ana', 'Ben', 'Cai', 'Dev', 'Eli', 'Fay'])
      ids[name] = (await store.createPerson({ name })).person.id;
    const group = await groups.create({ name: 'Class 5E' });
    groupId = group.id;
    await groups.addMembers(groupId, Object.values(ids));
    await groups.addSession(groupId, { ...SESSION, lateGraceMin: 5, earlyExitGraceMin: 10 });
    await groups.addSession(groupId, {
      ...SESSION,
      start: '13:00',
      end: '14:00',
      absentBelowMin: 30,
      checkInWindowMin: 30,
    });
    // A session on Fridays only does not show on a Monday.
    await groups.addSession(groupId, { ...SESSION, weekdays: ['fri'], start: '11:00', end: '12:00' });
    const seen = async (name: string, time: string, cameraId: string): Promise<void> => {
      await store.recordAttendance(
        makeEvent({ type: 'recognized', personId: ids[name] ?? '', cameraId, at: berlin(time) }),
        { timeZone: ZONE, cooldownS: 0 },
      );
    };
    // Morning 09:00–10:30 (late after 09:05, early before 10:20).
    await seen('Ana', '08:50', 'door');
    await seen('Ana', '10:31', 'hall');
    await seen('Ben', '09:12', 'door');
    await seen('Ben', '10:30', 'hall');
    await seen('Cai', '08:58', 'door');
    await seen('Cai', '09:40', 'hall');
    await seen('Dev', '09:30', 'door');
    await seen('Dev', '09:45', 'hall');
    // Eli is never seen in the morning; Fay is excused.
    // Afternoon 13:00–14:00 (check-in from 12:30, absent under 30 minutes).
    await seen('Ana', '12:45', 'door');
    await seen('Ana', '14:05', 'hall');
    await seen('Ben', '13:40', 'door');
    await seen('Ben', '14:00', 'hall');
    await seen('Eli', '12:10', 'door'); // before the check-in window: not an arrival
    await seen('Eli', '13:02', 'door');
    const [morning] = (await groups.get(groupId)).sessions;
    assert.ok(morning);
    await groups.excuse(groupId, morning.id, {
      personId: ids.Fay ?? '',
      day: DAY,
      reason: 'school trip',
      by: 'Ada',
    });
  });

  after(() => store.close());

  const table = (view: RosterView): Record<string, string[]> =>
    Object.fromEntries(
      view.sessions.map((s) => [
        `${s.session.start}–${s.session.end}`,
        s.entries.map((e) => `${e.person.name} ${e.status}`),
      ]),
    );

  it('resolves each member of each session that runs that day to exactly one status', async () => {
    now = berlin('18:00');
    const view = await roster.day(groupId, DAY);
    assert.equal(view.timeZone, ZONE, 'the zone the day and its times are in, for the board');
    assert.deepEqual(table(view), {
      '09:00–10:30': ['Ana present', 'Ben late', 'Cai left-early', 'Dev late', 'Eli absent', 'Fay excused'],
      '13:00–14:00': ['Ana present', 'Ben absent', 'Cai absent', 'Dev absent', 'Eli late', 'Fay absent'],
    });
    const [morning, afternoon] = view.sessions;
    assert.ok(morning && afternoon);
    assert.equal(morning.arrived, 4, 'Ana, Ben, Cai and Dev came');
    assert.deepEqual(morning.counts, {
      expected: 0,
      present: 1,
      late: 2,
      'left-early': 1,
      absent: 1,
      excused: 1,
    });
    const dev = morning.entries.find((e) => e.person.name === 'Dev');
    assert.equal(dev?.leftEarly, true, 'Dev came late and left early: late, with both marks');
    assert.deepEqual(morning.entries.find((e) => e.person.name === 'Fay')?.excuse, {
      reason: 'school trip',
      by: 'Ada',
    });
    // Ben came at 13:40: 20 minutes, under the afternoon's 30.
    assert.equal(afternoon.entries.find((e) => e.person.name === 'Ben')?.minutesPresent, 20);
  });

  it('while the morning runs: arrivals so far, everyone else still expected', async () => {
    now = berlin('09:20');
    const view = await roster.day(groupId);
    assert.equal(view.day, DAY, 'today in the attendance zone');
    assert.deepEqual(table(view)['09:00–10:30'], [
      'Ana present',
      'Ben late',
      'Cai present',
      'Dev expected',
      'Eli expected',
      'Fay excused',
    ]);
    assert.deepEqual(table(view)['13:00–14:00'], [
      'Ana expected',
      'Ben expected',
      'Cai expected',
      'Dev expected',
      'Eli expected',
      'Fay expected',
    ]);
  });

  it('with every camera both ways, departures are the last sightings', async () => {
    now = berlin('18:00');
    roles = {};
    const view = await roster.day(groupId, DAY);
    // Cai: 08:58 then 09:40 — left early either way. Eli, seen once at 13:02 by a camera that
    // sees both ways, left at 13:02: under the afternoon's 30 minutes.
    assert.deepEqual(table(view)['13:00–14:00']?.slice(4), ['Eli absent', 'Fay absent']);
    roles = { door: 'entry', hall: 'exit' };
  });

  it('refuses a session of another group, an excuse for a non-member, and an unknown group', async () => {
    const other = await groups.create({ name: 'Choir' });
    const [mine] = (await groups.get(groupId)).sessions;
    assert.ok(mine);
    await assert.rejects(groups.removeSession(other.id, mine.id), /no session with id .* in this group/);
    const outsider = (await store.createPerson({ name: 'Gus' })).person.id;
    await assert.rejects(
      groups.excuse(groupId, mine.id, { personId: outsider, day: DAY, reason: 'ill', by: 'Ada' }),
      /not a member of this group/,
    );
    await assert.rejects(roster.day('no-such-group', DAY), /no group with id no-such-group/);
  });
});
