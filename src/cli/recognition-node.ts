/**
 * The recognition node, assembled: the face-engine pool, the gallery (restored from its on-disk
 * cache), the durable outbox, the bridge server on port 9999, the camera under its watchdog and
 * the live pipeline. Returns the rooms in start order so the caller closes them in reverse.
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
} from '../core/index.js';
import { BridgeServer, resolveBridgeSecret } from '../bridge/index.js';
import { createFrameSource } from '../capture/index.js';
import {
  encodeFrameJpeg,
  EventOutbox,
  GalleryCache,
  LiveView,
  NodeGallery,
  outboxHealth,
  RecognitionPipeline,
  startNodeHealthServer,
  type CameraHealth,
  ThresholdCalibrator,
} from '../recognition/index.js';
import { engineEmbedder, type PhotoEmbedder } from '../services/index.js';
import { FaceEnginePool } from '../workers/index.js';
import type { Logger } from './logger.js';

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

  const source = createFrameSource(config.cameraSource, {});
  const pipeline = new RecognitionPipeline(
    { engine: pool, gallery },
    {
      nodeId: config.nodeId,
      cameraId: source.cameraId,
      thresholds: { match: calibrator.current.match, unknown: calibrator.current.unknown },
      detector: config.liveDetector,
      tracker: {
        consensusFrames: config.consensusFrames,
        sightingIntervalMs: config.sightingIntervalS * 1000,
        ...trackingFor(descriptorModel),
      },
    },
  );

  const cameraHealth = (): CameraHealth => {
    const stats = pipeline.stats();
    return {
      cameraId: source.cameraId,
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

  const embed = engineEmbedder(pool, config.enrollDetector);
  const server = new BridgeServer(
    {
      outbox,
      gallery: new NodeGallery(galleryCache, gallery),
      embed,
      status: () => {
        const camera = cameraHealth();
        return {
          cameras: [
            {
              cameraId: camera.cameraId,
              fps: camera.fpsOut,
              droppedFrames: camera.framesDropped,
              latencyP95Ms: camera.latencyP95Ms,
              online: camera.online,
            },
          ],
        };
      },
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
    pipeline.updateSettings(tracking);
    logger.info(settings, 'settings updated by a web node');
    // Thresholds set by hand replace calibration; without them the node calibrates its own.
    calibrator.setPolicy({
      strangerRateTarget: strangerRateTarget ?? calibrator.policy.strangerRateTarget,
      fixed: thresholds,
    });
  });
  calibrator.on('changed', (thresholds) => {
    pipeline.updateSettings({ thresholds: { match: thresholds.match, unknown: thresholds.unknown } });
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

  rooms.push({ name: 'recognition pipeline', close: () => pipeline.close() });
  pipeline.on('event', (event) => {
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
  });
  // The live view: camera frames at the camera's rate (not only the analysed ones), with the
  // analysis's boxes; see recognition/live-view.ts.
  const liveView = new LiveView({
    encode: (image) => encodeFrameJpeg(image),
    publish: (metadata, jpeg) => {
      server.publishFrame(metadata, jpeg);
    },
    watched: () => server.authenticatedCount > 0,
    onError: (error) => {
      logger.warn({ err: error }, 'a live-view frame could not be encoded');
    },
  });
  liveView.attach(source, pipeline);
  rooms.push({
    name: 'live view',
    close: () => {
      liveView.close();
      return Promise.resolve();
    },
  });
  pipeline.on('error', (error) => {
    logger.warn({ err: error }, 'a frame failed; continuing');
  });
  pipeline.attach(source);
  source.on('restarted', (restart) => {
    logger.warn(restart, 'camera source restarted by the watchdog');
  });
  rooms.push({ name: 'camera source', close: () => source.close() });
  await source.start();
  logger.info({ camera: source.cameraId, source: source.description }, 'camera running');

  // Monitoring must never stop attendance: a taken port is logged, and the node runs on without it.
  try {
    const health = await startNodeHealthServer({
      host: options.listenHost,
      port: config.healthPort,
      snapshot: () => ({
        nodeId: config.nodeId,
        cameras: [cameraHealth()],
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
    logger.info({ camera: source.cameraId, outbox: outbox.depth, ...pipeline.stats() }, 'pipeline stats');
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
