/**
 * Recognition events from the nodes become attendance on the web node: stored once by event id
 * (a node may deliver an event again after a reconnect), applied to the person's record for the
 * local day, and unknown faces kept for review. The bridge acknowledges an event only after this
 * resolves, so an event that could not be stored is delivered again later.
 *
 * With webhooks, the record a camera makes for a person's day is told as `attendance.marked` and
 * a stored unknown face as `unknown.face`. A redelivered event tries again (the web node may have
 * stopped after storing it and before claiming its webhook event); the store's claim keeps each
 * webhook event once.
 */
import {
  ErrorCode,
  isRollcallError,
  markedEvent,
  unknownFaceEvent,
  type AttendanceRules,
  type RecognitionEvent,
} from '../core/index.js';
import { systemClock, type Clock } from '../shared/index.js';
import type { Store } from '../store/index.js';
import type { WebhookEmitter } from './webhook-emitter.service.js';

export interface AttendanceServiceDeps {
  store: Pick<Store, 'recordAttendance' | 'recordUnknownFace'>;
  /** Read at every event, so a time zone changed in the settings applies at once. */
  rules: AttendanceRules | (() => AttendanceRules);
  /** Where `attendance.marked` and `unknown.face` go. @defaultValue none: no webhooks */
  webhooks?: Pick<WebhookEmitter, 'emit'>;
  /** Stamps webhook events. @defaultValue {@link systemClock} */
  clock?: Pick<Clock, 'now'>;
}

export interface IngestOutcome {
  stored: boolean;
  /** Set when the event can never be stored (it is acknowledged anyway, or replay would loop). */
  refused?: string;
}

export class AttendanceService {
  constructor(private readonly deps: AttendanceServiceDeps) {}

  #rules(): AttendanceRules {
    const { rules } = this.deps;
    return typeof rules === 'function' ? rules() : rules;
  }

  async ingest(event: RecognitionEvent): Promise<IngestOutcome> {
    try {
      const { store, webhooks } = this.deps;
      const now = (): string => new Date((this.deps.clock ?? systemClock).now()).toISOString();
      switch (event.type) {
        case 'recognized':
        case 'sighting': {
          const { inserted, attendance } = await store.recordAttendance(event, this.#rules());
          // eventCount 1: the first camera sighting of the person's day (a record made by hand has
          // 0). A second one within the cooldown leaves it at 1 and emits again; the claim keeps one.
          if (webhooks && attendance && (!inserted || attendance.eventCount === 1))
            await webhooks.emit(markedEvent(attendance, event.id, now()));
          return { stored: inserted };
        }
        case 'unknown': {
          const { inserted, face } = await store.recordUnknownFace(event);
          if (webhooks) await webhooks.emit(unknownFaceEvent(face, now()));
          return { stored: inserted };
        }
      }
    } catch (error) {
      // Invalid input will be invalid on every delivery: acknowledge it and say why. Anything
      // else (a busy or closed store) rejects, so the node keeps the event and sends it again.
      if (isRollcallError(error, ErrorCode.StoreInvalid)) return { stored: false, refused: error.message };
      throw error;
    }
  }
}
