import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  EventOutbox,
  JOURNAL_FILE,
  JOURNAL_TEMP_FILE,
  LOCK_FILE,
  type CompactionStats,
  type EventOutboxOptions,
} from '../../src/recognition/outbox/index.js';
import { ErrorCode, isRollcallError, type RecognitionEvent } from '../../src/core/index.js';
import { LineChild } from '../support/line-child.js';
import { OUTBOX_CHILD, sampleEvent } from '../support/outbox-child.js';
import { tempDir } from '../support/temp.js';

/** A folder for the outbox that does not exist yet, inside a fresh temp folder. */
async function outboxDir(): Promise<string> {
  return path.join(await tempDir('outbox'), 'outbox');
}

/** Opens an outbox that is closed after the test even when an assertion fails. */
const openOutboxes: EventOutbox[] = [];
async function openOutbox(options: EventOutboxOptions): Promise<EventOutbox> {
  const outbox = await EventOutbox.open(options);
  openOutboxes.push(outbox);
  return outbox;
}
after(async () => {
  await Promise.all(openOutboxes.map((outbox) => outbox.close()));
});

function ids(events: readonly RecognitionEvent[]): string[] {
  return events.map((event) => event.id);
}

async function journalLines(dir: string): Promise<string[]> {
  const text = await readFile(path.join(dir, JOURNAL_FILE), 'utf8');
  return text.split('\n').filter((line) => line.length > 0);
}

function rejectsWithCode(code: ErrorCode): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isRollcallError(error, code), `expected ${code}, got ${String(error)}`);
    return true;
  };
}

/** A child process driving an outbox (test/support/outbox-child.ts), with its stdout as lines. */
class Child extends LineChild {
  /** `fileSizeLimit`: run under `ulimit -f` with this many blocks, so writes past it fail (EFBIG). */
  constructor(args: string[], fileSizeLimit?: number) {
    if (fileSizeLimit === undefined) super(process.execPath, [OUTBOX_CHILD, ...args]);
    else
      super('/bin/sh', [
        '-c',
        `ulimit -f ${fileSizeLimit} && exec "$0" "$@"`,
        process.execPath,
        OUTBOX_CHILD,
        ...args,
      ]);
  }
}

