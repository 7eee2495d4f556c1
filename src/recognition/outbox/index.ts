/**
 * The recognition node's durable outbox: events are appended before they are sent and forgotten
 * only when a web node acknowledges them.
 */
export {
  EventOutbox,
  JOURNAL_FILE,
  JOURNAL_TEMP_FILE,
  resolveEventOutboxOptions,
  type CompactionStats,
  type DiskFullState,
  type EventOutboxEvents,
  type EventOutboxOptions,
  type OutboxRecovery,
  type ResolvedEventOutboxOptions,
} from './event-outbox.js';
export { LOCK_FILE } from './owner-lock.js';
export { MAX_EVENT_ID_LENGTH } from './journal.js';
