/**
 * Recognition events from the nodes become attendance on the web node: stored once by event id
 * (a node may deliver an event again after a reconnect), applied to the person's record for the
 * local day, and unknown faces kept for review. The bridge acknowledges an event only after this
 * resolves, so an event that could not be stored is delivered again later.
 *
 * Each event counts at the time core `eventTime` gives: the node's clock, corrected by the node's
 * skew measured from its heartbeats when that is beyond the tolerance (the node's own reading is
 * stored beside it as `nodeAt`).
 *
 * With webhooks, the record a camera makes for a person's day is told as `attendance.marked` and
 * a stored unknown face as `unknown.face`. A redelivered event tries again (the web node may have
 * stopped after storing it and before claiming its webhook event); the store's claim keeps each
 * webhook event once.
 */
import {
  ErrorCode,
  eventTime,
  isRollcallError,
  markedEvent,
  RollcallError,
  unknownFaceEvent,
  type AttendanceRules,
  type RecognitionEvent,
} from '../core/index.js';
import { systemClock, type Clock } from '../shared/index.js';
import type { ReceivedEvent, Store } from '../store/index.js';
import type { WebhookEmitter } from './webhook-emitter.service.js';

export interface AttendanceServiceDeps {
  store: Pick<Store, 'recordAttendance' | 'recordUnknownFace'>;
  /** Read at every event, so a time zone changed in the settings applies at once. */
  rules: AttendanceRules | (() => AttendanceRules);
  /** Where `attendance.marked` and `unknown.face` go. @defaultValue none: no webhooks */
  webhooks?: Pick<WebhookEmitter, 'emit'>;
  /** Corrects skewed events and stamps webhook events. @defaultValue {@link systemClock} */
  clock?: Pick<Clock, 'now'>;
}

export interface IngestOutcome {
  stored: boolean;
  /** Set when the event can never be stored (it is acknowledged anyway, or replay would loop). */
  refused?: string;
}

/** What the web node knows of an event's node as it arrives. */
export interface EventArrival {
  /** The node's clock minus this web node's, from its heartbeats; undefined when unknown. */
  clockSkewMs: number | undefined;
}

/** Events cannot be stored right now: the last attempt failed (a full disk, a store that is down). */
export interface IngestFailure {
  /** The first failure of this run (ISO 8601). */
  since: string;
  /** The latest failure. */
  error: RollcallError;
  /** Deliveries refused since; each event stays in its node's outbox and comes again. */
  failures: number;
}

export class AttendanceService {
  #failing: IngestFailure | undefined;

  constructor(private readonly deps: AttendanceServiceDeps) {}

  #rules(): AttendanceRules {
    const { rules } = this.deps;
    return typeof rules === 'function' ? rules() : rules;
  }

  #now(): number {
    return (this.deps.clock ?? systemClock).now();
  }

  /** Set while events cannot be stored; undefined once one is (or before any failed). */
  get failing(): IngestFailure | undefined {
    return this.#failing;
  }

  async ingest(event: RecognitionEvent, arrival?: EventArrival): Promise<IngestOutcome> {
    const received = this.#received(event, arrival);
    let outcome: IngestOutcome;
    try {
      outcome = await this.#store(received);
    } catch (error) {
      // Invalid input will be invalid on every delivery: acknowledge it and say why. Anything
      // else (a full disk, a busy or closed store) rejects, so the node keeps the event and sends
      // it again.
      if (isRollcallError(error, ErrorCode.StoreInvalid)) return { stored: false, refused: error.message };
      this.#failed(error);
      throw error;
    }
    this.#failing = undefined;
    return outcome;
  }

  async #store(received: ReceivedEvent): Promise<IngestOutcome> {
    const { store, webhooks } = this.deps;
    const now = (): string => new Date(this.#now()).toISOString();
    switch (received.type) {
      case 'recognized':
      case 'sighting': {
        const { inserted, attendance } = await store.recordAttendance(received, this.#rules());
        // eventCount 1: the first camera sighting of the person's day (a record made by hand has
        // 0). A second one within the cooldown leaves it at 1 and emits again; the claim keeps one.
        if (webhooks && attendance && (!inserted || attendance.eventCount === 1))
          await webhooks.emit(markedEvent(attendance, received.id, now()));
        return { stored: inserted };
      }
      case 'unknown': {
        const { inserted, face } = await store.recordUnknownFace(received);
        if (webhooks) await webhooks.emit(unknownFaceEvent(face, now()));
        return { stored: inserted };
      }
    }
  }

  /** The event as the store keeps it: counted at {@link eventTime}, the node's reading kept when it differs. */
  #received(event: RecognitionEvent, arrival: EventArrival | undefined): ReceivedEvent {
    const time = eventTime(event.at, { atMs: this.#now(), clockSkewMs: arrival?.clockSkewMs });
    return time.nodeAt === null ? event : { ...event, at: time.at, nodeAt: time.nodeAt };
  }

  #failed(error: unknown): void {
    const failure =
      error instanceof RollcallError
        ? error
        : new RollcallError(ErrorCode.StoreFailed, error instanceof Error ? error.message : String(error));
    this.#failing = {
      since: this.#failing?.since ?? new Date(this.#now()).toISOString(),
      error: failure,
      failures: (this.#failing?.failures ?? 0) + 1,
    };
  }
}