describe('EventOutbox: append, ack, pending', () => {
  it('keeps unacknowledged events, oldest first, and forgets acknowledged ones', async () => {
    const dir = await outboxDir();
    const outbox = await openOutbox({ dir });
    assert.equal(outbox.depth, 0);
    assert.equal(outbox.oldestPendingAt, undefined);

    const events = [0, 1, 2, 3, 4].map((i) => sampleEvent(i, i % 2 === 0 ? 300 : 0));
    for (const event of events) await outbox.append(event);
    assert.equal(outbox.depth, 5);
    assert.equal(outbox.oldestPendingAt, events[0]?.at);
    assert.deepEqual(await outbox.pending(), events, 'the events come back as appended, crops included');
    assert.deepEqual(ids(await outbox.pending(2)), ['ev-000000', 'ev-000001']);
    assert.deepEqual(await outbox.pending(0), []);

    assert.equal(await outbox.ack(['ev-000000', 'ev-000003', 'no-such-event']), 2);
    assert.equal(outbox.depth, 3);
    assert.equal(outbox.oldestPendingAt, events[1]?.at);
    assert.deepEqual(ids(await outbox.pending()), ['ev-000001', 'ev-000002', 'ev-000004']);

    assert.equal(await outbox.ack(['ev-000000', 'ev-000003']), 0, 'acknowledging twice changes nothing');
    assert.equal(await outbox.ack([]), 0);
    assert.equal(outbox.depth, 3);
    await outbox.close();
  });

  it('lists pending ids from memory and reads back only the events asked for', async () => {
    const outbox = await openOutbox({ dir: await outboxDir() });
    const events = [0, 1, 2, 3].map((i) => sampleEvent(i, 200));
    for (const event of events) await outbox.append(event);
    assert.deepEqual(outbox.pendingIds(), ids(await outbox.pending()));
    assert.deepEqual(outbox.pendingIds(2), ['ev-000000', 'ev-000001']);

    // Asked out of order, with an acknowledged and an unknown id: pending ones, oldest first.
    await outbox.ack(['ev-000001']);
    const read = await outbox.read(['ev-000003', 'ev-000001', 'no-such-event', 'ev-000000']);
    assert.deepEqual(read, [events[0], events[3]], 'crops included');
    assert.deepEqual(await outbox.read([]), []);
    await outbox.close();
  });

  it('stores an id once however often it is appended', async () => {
    const dir = await outboxDir();
    const outbox = await openOutbox({ dir });
    const event = sampleEvent(7, 100);
    // Concurrently (the second append joins the first's write) and after it is durable.
    await Promise.all([outbox.append(event), outbox.append(event)]);
    await outbox.append({ ...event, cameraId: 'changed' });
    assert.equal(outbox.depth, 1);
    assert.deepEqual(await outbox.pending(), [event], 'the first copy wins');
    await outbox.close();
    const eventRecords = (await journalLines(dir)).filter((line) => line.startsWith('{"t":"e"'));
    assert.equal(eventRecords.length, 1, 'one record in the journal');
  });

  it('forgets an event acknowledged before its append resolved', async () => {
    const dir = await outboxDir();
    const outbox = await openOutbox({ dir });
    const appended = outbox.append(sampleEvent(1));
    const acked = outbox.ack(['ev-000001']);
    await Promise.all([appended, acked]);
    assert.equal(outbox.depth, 0);
    await outbox.close();
    const reopened = await openOutbox({ dir });
    assert.equal(reopened.depth, 0);
    await reopened.close();
  });

  it('refuses malformed events with a coded error', async () => {
    const outbox = await openOutbox({ dir: await outboxDir() });
    const bad: unknown[] = [
      { ...sampleEvent(1), id: '' },
      { ...sampleEvent(1), id: 'x'.repeat(257) },
      { ...sampleEvent(1), at: undefined },
      { ...sampleEvent(1), crop: 'not bytes' },
      null,
    ];
    for (const event of bad) {
      await assert.rejects(outbox.append(event as RecognitionEvent), rejectsWithCode(ErrorCode.UsageInvalid));
    }
    await assert.rejects(
      outbox.pending(-1),
      rejectsWithCode(ErrorCode.UsageInvalid),
      'a negative limit is refused',
    );
    assert.equal(outbox.depth, 0);
    await outbox.close();
  });

  it('refuses a record over maxRecordBytes', async () => {
    const outbox = await openOutbox({ dir: await outboxDir(), maxRecordBytes: 4096 });
    await assert.rejects(outbox.append(sampleEvent(1, 4096)), rejectsWithCode(ErrorCode.UsageInvalid));
    await outbox.append(sampleEvent(2, 1000));
    assert.equal(outbox.depth, 1);
    await outbox.close();
  });

  it('names every bad option', async () => {
    await assert.rejects(
      EventOutbox.open({ dir: await outboxDir(), maxPending: 0, compactAckedRatio: 1 }),
      (error: unknown) => {
        assert.ok(isRollcallError(error, ErrorCode.UsageInvalid));
        assert.match(error.message, /maxPending/);
        assert.match(error.message, /compactAckedRatio/);
        return true;
      },
    );
  });
});

