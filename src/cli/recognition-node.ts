/**
 * The recognition node, assembled: the face-engine pool, the gallery (restored from its on-disk
 * cache), the durable outbox, the bridge server on port 9999, and each camera (CAMERA_SOURCES, or
 * the one CAMERA_SOURCE) under its own watchdog with its own pipeline, sharing the pool fairly. Returns the rooms in start order so the caller closes them in reverse.
 */
import path from 'node:path';
import type { Config } from '../../config.js';
import {
  DESCRIPTOR_LENGTHS,
  ErrorCode,
  trackingFor,
  Gallery,
  isRollcallError,
  type DescriptorModel,
  type RecognitionEvent,
} from '../core/index.js';
import { BridgeServer, resolveBridgeSecret } from '../bridge/index.js';
import {
  EventOutbox,
  GalleryCache,
  NodeGallery,
  outboxHealth,
  startNodeHealthServer,
  ThresholdCalibrator,
} from '../recognition/index.js';
import { engineEmbedder, type PhotoEmbedder } from '../services/index.js';
import { FaceEnginePool } from '../workers/index.js';
import type { Logger } from './logger.js';
import { prepareCameras, startNodeCameras, type NodeCamera, type PipelineSettings } from './node-cameras.js';

export interface Room {
  name: string;
  close(): Promise<void>;
}

