/**
 * The attendance columns through a real web node (HTTP, SQLite, Redis): recognition events go in
 * through the web node's own ingest (`AttendanceService`), and `GET /api/v1/attendance` and the
 * CSV say what a user would read — every sighting counted, one visit for a person in view the
 * whole time, the time present, "in view" until they leave, and check-in and check-out by the
 * cameras' entry and exit tags.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AttendanceRecordView } from '../../src/services/index.js';
import { AttendanceService } from '../../src/services/index.js';
import { startApiWebNode, type ApiWebNode } from '../support/api-web-node.js';
import { makeEvent } from './store.contract.js';

const SECOND = 1000;

describe('attendance columns through the web node', () => {
  let node: ApiWebNode;
  let ingest: AttendanceService;
  let ids: Record<'still' | 'gone' | 'door', string>;
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();

  before(async () => {
    node = await startApiWebNode('attendance-columns');
    // The web node's own rules: the attendance zone is UTC in these settings, the cooldown 60 s.
    ingest = new AttendanceService({ store: node.store, rules: { timeZone: 'UTC' } });
    const person = async (name: string) => (await node.store.createPerson({ name })).person.id;
    ids = {
      still: await person('Still Here'),
      gone: await person('Gone Home'),
      door: await person('Door User'),
    };
  });

  after(() => node.close());

  async function seen(personId: string, atMs: number, cameraId = 'room'): Promise<void> {
    const outcome = await ingest.ingest(
      makeEvent({ type: 'sighting', personId, cameraId, at: iso(atMs), crop: null }),
    );
    assert.equal(outcome.stored, true);
  }

  async function today(): Promise<{ timeZone: string; records: Map<string, AttendanceRecordView> }> {
    const { status, json } = await node.call('viewer', 'GET', '/attendance');
    assert.equal(status, 200);
    const records = json.records as AttendanceRecordView[];
    return { timeZone: json.timeZone as string, records: new Map(records.map((r) => [r.person.name, r])) };
  }

  it('counts 60 sightings 10 s apart as one visit of 9 min 50 s, in view until the person leaves', async () => {
    // In view for the last ten minutes, re-reported every 10 s (sent in reverse: a replayed outbox).
    for (let i = 59; i >= 0; i--) await seen(ids.still, now - 595 * SECOND + i * 10 * SECOND);
    // Seen for five minutes this morning, then again for a minute after a break; gone since.
    for (let i = 0; i < 30; i++) await seen(ids.gone, now - 3600 * SECOND + i * 10 * SECOND);
    for (let i = 0; i < 7; i++) await seen(ids.gone, now - 1200 * SECOND + i * 10 * SECOND);

    const { timeZone, records } = await today();
    assert.equal(timeZone, 'UTC');
    const still = records.get('Still Here');
    assert.ok(still);
    assert.deepEqual(
      [still.sightings, still.visits, still.timePresentS, still.inView, still.checkOut],
      [60, 1, 590, true, null],
      'in view: counted right, and no check-out yet',
    );
    assert.equal(still.lastSeen, iso(now - 5 * SECOND));
    const gone = records.get('Gone Home');
    assert.ok(gone);
    assert.deepEqual([gone.sightings, gone.visits, gone.timePresentS, gone.inView], [37, 2, 290 + 60, false]);
    assert.equal(gone.checkIn, iso(now - 3600 * SECOND));
    assert.equal(gone.checkOut, gone.lastSeen, 'untagged cameras: check-out is the last sighting once gone');
  });

  it('follows entry and exit cameras once they are tagged', async () => {
    await seen(ids.door, now - 7200 * SECOND, 'gate-out');
    await seen(ids.door, now - 7000 * SECOND, 'gate-in');
    await seen(ids.door, now - 6900 * SECOND, 'room');
    await seen(ids.door, now - 1800 * SECOND, 'gate-out');
    // Untagged, the first sighting (at the exit) is the check-in.
    assert.equal((await today()).records.get('Door User')?.checkIn, iso(now - 7200 * SECOND));

    for (const [camera, role] of [
      ['gate-in', 'entry'],
      ['gate-out', 'exit'],
    ] as const) {
      assert.equal((await node.call('admin', 'PUT', `/cameras/${camera}/role`, { role })).status, 200);
    }
    const door = (await today()).records.get('Door User');
    assert.ok(door);
    assert.deepEqual(
      [door.checkIn, door.checkInCamera, door.checkOut, door.checkOutCamera],
      [iso(now - 7000 * SECOND), 'gate-in', iso(now - 1800 * SECOND), 'gate-out'],
    );
    assert.equal(door.firstSeen, iso(now - 7200 * SECOND), 'first seen stays the first sighting');

    // Back in through the entry: no check-out until they leave again.
    await seen(ids.door, now - 60 * SECOND, 'gate-in');
    assert.equal((await today()).records.get('Door User')?.checkOut, null);
  });

  it('exports the columns with times on the zone clock, its offset and the zone named', async () => {
    const day = iso(now).slice(0, 10);
    const res = await fetch(`${node.base}/api/v1/attendance.csv?from=${day}&to=${day}`, {
      headers: { authorization: `Bearer ${node.tokens.viewer}` },
    });
    assert.equal(res.status, 200);
    const lines = (await res.text()).replace(/^\uFEFF/, '').split('\r\n');
    const header = lines[0]?.split(',') ?? [];
    assert.deepEqual(header.slice(-8), [
      'in_view',
      'check_in',
      'check_in_camera',
      'check_out',
      'check_out_camera',
      'visits',
      'time_present_s',
      'time_zone',
    ]);
    const still = lines.find((line) => line.includes(',Still Here,'))?.split(',') ?? [];
    const cell = (name: string) => still[header.indexOf(name)];
    assert.match(cell('first_seen') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    assert.deepEqual(
      ['sightings', 'in_view', 'check_out', 'visits', 'time_present_s', 'time_zone'].map(cell),
      ['60', 'yes', '', '1', '590', 'UTC'],
    );
  });

  it('answers a bad day with a clear 400 and keeps serving', async () => {
    const bad = await node.call('viewer', 'GET', '/attendance?date=2026-02-30');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 'REQUEST_INVALID');
    assert.equal((await node.call('viewer', 'GET', '/attendance')).status, 200);
  });
});
