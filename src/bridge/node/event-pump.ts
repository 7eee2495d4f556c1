/**
 * Sends one web node the outbox's pending events it has not had, oldest first, while its socket
 * accepts them and fewer than `maxUnackedEvents` await its acknowledgement. Events are read from the
 * outbox each time rather than queued, so a slow web node costs disk reads, not memory. While a step
 * runs the pump is {@link EventPump.busy}, and the connection holds live frames back until it is
 * idle again: on a link too slow for both, events go first.
 */
import type { RecognitionEvent } from '../../core/index.js';
import type { Clock } from '../../shared/index.js';
import type { NodeOutbox } from './node-outbox.js';

/** Events fetched from the outbox per step. */
const EVENT_BATCH = 64;

/** The connection the pump feeds. */
export interface PumpTarget {
  /** The connection ended: stop. */
  closed(): boolean;
  /** The socket accepts more now (open and not backpressured). */
  canWrite(): boolean;
  send(event: RecognitionEvent): void;
  /** Reading the outbox failed (reported unless the connection closed meanwhile). */
  failed(error: unknown): void;
  /** A step ended with no other to follow: what the socket has room for may go to others (frames). */
  idle(): void;
}

export class EventPump {
  readonly #outbox: NodeOutbox;
  readonly #clock: Clock;
  readonly #maxUnackedEvents: number;
  readonly #resendAfterMs: number;
  readonly #target: PumpTarget;
  /** Event ids sent and not yet known to be acknowledged, with when they were sent. */
  #sent = new Map<string, number>();
  #pumping = false;
  #pumpAgain = false;
  #pruneDue = false;

  constructor(
    outbox: NodeOutbox,
    clock: Clock,
    limits: { maxUnackedEvents: number; resendAfterMs: number },
    target: PumpTarget,
  ) {
    this.#outbox = outbox;
    this.#clock = clock;
    this.#maxUnackedEvents = limits.maxUnackedEvents;
    this.#resendAfterMs = limits.resendAfterMs;
    this.#target = target;
  }

  /** Sends what can be sent now; a call while a step runs makes it go round once more. */
  pump(): void {
    if (this.#target.closed()) return;
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    this.#run().then(
      () => {
        this.#pumping = false;
        if (this.#pumpAgain) {
          this.#pumpAgain = false;
          this.pump();
          return;
        }
        if (!this.#target.closed()) this.#target.idle();
      },
      (error: unknown) => {
        this.#pumping = false;
        if (this.#target.closed()) return;
        this.#target.failed(error);
        this.#target.idle();
      },
    );
  }

  /** A step is running: reading the outbox, or sending what it read. */
  get busy(): boolean {
    return this.#pumping;
  }

  /** The next step re-reads the outbox even with a full window (at each heartbeat). */
  pruneNext(): void {
    this.#pruneDue = true;
  }

  /** This web node acknowledged these events. */
  acked(ids: readonly string[]): void {
    for (const id of ids) this.#sent.delete(id);
  }

  /** The connection ended: forget what was sent. */
  clear(): void {
    this.#sent.clear();
  }

  // Read through a method: the flag changes under awaits, which narrowing ignores.
  #pumpRequested(): boolean {
    return this.#pumpAgain;
  }

  async #run(): Promise<void> {
    const outbox = this.#outbox;
    const maxUnackedEvents = this.#maxUnackedEvents;
    for (;;) {
      this.#pumpAgain = false;
      if (!this.#target.canWrite()) return;
      const room = maxUnackedEvents - this.#sent.size;
      // A full window moves only on acknowledgements: from this web node (deleted from #sent on
      // ACK), or from another one (noticed by the pruning read at each heartbeat).
      if (room <= 0 && !this.#pruneDue) return;
      this.#pruneDue = false;
      // Events only ever leave the head of the outbox or join its tail, and this connection is sent
      // them in order, so the ones it still awaits an ACK for are a prefix: the ids of that prefix
      // plus a batch (from memory) tell both what is new and which sent ones were acknowledged
      // meanwhile; only the events to send are read back from disk.
      const ids = outbox.pendingIds(this.#sent.size + Math.max(0, Math.min(EVENT_BATCH, room)));
      const now = this.#clock.now();
      const stillSent = new Map<string, number>();
      const due: string[] = [];
      for (const id of ids) {
        const sentAt = this.#sent.get(id);
        if (sentAt !== undefined && now - sentAt < this.#resendAfterMs) stillSent.set(id, sentAt);
        else if (stillSent.size + due.length < maxUnackedEvents) due.push(id);
      }
      this.#sent = stillSent;
      // Events acknowledged (by any web node) during the read are left out by it.
      const toSend = due.length > 0 ? await outbox.read(due) : [];
      if (this.#target.closed()) return;
      for (const event of toSend) {
        if (!this.#target.canWrite()) break;
        this.#sent.set(event.id, now);
        this.#target.send(event);
      }
      if (toSend.length === 0 && !this.#pumpRequested()) return;
    }
  }
}
