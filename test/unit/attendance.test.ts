import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addToVisits,
  applySighting,
  localDay,
  MAX_VISITS,
  readRecord,
  timePresentMs,
  type AttendanceRecord,
  type Sighting,
} from '../../src/core/index.js';

const BERLIN = { timeZone: 'Europe/Berlin', cooldownS: 60 };

function seen(at: string, cameraId = 'door'): Sighting {
  return { personId: 'ann', at, cameraId, nodeId: 'node-1' };
}

function replay(sightings: Sighting[], rules = BERLIN): AttendanceRecord {
  let record: AttendanceRecord | undefined;
  for (const sighting of sightings) record = applySighting(record, sighting, rules);
  assert.ok(record, 'at least one sighting');
  return record;
}

describe('localDay', () => {
  it('decides the day in the site time zone, not in UTC', () => {
    assert.equal(localDay('2026-03-01T23:30:00Z', 'Europe/Berlin'), '2026-03-02');
    assert.equal(localDay('2026-03-01T23:30:00Z', 'UTC'), '2026-03-01');
    assert.equal(localDay('2026-03-02T03:00:00Z', 'America/Los_Angeles'), '2026-03-01');
  });

  it('follows daylight saving changes', () => {
    // Berlin switches to summer time at 01:00 UTC on 29 March 2026.
    assert.equal(localDay('2026-03-28T23:30:00Z', 'Europe/Berlin'), '2026-03-29');
    assert.equal(localDay('2026-10-24T22:30:00Z', 'Europe/Berlin'), '2026-10-25');
  });

  it('refuses a time that is not one', () => {
    assert.throws(() => localDay('yesterday', 'UTC'), /not a valid time/);
  });
});

