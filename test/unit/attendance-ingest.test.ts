/** Events into attendance: the time each counts at, and what the web node says when it cannot store them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RollcallError, type RecognitionEvent } from '../../src/core/index.js';
import { AttendanceService, HealthService } from '../../src/services/index.js';
import { stoppedClock } from '../../src/shared/index.js';
import type { ReceivedEvent, Store } from '../../src/store/index.js';
import { sampleEvent } from '../support/outbox-child.js';

const NOW = Date.parse('2026-11-30T09:00:00.000Z');
const MINUTE = 60_000;

/** A store that records what it was handed, and fails while `failWith` is set. */
function fakeStore(): { store: Store; received: ReceivedEvent[]; failWith: Error | undefined } {
  const fake = {
    received: [] as ReceivedEvent[],
    failWith: undefined as Error | undefined,
    store: undefined as unknown as Store,
  };
  const record = (event: ReceivedEvent): Promise<{ inserted: boolean }> => {
    if (fake.failWith !== undefined) return Promise.reject(fake.failWith);
    fake.received.push(event);
    return Promise.resolve({ inserted: true });
  };
  fake.store = {
    recordAttendance: (event: ReceivedEvent) => record(event),
    recordUnknownFace: (event: ReceivedEvent) => record(event),
    getGalleryVersion: () => Promise.resolve(1),
  } as unknown as Store;
  return fake;
}

function event(at: number, type: RecognitionEvent['type'] = 'recognized'): RecognitionEvent {
  const base = sampleEvent(1);
  return {
    ...base,
    type,
    personId: type === 'unknown' ? null : 'p1',
    at: new Date(at).toISOString(),
  };
}

describe('AttendanceService: when an event counts', () => {
  it("stores a sound clock's event as the node sent it", async () => {
    const fake = fakeStore();
    const service = new AttendanceService({
      store: fake.store,
      rules: { timeZone: 'UTC' },
      clock: stoppedClock(NOW),
    });
    const sent = event(NOW - 2000);
    await service.ingest(sent, { clockSkewMs: 150 });
    await service.ingest(sent);
    assert.deepEqual(fake.received, [sent, sent]);
  });

  it("counts a skewed node's event at its corrected time and keeps the node's reading", async () => {
    const fake = fakeStore();
    const service = new AttendanceService({
      store: fake.store,
      rules: { timeZone: 'UTC' },
      clock: stoppedClock(NOW),
    });
    // 10 minutes ahead, seen 3 hours ago (an outbox replay after a partition).
    const seen = NOW - 3 * 60 * MINUTE;
    const sent = event(seen + 10 * MINUTE, 'unknown');
    await service.ingest(sent, { clockSkewMs: 10 * MINUTE });
    assert.deepEqual(fake.received, [
      { ...sent, at: new Date(seen).toISOString(), nodeAt: new Date(seen + 10 * MINUTE).toISOString() },
    ]);
  });
});

describe('AttendanceService: events it cannot store', () => {
  it('rejects (so the event is not acknowledged), says since when, and clears once one is stored', async () => {
    const fake = fakeStore();
    let now = NOW;
    const service = new AttendanceService({
      store: fake.store,
      rules: { timeZone: 'UTC' },
      clock: { now: () => now },
    });
    const health = new HealthService({ store: fake.store, ingestFailure: () => service.failing });
    assert.equal(health.problem(), undefined);
    const full = new RollcallError(ErrorCode.DiskFull, 'the disk holding the database is full');
    fake.failWith = full;
    await assert.rejects(service.ingest(event(NOW)), full);
    now += 5000;
    await assert.rejects(service.ingest(event(NOW)), full);
    assert.deepEqual(service.failing, { since: new Date(NOW).toISOString(), error: full, failures: 2 });
    assert.deepEqual(health.problem(), {
      code: ErrorCode.DiskFull,
      message:
        'recognition events cannot be stored since 2026-11-30T09:00:00.000Z (2 deliveries refused; ' +
        'the nodes keep them and send them again): the disk holding the database is full',
    });

    fake.failWith = undefined;
    assert.deepEqual(await service.ingest(event(NOW)), { stored: true });
    assert.equal(service.failing, undefined);
    assert.equal(health.problem(), undefined);
  });

  it('acknowledges an event that can never be stored, without calling the store failing', async () => {
    const fake = fakeStore();
    const service = new AttendanceService({ store: fake.store, rules: { timeZone: 'UTC' } });
    fake.failWith = new RollcallError(ErrorCode.StoreInvalid, 'event at must be a time');
    assert.deepEqual(await service.ingest(event(NOW)), { stored: false, refused: 'event at must be a time' });
    assert.equal(service.failing, undefined);
  });
});