describe('EventOutbox: durability', () => {
  it('keeps pending events and acknowledgements across close and reopen', async () => {
    const dir = await outboxDir();
    const first = await openOutbox({ dir });
    const events = Array.from({ length: 20 }, (_, i) => sampleEvent(i, 5000));
    await Promise.all(events.map((event) => first.append(event)));
    await first.ack(events.slice(0, 5).map((event) => event.id));
    await first.close();

    const second = await openOutbox({ dir });
    assert.equal(second.depth, 15);
    assert.deepEqual(await second.pending(), events.slice(5));
    assert.equal(second.recovery.truncatedBytes, 0);
    assert.equal(second.recovery.corruptRecords, 0);
    await second.ack([events[5]?.id ?? '']);
    await second.close();

    const third = await openOutbox({ dir });
    assert.deepEqual(await third.pending(), events.slice(6));
    await third.close();
  });

  it('recovers from a torn last record without losing earlier ones', async () => {
    const dir = await outboxDir();
    const first = await openOutbox({ dir });
    const events = [0, 1, 2].map((i) => sampleEvent(i, 2000));
    for (const event of events) await first.append(event);
    await first.close();

    // A crash in the middle of writing a fourth record: half of its line, no newline.
    const lines = await journalLines(dir);
    const whole = `${JSON.stringify({ t: 'e', e: { ...sampleEvent(3), crop: null } })}\n`;
    const half = whole.slice(0, Math.floor(whole.length / 2));
    await appendFile(path.join(dir, JOURNAL_FILE), half);

    const second = await openOutbox({ dir });
    assert.equal(second.recovery.truncatedBytes, Buffer.byteLength(half));
    assert.equal(second.recovery.corruptRecords, 0);
    assert.deepEqual(await second.pending(), events);
    // The torn bytes were cut, so the next record starts on a clean line.
    await second.append(sampleEvent(4, 10));
    await second.close();
    const after = await journalLines(dir);
    assert.deepEqual(after.slice(0, -1), lines);
    assert.ok(after.at(-1)?.startsWith('{"t":"e","e":{"id":"ev-000004"'), after.at(-1));

    const third = await openOutbox({ dir });
    assert.deepEqual(ids(await third.pending()), ['ev-000000', 'ev-000001', 'ev-000002', 'ev-000004']);
    assert.equal(third.recovery.truncatedBytes, 0);
    await third.close();
  });

  it('skips a damaged record in the middle and keeps the ones after it', async () => {
    const dir = await outboxDir();
    const first = await openOutbox({ dir });
    for (const i of [0, 1, 2]) await first.append(sampleEvent(i));
    await first.close();
    const lines = await journalLines(dir);
    lines[2] = lines[2]?.replace('{"t":"e"', '{"t":"e"\u0000\u0000') ?? '';
    await writeFile(path.join(dir, JOURNAL_FILE), lines.join('\n') + '\n');

    const second = await openOutbox({ dir });
    assert.equal(second.recovery.corruptRecords, 1);
    assert.equal(second.recovery.truncatedBytes, 0);
    assert.deepEqual(ids(await second.pending()), ['ev-000000', 'ev-000002']);
    await second.close();
  });

  it('refuses a file that is not an outbox journal and leaves it untouched', async () => {
    const dir = await outboxDir();
    await mkdir(dir, { recursive: true });
    const foreign = 'id,name\n1,amy\n';
    await writeFile(path.join(dir, JOURNAL_FILE), foreign);
    await assert.rejects(EventOutbox.open({ dir }), (error: unknown) => {
      assert.ok(isRollcallError(error, ErrorCode.OutboxCorrupt));
      assert.ok(error.message.includes(path.join(dir, JOURNAL_FILE)), error.message);
      return true;
    });
    assert.equal(await readFile(path.join(dir, JOURNAL_FILE), 'utf8'), foreign);
    assert.equal(existsSync(path.join(dir, LOCK_FILE)), false, 'the lock is released');

    await writeFile(path.join(dir, JOURNAL_FILE), '{"t":"h","v":99}\n');
    await assert.rejects(EventOutbox.open({ dir }), /format version 99/);
  });

  it('keeps every event whose append resolved when the process is killed mid-burst', async (t) => {
    const dir = await outboxDir();
    const reports: string[] = [];
    let total = 0;
    for (const [trial, killAfter] of [200, 900, 2500].entries()) {
      const child = new Child([dir, 'append', '4000', '5000']);
      await child.waitFor((lines) => lines.length >= killAfter);
      await child.kill();
      assert.ok(!child.lines.includes('done'), 'killed in the middle of the burst');
      const printed = child.valuesOf('appended');

      const outbox = await openOutbox({ dir });
      const pending = ids(await outbox.pending());
      const counts = new Map<string, number>();
      for (const id of pending) counts.set(id, (counts.get(id) ?? 0) + 1);
      for (const id of printed)
        assert.equal(counts.get(id), 1, `${id} was appended, so it is there exactly once`);
      assert.equal(counts.size, pending.length, 'no id is pending twice');
      // Events that made it to disk read back intact.
      const some = await outbox.pending(50);
      for (const event of some) {
        const i = Number(event.id.slice(3));
        assert.deepEqual(event, sampleEvent(i, 5000));
      }
      reports.push(
        `trial ${trial}: ${printed.length} acknowledged as appended, ${pending.length} on disk, ` +
          `torn bytes cut ${outbox.recovery.truncatedBytes}, stale lock of pid ${String(outbox.recovery.staleOwnerPid)} taken over`,
      );
      assert.equal(outbox.recovery.staleOwnerPid, child.pid, 'the killed child left its lock behind');
      total = pending.length;
      // Acknowledge everything so the next trial's ids (the same ones) count afresh.
      await outbox.ack(pending);
      await outbox.close();
    }
    for (const report of reports) t.diagnostic(report);
    assert.ok(total > 0);
  });
});

