/**
 * Recognition events from the nodes become attendance on the web node: stored once by event id
 * (a node may deliver an event again after a reconnect), applied to the person's record for the
 * local day, and unknown faces kept for review. The bridge acknowledges an event only after this
 * resolves, so an event that could not be stored is delivered again later.
 */
import { ErrorCode, isRollcallError, type AttendanceRules, type RecognitionEvent } from '../core/index.js';
import type { Store } from '../store/index.js';

export interface IngestOutcome {
  stored: boolean;
  /** Set when the event can never be stored (it is acknowledged anyway, or replay would loop). */
  refused?: string;
}

export class AttendanceService {
  /** @param deps.rules - read at every event, so a time zone changed in the settings applies at once. */
  constructor(private readonly deps: { store: Store; rules: AttendanceRules | (() => AttendanceRules) }) {}

  #rules(): AttendanceRules {
    const { rules } = this.deps;
    return typeof rules === 'function' ? rules() : rules;
  }

  async ingest(event: RecognitionEvent): Promise<IngestOutcome> {
    try {
      switch (event.type) {
        case 'recognized':
        case 'sighting':
          return { stored: (await this.deps.store.recordAttendance(event, this.#rules())).inserted };
        case 'unknown':
          return { stored: (await this.deps.store.recordUnknownFace(event)).inserted };
      }
    } catch (error) {
      // Invalid input will be invalid on every delivery: acknowledge it and say why. Anything
      // else (a busy or closed store) rejects, so the node keeps the event and sends it again.
      if (isRollcallError(error, ErrorCode.StoreInvalid)) return { stored: false, refused: error.message };
      throw error;
    }
  }
}
