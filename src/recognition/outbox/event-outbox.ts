/**
 * The durable outbox of a recognition node. Every recognition event is appended here before it is
 * sent to web nodes and forgotten only once a web node acknowledges it, so events survive a bridge
 * drop, a web restart and a crash of the node itself (delivery is at least once; the web node
 * stores each event id once).
 *
 * On disk: `DIR/journal.ndjson`, an append-only journal (format in `journal.ts`), and
 * `DIR/owner.lock`. In memory: only an index of the pending events (id, capture time, where the
 * record lies in the journal), about a hundred bytes an event, so a full outbox of crops does not
 * sit in the heap; {@link EventOutbox.pending} reads the records back from the journal.
 *
 * One process owns the directory: {@link EventOutbox.open} takes `DIR/owner.lock` (pid and host)
 * and refuses a second owner, in this process or another, with `OUTBOX_LOCKED`; the lock of a dead
 * pid on this host is taken over (a crash leaves its lock behind).
 *
 * Writes are serialised through one queue. Appends and acknowledgements that arrive while a write
 * is in flight are gathered into the next write and share its fsync (group commit), so the cost of
 * durability is one fsync per batch, not per event.
 *
 * A full disk (ENOSPC, EDQUOT) does not stop the node: the write that failed is cut from the journal
 * (which stays whole) and its records are held in memory, with every append and acknowledgement
 * that follows, and written again every `diskFullRetryMs` until there is room. Held events are not
 * durable: their appends resolve only once written, they are not sent to web nodes before, and a
 * crash loses them. At most `maxHeldEvents` (and `maxHeldBytes`) are held; beyond that an append
 * is refused with `DISK_FULL` and the event is dropped (counted in {@link EventOutbox.droppedEvents}).
 * When a web node has acknowledged every event on disk, the journal is cut back to its header in
 * place (no temporary copy needed), so a journal that filled the disk frees it by itself.
 */
import { EventEmitter } from 'node:events';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, RollcallError, type RecognitionEvent } from '../../core/index.js';
import { OptionChecks, systemClock, type Clock } from '../../shared/index.js';
import { Batch, type Entry } from './batch.js';
import { fsyncDir, readExactly, writeAll } from './files.js';
import {
  ACK_IDS_PER_RECORD,
  JOURNAL_FORMAT_VERSION,
  MAX_EVENT_ID_LENGTH,
  MAX_LINE_BYTES,
  decodeEventLine,
  encodeAck,
  encodeEvent,
  encodeHeader,
  isEventId,
  parseRecord,
  scanLines,
} from './journal.js';
import { acquireOwnerLock, errnoCode, type OwnerLock } from './owner-lock.js';

export const JOURNAL_FILE = 'journal.ndjson';
/** Where a replacement journal is built (on creation and compaction) before it is renamed over. */
export const JOURNAL_TEMP_FILE = 'journal.ndjson.tmp';

/** Contiguous records are read back in runs of up to this many bytes. */
const READ_RUN_BYTES = 8 * 1024 * 1024;

/**
 * Records held while the disk is full are written back in pieces of about this size, one write and
 * one fsync each, so a disk with room for some of them takes those rather than none.
 */
const HELD_PIECE_BYTES = 256 * 1024;

export interface EventOutboxOptions {
  /** The directory this outbox owns, normally `DATA_DIR/outbox`. Created when missing. */
  dir: string;
  /**
   * Most unacknowledged events held. Beyond it {@link EventOutbox.append} rejects with
   * `OUTBOX_FULL` and the event is not stored: a web node that stays away for days must not fill
   * the disk silently. At ~7 KB an event (a 5 KB crop in base64) the default is ~700 MB of journal.
   * @defaultValue 100_000
   */
  maxPending?: number;
  /**
   * Largest event record accepted, as a JSON line with the crop in base64.
   * @defaultValue 4 MiB
   */
  maxRecordBytes?: number;
  /**
   * Compaction starts once the journal holds at least this many acknowledged event records...
   * @defaultValue 1000
   */
  compactMinAcked?: number;
  /**
   * ...and they are more than this fraction of its event records, so compaction copies at most as
   * much as it frees and its total cost stays proportional to what was written.
   * @defaultValue 0.5
   */
  compactAckedRatio?: number;
  /**
   * While the disk is full, most events held in memory (not yet durable) before appends are refused
   * with `DISK_FULL`. At ~7 KB an event, the default is ~14 MB of heap.
   * @defaultValue 2000
   */
  maxHeldEvents?: number;
  /**
   * ...and most bytes of records held in memory.
   * @defaultValue 32 MiB
   */
  maxHeldBytes?: number;
  /**
   * While the disk is full, how often the held records are written again.
   * @defaultValue 1000
   */
  diskFullRetryMs?: number;
  /** @defaultValue the system clock */
  clock?: Clock;
}

export type ResolvedEventOutboxOptions = Required<EventOutboxOptions>;

/**
 * Defaults, then overrides, then validation naming every bad option.
 *
 * @throws RollcallError `USAGE_INVALID`.
 */
