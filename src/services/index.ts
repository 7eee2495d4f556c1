export {
  AttendanceService,
  type EventArrival,
  type IngestFailure,
  type IngestOutcome,
} from './attendance.service.js';
export {
  AttendanceCorrectionService,
  correctionView,
  type AttendanceCorrectionDeps,
  type CorrectionRequest,
  type CorrectionView,
} from './attendance-correction.service.js';
export {
  AttendanceReportService,
  attendanceRecordView,
  type AttendanceRecordView,
  type AttendanceReportDeps,
} from './attendance-report.service.js';
export {
  EnrollmentService,
  MAX_PHOTOS_PER_ENROLLMENT,
  type EnrollmentResult,
  type UploadedPhoto,
} from './enrollment.service.js';
export { EventLogService } from './event-log.service.js';
export { GallerySync, type GallerySyncDeps } from './gallery-sync.service.js';
export { HealthService } from './health.service.js';
export { NodeStatusService, nodeView, type NodeView } from './node-status.service.js';
export { PeopleService } from './people.service.js';
export { SignInService, TOKEN_TOUCH_INTERVAL_MS, type SignInDeps } from './sign-in.service.js';
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
  SETTING_LABELS,
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
  type ReviewedFace,
} from './unknown-face.service.js';
export { ThresholdService, type GalleryReader, type ThresholdServiceDeps } from './thresholds.service.js';
export { UserService } from './users.service.js';
