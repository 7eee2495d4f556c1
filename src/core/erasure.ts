/**
 * What erasing a person removes. Everything biometric always goes; attendance is the
 * organisation's record that someone was present and is kept, anonymised, unless asked.
 * Pure: each store adapter maps every step to its own statements (`satisfies Record<ErasureStep, …>`
 * makes a new step a compile error in every adapter) and runs the steps this returns, in order.
 */

/**
 * - `descriptors`, `photos`: the person's enrollment.
 * - `eventCrops`: the face crops of their recognition events and of unknown faces assigned to
 *   them; the events stay in the audit trail without a face.
 * - `unknownFaces`: the unknown faces assigned to them (after their crops).
 * - `attendance`: their attendance records, the corrections made to them, their excused sessions.
 * - `anonymiseAttendance`: instead of `attendance`, their records stay under their id with the name
 *   "Deleted person #N" (N from the store's own sequence), in the records and in the corrections'
 *   snapshots, so a later enrollee with the same name is never mistaken for them.
 */
export type ErasureStep =
  'descriptors' | 'photos' | 'eventCrops' | 'unknownFaces' | 'attendance' | 'anonymiseAttendance';

export interface ErasureOptions {
  /** Also erase attendance and its corrections. @defaultValue false */
  eraseAttendance?: boolean;
}

/** The steps of erasing a person, in the order they must run. */
export function erasureSteps(options: ErasureOptions = {}): ErasureStep[] {
  const steps: ErasureStep[] = ['descriptors', 'photos', 'eventCrops', 'unknownFaces'];
  steps.push(options.eraseAttendance === true ? 'attendance' : 'anonymiseAttendance');
  return steps;
}

/** The name kept attendance carries once its person is deleted (N: the store's sequence, from 1). */
export function deletedPersonName(sequence: number): string {
  return `Deleted person #${sequence}`;
}