export function resolveEventOutboxOptions(options: EventOutboxOptions): ResolvedEventOutboxOptions {
  const resolved: ResolvedEventOutboxOptions = {
    maxPending: 100_000,
    maxRecordBytes: 4 * 1024 * 1024,
    compactMinAcked: 1000,
    compactAckedRatio: 0.5,
    maxHeldEvents: 2000,
    maxHeldBytes: 32 * 1024 * 1024,
    diskFullRetryMs: 1000,
    clock: systemClock,
    ...stripUndefined(options),
  };
  new OptionChecks('EventOutbox')
    .require(
      typeof resolved.dir === 'string' && resolved.dir.length > 0,
      'dir',
      'must be a non-empty path',
      resolved.dir,
    )
    .require(
      Number.isSafeInteger(resolved.maxPending) && resolved.maxPending >= 1,
      'maxPending',
      'must be a positive integer',
      resolved.maxPending,
    )
    .require(
      Number.isSafeInteger(resolved.maxRecordBytes) &&
        resolved.maxRecordBytes >= 1024 &&
        resolved.maxRecordBytes <= MAX_LINE_BYTES,
      'maxRecordBytes',
      `must be an integer from 1024 to ${MAX_LINE_BYTES}`,
      resolved.maxRecordBytes,
    )
    .require(
      Number.isSafeInteger(resolved.compactMinAcked) && resolved.compactMinAcked >= 0,
      'compactMinAcked',
      'must be an integer >= 0',
      resolved.compactMinAcked,
    )
    .require(
      resolved.compactAckedRatio >= 0 && resolved.compactAckedRatio < 1,
      'compactAckedRatio',
      'must be in [0, 1)',
      resolved.compactAckedRatio,
    )
    .require(
      Number.isSafeInteger(resolved.maxHeldEvents) && resolved.maxHeldEvents >= 0,
      'maxHeldEvents',
      'must be an integer >= 0',
      resolved.maxHeldEvents,
    )
    .require(
      Number.isSafeInteger(resolved.maxHeldBytes) && resolved.maxHeldBytes >= 0,
      'maxHeldBytes',
      'must be an integer >= 0',
      resolved.maxHeldBytes,
    )
    .require(
      Number.isSafeInteger(resolved.diskFullRetryMs) && resolved.diskFullRetryMs >= 1,
      'diskFullRetryMs',
      'must be a positive integer',
      resolved.diskFullRetryMs,
    )
    .throwIfAny();
  return resolved;
}

/** What opening the outbox found and repaired, for the start-up log. */
export interface OutboxRecovery {
  /** Well-formed records replayed from the journal (header included). */
  records: number;
  /** Events pending after replay. */
  pending: number;
  /**
   * Bytes cut from the end of the journal: a record torn by a crash mid-write (its append had not
   * resolved, so nothing promised was lost) or damage after the last good record.
   */
  truncatedBytes: number;
  /**
   * Damaged records skipped in the middle of the journal. A crash cannot cause this (records are
   * only appended); disk damage can, and those records are lost.
   */
  corruptRecords: number;
  /** A half-built replacement journal from an interrupted compaction was deleted. */
  removedTempFile: boolean;
  /** The pid of a dead previous owner whose lock was taken over; null when there was none. */
  staleOwnerPid: number | null;
}

export interface CompactionStats {
  bytesBefore: number;
  bytesAfter: number;
  /** Events copied to the new journal. */
  pending: number;
  durationMs: number;
}

/** The outbox's disk is full: since when, and what waits in memory meanwhile. */
export interface DiskFullState {
  /** When the first write failed for lack of space (ISO 8601). */
  since: string;
  /** The error of the first failed write (`DISK_FULL`), naming the journal and the OS error. */
  error: RollcallError;
  /** Events held in memory, not durable, waiting for room on the disk. */
  heldEvents: number;
}

export interface EventOutboxEvents {
  /** A compaction finished, automatic or requested. */
  compacted: [CompactionStats];
  /** An automatic compaction failed; the old journal stays in use and nothing is lost. */
  compactionFailed: [RollcallError];
  /** A write failed for lack of space: records are held in memory from now on. */
  diskFull: [DiskFullState];
  /** The held records were written: the disk has room again. */
  spaceReturned: [{ heldEvents: number; fullForMs: number; droppedEvents: number }];
}

/**
 * A durable, bounded, at-least-once queue of recognition events. Open with
 * {@link EventOutbox.open}; one process owns a directory at a time.
 */
