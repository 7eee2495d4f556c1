/**
 * The cameras of a recognition node, assembled: for each configured camera, its source under its
 * own watchdog, its pipeline (on the node's one engine pool, through the fair camera scheduler)
 * and its live view. One camera that never opens is logged and restarted by its watchdog while the
 * others run on.
 */
import type { CameraStatus } from '../bridge/index.js';
import { createFrameSource, type SupervisedFrameSource } from '../capture/index.js';
import {
  ErrorCode,
  isRollcallError,
  RollcallError,
  type CameraConfig,
  type CameraRole,
  type FrameMetadata,
  type Gallery,
  type RecognitionEvent,
} from '../core/index.js';
import type { FaceEngine } from '../engine/index.js';
import {
  CameraScheduler,
  encodeFrameJpeg,
  LiveView,
  RecognitionPipeline,
  type CameraHealth,
  type RecognitionPipelineOptions,
} from '../recognition/index.js';
import type { Logger } from './logger.js';

/** One running camera of the node. */
export interface NodeCamera {
  readonly cameraId: string;
  readonly name: string | undefined;
  readonly role: CameraRole | undefined;
  readonly source: SupervisedFrameSource;
  readonly pipeline: RecognitionPipeline;
  readonly liveView: LiveView;
  health(): CameraHealth;
  status(): CameraStatus;
}

export interface NodeCamerasDeps {
  engine: FaceEngine;
  gallery: Gallery;
  logger: Logger;
  /** Every recognition event, each carrying its camera id. */
  onEvent: (event: RecognitionEvent) => void;
  /** A live-view frame to send to web nodes. */
  publishFrame: (metadata: FrameMetadata, jpeg: Uint8Array) => void;
  /** Whether any web node can watch; nothing is encoded otherwise. */
  watched: () => boolean;
}

/** Every camera's pipeline options but its id; a camera's masks join `motion` per camera. */
export type PipelineSettings = Omit<RecognitionPipelineOptions, 'cameraId'>;

/** A configured camera with its source built but not started. */
export interface PreparedCamera {
  config: CameraConfig;
  source: SupervisedFrameSource;
}

/**
 * Builds every camera's source, not yet started: a source Rollcall cannot read throws
 * SOURCE_INVALID naming the camera, before the engine loads. With one camera, a source that cannot
 * start will fail the start, as `CAMERA_SOURCE` always did; with several, its watchdog logs it and
 * retries in the background while the others run.
 */
export function prepareCameras(cameras: readonly CameraConfig[]): PreparedCamera[] {
  const several = cameras.length > 1;
  const built = cameras.map((config) => {
    try {
      return {
        config,
        source: createFrameSource(config.source, {
          ...(config.id === undefined ? {} : { cameraId: config.id }),
          ...(config.fps === undefined ? {} : { fps: config.fps }),
          watchdog: { retryFirstStart: several },
        }),
      };
    } catch (error) {
      if (!isRollcallError(error) || !several) throw error;
      // The capture room words its errors for the one CAMERA_SOURCE; here the camera is one of a list.
      const problem = error.message.replace(/^CAMERA_SOURCE /, 'its source ');
      throw new RollcallError(
        error.code,
        `CAMERA_SOURCES camera "${config.id ?? config.source}": ${problem}`,
      );
    }
  });
  const ids = new Set<string>();
  for (const { source } of built) {
    if (ids.has(source.cameraId)) {
      throw new RollcallError(
        ErrorCode.SourceInvalid,
        `two cameras are named "${source.cameraId}": give each its own id`,
      );
    }
    ids.add(source.cameraId);
  }
  return built;
}

/** Assembles each prepared camera on the shared pool, then starts them together. */
export async function startNodeCameras(
  prepared: readonly PreparedCamera[],
  settings: PipelineSettings,
  deps: NodeCamerasDeps,
  onCreated: (camera: NodeCamera) => void,
): Promise<NodeCamera[]> {
  const scheduler = new CameraScheduler({ slots: Math.max(1, deps.engine.info.threads) });
  const running = prepared.map(({ config, source }) => {
    const camera = assembleCamera(config, source, settings, deps, scheduler);
    onCreated(camera);
    return camera;
  });
  await Promise.all(
    running.map(async (camera) => {
      const { cameraId, name, role, source } = camera;
      // Logged on the first frame, so a camera that fails to open is never said to be running.
      source.once('frame', () => {
        deps.logger.info({ camera: cameraId, name, role, source: source.description }, 'camera running');
      });
      await source.start();
    }),
  );
  return running;
}

function assembleCamera(
  config: CameraConfig,
  source: SupervisedFrameSource,
  settings: PipelineSettings,
  deps: NodeCamerasDeps,
  scheduler: CameraScheduler,
): NodeCamera {
  const { cameraId } = source;
  const pipeline = new RecognitionPipeline(
    { engine: deps.engine, gallery: deps.gallery, slots: scheduler.lane(cameraId) },
    {
      ...settings,
      cameraId,
      motion: { ...settings.motion, ...(config.masks ? { masks: config.masks } : {}) },
    },
  );
  pipeline.on('event', deps.onEvent);
  pipeline.on('error', (error) => {
    deps.logger.warn({ err: error, camera: cameraId }, 'a frame failed; continuing');
  });
  // The live view: camera frames at the camera's rate (not only the analysed ones), with the
  // analysis's boxes; see recognition/live-view.ts.
  const liveView = new LiveView({
    encode: (image) => encodeFrameJpeg(image),
    publish: deps.publishFrame,
    watched: deps.watched,
    onError: (error) => {
      deps.logger.warn({ err: error, camera: cameraId }, 'a live-view frame could not be encoded');
    },
  });
  liveView.attach(source, pipeline);
  pipeline.attach(source);
  source.on('restarted', (restart) => {
    deps.logger.warn({ ...restart, camera: cameraId }, 'camera source restarted by the watchdog');
  });

  const health = (): CameraHealth => {
    const stats = pipeline.stats();
    return {
      cameraId,
      online: stats.fpsIn > 0,
      fpsIn: stats.fpsIn,
      fpsOut: stats.fpsOut,
      latencyP95Ms: stats.framesProcessed > 0 ? stats.latencyP95Ms : null,
      framesProcessed: stats.framesProcessed,
      framesDropped: stats.framesDropped,
      framesFailed: stats.framesFailed,
      restarts: source.restarts,
      events: stats.events,
    };
  };
  return {
    cameraId,
    name: config.name,
    role: config.role,
    source,
    pipeline,
    liveView,
    health,
    status: () => {
      const camera = health();
      return {
        cameraId,
        ...(config.name === undefined ? {} : { name: config.name }),
        ...(config.role === undefined ? {} : { role: config.role }),
        fps: camera.fpsOut,
        droppedFrames: camera.framesDropped,
        latencyP95Ms: camera.latencyP95Ms,
        latencyP50Ms: camera.latencyP95Ms === null ? null : pipeline.stats().latencyP50Ms,
        online: camera.online,
      };
    },
  };
}
