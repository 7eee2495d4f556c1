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
export {
  handleReembedGallery,
  queueReembedIfNeeded,
  type ReembedGalleryDeps,
} from './reembed-gallery.job.js';
export {
  applyRetention,
  handleApplyRetention,
  type RetentionDeps,
  type RetentionResult,
} from './retention.job.js';
export { ReembedTrigger, type ReembedTriggerDeps } from './reembed-trigger.service.js';
export {
  DEFAULT_RETENTION_DAYS,
  SETTINGS_KEY,
  SettingsService,
  settingsFromConfig,
  settingsSchema,
  type RollcallSettings,
  type SettingsCalibration,
  type SettingsServiceDeps,
  type SettingsTarget,
} from './settings.service.js';
export {
  UnknownFaceService,
  type AssignedFace,
  type AssignTarget,
  type PhotoEnrollment,
} from './unknown-face.service.js';
export { ThresholdService, type GalleryReader, type ThresholdServiceDeps } from './thresholds.service.js';
export { UserService } from './users.service.js';