export class EventOutbox extends EventEmitter<EventOutboxEvents> {
  readonly dir: string;
  readonly journalFile: string;
  readonly recovery: OutboxRecovery;
  readonly #options: ResolvedEventOutboxOptions;
  readonly #lock: OwnerLock;
  #handle: FileHandle;
  /** Bytes of the journal that are written, fsynced and well formed: where the next write goes. */
  #size: number;
  /** Pending events in append order, which is journal order. */
  readonly #pending: Map<string, Entry>;
  /** Pending entries that are durable (so their record lies in the current journal). */
  #durableCount: number;
  /** Event records in the current journal, pending or acknowledged. */
  #eventRecords: number;
  #batch: Batch | undefined;
  #flushQueued = false;
  #compactionQueued = false;
  /** After a failed automatic compaction, wait for this many acknowledged records before retrying. */
  #retryCompactionAt = 0;
  /** The tail of the queue that serialises writes, compactions and reads of the journal. */
  #queue: Promise<void> = Promise.resolve();
  /** Set when the journal on disk can no longer be trusted to match memory; every call rejects. */
  #failed: RollcallError | undefined;
  /** Set while the disk is full; records then wait in `#held`, written again by a timer. */
  #diskFull: { since: number; error: RollcallError; droppedBefore: number } | undefined;
  /** While the disk is full: the records waiting for room, oldest first, in pieces of about HELD_PIECE_BYTES. */
  #held: Batch[] = [];
  #heldFlushQueued = false;
  #cancelRetry: (() => void) | undefined;
  #writeFailures = 0;
  #droppedEvents = 0;
  #closing = false;
  #closed: Promise<void> | undefined;

  private constructor(state: {
    options: ResolvedEventOutboxOptions;
    lock: OwnerLock;
    handle: FileHandle;
    size: number;
    pending: Map<string, Entry>;
    eventRecords: number;
    recovery: OutboxRecovery;
  }) {
    super();
    this.#options = state.options;
    this.dir = path.resolve(state.options.dir);
    this.journalFile = path.join(this.dir, JOURNAL_FILE);
    this.#lock = state.lock;
    this.#handle = state.handle;
    this.#size = state.size;
    this.#pending = state.pending;
    this.#durableCount = state.pending.size;
    this.#eventRecords = state.eventRecords;
    this.recovery = state.recovery;
  }

  /**
   * Takes ownership of the directory, replays the journal (cutting a torn last record) and returns
   * the outbox ready to use. Read {@link EventOutbox.recovery} for what was repaired.
   *
   * @throws RollcallError `USAGE_INVALID` for bad options; `OUTBOX_LOCKED` when another live process
   *   owns the directory; `OUTBOX_CORRUPT` when the journal is not an outbox journal (it is left as
   *   it is); `OUTBOX_WRITE_FAILED` when the directory cannot be written.
   */
  static async open(options: EventOutboxOptions): Promise<EventOutbox> {
    const resolved = resolveEventOutboxOptions(options);
    const dir = path.resolve(resolved.dir);
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw writeFailed(`cannot create the outbox directory ${dir}`, error);
    }
    let lock: OwnerLock;
    try {
      lock = await acquireOwnerLock(dir);
    } catch (error) {
      if (error instanceof RollcallError) throw error;
      throw writeFailed(`cannot take the lock of the outbox in ${dir}`, error);
    }
    try {
      const removedTempFile = await removeIfExists(path.join(dir, JOURNAL_TEMP_FILE));
      const journalFile = path.join(dir, JOURNAL_FILE);
      if (!(await exists(journalFile))) await createJournal(dir);
      const handle = await open(journalFile, 'r+');
      try {
        const replayed = await replay(handle, journalFile);
        return new EventOutbox({
          options: resolved,
          lock,
          handle,
          size: replayed.size,
          pending: replayed.pending,
          eventRecords: replayed.eventRecords,
          recovery: {
            records: replayed.records,
            pending: replayed.pending.size,
            truncatedBytes: replayed.truncatedBytes,
            corruptRecords: replayed.corruptRecords,
            removedTempFile,
            staleOwnerPid: lock.staleOwnerPid,
          },
        }).#afterOpen();
      } catch (error) {
        await handle.close().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      await lock.release().catch(() => undefined);
      if (error instanceof RollcallError) throw error;
      throw writeFailed(`cannot open the outbox in ${dir}`, error);
    }
  }