describe('applySighting', () => {
  it('starts a record at the first sighting: check-in and check-out alike', () => {
    const record = replay([seen('2026-05-04T07:55:00Z')]);
    assert.deepEqual(record, {
      personId: 'ann',
      day: '2026-05-04',
      firstSeen: '2026-05-04T07:55:00.000Z',
      lastSeen: '2026-05-04T07:55:00.000Z',
      firstCameraId: 'door',
      lastCameraId: 'door',
      nodeId: 'node-1',
      eventCount: 1,
      visits: [{ from: '2026-05-04T07:55:00.000Z', to: '2026-05-04T07:55:00.000Z' }],
      cameras: { door: { firstSeen: '2026-05-04T07:55:00.000Z', lastSeen: '2026-05-04T07:55:00.000Z' } },
    });
  });

  it('keeps the earliest check-in and the latest check-out whatever the arrival order', () => {
    const inOrder = replay([
      seen('2026-05-04T07:55:00Z'),
      seen('2026-05-04T12:00:00Z', 'hall'),
      seen('2026-05-04T15:30:00Z', 'exit'),
    ]);
    const shuffled = replay([
      seen('2026-05-04T12:00:00Z', 'hall'),
      seen('2026-05-04T15:30:00Z', 'exit'),
      seen('2026-05-04T07:55:00Z'),
    ]);
    assert.deepEqual(shuffled, inOrder);
    assert.equal(inOrder.firstSeen, '2026-05-04T07:55:00.000Z');
    assert.equal(inOrder.lastSeen, '2026-05-04T15:30:00.000Z');
    assert.equal(inOrder.lastCameraId, 'exit');
    assert.equal(inOrder.eventCount, 3);
  });

  it('counts every sighting, and a person in view for ten minutes as one visit of that length', () => {
    // In view from 08:00:00, re-reported every 10 s: 60 sightings, the last at 08:09:50.
    const sightings = Array.from({ length: 60 }, (_, i) =>
      seen(new Date(Date.parse('2026-05-04T08:00:00Z') + i * 10_000).toISOString()),
    );
    const record = replay(sightings);
    assert.equal(record.eventCount, 60);
    assert.equal(record.visits?.length, 1);
    assert.equal(timePresentMs(record.visits), 590_000);
    assert.equal(record.lastSeen, '2026-05-04T08:09:50.000Z', 'last seen moves with every sighting');
  });

  it('starts a new visit after a gap of the cooldown or more, and counts only the time in view', () => {
    const record = replay([
      seen('2026-05-04T08:00:00Z'),
      seen('2026-05-04T08:00:50Z'),
      // 60 s later: a gap of exactly the cooldown ends the visit.
      seen('2026-05-04T08:01:50Z'),
      seen('2026-05-04T08:02:30Z'),
      // Lunch: away for an hour.
      seen('2026-05-04T09:02:30Z'),
    ]);
    assert.deepEqual(record.visits, [
      { from: '2026-05-04T08:00:00.000Z', to: '2026-05-04T08:00:50.000Z' },
      { from: '2026-05-04T08:01:50.000Z', to: '2026-05-04T08:02:30.000Z' },
      { from: '2026-05-04T09:02:30.000Z', to: '2026-05-04T09:02:30.000Z' },
    ]);
    assert.equal(timePresentMs(record.visits), 90_000);
    assert.equal(record.eventCount, 5);
  });

  it('comes to the same visits whatever order the sightings arrive in', () => {
    const times = [0, 10, 20, 30, 200, 210, 220, 500, 540, 570, 575, 1000].map((s) =>
      seen(new Date(Date.parse('2026-05-04T08:00:00Z') + s * 1000).toISOString(), s < 300 ? 'door' : 'hall'),
    );
    const inOrder = replay(times);
    // A fixed shuffle, and the reverse: the late ones bridge visits that first looked apart.
    const order = [7, 2, 11, 0, 9, 4, 1, 10, 5, 3, 8, 6];
    const shuffled = replay(order.map((i) => times[i] as Sighting));
    const reversed = replay([...times].reverse());
    assert.deepEqual(shuffled, inOrder);
    assert.deepEqual(reversed, inOrder);
    assert.deepEqual(
      inOrder.visits?.map((v) => [v.from.slice(11, 19), v.to.slice(11, 19)]),
      [
        ['08:00:00', '08:00:30'],
        ['08:03:20', '08:03:40'],
        ['08:08:20', '08:09:35'],
        ['08:16:40', '08:16:40'],
      ],
    );
    assert.deepEqual(inOrder.cameras, {
      door: { firstSeen: '2026-05-04T08:00:00.000Z', lastSeen: '2026-05-04T08:03:40.000Z' },
      hall: { firstSeen: '2026-05-04T08:08:20.000Z', lastSeen: '2026-05-04T08:16:40.000Z' },
    });
  });

  it('joins two visits when a late sighting falls in the gap between them', () => {
    const apart = addToVisits(
      [
        { from: '2026-05-04T08:00:00.000Z', to: '2026-05-04T08:01:00.000Z' },
        { from: '2026-05-04T08:02:30.000Z', to: '2026-05-04T08:03:00.000Z' },
      ],
      '2026-05-04T08:01:45.000Z',
      60_000,
    );
    assert.deepEqual(apart, [{ from: '2026-05-04T08:00:00.000Z', to: '2026-05-04T08:03:00.000Z' }]);
  });

  it(`keeps at most ${MAX_VISITS} visits, joining the closest`, () => {
    let visits = addToVisits([], '2026-05-04T00:00:00.000Z', 60_000);
    for (let i = 1; i <= MAX_VISITS; i++) {
      // Every visit 2 min apart, except one pair only 61 s apart: that pair is joined.
      const at = Date.parse('2026-05-04T00:00:00Z') + i * 120_000 + (i === 100 ? -59_000 : 0);
      visits = addToVisits(visits, new Date(at).toISOString(), 60_000);
    }
    assert.equal(visits.length, MAX_VISITS);
    assert.equal(timePresentMs(visits), 61_000);
  });

  it('keeps a record from before visits were without them: its time present stays unknown', () => {
    const old: AttendanceRecord = { ...replay([seen('2026-05-04T08:00:00Z')]), visits: null, cameras: null };
    const next = applySighting(old, seen('2026-05-04T08:00:10Z'), BERLIN);
    assert.equal(next.visits, null);
    assert.equal(timePresentMs(next.visits), null);
    assert.equal(next.eventCount, 2);
  });

  it('leaves a record alone for a sighting of another day or person', () => {
    const record = replay([seen('2026-05-04T08:00:00Z')]);
    assert.equal(applySighting(record, seen('2026-05-05T08:00:00Z'), BERLIN), record);
    assert.equal(applySighting(record, { ...seen('2026-05-04T09:00:00Z'), personId: 'bob' }, BERLIN), record);
  });
});

