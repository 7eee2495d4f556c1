/**
 * What erasing a person removes. Everything biometric always goes; attendance is the
 * organisation's record of who was present and is kept (with the name as it was) unless asked.
 * Pure: each store adapter maps every step to its own statements (`satisfies Record<ErasureStep, …>`
 * makes a new step a compile error in every adapter) and runs the steps this returns, in order.
 */

/**
 * - `descriptors`, `photos`: the person's enrollment.
 * - `eventCrops`: the face crops of their recognition events and of unknown faces assigned to
 *   them; the events stay in the audit trail without a face.
 * - `unknownFaces`: the unknown faces assigned to them (after their crops).
 * - `attendance`: their attendance records and the corrections made to them.
 */
export type ErasureStep = 'descriptors' | 'photos' | 'eventCrops' | 'unknownFaces' | 'attendance';

export interface ErasureOptions {
  /** Also erase attendance and its corrections. @defaultValue false */
  eraseAttendance?: boolean;
}

/** The steps of erasing a person, in the order they must run. */
export function erasureSteps(options: ErasureOptions = {}): ErasureStep[] {
  const steps: ErasureStep[] = ['descriptors', 'photos', 'eventCrops', 'unknownFaces'];
  if (options.eraseAttendance === true) steps.push('attendance');
  return steps;
}