describe('EventOutbox: write failures', () => {
  it('refuses the append whose write fails, cuts the partial write and carries on', async () => {
    const dir = await outboxDir();
    await mkdir(dir, { recursive: true });
    // The limit applies to every file the child writes, the lock and the new journal included.
    const child = new Child([dir, 'fill', '5000'], 200);
    await child.waitFor((lines) => lines.includes('done'));
    assert.ok(child.lines.includes(`failed ${ErrorCode.OutboxWriteFailed}`), child.lines.join('\n'));
    const appended = child.valuesOf('appended');
    assert.ok(appended.length > 5, `${appended.length} appended before the disk "filled"`);
    assert.deepEqual(child.valuesOf('acked'), ['ev-000000', 'ev-000001']);
    await child.kill();

    const outbox = await openOutbox({ dir });
    assert.equal(outbox.recovery.truncatedBytes, 0, 'the failed write was cut at once');
    assert.equal(outbox.recovery.corruptRecords, 0);
    assert.deepEqual(
      ids(await outbox.pending()),
      appended.filter((id) => id !== 'ev-000000' && id !== 'ev-000001'),
    );
    await outbox.close();
  });
});

describe('EventOutbox: compaction', () => {
  it('compacts by itself once most records are acknowledged, keeping exactly the pending set', async () => {
    const dir = await outboxDir();
    const outbox = await openOutbox({ dir, compactMinAcked: 50, compactAckedRatio: 0.5 });
    const compactions: CompactionStats[] = [];
    outbox.on('compacted', (stats) => compactions.push(stats));

    const events = Array.from({ length: 200 }, (_, i) => sampleEvent(i, 1000));
    await Promise.all(events.map((event) => outbox.append(event)));
    const kept = events.filter((_, i) => i % 4 === 0);
    const acked = events.filter((_, i) => i % 4 !== 0);
    await outbox.ack(acked.slice(0, 40).map((event) => event.id));
    assert.equal(compactions.length, 0, '40 acknowledged: below compactMinAcked');
    const before = outbox.journalBytes;
    await outbox.ack(acked.slice(40).map((event) => event.id));
    // The compaction was queued behind the acknowledgement; pending() queues behind it.
    assert.deepEqual(await outbox.pending(), kept);
    assert.equal(compactions.length, 1);
    assert.equal(compactions[0]?.pending, kept.length);
    assert.ok(outbox.journalBytes < before / 3, `${outbox.journalBytes} bytes after, ${before} before`);

    const lines = await journalLines(dir);
    assert.equal(lines.length, 1 + kept.length, 'header and the pending records, no acknowledgements');

    // Appends and acknowledgements carry on in the new journal.
    await outbox.append(sampleEvent(1000, 10));
    await outbox.ack([kept[0]?.id ?? '']);
    await outbox.close();
    const reopened = await openOutbox({ dir });
    assert.deepEqual(await reopened.pending(), [...kept.slice(1), sampleEvent(1000, 10)]);
    await reopened.close();
  });

  it('ignores a half-built journal left by a crash during compaction', async () => {
    const dir = await outboxDir();
    const first = await openOutbox({ dir });
    const events = Array.from({ length: 10 }, (_, i) => sampleEvent(i, 100));
    for (const event of events) await first.append(event);
    await first.ack(['ev-000000', 'ev-000001']);
    await first.close();
    // What a crash before the rename leaves: a temp file holding part of the new journal.
    const lines = await journalLines(dir);
    await writeFile(
      path.join(dir, JOURNAL_TEMP_FILE),
      `${lines[0] ?? ''}\n${lines[3] ?? ''}\n${(lines[4] ?? '').slice(0, 30)}`,
    );

    const second = await openOutbox({ dir });
    assert.equal(second.recovery.removedTempFile, true);
    assert.equal(existsSync(path.join(dir, JOURNAL_TEMP_FILE)), false);
    assert.deepEqual(await second.pending(), events.slice(2));
    await second.close();
  });

  it('loses and duplicates nothing when the process is killed during compactions', async (t) => {
    const dir = await outboxDir();
    const seed = await openOutbox({ dir });
    const events = Array.from({ length: 3000 }, (_, i) => sampleEvent(i, 3000));
    await Promise.all(events.map((event) => seed.append(event)));
    await seed.close();

    let ackedSoFar = 0;
    let tempFilesFound = 0;
    for (const [trial, delayMs] of [0, 7, 19, 31].entries()) {
      const child = new Child([dir, 'compact']);
      await child.waitFor((lines) => lines.filter((line) => line === 'compacted').length >= 2);
      // Each compaction rewrites ~12 MB, so a kill at a few ms lands inside one.
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await child.kill();
      const acked = child.valuesOf('acked');
      ackedSoFar += acked.length;

      const outbox = await openOutbox({ dir });
      if (outbox.recovery.removedTempFile) tempFilesFound++;
      const pending = ids(await outbox.pending());
      assert.equal(new Set(pending).size, pending.length, 'no duplicates');
      for (const id of acked) assert.ok(!pending.includes(id), `${id} was acknowledged`);
      // The child acknowledges the oldest first; the one in flight at the kill may go either way.
      const expected = ids(events).slice(ackedSoFar);
      const inFlight = expected[0];
      assert.deepEqual(
        pending.filter((id) => id !== inFlight),
        expected.filter((id) => id !== inFlight),
        `trial ${trial}: the pending set survives`,
      );
      if (inFlight !== undefined && !pending.includes(inFlight)) ackedSoFar++;
      assert.equal(outbox.depth, events.length - ackedSoFar);
      await outbox.close();
    }
    t.diagnostic(`leftover compaction temp files found and removed in ${tempFilesFound} of 4 kills`);
  });
});

