export { AttendanceService, type IngestOutcome } from './attendance.service.js';
export {
  EnrollmentService,
  MAX_PHOTOS_PER_ENROLLMENT,
  type EnrollmentResult,
  type UploadedPhoto,
} from './enrollment.service.js';
export { GallerySync, type GallerySyncDeps } from './gallery-sync.service.js';
export { handleTrainPerson, type PhotoEmbedder, type TrainPersonDeps } from './train-person.job.js';
export { engineEmbedder } from './engine-embedder.js';
