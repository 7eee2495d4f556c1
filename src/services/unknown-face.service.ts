/**
 * Review of faces nobody could name. Assigning one makes its crop an enrollment photo of an
 * existing or a new person and queues training, so the person is recognised next time; dismissing
 * one closes it (its crop then falls to retention).
 */
import { ErrorCode, RollcallError } from '../core/index.js';
import type { Person, Store, UnknownFace } from '../store/index.js';
import type { EnrollmentResult, UploadedPhoto } from './enrollment.service.js';

/** The part of `EnrollmentService` that review needs. */
export interface PhotoEnrollment {
  enroll(name: string, photos: readonly UploadedPhoto[]): Promise<EnrollmentResult>;
  addPhotos(person: Person, photos: readonly UploadedPhoto[]): Promise<EnrollmentResult>;
}

/** Whom the face belongs to: someone enrolled, or a new person by name. */
export type AssignTarget = { personId: string } | { name: string };

export interface AssignedFace {
  face: UnknownFace;
  person: Person;
  /** The training job of the crop: `GET /api/v1/jobs/:id`. */
  jobId: string;
}

function conflict(face: UnknownFace): RollcallError {
  return new RollcallError(ErrorCode.StoreConflict, `this face was already ${face.status}`);
}

export class UnknownFaceService {
  constructor(private readonly deps: { store: Store; enrollment: PhotoEnrollment }) {}

  async #openFace(id: string): Promise<UnknownFace> {
    const face = await this.deps.store.getUnknownFace(id);
    if (!face) throw new RollcallError(ErrorCode.NotFound, `no unknown face with id ${id}`);
    if (face.status !== 'open') throw conflict(face);
    return face;
  }

  /**
   * @throws RollcallError `NOT_FOUND` (face or person), `STORE_CONFLICT` when the face was already
   *   decided, `REQUEST_INVALID` when its crop is gone (retention) and it cannot teach anything.
   */
  async assign(id: string, target: AssignTarget): Promise<AssignedFace> {
    const { store, enrollment } = this.deps;
    const face = await this.#openFace(id);
    const crop = await store.getUnknownFaceCrop(id);
    if (!crop) {
      throw new RollcallError(
        ErrorCode.RequestInvalid,
        'this face has no picture left to enroll; dismiss it',
      );
    }
    const photo = { fileName: `unknown-${face.cameraId}-${face.at.slice(0, 19)}.jpg`, bytes: crop };
    let enrolled: EnrollmentResult;
    if ('personId' in target) {
      const person = await store.getPerson(target.personId);
      if (!person) throw new RollcallError(ErrorCode.NotFound, `no person with id ${target.personId}`);
      enrolled = await enrollment.addPhotos(person, [photo]);
    } else {
      enrolled = await enrollment.enroll(target.name, [photo]);
    }
    // Marked after the photo is stored and queued: a failure before leaves the face open to retry.
    const assigned = await store.assignUnknownFace(id, enrolled.person.id);
    return { face: assigned, person: enrolled.person, jobId: enrolled.jobId };
  }

  /** @throws RollcallError `NOT_FOUND`, `STORE_CONFLICT` as {@link UnknownFaceService.assign}. */
  async dismiss(id: string): Promise<UnknownFace> {
    await this.#openFace(id);
    return this.deps.store.dismissUnknownFace(id);
  }
}
