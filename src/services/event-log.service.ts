/**
 * The audit trail of recognition events, as the web node stored them (`GET /api/v1/events`), and
 * the face crop each named or unknown event kept (`GET /api/v1/events/:id/crop.jpg`).
 */
import { ErrorCode, RollcallError } from '../core/index.js';
import type { EventQuery, Page, Store, StoredEvent, UserRole } from '../store/index.js';

export class EventLogService {
  constructor(private readonly deps: { store: Pick<Store, 'listEvents' | 'getEvent' | 'getEventCrop'> }) {}

  /** Events with `at` in `[from, to)`, oldest first, optionally of one type or person. */
  list(query: EventQuery): Promise<Page<StoredEvent>> {
    return this.deps.store.listEvents(query);
  }

  /**
   * The crop an event kept (JPEG from the node). Viewers see people arrive on the home page and in
   * the live view, so they may have the crop of a person who was named; a face nobody could name is
   * for the administrators' review only.
   *
   * @throws RollcallError `NOT_FOUND` for no such event or no crop (a sighting, or retention or an
   *   erasure dropped it), `FORBIDDEN` for a viewer asking for an unknown face.
   */
  async crop(id: string, role: UserRole): Promise<Uint8Array> {
    const { store } = this.deps;
    const event = await store.getEvent(id);
    if (!event) throw new RollcallError(ErrorCode.NotFound, `no recognition event with id ${id}`);
    if (role !== 'admin' && event.type === 'unknown') {
      throw new RollcallError(ErrorCode.Forbidden, 'the faces nobody could name are for administrators only');
    }
    const crop = event.hasCrop ? await store.getEventCrop(id) : null;
    if (!crop) throw new RollcallError(ErrorCode.NotFound, `no picture for recognition event ${id}`);
    return crop;
  }
}