  #afterOpen(): this {
    this.#maybeCompact();
    return this;
  }

  /** Unacknowledged events, counting appends still on their way to disk. */
  get depth(): number {
    return this.#pending.size;
  }

  /** Capture time (`at`, ISO 8601) of the oldest unacknowledged event; undefined when none. */
  get oldestPendingAt(): string | undefined {
    return this.#pending.values().next().value?.at;
  }

  /** Current size of the journal file in bytes. */
  get journalBytes(): number {
    return this.#size;
  }

  /** Set while the disk is full (writes fail with ENOSPC or EDQUOT); undefined otherwise. */
  get diskFull(): DiskFullState | undefined {
    const full = this.#diskFull;
    if (full === undefined) return undefined;
    return {
      since: new Date(full.since).toISOString(),
      error: full.error,
      heldEvents: this.#heldEvents(),
    };
  }

  /** Events refused since the outbox was opened because the disk was full and the memory hold too. */
  get droppedEvents(): number {
    return this.#droppedEvents;
  }

  /** Journal writes that failed since the outbox was opened (a full disk's retries included). */
  get writeFailures(): number {
    return this.#writeFailures;
  }

  /**
   * Stores `event` durably: resolves once its record is written and fsynced. Appending an id that
   * is already pending stores nothing and resolves when the first copy is durable.
   *
   * While the disk is full the event is held in memory and the promise resolves once space returns
   * and it is written (see the class comment).
   *
   * @throws RollcallError `OUTBOX_FULL` when `maxPending` events are unacknowledged (the event is not
   *   stored); `DISK_FULL` when the disk is full and the memory hold is too (dropped), or when the
   *   outbox is closed before space returns (lost); `USAGE_INVALID` for an event without a usable
   *   `id`, `at` or `crop`, or whose record exceeds `maxRecordBytes`; `OUTBOX_WRITE_FAILED` when
   *   the write or fsync failed for another reason (not stored); `OUTBOX_CLOSED` after
   *   {@link EventOutbox.close}.
   */
  async append(event: RecognitionEvent): Promise<void> {
    this.#assertUsable();
    assertEvent(event);
    const existing = this.#pending.get(event.id);
    if (existing !== undefined) return existing.written;
    if (this.#pending.size >= this.#options.maxPending) {
      throw new RollcallError(
        ErrorCode.OutboxFull,
        `outbox ${this.dir} is full: ${this.#pending.size} events await acknowledgement ` +
          `(maxPending ${this.#options.maxPending}, oldest from ${this.oldestPendingAt ?? '?'}); ` +
          `event ${event.id} was NOT stored. Is a web node connected?`,
      );
    }
    const line = encodeEvent(event);
    if (line.length > this.#options.maxRecordBytes) {
      throw new RollcallError(
        ErrorCode.UsageInvalid,
        `event ${event.id} is ${line.length} bytes as a record, over maxRecordBytes ${this.#options.maxRecordBytes}`,
      );
    }
    if (this.#diskFull !== undefined) this.#assertRoomToHold(event.id, line.length);
    const batch = this.#currentBatch();
    const entry: Entry = {
      id: event.id,
      at: event.at,
      length: line.length,
      offset: -1,
      durable: false,
      written: undefined,
    };
    // Sets entry.written: what settles when this record is durable.
    batch.add(line, entry);
    this.#pending.set(event.id, entry);
    return entry.written ?? Promise.resolve();
  }

  /**
   * Records that a web node has the events `ids`: they leave {@link EventOutbox.pending} at once and
   * the acknowledgement is durable when the promise resolves. Unknown or already acknowledged ids
   * are ignored. Resolves with how many ids were newly acknowledged.
   *
   * A lost acknowledgement (a crash before its fsync, or a failed write, after which the ids stay
   * acknowledged in memory) only means the event is delivered again after a restart.
   *
   * @throws RollcallError `OUTBOX_WRITE_FAILED`, `OUTBOX_CLOSED`; `USAGE_INVALID` when `ids` is not
   *   an array.
   */
  async ack(ids: readonly string[]): Promise<number> {
    this.#assertUsable();
    if (!Array.isArray(ids))
      throw new RollcallError(ErrorCode.UsageInvalid, 'ack() takes an array of event ids');
    const acked: string[] = [];
    for (const id of ids) {
      if (typeof id !== 'string') continue;
      const entry = this.#pending.get(id);
      if (entry === undefined) continue;
      this.#pending.delete(id);
      if (entry.durable) this.#durableCount--;
      acked.push(id);
    }
    if (acked.length === 0) return 0;
    const batch = this.#currentBatch();
    for (let i = 0; i < acked.length; i += ACK_IDS_PER_RECORD) {
      batch.add(encodeAck(acked.slice(i, i + ACK_IDS_PER_RECORD)));
    }
    await batch.settled;
    return acked.length;
  }

  /**
   * Up to `limit` unacknowledged events, oldest first, read back from the journal: what to replay
   * after a reconnect. Events whose append has not resolved yet are left out (their sender has not
   * had them yet either). Every call starts from the oldest, so page by acknowledging.
   *
   * @param limit - most events returned; keep it modest, a full outbox is hundreds of MB of crops.
   *   @defaultValue Infinity
   * @throws RollcallError `USAGE_INVALID` for a bad limit; `OUTBOX_CORRUPT` when a record no longer
   *   reads back (disk damage since open); `OUTBOX_CLOSED`.
   */
  async pending(limit = Number.POSITIVE_INFINITY): Promise<RecognitionEvent[]> {
    this.#assertUsable();
    return this.#exclusive(() => this.#readEntries(this.#durableEntries(limit)));
  }

  /**
   * The ids {@link EventOutbox.pending} would return, from memory alone: a sender tells from them
   * which events it still has to send, then reads only those with {@link EventOutbox.read}.
   *
   * @throws RollcallError `USAGE_INVALID` for a bad limit; `OUTBOX_CLOSED`.
   */
  pendingIds(limit = Number.POSITIVE_INFINITY): string[] {
    this.#assertUsable();
    return this.#durableEntries(limit).map((entry) => entry.id);
  }

  /**
   * The events among `ids` that are still unacknowledged, oldest first, read back from the journal
   * (ids acknowledged meanwhile are left out).
   *
   * @throws RollcallError `OUTBOX_CORRUPT` when a record no longer reads back; `OUTBOX_CLOSED`.
   */
  async read(ids: readonly string[]): Promise<RecognitionEvent[]> {
    this.#assertUsable();
    return this.#exclusive(() => {
      const wanted = new Set(ids);
      const entries: Entry[] = [];
      for (const entry of this.#pending.values()) {
        if (wanted.has(entry.id) && entry.durable) entries.push(entry);
      }
      return this.#readEntries(entries);
    });
  }

  /** Up to `limit` pending entries whose append has resolved, oldest first. */
  #durableEntries(limit: number): Entry[] {
    if (!(Number.isSafeInteger(limit) || limit === Number.POSITIVE_INFINITY) || limit < 0) {
      throw new RollcallError(ErrorCode.UsageInvalid, `limit must be an integer >= 0, got ${String(limit)}`);
    }
    const picked: Entry[] = [];
    for (const entry of this.#pending.values()) {
      if (picked.length >= limit) break;
      if (entry.durable) picked.push(entry);
    }
    return picked;
  }

  /** Reads `entries` (in journal order) back from the journal, one read per contiguous run. */
  async #readEntries(entries: Entry[]): Promise<RecognitionEvent[]> {
    const events: RecognitionEvent[] = [];
    for (const run of contiguousRuns(entries)) {
      const data = await this.#readRun(run);
      for (const entry of run.entries) {
        const at = entry.offset - run.start;
        // Without the trailing newline.
        const event = decodeEventLine(data.subarray(at, at + entry.length - 1));
        if (event === undefined || event.id !== entry.id) {
          throw new RollcallError(
            ErrorCode.OutboxCorrupt,
            `outbox journal ${this.journalFile}: the record of event ${entry.id} at byte ${entry.offset} no longer reads back`,
          );
        }
        events.push(event);
      }
    }
    return events;
  }

  /**
   * Rewrites the journal to hold only the pending events. Runs by itself when most records are
   * acknowledged (see the options); exposed for tests and maintenance. Appends wait meanwhile.
   *
   * Crash-safe at every step: the new journal is built in a temp file, fsynced, renamed over the old
   * one (atomic) and the directory fsynced. Before the rename the old journal is whole and the temp
   * file is deleted on the next open; after it the new journal holds exactly the pending records,
   * byte for byte.
   */
  async compact(): Promise<CompactionStats> {
    this.#assertUsable();
    const stats = await this.#exclusive(() => this.#compact());
    this.#emitSafely(() => this.emit('compacted', stats));
    return stats;
  }

  /**
   * Lets accepted appends and acknowledgements reach the disk, then closes the journal and releases
   * the directory. Idempotent. There is no deadline: an fsync in flight cannot be abandoned, and
   * cutting it short would lose what it was making durable.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true;
      this.#cancelRetry?.();
      try {
        await this.#exclusive(() => this.#lastTryForHeldRecords());
      } finally {
        try {
          await this.#handle.close();
        } finally {
          await this.#lock.release();
        }
      }
    })();
    return this.#closed;
  }

  /** Closing with the disk full: one more try, then the held appends fail (they were never durable). */
  async #lastTryForHeldRecords(): Promise<void> {
    if (!this.#isHolding()) return;
    await this.#flushHeld();
    const lost = this.#held.splice(0);
    const events = lost.reduce((n, batch) => n + batch.events.length, 0);
    for (const batch of lost) {
      this.#dropBatch(
        batch,
        new RollcallError(
          ErrorCode.DiskFull,
          `the outbox ${this.dir} closed while the disk was full: ${events} events held in memory ` +
            'were never written and are lost',
        ),
      );
    }
  }

  // A method, not a field read: the state changes under awaits, which narrowing ignores.
  #isHolding(): boolean {
    return this.#held.length > 0;
  }

  #heldEvents(): number {
    return this.#held.reduce((n, batch) => n + batch.events.length, 0);
  }

  #assertUsable(): void {
    if (this.#closing) throw new RollcallError(ErrorCode.OutboxClosed, `outbox ${this.dir} is closed`);
    if (this.#failed !== undefined) throw this.#failed;
  }

  /**
   * The batch the next record joins. Normally the one the next flush writes (scheduled here); while
   * the disk is full, the last held piece, written by the retry timer.
   */
  #currentBatch(): Batch {
    if (this.#diskFull !== undefined) {
      let tail = this.#held.at(-1);
      if (tail === undefined || tail.bytes >= HELD_PIECE_BYTES) {
        tail = new Batch();
        this.#held.push(tail);
      }
      return tail;
    }
    this.#batch ??= new Batch();
    if (!this.#flushQueued) this.#queueFlush();
    return this.#batch;
  }

  #queueFlush(): void {
    this.#flushQueued = true;
    void this.#exclusive(() => this.#flush());
  }

  /** While the disk is full: refuses (and counts) an event the memory hold has no room for. */
  #assertRoomToHold(id: string, bytes: number): void {
    const events = this.#heldEvents();
    const heldBytes = this.#held.reduce((n, batch) => n + batch.bytes, 0);
    if (events < this.#options.maxHeldEvents && heldBytes + bytes <= this.#options.maxHeldBytes) return;
    this.#droppedEvents++;
    throw new RollcallError(
      ErrorCode.DiskFull,
      `the disk under ${this.dir} is full and ${events} events (${heldBytes} bytes) already wait in ` +
        `memory (maxHeldEvents ${this.#options.maxHeldEvents}, maxHeldBytes ${this.#options.maxHeldBytes}); ` +
        `event ${id} was DROPPED. Free space on that disk.`,
    );
  }

  /** Runs `task` after everything queued before it; tasks never overlap. */
  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Writes and fsyncs the current batch. Never rejects: failures settle the batch instead. */
  async #flush(): Promise<void> {
    this.#flushQueued = false;
    const batch = this.#batch;
    this.#batch = undefined;
    if (batch === undefined) return;
    if (this.#failed !== undefined) {
      this.#dropBatch(batch, this.#failed);
      return;
    }
    if ((await this.#write(batch)) === 'no-space') this.#hold(batch);
  }

  /**
   * Writes `batch` at the end of the journal and fsyncs it; on success its records are durable and
   * its callers told. `no-space`: the disk had no room; the partial write was cut and the batch is
   * left unsettled for the caller to hold. Any other failure settles the batch with the error.
   */
  async #write(batch: Batch): Promise<'written' | 'no-space' | 'failed'> {
    const base = this.#size;
    try {
      await writeAll(this.#handle, Buffer.concat(batch.lines, batch.bytes), base);
    } catch (error) {
      this.#writeFailures++;
      // Cut the partial write so the next record does not start mid-line.
      let cut = true;
      try {
        await this.#handle.truncate(base);
      } catch (truncateError) {
        cut = false;
        this.#fail(`cannot cut a failed write from ${this.journalFile}`, truncateError);
      }
      if (cut && isNoSpace(error)) {
        this.#diskFilled(error);
        return 'no-space';
      }
      this.#dropBatch(
        batch,
        this.#failed ?? writeFailed(`cannot write the outbox journal ${this.journalFile}`, error),
      );
      return 'failed';
    }
    try {
      await this.#handle.datasync();
    } catch (error) {
      // After a failed fsync the kernel may have dropped the dirty pages and will not report it
      // again, so nothing written since the last good fsync can be trusted: stop, and let a reopen
      // rebuild the state from what is really on disk.
      const failure = this.#fail(`cannot fsync the outbox journal ${this.journalFile}`, error);
      this.#dropBatch(batch, failure);
      return 'failed';
    }
    this.#size = base + batch.bytes;
    this.#eventRecords += batch.events.length;
    for (const { entry, offset } of batch.events) {
      entry.offset = base + offset;
      entry.written = undefined;
      // An entry acknowledged before it was durable is already gone from the index.
      if (this.#pending.get(entry.id) === entry) {
        entry.durable = true;
        this.#durableCount++;
      }
    }
    batch.resolve();
    this.#maybeCompact();
    return 'written';
  }

  /** The first write the disk had no room for: from now on records are held (see the class comment). */
  #diskFilled(error: unknown): void {
    if (this.#diskFull !== undefined) return;
    const full = new RollcallError(
      ErrorCode.DiskFull,
      `the disk under ${this.dir} is full: cannot write the outbox journal ${this.journalFile}` +
        (error instanceof Error ? ` (${error.message})` : ''),
      { cause: error },
    );
    this.#diskFull = { since: this.#options.clock.now(), error: full, droppedBefore: this.#droppedEvents };
  }

  /**
   * Holds a batch the disk had no room for, in pieces, ahead of whatever was appended meanwhile (in
   * the next batch, then, once the disk was known full, in held pieces), for the retry timer to
   * write; its callers keep waiting.
   */
  #hold(batch: Batch): void {
    const later = this.#batch;
    this.#batch = undefined;
    this.#held = [
      ...batch.split(HELD_PIECE_BYTES),
      ...(later === undefined ? [] : later.split(HELD_PIECE_BYTES)),
      ...this.#held,
    ];
    const state = this.diskFull;
    if (state !== undefined) this.#emitSafely(() => this.emit('diskFull', state));
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    this.#cancelRetry?.();
    if (this.#closing) return;
    this.#cancelRetry = this.#options.clock.schedule(this.#options.diskFullRetryMs, () => {
      this.#cancelRetry = undefined;
      if (this.#closing || this.#heldFlushQueued) return;
      this.#heldFlushQueued = true;
      void this.#exclusive(() => this.#flushHeld());
    });
  }

  /**
   * Writes the held pieces, oldest first, each with its own write and fsync, until the disk refuses
   * one (then the timer tries again) or none is left (the disk has room again). Never rejects.
   */
  async #flushHeld(): Promise<void> {
    this.#heldFlushQueued = false;
    if (this.#diskFull === undefined) return;
    if (this.#failed === undefined) {
      try {
        await this.#freeSpaceIfAllAcknowledged();
      } catch {
        // #fail has marked the outbox unusable; the held records are dropped below.
      }
    }
    let written = 0;
    for (let batch = this.#held[0]; batch !== undefined; batch = this.#held[0]) {
      if (this.#failed !== undefined) {
        this.#dropBatch(batch, this.#failed);
        this.#held.shift();
        continue;
      }
      const outcome = await this.#write(batch);
      if (outcome === 'no-space') {
        this.#scheduleRetry();
        return;
      }
      this.#held.shift();
      if (outcome === 'written') written += batch.events.length;
    }
    this.#spaceReturned(written);
  }

  #spaceReturned(heldEvents: number): void {
    const full = this.#diskFull;
    if (full === undefined) return;
    this.#diskFull = undefined;
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    const info = {
      heldEvents,
      fullForMs: this.#options.clock.now() - full.since,
      droppedEvents: this.#droppedEvents - full.droppedBefore,
    };
    this.#emitSafely(() => this.emit('spaceReturned', info));
    // Appends from now on take the normal path; one that slipped into #batch waits for no timer.
    if (this.#batch !== undefined && !this.#flushQueued) this.#queueFlush();
  }

  /**
   * With the disk full and every event on disk acknowledged, the journal holds nothing anyone needs:
   * cut it back to its header in place. A compaction could not, as it writes a copy first. A crash
   * after the cut finds an empty journal; before it, events whose acknowledgement was not yet on
   * disk, which are then delivered again (web nodes store each event id once).
   */
  async #freeSpaceIfAllAcknowledged(): Promise<void> {
    const headerBytes = encodeHeader().length;
    if (this.#durableCount > 0 || this.#size <= headerBytes) return;
    try {
      await this.#handle.truncate(headerBytes);
      await this.#handle.datasync();
    } catch (error) {
      throw this.#fail(`cannot cut the acknowledged records from ${this.journalFile}`, error);
    }
    this.#size = headerBytes;
    this.#eventRecords = 0;
  }

  /** Settles a batch that did not reach the disk: its appends are undone, its callers told. */
  #dropBatch(batch: Batch, error: RollcallError): void {
    for (const { entry } of batch.events) {
      if (this.#pending.get(entry.id) === entry) this.#pending.delete(entry.id);
    }
    batch.reject(error);
  }

  #fail(message: string, cause: unknown): RollcallError {
    this.#failed ??= writeFailed(`${message}; reopen the outbox to continue`, cause);
    return this.#failed;
  }

  #maybeCompact(): void {
    const acked = this.#eventRecords - this.#durableCount;
    if (
      this.#compactionQueued ||
      this.#closing ||
      this.#failed !== undefined ||
      acked < this.#options.compactMinAcked ||
      acked < this.#retryCompactionAt ||
      acked <= this.#options.compactAckedRatio * this.#eventRecords
    ) {
      return;
    }
    this.#compactionQueued = true;
    void this.#exclusive(async () => {
      this.#compactionQueued = false;
      if (this.#closing || this.#failed !== undefined) return;
      let stats: CompactionStats;
      try {
        stats = await this.#compact();
        this.#retryCompactionAt = 0;
      } catch (error) {
        this.#retryCompactionAt = acked + Math.max(1, this.#options.compactMinAcked);
        this.#emitSafely(() => this.emit('compactionFailed', asRollcallError(error)));
        return;
      }
      this.#emitSafely(() => this.emit('compacted', stats));
    });
  }

  /** A throwing listener must not break the write queue. */
  #emitSafely(emit: () => void): void {
    try {
      emit();
    } catch {
      // The listener's own problem; the outbox carries on.
    }
  }

  async #compact(): Promise<CompactionStats> {
    if (this.#failed !== undefined) throw this.#failed;
    const started = performance.now();
    const bytesBefore = this.#size;
    const live = [...this.#pending.values()].filter((entry) => entry.durable);
    const tempFile = path.join(this.dir, JOURNAL_TEMP_FILE);
    const newOffsets: number[] = [];
    let size: number;
    try {
      const out = await open(tempFile, 'w');
      try {
        const header = encodeHeader();
        await writeAll(out, header, 0);
        size = header.length;
        for (const run of contiguousRuns(live)) {
          const data = await this.#readRun(run);
          await writeAll(out, data, size);
          for (const entry of run.entries) newOffsets.push(size + entry.offset - run.start);
          size += data.length;
        }
        await out.sync();
      } finally {
        await out.close();
      }
      await rename(tempFile, this.journalFile);
    } catch (error) {
      await unlink(tempFile).catch(() => undefined);
      throw writeFailed(`cannot compact the outbox journal ${this.journalFile}`, error);
    }
    // The rename is done: the new file is the journal, whatever happens next.
    try {
      await fsyncDir(this.dir);
      const previous = this.#handle;
      this.#handle = await open(this.journalFile, 'r+');
      await previous.close().catch(() => undefined);
    } catch (error) {
      throw this.#fail(`cannot switch to the compacted outbox journal ${this.journalFile}`, error);
    }
    live.forEach((entry, i) => {
      entry.offset = newOffsets[i] ?? entry.offset;
    });
    this.#size = size;
    // Entries acknowledged while this ran were copied; their acknowledgements follow in the new file.
    this.#eventRecords = live.length;
    return {
      bytesBefore,
      bytesAfter: size,
      pending: live.length,
      durationMs: performance.now() - started,
    };
  }

  #readRun(run: Run): Promise<Buffer> {
    return readExactly(this.#handle, run.start, run.end - run.start);
  }
}

