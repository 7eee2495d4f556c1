/**
 * Where the node's events wait for a web node's acknowledgement, as the bridge server uses it. The
 * durable implementation is `EventOutbox` in `src/recognition`; the server reads and acknowledges,
 * never opens or closes it.
 */
import type { RecognitionEvent } from '../../core/index.js';

export interface NodeOutbox {
  /** Events not yet acknowledged. */
  readonly depth: number;
  /** Stores an event durably. */
  append(event: RecognitionEvent): Promise<void>;
  /** Ids of the oldest pending events that are stored durably, oldest first, at most `limit`. */
  pendingIds(limit?: number): string[];
  /** The events of those ids still pending, in outbox order (acknowledged ones are left out). */
  read(ids: readonly string[]): Promise<RecognitionEvent[]>;
  /** Forgets acknowledged events. */
  ack(ids: readonly string[]): Promise<number>;
}
