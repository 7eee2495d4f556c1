/**
 * An enrollment service for web-node tests that enroll nobody: every call rejects, so a test that
 * enrolls by mistake fails instead of passing on a fake. It serves both the routes
 * (`EnrollmentPort`) and `UnknownFaceService` (`create`, `addPhotos`).
 */
import type { EnrollmentPort } from '../../src/web/index.js';

export function unusedEnrollment(): EnrollmentPort & {
  addPhotos: () => Promise<never>;
  create: () => Promise<never>;
} {
  const unused = (): Promise<never> => Promise.reject(new Error('no enrollment was expected in this test'));
  return {
    enroll: unused,
    addPhotosTo: unused,
    update: unused,
    removePhoto: unused,
    remove: unused,
    addPhotos: unused,
    create: unused,
  };
}
