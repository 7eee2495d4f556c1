/**
 * Review of faces nobody could name. Assigning one makes its crop an enrollment photo of an
 * existing person (by id, or by a name only one person has) or of a new person (only when asked
 * explicitly, so a typo never enrolls a stranger) and queues training, so the person is recognised next time; dismissing
 * one closes it (its crop then falls to retention). Each face is decided once, by the core state
 * machine (`decideUnknownFace`) run inside the store's write.
 */
import { decideUnknownFaceOnce, ErrorCode, isRollcallError, RollcallError } from '../core/index.js';
import type { Page, Person, Store, UnknownFace, UnknownFaceQuery } from '../store/index.js';
import type { EnrollmentResult, NewEnrollee, UploadedPhoto } from './enrollment.service.js';
import type { ReviewedFace } from './views.js';

export type { ReviewedFace };

/** The part of `EnrollmentService` that review needs. */
export interface PhotoEnrollment {
  create(enrollee: NewEnrollee): Promise<Person>;
  addPhotos(person: Person, photos: readonly UploadedPhoto[]): Promise<EnrollmentResult>;
}

/**
 * Whom the face belongs to: someone enrolled by id; the one person with this name; or, with
 * `createPerson`, a new person of this name (even when others have it).
 */
export type AssignTarget = { personId: string } | { name: string; createPerson?: boolean };

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

  /**
   * The faces to review, newest first, each with the name of the person it was assigned to (null
   * when open, dismissed, or the person was erased since). Each person is read once a page.
   */
  async list(query: UnknownFaceQuery): Promise<Page<ReviewedFace>> {
    const { store } = this.deps;
    const page = await store.listUnknownFaces(query);
    const names = new Map<string, string | null>();
    const items: ReviewedFace[] = [];
    for (const face of page.items) {
      const id = face.assignedPersonId;
      if (id !== null && !names.has(id)) names.set(id, (await store.getPerson(id))?.name ?? null);
      items.push({ ...face, assignedPersonName: id === null ? null : (names.get(id) ?? null) });
    }
    return { items, nextOffset: page.nextOffset };
  }

  /** The face's crop (JPEG from the node). @throws RollcallError `NOT_FOUND` once retention dropped it. */
  async crop(id: string): Promise<Uint8Array> {
    const crop = await this.deps.store.getUnknownFaceCrop(id);
    if (!crop) throw new RollcallError(ErrorCode.NotFound, `no picture for unknown face ${id}`);
    return crop;
  }

  /** A quick refusal of a face decided before; the decision itself is checked again in the write. */
  async #openFace(id: string): Promise<UnknownFace> {
    const face = await this.deps.store.getUnknownFace(id);
    if (!face) throw new RollcallError(ErrorCode.NotFound, `no unknown face with id ${id}`);
    if (face.status !== 'open') throw conflict(face);
    return face;
  }

  /** The person a target names, and whether they were created for this face. */
  async #person(target: AssignTarget): Promise<{ person: Person; created: boolean }> {
    const { store, enrollment } = this.deps;
    if ('personId' in target) {
      const person = await store.getPerson(target.personId);
      if (!person) throw new RollcallError(ErrorCode.NotFound, `no person with id ${target.personId}`);
      return { person, created: false };
    }
    if (target.createPerson === true) {
      return { person: await enrollment.create({ name: target.name }), created: true };
    }
    const namesakes = await store.findPeopleByName(target.name);
    const [only] = namesakes;
    if (only && namesakes.length === 1) return { person: only, created: false };
    if (!only) {
      throw new RollcallError(
        ErrorCode.PersonNameUnknown,
        `no one is called "${target.name}"; to enroll a new person with this face, ask for it ` +
          '(createPerson: true), or choose someone enrolled',
      );
    }
    const who = namesakes.map((p) => (p.externalId === null ? p.id : `${p.id} (${p.externalId})`));
    throw new RollcallError(
      ErrorCode.PersonNameAmbiguous,
      `${namesakes.length} people are called "${target.name}": ${who.join(', ')}; say which one by personId`,
    );
  }

  /**
   * Assigns the face, then enrolls its crop for the person. The assignment is claimed first, with a
   * rule that refuses a repeated decision: of two reviewers assigning one face at the same moment
   * (on one web node or two), exactly one wins and enrolls the crop, the other gets
   * `STORE_CONFLICT`. If the enrollment then fails, the claim is undone so the face can be retried.
   *
   * @throws RollcallError `NOT_FOUND` (face or person), `STORE_CONFLICT` when the face was already
   *   decided, `REQUEST_INVALID` when its crop is gone (retention) and it cannot teach anything,
   *   `PERSON_NAME_UNKNOWN` / `PERSON_NAME_AMBIGUOUS` when a name names nobody / several people.
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
    const { person, created } = await this.#person(target);
    let assigned: UnknownFace;
    try {
      assigned = await this.#decided(
        id,
        store.assignUnknownFace(id, person.id, { rule: decideUnknownFaceOnce }),
      );
    } catch (error) {
      // Another reviewer decided the face first: the person made for it would be a stranger.
      if (created) await store.deletePerson(person.id, { eraseAttendance: true }).catch(() => undefined);
      throw error;
    }
    const photo = { fileName: `unknown-${face.cameraId}-${face.at.slice(0, 19)}.jpg`, bytes: crop };
    try {
      const enrolled = await enrollment.addPhotos(person, [photo]);
      return { face: assigned, person: enrolled.person, jobId: enrolled.jobId };
    } catch (error) {
      if (assigned.decidedAt !== null) {
        await store
          .reopenUnknownFace(id, { personId: person.id, decidedAt: assigned.decidedAt })
          .catch(() => undefined);
      }
      throw error;
    }
  }

  /** @throws RollcallError `NOT_FOUND`, `STORE_CONFLICT` as {@link UnknownFaceService.assign}. */
  async dismiss(id: string): Promise<UnknownFace> {
    await this.#openFace(id);
    return this.#decided(id, this.deps.store.dismissUnknownFace(id, { rule: decideUnknownFaceOnce }));
  }

  /** The store's refusal of a decided face, in the words of the quick check. */
  async #decided(id: string, write: Promise<UnknownFace>): Promise<UnknownFace> {
    try {
      return await write;
    } catch (error) {
      if (!isRollcallError(error, ErrorCode.StoreConflict)) throw error;
      const face = await this.deps.store.getUnknownFace(id);
      throw face && face.status !== 'open' ? conflict(face) : error;
    }
  }
}
