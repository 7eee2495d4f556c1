/** The audit trail of recognition events, as the web node stored them (`GET /api/v1/events`). */
import type { EventQuery, Page, Store, StoredEvent } from '../store/index.js';

export class EventLogService {
  constructor(private readonly deps: { store: Pick<Store, 'listEvents'> }) {}

  /** Events with `at` in `[from, to)`, oldest first, optionally of one type or person. */
  list(query: EventQuery): Promise<Page<StoredEvent>> {
    return this.deps.store.listEvents(query);
  }
}
