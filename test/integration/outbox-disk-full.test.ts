/**
 * The outbox on a disk that really fills up (a small tmpfs): writes that fail with ENOSPC are held
 * in memory and written once space returns, the journal never holds a torn record, events beyond
 * the memory hold are refused with DISK_FULL and counted, and a journal that filled the disk by
 * itself frees it once everything on it is acknowledged.
 */
import assert from 'node:assert/strict';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ErrorCode, isRollcallError } from '../../src/core/index.js';
import {
  EventOutbox,
  JOURNAL_FILE,
  type DiskFullState,
  type EventOutboxOptions,
} from '../../src/recognition/outbox/index.js';
import { parseRecord } from '../../src/recognition/outbox/journal.js';
import { sampleEvent } from '../support/outbox-child.js';
import { fillDisk, freeDisk, mountTmpfs } from '../support/tmpfs.js';
import { untilTrue } from '../support/wait.js';

async function tmpfsOr(t: TestContext, sizeBytes: number): Promise<string | undefined> {
  const tmpfs = await mountTmpfs('outbox', sizeBytes);
  if (typeof tmpfs === 'string') {
    t.skip(tmpfs);
    return undefined;
  }
  t.after(() => tmpfs.unmount());
  return tmpfs.dir;
}

/**
 * Every line of the journal is a whole record. With `whileWriting`, the file may end in the part of
 * a retry that is being written right now (it is cut if the retry fails, and a crash would leave it
 * for the next open to cut, like any torn write).
 */
async function assertJournalWhole(dir: string, whileWriting = false): Promise<number> {
  const text = await readFile(path.join(dir, JOURNAL_FILE));
  if (!whileWriting) assert.equal(text.at(-1), 0x0a, 'the journal ends on a whole record');
  const lines = text.toString('utf8').split('\n').slice(0, -1);
  for (const [i, line] of lines.entries()) {
    assert.ok(parseRecord(Buffer.from(line)) !== undefined, `journal line ${i + 1} is a whole record`);
  }
  return lines.length;
}

function settle(promise: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const outcome: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  promise.then(
    () => (outcome.state = 'resolved'),
    (error: unknown) => {
      outcome.state = 'rejected';
      outcome.error = error;
    },
  );
  return outcome;
}

/** Read through a function: the state changes under awaits, which narrowing ignores. */
function stateOf(outbox: EventOutbox): DiskFullState | undefined {
  return outbox.diskFull;
}

const options = (dir: string, more: Partial<EventOutboxOptions> = {}): EventOutboxOptions => ({
  dir: path.join(dir, 'outbox'),
  diskFullRetryMs: 50,
  ...more,
});

