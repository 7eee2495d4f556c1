export {
  AttendanceService,
  type AttendanceServiceDeps,
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
  DEFAULT_ATTENDANCE_ON_DELETE,
  EnrollmentService,
  MAX_PHOTOS_PER_ENROLLMENT,
  type AttendanceOnDelete,
  type EnrollmentResult,
  type NewEnrollee,
  type RemovedPerson,
  type UploadedPhoto,
} from './enrollment.service.js';
export { EventLogService } from './event-log.service.js';
export { GallerySync, type GallerySyncDeps } from './gallery-sync.service.js';
export { HealthService } from './health.service.js';
export {
  ADMIN_JOB_NAMES,
  JobListService,
  plainFailure,
  type JobListDeps,
  type JobListItem,
  type JobListPage,
  type JobListQuery,
} from './job-list.service.js';
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
export { GroupService, type GroupDetail, type GroupSummary, type SessionInput } from './group.service.js';
export {
  RosterService,
  inViewMs,
  type RosterDeps,
  type RosterEntry,
  type RosterSession,
  type RosterView,
} from './roster.service.js';
export { CAMERA_DECLARED_ROLES_KEY, CAMERA_ROLES_KEY, CameraRoleService } from './camera-roles.service.js';
export {
  ARRIVALS_SHOWN,
  ARRIVALS_WINDOW_MS,
  OverviewService,
  REVIEW_COUNT_CAP,
  REVIEW_SHOWN,
  arrivalsSince,
  cameraStates,
  firstRunChecklist,
  type OverviewDeps,
  type OverviewView,
} from './overview.service.js';
export {
  GroupReportService,
  MAX_REPORT_DAYS,
  summarise,
  type GroupReport,
  type GroupReportDeps,
  type MemberSummary,
  type PersonHistory,
  type SessionRecord,
} from './group-report.service.js';
export {
  WebhookService,
  deliveryView,
  webhookView,
  type WebhookChange,
  type WebhookDeliveryView,
  type WebhookInput,
  type WebhookServiceDeps,
  type WebhookView,
  type WebhookWithSecret,
} from './webhook.service.js';
export { RELAY_AFTER_MS, WebhookEmitter, type WebhookEmitterDeps } from './webhook-emitter.service.js';
export { handleDeliverWebhook, type DeliverWebhookDeps } from './webhook-delivery.job.js';
export {
  handleSweepWebhooks,
  SWEEP_CATCH_UP_MS,
  WebhookSweep,
  type SweepResult,
  type WebhookSweepDeps,
} from './webhook-sweep.job.js';
export {
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  httpWebhookSender,
  type WebhookAttempt,
  type WebhookRequest,
  type WebhookSender,
} from './webhook-sender.js';
export { STATUS_WORDS, reportTables, type ReportCell, type ReportTable } from './report-table.js';