describe('EventOutbox: bounds and ownership', () => {
  it('refuses appends beyond maxPending with OUTBOX_FULL, without storing them', async () => {
    const dir = await outboxDir();
    const outbox = await openOutbox({ dir, maxPending: 3 });
    for (const i of [0, 1, 2]) await outbox.append(sampleEvent(i));
    await assert.rejects(outbox.append(sampleEvent(3)), (error: unknown) => {
      assert.ok(isRollcallError(error, ErrorCode.OutboxFull));
      assert.match(error.message, /maxPending 3/);
      assert.match(error.message, /NOT stored/);
      return true;
    });
    await outbox.append(sampleEvent(0)); // already pending: still fine
    assert.equal(outbox.depth, 3);
    await outbox.ack(['ev-000000']);
    await outbox.append(sampleEvent(4));
    await outbox.close();
    const reopened = await openOutbox({ dir, maxPending: 3 });
    assert.deepEqual(ids(await reopened.pending()), ['ev-000001', 'ev-000002', 'ev-000004']);
    await reopened.close();
  });

  it('lets one owner at a time open a directory and takes over the lock of a dead one', async () => {
    const dir = await outboxDir();
    const outbox = await openOutbox({ dir });
    await assert.rejects(EventOutbox.open({ dir }), rejectsWithCode(ErrorCode.OutboxLocked));
    await outbox.close();

    const child = new Child([dir, 'hold']);
    await child.waitFor((lines) => lines.includes('ready'));
    await assert.rejects(EventOutbox.open({ dir }), (error: unknown) => {
      assert.ok(isRollcallError(error, ErrorCode.OutboxLocked));
      assert.match(error.message, new RegExp(`running process ${child.pid}\\b`));
      return true;
    });
    await child.kill();
    const lock = await readFile(path.join(dir, LOCK_FILE), 'utf8');
    assert.match(lock, new RegExp(`"pid":${child.pid}\\b`), 'SIGKILL left the lock behind');

    const taken = await openOutbox({ dir });
    assert.equal(taken.recovery.staleOwnerPid, child.pid);
    assert.match(await readFile(path.join(dir, LOCK_FILE), 'utf8'), new RegExp(`"pid":${process.pid}\\b`));
    await taken.close();
    assert.equal(existsSync(path.join(dir, LOCK_FILE)), false, 'close releases the lock');
  });

  it('refuses a lock taken on another host', async () => {
    const dir = await outboxDir();
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ pid: 1, hostname: 'elsewhere', token: 't' }));
    await assert.rejects(EventOutbox.open({ dir }), /host "elsewhere"/);
  });

  it('close is idempotent, lets accepted appends finish and refuses later calls', async () => {
    const dir = await outboxDir();
    const outbox = await openOutbox({ dir });
    const appended = outbox.append(sampleEvent(1, 500));
    const closed = [outbox.close(), outbox.close()];
    await appended;
    await Promise.all(closed);
    await outbox.close();
    await assert.rejects(outbox.append(sampleEvent(2)), rejectsWithCode(ErrorCode.OutboxClosed));
    await assert.rejects(outbox.ack(['ev-000001']), rejectsWithCode(ErrorCode.OutboxClosed));
    await assert.rejects(outbox.pending(), rejectsWithCode(ErrorCode.OutboxClosed));
    const reopened = await openOutbox({ dir });
    assert.equal(reopened.depth, 1);
    await reopened.close();
  });
});