describe('EventOutbox on a full disk', () => {
  it('holds events in memory while the disk is full, drops beyond the hold, writes the rest once space returns', async (t) => {
    const mount = await tmpfsOr(t, 512 * 1024);
    if (mount === undefined) return;
    const outbox = await EventOutbox.open(options(mount, { maxHeldEvents: 20 }));
    const full: unknown[] = [];
    const returned: unknown[] = [];
    outbox.on('diskFull', (state) => full.push(state));
    outbox.on('spaceReturned', (info) => returned.push(info));
    await outbox.append(sampleEvent(0, 2000));
    await fillDisk(mount);

    // Appends find no room: held, not durable, not pending to send. (Slack in the journal's last
    // page may take a few before the disk refuses.)
    const outcomes: ReturnType<typeof settle>[] = [];
    while (outbox.diskFull === undefined) {
      const outcome = settle(outbox.append(sampleEvent(outcomes.length + 1, 2000)));
      outcomes.push(outcome);
      await untilTrue(
        'the append done or held',
        () => outcome.state !== 'pending' || outbox.diskFull !== undefined,
      );
    }
    const resolvedWhileFull = outcomes.filter((o) => o.state === 'resolved').length;
    // The hold is full at 20 events: the rest of a burst of 30 is refused at once.
    for (let i = 0; i < 30; i++) outcomes.push(settle(outbox.append(sampleEvent(outcomes.length + 1, 2000))));
    await new Promise((resolve) => setImmediate(resolve));
    const refused = outcomes.filter((o) => o.state === 'rejected');
    const held = outcomes.filter((o) => o.state === 'pending').length;
    assert.equal(held, 20);
    assert.equal(refused.length, outcomes.length - resolvedWhileFull - 20);
    for (const o of refused) assert.ok(isRollcallError(o.error, ErrorCode.DiskFull), String(o.error));
    assert.equal(outbox.droppedEvents, refused.length);
    assert.equal(stateOf(outbox)?.heldEvents, held);
    assert.ok(outbox.writeFailures >= 1);
    assert.equal(full.length, 1, 'diskFull is told once');
    assert.ok(isRollcallError(stateOf(outbox)?.error, ErrorCode.DiskFull));
    assert.equal(outbox.pendingIds().length, 1 + resolvedWhileFull, 'held events are not sent yet');
    assert.equal(await assertJournalWhole(outbox.dir, true), 2 + resolvedWhileFull);

    // An acknowledgement while full waits in memory too.
    const ack = settle(outbox.ack(['ev-000000']).then(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(ack.state, 'pending');

    await freeDisk(mount);
    await untilTrue('held events written', () => outcomes.every((o) => o.state !== 'pending'), 5000);
    assert.equal(ack.state, 'resolved');
    assert.equal(outbox.diskFull, undefined);
    assert.equal(returned.length, 1);
    const accepted = outcomes.filter((o) => o.state === 'resolved').length;
    assert.equal(accepted, resolvedWhileFull + held);
    assert.equal(outbox.depth, accepted);
    await outbox.close();

    const reopened = await EventOutbox.open(options(mount));
    t.after(() => reopened.close());
    assert.equal(reopened.recovery.truncatedBytes, 0);
    assert.equal(reopened.recovery.corruptRecords, 0);
    assert.equal(reopened.depth, accepted, 'every accepted event is on disk, the acknowledged one gone');
    await assertJournalWhole(reopened.dir);
  });

  it('writes what fits when some space returns, piece by piece, and holds the rest', async (t) => {
    const mount = await tmpfsOr(t, 2 * 1024 * 1024);
    if (mount === undefined) return;
    const outbox = await EventOutbox.open(options(mount));
    t.after(() => outbox.close());
    await outbox.append(sampleEvent(0, 100));
    await writeFile(path.join(mount, 'some.bin'), Buffer.alloc(600 * 1024));
    await fillDisk(mount);
    // About 1.2 MB held: more than the 600 kB that will come back, in pieces of about 256 kB.
    const outcomes = Array.from({ length: 400 }, (_, i) => settle(outbox.append(sampleEvent(i + 1, 2200))));
    await untilTrue('full', () => outbox.diskFull !== undefined, 5000);
    assert.equal(stateOf(outbox)?.heldEvents, 400);

    await unlink(path.join(mount, 'some.bin'));
    await untilTrue('some written', () => outcomes.some((o) => o.state === 'resolved'), 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const written = outcomes.filter((o) => o.state === 'resolved').length;
    assert.ok(written >= 100 && written < 400, `${written} written with 600 kB back`);
    assert.equal(stateOf(outbox)?.heldEvents, 400 - written, 'the rest still held');
    assert.equal(outbox.pendingIds().length, 1 + written, 'what was written can be sent');
    assert.ok(
      outcomes.slice(0, written).every((o) => o.state === 'resolved'),
      'oldest first',
    );

    await freeDisk(mount);
    await untilTrue('all written', () => outcomes.every((o) => o.state === 'resolved'), 5000);
    assert.equal(outbox.diskFull, undefined);
    assert.equal(outbox.pendingIds().length, 401);
    await assertJournalWhole(outbox.dir);
  });

  it('frees a disk its own journal filled once every event on it is acknowledged', async (t) => {
    const mount = await tmpfsOr(t, 256 * 1024);
    if (mount === undefined) return;
    const outbox = await EventOutbox.open(options(mount, { compactMinAcked: Number.MAX_SAFE_INTEGER }));
    t.after(() => outbox.close());
    const accepted: string[] = [];
    const held: Promise<void>[] = [];
    // One at a time until the disk refuses: the last one is then held.
    for (let i = 0; ; i++) {
      const event = sampleEvent(i, 4000);
      const appended = outbox.append(event);
      const outcome = settle(appended);
      await untilTrue(
        'the append done or held',
        () => outcome.state !== 'pending' || outbox.diskFull !== undefined,
      );
      if (outcome.state !== 'resolved') {
        held.push(appended);
        break;
      }
      accepted.push(event.id);
    }
    for (let i = 0; i < 3; i++) held.push(outbox.append(sampleEvent(10_000 + i, 0, 'late')));
    assert.ok(accepted.length > 10, `${accepted.length} events filled the disk`);
    // A web node takes everything on disk: the acknowledgements cannot be written either, but once
    // nothing on disk is pending, the journal is cut in place and the held records fit.
    const acked = outbox.ack(outbox.pendingIds());
    await Promise.all([acked, ...held]);
    assert.equal(outbox.diskFull, undefined);
    assert.equal(outbox.depth, 4, 'the held events, now durable');
    assert.ok(outbox.journalBytes < 30_000, `journal cut back (${outbox.journalBytes} bytes)`);
  });

  it('fails the held appends when closed before space returns, and keeps what was durable', async (t) => {
    const mount = await tmpfsOr(t, 256 * 1024);
    if (mount === undefined) return;
    const outbox = await EventOutbox.open(options(mount));
    await outbox.append(sampleEvent(0, 1000));
    await fillDisk(mount);
    const outcomes = Array.from({ length: 5 }, (_, i) => settle(outbox.append(sampleEvent(i + 1, 3000))));
    await untilTrue('full', () => outbox.diskFull !== undefined, 5000);
    const durable = 1 + outcomes.filter((o) => o.state === 'resolved').length;
    await outbox.close();
    const lost = outcomes.filter((o) => o.state === 'rejected');
    assert.ok(lost.length > 0);
    for (const o of lost) assert.ok(isRollcallError(o.error, ErrorCode.DiskFull), String(o.error));
    await freeDisk(mount);
    const reopened = await EventOutbox.open(options(mount));
    t.after(() => reopened.close());
    assert.equal(reopened.depth, durable);
    assert.equal(reopened.recovery.corruptRecords, 0);
  });
});
