/** Records gathered for one write and one fsync of the outbox journal (group commit). */

/** What the outbox keeps in memory about one event record. */
export interface Entry {
  readonly id: string;
  /** The event's capture time, for `oldestPendingAt`. */
  readonly at: string;
  /** Byte length of the record, newline included. */
  readonly length: number;
  /** Byte offset of the record in the journal; meaningful once `durable`. */
  offset: number;
  /** Written and fsynced. */
  durable: boolean;
  /** Settles when the batch carrying the record is durable; dropped after. */
  written: Promise<void> | undefined;
}

export class Batch {
  readonly lines: Buffer[] = [];
  bytes = 0;
  /** Event entries with their offset within the batch. */
  readonly events: { entry: Entry; offset: number }[] = [];
  readonly settled: Promise<void>;
  resolve!: () => void;
  reject!: (error: Error) => void;

  constructor() {
    this.settled = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Every caller awaits `settled`; this only keeps a batch nobody awaits from crashing the process.
    this.settled.catch(() => undefined);
  }

  add(line: Buffer, entry?: Entry): void {
    if (entry !== undefined) this.events.push({ entry, offset: this.bytes });
    this.lines.push(line);
    this.bytes += line.length;
  }

  /**
   * Appends `later`'s records after this batch's, to be written by the same write; `later` settles
   * when this one does. A batch held back by a full disk takes in what was appended meanwhile.
   */
  absorb(later: Batch): void {
    const shift = this.bytes;
    for (const { entry, offset } of later.events) this.events.push({ entry, offset: shift + offset });
    this.lines.push(...later.lines);
    this.bytes += later.bytes;
    this.settled.then(later.resolve, later.reject);
  }
}
