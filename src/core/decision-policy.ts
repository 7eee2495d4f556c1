/**
 * The decision step of identification, separated from the search: evaluation finds each probe's
 * nearest people once, then applies a policy, so policies can be compared without searching again.
 */
import { decide, type MatchDecision, type MatchThresholds, type NearestPerson } from './matcher.js';
import type { FaceQuality } from './quality.js';
import { qualityProblems, type QualityGates } from './quality-gates.js';

/** What a policy may know about the face besides its nearest people. */
export interface PolicyFace {
  quality: FaceQuality;
}

/**
 * Turns the nearest enrolled people of a face (ascending by distance; the two nearest, found without
 * a distance limit, so a policy can weigh the runner-up) into a decision.
 */
export type DecisionPolicy = (nearest: readonly NearestPerson[], face: PolicyFace) => MatchDecision;

/** One enrolled person as a policy factory sees them (the shape calibration takes). */
export interface PolicyPerson {
  personId: string;
  descriptors: readonly Float32Array[];
}

/**
 * Makes the policy for one gallery. A calibrated policy sets its thresholds from the enrolled people
 * themselves (how close different people come), so evaluation makes one per gallery it measures.
 */
export type PolicyFactory = (gallery: readonly PolicyPerson[]) => DecisionPolicy;

/**
 * The live system's rule: a face below `gates` is never named (naming someone from a tiny or smeared
 * face is how strangers get marked present); otherwise {@link decide} with `thresholds`.
 *
 * @param gates - quality a face needs before it may be named; `null` names any face (the stock
 *   face-api baseline has no such gate).
 */
export function thresholdPolicy(thresholds: MatchThresholds, gates: QualityGates | null): DecisionPolicy {
  // Checked once here rather than on every probe: decide() throws for bad thresholds.
  decide([], thresholds);
  return (nearest, face) => {
    if (gates !== null && qualityProblems(face.quality, gates).length > 0) {
      return { kind: 'unknown', distance: nearest[0]?.distance ?? Infinity };
    }
    return decide(nearest, thresholds);
  };
}
