/**
 * The review of an unknown face as a state machine: an open face is assigned to a person or
 * dismissed, once. Pure; the store runs it inside the transaction that writes the decision, so two
 * reviewers deciding one face at the same moment (on two web nodes) cannot both win.
 */
import { ErrorCode, RollcallError } from './errors.js';

export type UnknownFaceStatus = 'open' | 'assigned' | 'dismissed';

/** What the rule needs to know of a face. */
export interface UnknownFaceState {
  id: string;
  status: UnknownFaceStatus;
  assignedPersonId: string | null;
  decidedAt: string | null;
}

export type UnknownFaceDecision =
  | { status: 'assigned'; personId: string }
  | { status: 'dismissed' }
  /** Undoes an assignment whose follow-up failed, only while it is still that assignment. */
  | { status: 'open'; undo: { personId: string; decidedAt: string } };

/**
 * How a repeated decision (the face is already assigned to that person, or already dismissed) is
 * answered: `unchanged` returns the face as it is (a retried request), `conflict` refuses it (the
 * caller must know it made the decision, e.g. before it enrolls the crop).
 */
export type RepeatedDecision = 'unchanged' | 'conflict';

/** A rule over one decision; returns whether to write it, or throws to refuse it. */
export type UnknownFaceRule = (
  face: UnknownFaceState,
  decision: UnknownFaceDecision,
) => 'write' | 'unchanged';

/**
 * The state machine: open → assigned | dismissed; assigned → open only as the undo of that very
 * assignment. Everything else is a conflict.
 *
 * @throws RollcallError `STORE_CONFLICT` naming the face's state.
 */
export function decideUnknownFace(
  face: UnknownFaceState,
  decision: UnknownFaceDecision,
  repeated: RepeatedDecision = 'unchanged',
): 'write' | 'unchanged' {
  if (decision.status === 'open') {
    const { personId, decidedAt } = decision.undo;
    if (face.status === 'assigned' && face.assignedPersonId === personId && face.decidedAt === decidedAt) {
      return 'write';
    }
    throw new RollcallError(ErrorCode.StoreConflict, `unknown face ${face.id} was decided again since`);
  }
  const personId = decision.status === 'assigned' ? decision.personId : null;
  if (face.status === decision.status && face.assignedPersonId === personId && repeated === 'unchanged') {
    return 'unchanged';
  }
  if (face.status !== 'open') {
    throw new RollcallError(ErrorCode.StoreConflict, `unknown face ${face.id} is already ${face.status}`);
  }
  return 'write';
}

/** {@link decideUnknownFace} refusing a repeated decision: exactly one of two equal requests wins. */
export const decideUnknownFaceOnce: UnknownFaceRule = (face, decision) =>
  decideUnknownFace(face, decision, 'conflict');