export async function startRecognitionNode(
  config: Config,
  logger: Logger,
  options: { listenHost: string },
  rooms: Room[],
): Promise<{ embed: PhotoEmbedder; descriptorModel: DescriptorModel }> {
  // Sources first: one Rollcall cannot read is a configuration error, shown before the engine loads.
  const preparedCameras = prepareCameras(config.cameras);
  const pool = await FaceEnginePool.start({
    threads: config.workerThreads,
    backend: config.tfBackend,
    defaultDetector: config.liveDetector,
    embedder: config.faceEmbedder,
  });
  rooms.push({ name: 'face engine pool', close: () => pool.close() });
  const { descriptorModel } = pool.info;
  logger.info(
    { backend: pool.info.backend, threads: pool.info.threads, model: pool.info.model, descriptorModel },
    'face engine ready',
  );

  // The node keeps recognising while no web node is connected: it starts from the gallery it was
  // last sent. Gallery and cache hold the engine's model only: another model's descriptors would
  // never match a face this engine describes.
  const gallery = new Gallery({ dimension: DESCRIPTOR_LENGTHS[descriptorModel] });
  const galleryCache = new GalleryCache({ dir: config.dataDir, model: descriptorModel });
  try {
    await galleryCache.load();
    const people = galleryCache.applyTo(gallery);
    logger.info({ people, version: galleryCache.version ?? null }, 'gallery restored from its cache');
  } catch (error) {
    if (!isRollcallError(error)) throw error;
    if (error.code === ErrorCode.DescriptorModelMismatch) {
      logger.warn(
        { err: error },
        `the gallery cache is of another descriptor model; starting with an empty gallery until a web node sends a ${descriptorModel} one`,
      );
    } else {
      logger.error({ err: error }, 'the gallery cache is unreadable; starting with an empty gallery');
    }
  }

  const outbox = await EventOutbox.open({ dir: path.join(config.dataDir, 'outbox') });
  rooms.push({ name: 'event outbox', close: () => outbox.close() });
  logger.info({ pending: outbox.depth, recovery: outbox.recovery }, 'event outbox open');
  // A full disk never stops recognition: events wait in memory (bounded) until there is room.
  outbox.on('diskFull', ({ error, heldEvents }) => {
    logger.error(
      { err: error, heldEvents },
      'DISK FULL: the outbox cannot write its journal; recognition goes on, new events are held in ' +
        'memory (not durable: a crash loses them) and dropped once the memory hold is full. Free ' +
        'space under DATA_DIR',
    );
  });
  outbox.on('spaceReturned', (info) => {
    logger.info(info, 'disk space returned: the events held in memory are in the outbox journal');
  });
  outbox.on('compactionFailed', (error) => {
    logger.warn({ err: error }, 'outbox compaction failed; the journal stays as it is and nothing is lost');
  });

  const secret = await resolveBridgeSecret({
    listenHost: options.listenHost,
    configuredSecret: config.bridgeSecret,
    dataDir: config.dataDir,
  });
  if (secret.source === 'generated') {
    logger.warn({ file: secret.file }, 'generated a bridge secret for this machine (loopback only)');
  }

  // Thresholds follow the gallery: recalibrated for the target whenever it changes. Web nodes push
  // the target (or thresholds set by hand) from their settings.
  const calibrator = new ThresholdCalibrator({
    gallery,
    model: descriptorModel,
    policy: { strangerRateTarget: config.strangerRateTarget, fixed: config.fixedThresholds },
  });
  rooms.push({
    name: 'threshold calibrator',
    close: () => {
      calibrator.close();
      return Promise.resolve();
    },
  });
  logger.info(calibrator.current, 'match thresholds');

  const pipelineSettings: PipelineSettings = {
    nodeId: config.nodeId,
    thresholds: { match: calibrator.current.match, unknown: calibrator.current.unknown },
    detector: config.liveDetector,
    motion: config.motion,
    tracker: {
      consensusFrames: config.consensusFrames,
      sightingIntervalMs: config.sightingIntervalS * 1000,
      ...trackingFor(descriptorModel),
    },
  };
  // Filled as the cameras are built, after the bridge is listening (their frames go to it).
  const cameras: NodeCamera[] = [];

  const embed = engineEmbedder(pool, config.enrollDetector);
  const server = new BridgeServer(
    {
      outbox,
      gallery: new NodeGallery(galleryCache, gallery),
      embed,
      status: () => ({ cameras: cameras.map((camera) => camera.status()) }),
    },
    {
      host: options.listenHost,
      port: config.recognitionServer.port,
      nodeId: config.nodeId,
      secret: secret.secret,
      ...(config.bridgeTls.certFile && config.bridgeTls.keyFile
        ? { tls: { certFile: config.bridgeTls.certFile, keyFile: config.bridgeTls.keyFile } }
        : {}),
    },
  );
  const { port } = await server.start();
  rooms.push({ name: 'bridge server', close: () => server.close() });
  logger.info(
    { host: options.listenHost, port, tls: config.bridgeTls.certFile !== undefined },
    'bridge listening for web nodes',
  );
  server.on('connected', (info) => {
    logger.info(info, 'web node connected');
  });
  server.on('disconnected', (info) => {
    logger.info(info, 'web node disconnected');
  });
  server.on('settingsChanged', (settings) => {
    const { thresholds, strangerRateTarget, ...tracking } = settings;
    for (const { pipeline } of cameras) pipeline.updateSettings(tracking);
    logger.info(settings, 'settings updated by a web node');
    // Thresholds set by hand replace calibration; without them the node calibrates its own.
    calibrator.setPolicy({
      strangerRateTarget: strangerRateTarget ?? calibrator.policy.strangerRateTarget,
      fixed: thresholds,
    });
  });
  calibrator.on('changed', (thresholds) => {
    for (const { pipeline } of cameras) {
      pipeline.updateSettings({ thresholds: { match: thresholds.match, unknown: thresholds.unknown } });
    }
    logger.info(thresholds, 'match thresholds set for the gallery');
  });
  calibrator.on('failed', (error) => {
    logger.error({ err: error }, 'measuring the changed gallery failed; the thresholds in force stay');
  });
  server.on('galleryChanged', (change) => {
    logger.info(change, 'gallery updated by a web node');
    calibrator.galleryChanged();
  });
  server.on('galleryRefused', ({ error, ...info }) => {
    logger.error(
      { ...info, err: error },
      'refused a gallery of another descriptor model; the gallery is unchanged',
    );
  });
  server.on('protocolError', (info) => {
    logger.warn(info, 'refused a bridge connection');
  });

  const onEvent = (event: RecognitionEvent): void => {
    logger.info(
      {
        type: event.type,
        person: event.personId,
        distance: event.distance,
        camera: event.cameraId,
        track: event.trackId,
      },
      event.type === 'unknown' ? 'unknown face' : `${event.type}: ${event.personId ?? ''}`,
    );
    // Durable first: the outbox keeps the event until a web node acknowledges it.
    server.publishEvent(event).catch((error: unknown) => {
      logger.error({ err: error, event: event.id }, 'an event could not be stored in the outbox');
    });
  };
  await startNodeCameras(
    preparedCameras,
    pipelineSettings,
    {
      engine: pool,
      gallery,
      logger,
      onEvent,
      publishFrame: (metadata, jpeg) => {
        server.publishFrame(metadata, jpeg);
      },
      watched: () => server.authenticatedCount > 0,
    },
    (camera) => {
      cameras.push(camera);
      // Closed in reverse: the source stops first, then its live view, then its pipeline drains.
      rooms.push({ name: `recognition pipeline ${camera.cameraId}`, close: () => camera.pipeline.close() });
      rooms.push({
        name: `live view ${camera.cameraId}`,
        close: () => {
          camera.liveView.close();
          return Promise.resolve();
        },
      });
      rooms.push({ name: `camera source ${camera.cameraId}`, close: () => camera.source.close() });
    },
  );

  // Monitoring must never stop attendance: a taken port is logged, and the node runs on without it.
  try {
    const health = await startNodeHealthServer({
      host: options.listenHost,
      port: config.healthPort,
      snapshot: () => ({
        nodeId: config.nodeId,
        cameras: cameras.map((camera) => camera.health()),
        ...outboxHealth(outbox),
        // The version the node confirms to web nodes: applied and stored, not merely being written.
        galleryVersion: server.galleryVersion > 0 ? server.galleryVersion : null,
        galleryPeople: gallery.personCount,
        galleryDescriptors: gallery.descriptorCount,
        webNodesConnected: server.authenticatedCount,
      }),
    });
    rooms.push({ name: 'health endpoints', close: () => health.close() });
    logger.info(
      { url: `http://${urlHost(options.listenHost)}:${health.port}/healthz`, metrics: '/metrics' },
      'health endpoints listening',
    );
  } catch (error) {
    logger.error(
      { err: error, port: config.healthPort },
      'health endpoints not served (is HEALTH_PORT taken?); recognition goes on',
    );
  }

  const statsTimer = setInterval(() => {
    for (const camera of cameras) {
      logger.info(
        { camera: camera.cameraId, outbox: outbox.depth, ...camera.pipeline.stats() },
        'pipeline stats',
      );
    }
  }, 60_000);
  rooms.push({
    name: 'stats timer',
    close: () => {
      clearInterval(statsTimer);
      return Promise.resolve();
    },
  });
  return { embed, descriptorModel };
}

/** A host as it goes in a URL: IPv6 in brackets, the any-address as one to type into a browser. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