interface Run {
  start: number;
  end: number;
  entries: Entry[];
}

/** Groups entries (in journal order) whose records are adjacent on disk, for few large reads. */
function* contiguousRuns(entries: readonly Entry[]): Generator<Run> {
  let run: Run | undefined;
  for (const entry of entries) {
    const end = entry.offset + entry.length;
    if (run !== undefined && entry.offset === run.end && end - run.start <= READ_RUN_BYTES) {
      run.end = end;
      run.entries.push(entry);
      continue;
    }
    if (run !== undefined) yield run;
    run = { start: entry.offset, end, entries: [entry] };
  }
  if (run !== undefined) yield run;
}

interface Replayed {
  size: number;
  pending: Map<string, Entry>;
  eventRecords: number;
  records: number;
  truncatedBytes: number;
  corruptRecords: number;
}

/**
 * Rebuilds the pending index from the journal. Everything after the last well-formed record is a
 * torn write (or damage) and is cut, so the next append starts on a clean line.
 */
async function replay(handle: FileHandle, file: string): Promise<Replayed> {
  const pending = new Map<string, Entry>();
  let eventRecords = 0;
  let records = 0;
  let lineNumber = 0;
  let goodEnd = 0;
  let badLines = 0;
  let badSinceGood = 0;
  let headerError: string | undefined;

  const { size } = await scanLines(handle, (line, offset, length) => {
    lineNumber++;
    const record = line === null ? undefined : parseRecord(line);
    if (lineNumber === 1) {
      if (record?.t !== 'h') headerError = 'it does not start with an outbox header';
      else if (record.v !== JOURNAL_FORMAT_VERSION) {
        headerError = `it is format version ${record.v}; this build reads version ${JOURNAL_FORMAT_VERSION}`;
      }
    }
    if (headerError !== undefined) return;
    if (record === undefined || (record.t === 'h' && lineNumber > 1)) {
      badLines++;
      badSinceGood++;
      return;
    }
    records++;
    goodEnd = offset + length;
    badSinceGood = 0;
    switch (record.t) {
      case 'h':
        break;
      case 'e':
        eventRecords++;
        // A second record of a pending id is never written; if one is found, the first wins.
        if (!pending.has(record.id)) {
          pending.set(record.id, {
            id: record.id,
            at: record.at,
            length,
            offset,
            durable: true,
            written: undefined,
          });
        }
        break;
      case 'a':
        for (const id of record.ids) pending.delete(id);
        break;
    }
  });
  if (headerError !== undefined || (lineNumber === 0 && size > 0)) {
    throw new RollcallError(
      ErrorCode.OutboxCorrupt,
      `${file} is not an outbox journal: ${headerError ?? 'it holds no complete record'}. ` +
        'It was left untouched; move it aside to start an empty outbox.',
    );
  }
  let end = goodEnd;
  if (size === 0) {
    // An empty file (created by hand, or by a tool): make it a journal.
    const header = encodeHeader();
    await writeAll(handle, header, 0);
    await handle.datasync();
    end = header.length;
  } else if (goodEnd < size) {
    await handle.truncate(goodEnd);
    await handle.datasync();
  }
  return {
    size: end,
    pending,
    eventRecords,
    records,
    truncatedBytes: size - goodEnd,
    corruptRecords: badLines - badSinceGood,
  };
}

