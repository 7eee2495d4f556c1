/**
 * Enrollment on the web node: a person and their photos are stored at once, and a training job
 * turns the photos into descriptors in the background (see `train-person.handler.ts`). Deleting a
 * person erases them everywhere: store, queued jobs, and every recognition node's gallery.
 */
import { ErrorCode, isRollcallError, RollcallError } from '../core/index.js';
import type { Person, PersonPatch, Store } from '../store/index.js';
import { JobName, type JobQueue } from '../queues/index.js';
import type { GallerySync } from './gallery-sync.service.js';

export interface UploadedPhoto {
  /** The name the uploader gave the file, for messages ("photo 3.jpg: no face was found"). */
  fileName: string;
  bytes: Uint8Array;
}

export interface EnrollmentResult {
  person: Person;
  /** The training job to poll: `GET /api/v1/jobs/:id`. */
  jobId: string;
}

/** At most this many photos per enrollment request: a handful of good photos beats many. */
export const MAX_PHOTOS_PER_ENROLLMENT = 20;

export interface EnrollmentDeps {
  store: Store;
  jobs: JobQueue;
  gallerySync: GallerySync;
  /**
   * A person was erased but their queued jobs could not be removed (Redis unreachable). Nothing
   * biometric is left in them, and each fails at once when it runs, finding the person gone.
   */
  onError?: (error: unknown, personId: string) => void;
}

export interface RemovedPhoto {
  galleryVersion: number;
}

/** A new person as an enrollment names them: names may repeat, an external id may not. */
export interface NewEnrollee {
  name: string;
  /** Their student or staff number. @defaultValue null */
  externalId?: string | null;
}

/**
 * What happens to a deleted person's attendance: `erase` removes it with everything else;
 * `anonymise` keeps every record under the person's id, named "Deleted person #N".
 */
export type AttendanceOnDelete = 'erase' | 'anonymise';

/**
 * Kept, anonymised: the organisation's record that someone was present outlives the person, and
 * nothing in it names them. Erasing it too is the administrator's explicit choice.
 */
export const DEFAULT_ATTENDANCE_ON_DELETE: AttendanceOnDelete = 'anonymise';

export interface RemovedPerson {
  galleryVersion: number;
  /** The person's training jobs removed from the queue (queued, retrying or finished). */
  jobsRemoved: number;
  attendance: AttendanceOnDelete;
  /** Attendance records erased or anonymised. */
  attendanceRecords: number;
  /** The name the kept records carry now ("Deleted person #N"); null when erased. */
  anonymisedAs: string | null;
}

/** The store's one conflict on a person's write is a taken external id: said in its own code. */
function externalIdTaken(error: unknown): unknown {
  return isRollcallError(error, ErrorCode.StoreConflict)
    ? new RollcallError(ErrorCode.ExternalIdTaken, error.message, { cause: error })
    : error;
}

function checkPhotoCount(photos: readonly UploadedPhoto[]): void {
  if (photos.length === 0) {
    throw new RollcallError(ErrorCode.StoreInvalid, 'add at least one photo of the person');
  }
  if (photos.length > MAX_PHOTOS_PER_ENROLLMENT) {
    throw new RollcallError(ErrorCode.StoreInvalid, `at most ${MAX_PHOTOS_PER_ENROLLMENT} photos at a time`);
  }
}

export class EnrollmentService {
  constructor(private readonly deps: EnrollmentDeps) {}

  /**
   * Stores a new person, always, and queues the training of their photos. A name someone else has
   * makes a second person of that name (two students called Mark Smith are two people); adding
   * photos to someone enrolled is {@link EnrollmentService.addPhotosTo}, by id.
   * Photos are stored as uploaded; their content is checked by the job, so a bad photo fails the
   * job with a message naming it rather than failing the upload of the others.
   * @throws `EXTERNAL_ID_TAKEN` when another person has the external id (nothing is stored).
   */
  async enroll(enrollee: NewEnrollee, photos: readonly UploadedPhoto[]): Promise<EnrollmentResult> {
    checkPhotoCount(photos);
    const person = await this.create(enrollee);
    return this.addPhotos(person, photos);
  }

