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
  /** Settles when the record is durable (or will never be); dropped after. */
  written: Promise<void> | undefined;
}

interface Settle {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A promise with its settle functions; a rejection nobody awaits does not crash the process. */
function deferred(): { promise: Promise<void> } & Settle {
  let settle!: Settle;
  const promise = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  promise.catch(() => undefined);
  return { promise, ...settle };
}

export class Batch {
  readonly lines: Buffer[] = [];
  bytes = 0;
  /** Event entries with their offset within the batch, and what settles each one's append. */
  readonly events: { entry: Entry; offset: number; settle: Settle }[] = [];
  /** Settles when every record of the batch is durable (acknowledgements wait on this). */
  readonly settled: Promise<void>;
  readonly #settle: Settle;

  constructor() {
    const whole = deferred();
    this.settled = whole.promise;
    this.#settle = whole;
  }

  /** Adds a record; for an event, sets `entry.written` to what settles when that record is durable. */
  add(line: Buffer, entry?: Entry): void {
    if (entry !== undefined) {
      const own = deferred();
      entry.written = own.promise;
      this.events.push({ entry, offset: this.bytes, settle: own });
    }
    this.lines.push(line);
    this.bytes += line.length;
  }

  resolve(): void {
    for (const { settle } of this.events) settle.resolve();
    this.#settle.resolve();
  }

  reject(error: Error): void {
    for (const { settle } of this.events) settle.reject(error);
    this.#settle.reject(error);
  }

  /**
   * The same records as batches of about `maxBytes` (a record larger than that makes a batch of its
   * own), in order, to be written one by one when a full disk has room for some but not all. Each
   * event settles with the piece that carries it; this batch's `settled`, once all have.
   */
  split(maxBytes: number): Batch[] {
    const pieces: Batch[] = [];
    let piece: Batch | undefined;
    let lineOffset = 0;
    let next = 0;
    for (const line of this.lines) {
      if (piece === undefined || (piece.bytes > 0 && piece.bytes + line.length > maxBytes)) {
        piece = new Batch();
        pieces.push(piece);
      }
      const event = this.events[next];
      if (event !== undefined && event.offset === lineOffset) {
        piece.events.push({ entry: event.entry, offset: piece.bytes, settle: event.settle });
        next++;
      }
      piece.lines.push(line);
      piece.bytes += line.length;
      lineOffset += line.length;
    }
    Promise.all(pieces.map((p) => p.settled)).then(
      () => {
        this.#settle.resolve();
      },
      (error: unknown) => {
        this.#settle.reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
    return pieces;
  }
}
