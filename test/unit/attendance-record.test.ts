import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  correctRecord,
  ErrorCode,
  isRollcallError,
  MANUAL_SOURCE,
  recordSighting,
  type KeptAttendance,
} from '../../src/core/index.js';

const UTC = { timeZone: 'UTC', cooldownS: 0 };
const sighting = (at: string) => ({ personId: 'ann', at, cameraId: 'door', nodeId: 'node-1' });
const kept: KeptAttendance = {
  personId: 'ann',
  day: '2025-03-10',
  personName: 'Ann (as she was)',
  firstSeen: '2025-03-10T08:00:00.000Z',
  lastSeen: '2025-03-10T09:00:00.000Z',
  firstCameraId: 'hall',
  lastCameraId: 'hall',
  nodeId: 'node-0',
  eventCount: 2,
  visits: [{ from: '2025-03-10T08:00:00.000Z', to: '2025-03-10T08:00:00.000Z' }],
  cameras: { hall: { firstSeen: '2025-03-10T08:00:00.000Z', lastSeen: '2025-03-10T09:00:00.000Z' } },
  corrected: true,
};

function notFound(error: unknown): boolean {
  assert.ok(isRollcallError(error, ErrorCode.StoreNotFound), String(error));
  return true;
}

describe('recordSighting', () => {
  it('starts a record with the person name, not corrected', () => {
    const { record, write } = recordSighting(
      null,
      { personName: 'Ann', newEvent: true },
      sighting('2025-03-10T08:00:00Z'),
      UTC,
    );
    assert.equal(write, true);
    assert.deepEqual(record, {
      personId: 'ann',
      day: '2025-03-10',
      personName: 'Ann',
      firstSeen: '2025-03-10T08:00:00.000Z',
      lastSeen: '2025-03-10T08:00:00.000Z',
      firstCameraId: 'door',
      lastCameraId: 'door',
      nodeId: 'node-1',
      eventCount: 1,
      visits: [{ from: '2025-03-10T08:00:00.000Z', to: '2025-03-10T08:00:00.000Z' }],
      cameras: { door: { firstSeen: '2025-03-10T08:00:00.000Z', lastSeen: '2025-03-10T08:00:00.000Z' } },
      corrected: false,
    });
  });

  it('folds a later sighting in, keeping the name the record was made under and its corrected mark', () => {
    const { record, write } = recordSighting(
      kept,
      { personName: 'Ann Renamed', newEvent: true },
      sighting('2025-03-10T17:00:00Z'),
      UTC,
    );
    assert.equal(write, true);
    assert.ok(record);
    assert.equal(record.lastSeen, '2025-03-10T17:00:00.000Z');
    assert.equal(record.personName, 'Ann (as she was)');
    assert.equal(record.corrected, true);
    assert.equal(record.eventCount, 3);
  });

  it('changes nothing for a redelivered event, or for a person who was deleted', () => {
    const event = sighting('2025-03-10T17:00:00Z');
    assert.deepEqual(recordSighting(kept, { personName: 'Ann', newEvent: false }, event, UTC), {
      record: kept,
      write: false,
    });
    assert.deepEqual(recordSighting(kept, { personName: null, newEvent: true }, event, UTC), {
      record: null,
      write: false,
    });
  });
});

describe('correctRecord', () => {
  const target = { personId: 'ann', day: '2025-03-10', personName: 'Ann' };
  const times = { firstSeen: '2025-03-10T07:30:00.000Z', lastSeen: '2025-03-10T18:00:00.000Z' };

  it('moves the times of a record, keeping its cameras, count and visits, and marks it corrected', () => {
    assert.deepEqual(correctRecord({ ...kept, corrected: false }, times, target), {
      ...kept,
      ...times,
      corrected: true,
    });
  });

  it('makes a record by hand where there was none, naming no camera or node', () => {
    assert.deepEqual(correctRecord(null, times, target), {
      personId: 'ann',
      day: '2025-03-10',
      personName: 'Ann',
      ...times,
      firstCameraId: MANUAL_SOURCE,
      lastCameraId: MANUAL_SOURCE,
      nodeId: MANUAL_SOURCE,
      eventCount: 0,
      visits: null,
      cameras: null,
      corrected: true,
    });
    assert.throws(() => correctRecord(null, times, { ...target, personName: null }), notFound);
  });

  it('removes a record, and refuses to remove one that does not exist', () => {
    assert.equal(correctRecord(kept, null, target), null);
    assert.throws(() => correctRecord(null, null, target), notFound);
  });
});