  /** Stores a new person without photos yet. @throws `EXTERNAL_ID_TAKEN`. */
  async create(enrollee: NewEnrollee): Promise<Person> {
    try {
      return (await this.deps.store.createPerson(enrollee)).person;
    } catch (error) {
      throw externalIdTaken(error);
    }
  }

  /**
   * Changes a person's name or external id (null clears it).
   * @throws `NOT_FOUND` when nobody has this id, `EXTERNAL_ID_TAKEN` when another person has it.
   */
  async update(personId: string, patch: Pick<PersonPatch, 'name' | 'externalId'>): Promise<Person> {
    let changed: { person: Person; galleryVersion: number };
    try {
      changed = await this.deps.store.updatePerson(personId, patch);
    } catch (error) {
      if (isRollcallError(error, ErrorCode.StoreNotFound)) {
        throw new RollcallError(ErrorCode.NotFound, `nobody has the id ${personId}`, { cause: error });
      }
      throw externalIdTaken(error);
    }
    // Every change to a person moves the gallery version on; nodes follow it to stay in step.
    await this.deps.gallerySync.upserted(personId, changed.galleryVersion);
    return changed.person;
  }

  /** Adds photos to an existing person and queues their training (e.g. a reviewed unknown face). */
  async addPhotos(person: Person, photos: readonly UploadedPhoto[]): Promise<EnrollmentResult> {
    checkPhotoCount(photos);
    const photoIds: string[] = [];
    for (const photo of photos) {
      photoIds.push(
        (
          await this.deps.store.addPhoto({
            personId: person.id,
            fileName: photo.fileName,
            bytes: photo.bytes,
          })
        ).id,
      );
    }
    const jobId = await this.deps.jobs.enqueue(JobName.TrainPerson, { personId: person.id, photoIds });
    return { person, jobId };
  }

  /**
   * Adds photos to the person with this id and queues their training: the People page's "add
   * photos", which names the person by id, never by a name that someone else may also have.
   * @throws `NOT_FOUND` when nobody has this id (erased meanwhile).
   */
  async addPhotosTo(personId: string, photos: readonly UploadedPhoto[]): Promise<EnrollmentResult> {
    checkPhotoCount(photos);
    const person = await this.deps.store.getPerson(personId);
    if (!person) throw new RollcallError(ErrorCode.NotFound, `nobody has the id ${personId}`);
    return this.addPhotos(person, photos);
  }

  /**
   * Deletes one of a person's photos and the descriptors made from it, and sends every node the
   * person's descriptors as they are now (none left: the node forgets them). A training job still
   * queued with the photo finds it gone and refuses it alone.
   * @throws `NOT_FOUND` when the photo is not this person's.
   */
  async removePhoto(personId: string, photoId: string): Promise<RemovedPhoto> {
    const photo = await this.deps.store.getPhoto(photoId);
    if (photo?.personId !== personId) {
      throw new RollcallError(ErrorCode.NotFound, `${personId} has no photo ${photoId}`);
    }
    const { galleryVersion } = await this.deps.store.deletePhoto(photoId);
    await this.deps.gallerySync.upserted(personId, galleryVersion);
    return { galleryVersion };
  }

  /**
   * Erases a person: descriptors, photos, crops, unknown faces assigned to them, group memberships,
   * their entry on every node, and their training jobs; their attendance (with its corrections and
   * excuses) is erased too or kept anonymised, as `attendance` says. The store goes first, so the
   * erasure does not depend on Redis being up. A job that a worker has already started cannot be
   * removed; it fails on the erased photos, and its retry finds the person gone and fails for good.
   */
  async remove(
    personId: string,
    attendance: AttendanceOnDelete = DEFAULT_ATTENDANCE_ON_DELETE,
  ): Promise<RemovedPerson> {
    const deleted = await this.deps.store.deletePerson(personId, {
      eraseAttendance: attendance === 'erase',
    });
    await this.deps.gallerySync.removed(personId, deleted.galleryVersion);
    let jobsRemoved = 0;
    try {
      jobsRemoved = await this.deps.jobs.removeJobsFor(personId);
    } catch (error) {
      this.deps.onError?.(error, personId);
    }
    return {
      galleryVersion: deleted.galleryVersion,
      jobsRemoved,
      attendance,
      attendanceRecords: deleted.attendance,
      anonymisedAs: deleted.anonymisedAs,
    };
  }
}
