/**
 * Recognition events from the nodes become attendance on the web node: stored once by event id
 * (a node may deliver an event again after a reconnect), applied to the person's record for the
 * local day, and unknown faces kept for review. The bridge acknowledges an event only after this
 * resolves, so an event that could not be stored is delivered again later.
 *
 * Each event counts at the time core `eventTime` gives: the node's clock, corrected by the node's
 * skew measured from its heartbeats when that is beyond the tolerance (the node's own reading is
 * stored beside it as `nodeAt`).
 */
import {
  ErrorCode,
  eventTime,
  isRollcallError,
  RollcallError,
  type AttendanceRules,
  type RecognitionEvent,
} from '../core/index.js';
import { systemClock, type Clock } from '../shared/index.js';
import type { ReceivedEvent, Store } from '../store/index.js';

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

  /** @param deps.rules - read at every event, so a time zone changed in the settings applies at once. */
  constructor(
    private readonly deps: {
      store: Store;
      rules: AttendanceRules | (() => AttendanceRules);
      /** @defaultValue the system clock */
      clock?: Clock;
    },
  ) {}

  #rules(): AttendanceRules {
    const { rules } = this.deps;
    return typeof rules === 'function' ? rules() : rules;
  }

  /** Set while events cannot be stored; undefined once one is (or before any failed). */
  get failing(): IngestFailure | undefined {
    return this.#failing;
  }

  async ingest(event: RecognitionEvent, arrival?: EventArrival): Promise<IngestOutcome> {
    const received = this.#received(event, arrival);
    let outcome: IngestOutcome;
    try {
      switch (received.type) {
        case 'recognized':
        case 'sighting':
          outcome = { stored: (await this.deps.store.recordAttendance(received, this.#rules())).inserted };
          break;
        case 'unknown':
          outcome = { stored: (await this.deps.store.recordUnknownFace(received)).inserted };
          break;
      }
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

  /** The event as the store keeps it: counted at {@link eventTime}, the node's reading kept when it differs. */
  #received(event: RecognitionEvent, arrival: EventArrival | undefined): ReceivedEvent {
    const clock = this.deps.clock ?? systemClock;
    const time = eventTime(event.at, { atMs: clock.now(), clockSkewMs: arrival?.clockSkewMs });
    return time.nodeAt === null ? event : { ...event, at: time.at, nodeAt: time.nodeAt };
  }

  #failed(error: unknown): void {
    const failure =
      error instanceof RollcallError
        ? error
        : new RollcallError(ErrorCode.StoreFailed, error instanceof Error ? error.message : String(error));
    const clock = this.deps.clock ?? systemClock;
    this.#failing = {
      since: this.#failing?.since ?? new Date(clock.now()).toISOString(),
      error: failure,
      failures: (this.#failing?.failures ?? 0) + 1,
    };
  }
}
