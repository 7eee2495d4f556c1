/**
 * An enrollment service for web-node tests that enroll nobody: every call rejects, so a test that
 * enrolls by mistake fails instead of passing on a fake. It serves both the routes
 * (`EnrollmentPort`) and `UnknownFaceService` (`addPhotos`).
 */
import type { EnrollmentPort } from '../../src/web/index.js';

export function unusedEnrollment(): EnrollmentPort & { addPhotos: () => Promise<never> } {
  const unused = (): Promise<never> => Promise.reject(new Error('no enrollment was expected in this test'));
  return { enroll: unused, addPhotosTo: unused, removePhoto: unused, remove: unused, addPhotos: unused };
}
