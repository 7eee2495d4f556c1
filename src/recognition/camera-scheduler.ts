/**
 * Shares the face-engine threads among the cameras of a node, so that one busy camera cannot starve
 * another. Each camera asks for a thread when it has a frame waiting (its pipeline keeps only the
 * newest one, so a camera that floods frames still asks for one thread at a time). A free thread
 * goes to the waiting camera with the fewest frames in flight, and among those to the one served
 * longest ago: round robin, in frames. With N cameras always waiting, each gets 1/N of the
 * analysed frames; a camera alone gets every thread (no thread idles while a frame waits).
 *
 * Frames, not engine time, are the unit on purpose: the promise to a user is a rate per camera
 * ("every camera ≥ 5 analysed fps"), and a frame with many faces is dearer only while those faces
 * are new (the tracker skips describing settled ones).
 */

/** One camera's access to the shared engine threads. */
export interface EngineSlots {
  /**
   * Calls `done(true)` once a thread is this camera's, at once when one is free and it is this
   * camera's turn; `done(false)` when the request is cancelled. Requests are served in order.
   */
  request(done: (granted: boolean) => void): void;
  /** Gives back a thread granted earlier. */
  release(): void;
  /** Answers every request not yet granted with `false` (the camera is closing). */
  cancel(): void;
}

export interface CameraSchedulerOptions {
  /** Frames analysed at once across every camera: the pool's thread count. */
  slots: number;
}

/** One camera's share, as `stats()` reports it. */
export interface CameraShare {
  cameraId: string;
  inFlight: number;
  waiting: number;
  /** Threads granted since the start. */
  granted: number;
}

interface Lane {
  cameraId: string;
  inFlight: number;
  pending: ((granted: boolean) => void)[];
  granted: number;
  /** When this camera was last served (a grant counter), for the round robin. */
  lastServed: number;
}

export class CameraScheduler {
  readonly slots: number;
  readonly #lanes = new Map<string, Lane>();
  #busy = 0;
  #served = 0;

  constructor(options: CameraSchedulerOptions) {
    if (!Number.isInteger(options.slots) || options.slots < 1) {
      throw new RangeError(`slots must be a whole number of at least 1, got ${options.slots}`);
    }
    this.slots = options.slots;
  }

  /** The slots of one camera; each camera has exactly one lane. */
  lane(cameraId: string): EngineSlots {
    if (this.#lanes.has(cameraId)) throw new RangeError(`camera "${cameraId}" already has a lane`);
    const lane: Lane = { cameraId, inFlight: 0, pending: [], granted: 0, lastServed: 0 };
    this.#lanes.set(cameraId, lane);
    return {
      request: (done) => {
        lane.pending.push(done);
        this.#dispatch();
      },
      release: () => {
        if (lane.inFlight === 0)
          throw new RangeError(`camera "${cameraId}" released a thread it did not hold`);
        lane.inFlight--;
        this.#busy--;
        this.#dispatch();
      },
      cancel: () => {
        for (const done of lane.pending.splice(0)) done(false);
      },
    };
  }

  stats(): CameraShare[] {
    return [...this.#lanes.values()].map(({ cameraId, inFlight, pending, granted }) => ({
      cameraId,
      inFlight,
      waiting: pending.length,
      granted,
    }));
  }

  /**
   * Hands free threads to waiting cameras, fairest first. Counters change before `done` runs, so a
   * `request` or `release` made from inside `done` dispatches from a consistent state.
   */
  #dispatch(): void {
    while (this.#busy < this.slots) {
      const lane = this.#next();
      if (!lane) return;
      const done = lane.pending.shift() as (granted: boolean) => void;
      lane.inFlight++;
      lane.granted++;
      lane.lastServed = ++this.#served;
      this.#busy++;
      done(true);
    }
  }

  /** The waiting camera with the fewest frames in flight, then the one served longest ago. */
  #next(): Lane | undefined {
    let best: Lane | undefined;
    for (const lane of this.#lanes.values()) {
      if (lane.pending.length === 0) continue;
      if (
        !best ||
        lane.inFlight < best.inFlight ||
        (lane.inFlight === best.inFlight && lane.lastServed < best.lastServed)
      ) {
        best = lane;
      }
    }
    return best;
  }
}
