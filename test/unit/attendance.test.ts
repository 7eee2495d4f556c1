import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applySighting, localDay, type AttendanceRecord, type Sighting } from '../../src/core/index.js';

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

  it('counts sightings within the cooldown once', () => {
    const record = replay([
      seen('2026-05-04T08:00:00Z'),
      seen('2026-05-04T08:00:10Z'),
      seen('2026-05-04T08:00:20Z'),
    ]);
    assert.equal(record.eventCount, 1);
    assert.equal(record.lastSeen, '2026-05-04T08:00:20.000Z', 'check-out still moves');
  });

  it('leaves a record alone for a sighting of another day or person', () => {
    const record = replay([seen('2026-05-04T08:00:00Z')]);
    assert.equal(applySighting(record, seen('2026-05-05T08:00:00Z'), BERLIN), record);
    assert.equal(applySighting(record, { ...seen('2026-05-04T09:00:00Z'), personId: 'bob' }, BERLIN), record);
  });
});