describe('EventOutbox: throughput (reported, not asserted)', () => {
  it('appends events with 5 KB crops', async (t) => {
    const dir = await outboxDir();
    const outbox = await openOutbox({ dir, compactMinAcked: Number.MAX_SAFE_INTEGER });
    const crop = 5 * 1024;

    const burst = Array.from({ length: 4000 }, (_, i) => sampleEvent(i, crop, 'burst'));
    let started = performance.now();
    await Promise.all(burst.map((event) => outbox.append(event)));
    const burstRate = burst.length / ((performance.now() - started) / 1000);

    // 16 producers each awaiting its own append: closer to a pipeline with several cameras.
    const laned = Array.from({ length: 4000 }, (_, i) => sampleEvent(i, crop, 'lane'));
    let next = 0;
    started = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < laned.length) {
          const event = laned[next++];
          if (event !== undefined) await outbox.append(event);
        }
      }),
    );
    const lanedRate = laned.length / ((performance.now() - started) / 1000);

    const serial = Array.from({ length: 500 }, (_, i) => sampleEvent(i, crop, 'serial'));
    started = performance.now();
    for (const event of serial) await outbox.append(event);
    const serialRate = serial.length / ((performance.now() - started) / 1000);

    const journalMb = (await stat(path.join(dir, JOURNAL_FILE))).size / 1e6;
    const depth = outbox.depth;
    await outbox.close();

    started = performance.now();
    const reopened = await openOutbox({ dir, compactMinAcked: Number.MAX_SAFE_INTEGER });
    const openMs = performance.now() - started;
    started = performance.now();
    const firstPage = await reopened.pending(1000);
    const pageMs = performance.now() - started;
    await reopened.ack(ids(await reopened.pending()).filter((_, i) => i % 2 === 0));
    const stats = await reopened.compact();
    await reopened.close();

    t.diagnostic(`burst of ${burst.length} concurrent appends: ${Math.round(burstRate)} events/s`);
    t.diagnostic(`16 producers, each awaiting its append: ${Math.round(lanedRate)} events/s`);
    t.diagnostic(`one at a time (an fsync each): ${Math.round(serialRate)} events/s`);
    t.diagnostic(
      `journal ${journalMb.toFixed(1)} MB for ${depth} events; reopen (replay) ${openMs.toFixed(0)} ms`,
    );
    t.diagnostic(`pending(1000) read back in ${pageMs.toFixed(0)} ms`);
    t.diagnostic(
      `compaction keeping ${stats.pending} of ${depth} events: ${stats.durationMs.toFixed(0)} ms, ` +
        `${(stats.bytesBefore / 1e6).toFixed(1)} MB -> ${(stats.bytesAfter / 1e6).toFixed(1)} MB`,
    );
    assert.equal(firstPage.length, 1000);
    assert.equal(depth, 8500);
  });
});