/** Creates an empty journal atomically, so a journal on disk always starts with its header. */
async function createJournal(dir: string): Promise<void> {
  const tempFile = path.join(dir, JOURNAL_TEMP_FILE);
  const handle = await open(tempFile, 'w');
  try {
    await writeAll(handle, encodeHeader(), 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tempFile, path.join(dir, JOURNAL_FILE));
  await fsyncDir(dir);
}

/** Deletes `file` if present; reports whether it was there. */
async function removeIfExists(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

function assertEvent(event: RecognitionEvent): void {
  if (typeof event !== 'object' || (event as unknown) === null) {
    throw new RollcallError(ErrorCode.UsageInvalid, 'append() takes a recognition event');
  }
  if (!isEventId(event.id)) {
    throw new RollcallError(
      ErrorCode.UsageInvalid,
      `event id must be a string of 1 to ${MAX_EVENT_ID_LENGTH} characters, got ${JSON.stringify(event.id)}`,
    );
  }
  if (typeof event.at !== 'string') {
    throw new RollcallError(ErrorCode.UsageInvalid, `event ${event.id} has no capture time (at)`);
  }
  if (event.crop !== null && !((event.crop as unknown) instanceof Uint8Array)) {
    throw new RollcallError(ErrorCode.UsageInvalid, `event ${event.id}: crop must be a Uint8Array or null`);
  }
}

/** Whether a write failed for lack of space (the disk, or the user's quota on it). */
function isNoSpace(error: unknown): boolean {
  const code = errnoCode(error);
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function writeFailed(message: string, cause: unknown): RollcallError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new RollcallError(ErrorCode.OutboxWriteFailed, `${message}${detail}`, { cause });
}

function asRollcallError(error: unknown): RollcallError {
  return error instanceof RollcallError ? error : writeFailed('outbox operation failed', error);
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