describe('readRecord', () => {
  const at = (hms: string) => `2026-05-04T${hms}.000Z`;
  const now = (hms: string) => ({ nowMs: Date.parse(at(hms)), inViewMs: 25_000 });
  const day = replay([
    seen('2026-05-04T07:58:00Z', 'gate-in'),
    seen('2026-05-04T08:00:00Z', 'room'),
    seen('2026-05-04T16:00:00Z', 'room'),
    seen('2026-05-04T16:02:00Z', 'gate-out'),
  ]);

  it('with untagged cameras: check-in is first seen, check-out last seen once out of view', () => {
    assert.deepEqual(readRecord(day, {}, now('16:02:10')), {
      inView: true,
      checkIn: { at: at('07:58:00'), cameraId: 'gate-in' },
      checkOut: null,
    });
    assert.deepEqual(readRecord(day, {}, now('16:02:30')), {
      inView: false,
      checkIn: { at: at('07:58:00'), cameraId: 'gate-in' },
      checkOut: { at: at('16:02:00'), cameraId: 'gate-out' },
    });
  });

  it('follows entry and exit cameras', () => {
    const roles = { 'gate-in': 'entry', 'gate-out': 'exit' } as const;
    const read = readRecord(day, roles, now('18:00:00'));
    assert.deepEqual(read.checkIn, { at: at('07:58:00'), cameraId: 'gate-in' });
    assert.deepEqual(read.checkOut, { at: at('16:02:00'), cameraId: 'gate-out' });
    // Only an exit camera saw them leave; the room camera is a door camera that sees arrivals.
    const doorOnly = readRecord(
      day,
      { room: 'entry', 'gate-in': 'entry', 'gate-out': 'entry' },
      now('18:00:00'),
    );
    assert.equal(doorOnly.checkOut, null, 'no camera sees people leave');
    const exitsOnly = readRecord(day, { 'gate-in': 'exit', room: 'exit' }, now('18:00:00'));
    assert.deepEqual(exitsOnly.checkIn, { at: at('16:02:00'), cameraId: 'gate-out' });
  });

  it('has no check-out when the person came back in after leaving', () => {
    const back = applySighting(day, seen('2026-05-04T17:00:00Z', 'gate-in'), BERLIN);
    const roles = { 'gate-in': 'entry', 'gate-out': 'exit' } as const;
    assert.equal(readRecord(back, roles, now('18:00:00')).checkOut, null);
  });

  it('is not in view for a last seen set by hand later in the day', () => {
    const corrected = { ...day, lastSeen: at('17:00:00'), corrected: true };
    const read = readRecord(corrected, {}, now('16:02:10'));
    assert.equal(read.inView, false);
    assert.equal(read.checkOut?.at, at('17:00:00'));
  });

  it('reads a corrected record by its own times', () => {
    const corrected = { ...day, firstSeen: at('07:30:00'), lastSeen: at('17:00:00'), corrected: true };
    const read = readRecord(corrected, { 'gate-in': 'entry', 'gate-out': 'exit' }, now('18:00:00'));
    assert.equal(read.checkIn?.at, at('07:30:00'));
    assert.equal(read.checkOut?.at, at('17:00:00'));
  });
});
