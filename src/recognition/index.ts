export {
  RecognitionPipeline,
  type PipelineEvents,
  type PipelineStats,
  type RecognitionPipelineDeps,
  type RecognitionPipelineOptions,
} from './recognition.pipeline.js';
export {
  CameraScheduler,
  type CameraSchedulerOptions,
  type CameraShare,
  type EngineSlots,
} from './camera-scheduler.js';
export {
  DEFAULT_MOTION_GATING,
  FrameAnalysis,
  faceRegion,
  FULL_FRAME_INPUT_SIZE,
  motionRegion,
  newcomerMotion,
  mergeRegions,
  outsideMasks,
  planAnalysis,
  trackZone,
  type AnalysisPlan,
  type FrameAnalysisCounts,
  type MotionGatingOptions,
  type Region,
} from './frame-analysis.js';
export { LiveView, type LiveViewDeps, type LiveViewOptions } from './live-view.js';
export { encodeFaceCrop, encodeFrameJpeg, type CropEncoder } from './crop.js';
export { RollingStats } from './rolling-stats.js';
export {
  healthReport,
  outboxHealth,
  startNodeHealthServer,
  type CameraHealth,
  type OutboxDiskFull,
  type NodeHealthServer,
  type NodeHealthSnapshot,
} from './node-health.js';
export { ThresholdCalibrator, type ThresholdCalibratorOptions } from './threshold-calibrator.js';
export {
  EventOutbox,
  type DiskFullState,
  type EventOutboxOptions,
  type OutboxRecovery,
} from './outbox/index.js';
export { GalleryCache, type GalleryCacheOptions, type GallerySnapshot } from './gallery-cache/index.js';
export { NodeGallery } from './node-gallery.js';
