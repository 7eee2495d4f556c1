/**
 * The web node, assembled: the store, Redis (an external one or a private redis-server), the job
 * queue and its worker, bridge clients to every recognition node, the services that turn events
 * into attendance and photos into galleries, and the HTTP server on WEB_PORT.
 */
import { describeConfig, type Config } from '../../config.js';
import { BridgeClients, readStoredBridgeSecret } from '../bridge/index.js';
import { ErrorCode, isClockSkewed, RollcallError, type DescriptorModel } from '../core/index.js';
import { JobName, JobQueue, PrivateRedis, QueueName } from '../queues/index.js';
import { systemClock } from '../shared/index.js';
import {
  AttendanceService,
  CameraRoleService,
  handleDeliverWebhook,
  handleSweepWebhooks,
  RosterService,
  WebhookEmitter,
  WebhookSweep,
  EnrollmentService,
  GallerySync,
  handleApplyRetention,
  SettingsService,
  settingsFromConfig,
  ThresholdService,
  UnknownFaceService,
  handleReembedGallery,
  handleTrainPerson,
  ReembedTrigger,
  type IngestOutcome,
  type PhotoEmbedder,
} from '../services/index.js';
import { createStore } from '../store/index.js';
import { loadSessionSecret, WebServer } from '../web/index.js';
import type { Logger } from './logger.js';
import type { Room } from './recognition-node.js';

/** Descriptors for enrollment photos come from a node's engine; big photos take a while on wasm. */
const EMBED_TIMEOUT_MS = 120_000;

/** How often a web node reads the settings other web nodes may have saved to the shared store. */
const SETTINGS_REFRESH_MS = 15_000;

/**
 * Webhook deliveries one web node sends at once: they wait on the network, not the CPU, and a few
 * receivers that hang until their timeout must not hold up the others.
 */
const WEBHOOK_CONCURRENCY = 8;

/** The recognition node's engine in the same process, on one machine (`all`). */
export interface LocalEngine {
  embed: PhotoEmbedder;
  descriptorModel: DescriptorModel;
}

/**
 * @param local - on one machine (`all`), the recognition node's own engine computes enrollment
 *   descriptors directly; a web node on its own asks a recognition node over the bridge.
 */
export async function startWebNode(
  config: Config,
  logger: Logger,
  rooms: Room[],
  local?: LocalEngine,
): Promise<void> {
  const store = await createStore({ dataDir: config.dataDir, mongodbUri: config.mongodbUri });
  rooms.push({ name: 'store', close: () => store.close() });
  if (config.mongodbUri === undefined) logger.info({ dataDir: config.dataDir }, 'store open (SQLite)');
  else logger.info({ database: describeConfig(config).MONGODB_URI }, 'store open (MongoDB)');

  let redisUrl = config.redisUrl;
  if (redisUrl === undefined) {
    const redis = await PrivateRedis.start({ dataDir: config.dataDir });
    rooms.push({ name: 'private redis-server', close: () => redis.close() });
    redisUrl = redis.url;
    logger.info({ url: redis.url, pid: redis.pid }, 'private redis-server started (REDIS_URL is unset)');
  }

  // On one machine the node generated the secret into the shared DATA_DIR; elsewhere it is set.
  const secret = config.bridgeSecret ?? (await readStoredBridgeSecret(config.dataDir));
  if (secret === undefined) {
    throw new RollcallError(
      ErrorCode.BridgeSecretRequired,
      'the web node needs BRIDGE_SECRET: the same value as on the recognition node(s)',
    );
  }
  const clients = new BridgeClients(config.recognitionServers, {
    secret,
    clientId: `web-${config.nodeId}`,
    ...(config.bridgeTls.caFile ? { tls: { caFile: config.bridgeTls.caFile } } : {}),
  });
  const gallerySync = new GallerySync({
    store,
    clients: clients.clients,
    onError: (error, nodeId) => {
      logger.warn(
        { err: error, node: nodeId },
        'a gallery update did not reach a node; it will get a snapshot on reconnect',
      );
    },
  });
  gallerySync.start();
  // The thresholds each model's gallery calls for under the settings' policy (read lazily: the
  // settings service below is their source).
  const thresholds = new ThresholdService({ store, policy: () => settings.thresholdPolicy() });
  // Settings saved on the Settings page override the configuration's, and reach every node.
  const settings: SettingsService = new SettingsService({
    store,
    defaults: settingsFromConfig(config),
    targets: () => clients.clients,
    onError: (error, what) => {
      logger.warn({ err: error }, `settings: ${what} failed`);
    },
    // The Settings page explains the thresholds of the model the nodes run (FACE_EMBEDDER).
    thresholds: { service: thresholds, model: local?.descriptorModel ?? config.faceEmbedder },
  });
  logger.info(await settings.start(), 'settings in effect');
  // Another web node on the same store may save settings: taken in within SETTINGS_REFRESH_MS.
  const settingsRefresh = setInterval(() => {
    settings
      .refresh()
      .then((changed) => {
        if (changed) logger.info(settings.current(), 'settings saved on another web node now in effect');
      })
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'settings: reading the saved settings failed');
      });
  }, SETTINGS_REFRESH_MS);
  settingsRefresh.unref();
  rooms.push({
    name: 'settings refresh',
    close: () => {
      clearInterval(settingsRefresh);
      return Promise.resolve();
    },
  });
  // Webhooks run on their own queue, so a receiver that hangs never holds up training. The
  // emitter queues deliveries through a producer; the worker's jobs (deliveries, the minute's
  // sweep of late and absent members) use the emitter in turn.
  const webhookProducer = await JobQueue.start({ redisUrl, queue: QueueName.Webhooks });
  rooms.push({ name: 'webhook queue', close: () => webhookProducer.close() });
  const webhooks = new WebhookEmitter({
    store,
    jobs: webhookProducer,
    clock: systemClock,
    onError: (error, eventId) => {
      logger.warn(
        { err: error, event: eventId },
        "webhook deliveries not queued; the minute's sweep queues them",
      );
    },
  });
  const cameraRoles = new CameraRoleService({ store });
  // The roles the nodes' CAMERA_SOURCES declare are kept in the store, so reports read them while
  // a node is offline and after a restart; a STATUS that says nothing new writes nothing.
  clients.on('status', (node, status) => {
    cameraRoles
      .recordDeclared(status.cameras)
      .then((changed) => {
        if (changed) {
          const declared = Object.fromEntries(status.cameras.map((c) => [c.cameraId, c.role ?? null]));
          logger.info(
            { node: node.address, nodeId: node.nodeId, declared },
            "the cameras' declared roles recorded",
          );
        }
      })
      .catch((error: unknown) => {
        logger.warn({ err: error, node: node.address }, "the cameras' declared roles could not be recorded");
      });
  });
  const roster = new RosterService({
    store,
    clock: systemClock,
    timeZone: () => settings.current().timeZone,
    sightingIntervalS: () => settings.current().sightingIntervalS,
    cameraRoles: () => cameraRoles.roles(),
  });
  const webhookWorker = await JobQueue.start(
    { redisUrl, queue: QueueName.Webhooks, concurrency: WEBHOOK_CONCURRENCY },
    {
      [JobName.DeliverWebhook]: handleDeliverWebhook({ store, clock: systemClock }),
      [JobName.SweepWebhooks]: handleSweepWebhooks(
        new WebhookSweep({
          store,
          roster,
          emitter: webhooks,
          clock: systemClock,
          timeZone: () => settings.current().timeZone,
        }),
      ),
    },
  );
  rooms.push({ name: 'webhook worker', close: () => webhookWorker.close() });
  // One sweep a minute for the whole site, however many web nodes upsert the scheduler.
  await webhookWorker.schedule(JobName.SweepWebhooks);

  const attendance = new AttendanceService({
    store,
    rules: () => ({ timeZone: settings.current().timeZone }),
    webhooks,
  });
  clients.onEvent(async (event, node) => {
    const wasFailing = attendance.failing;
    let outcome: IngestOutcome;
    try {
      outcome = await attendance.ingest(event, { clockSkewMs: node.clockSkewMs });
    } catch (error) {
      // Logged when it starts, not per event: a full disk refuses every delivery until freed.
      if (wasFailing === undefined) {
        logger.error(
          { err: error, event: event.id, node: node.address },
          'recognition events cannot be stored; they are not acknowledged, so the nodes keep them ' +
            'and send them again (every 30 s) until they are',
        );
      }
      throw error;
    }
    if (wasFailing !== undefined) {
      logger.info(
        { since: wasFailing.since, deliveriesRefused: wasFailing.failures },
        'recognition events are being stored again',
      );
    }
    if (outcome.refused)
      logger.warn({ event: event.id, node: node.address, reason: outcome.refused }, 'event refused');
  });
  const skewedNodes = new Set<string>();
  clients.on('status', (node) => {
    // Said once when a node's clock goes off (or comes right), not at every heartbeat.
    const skewMs = clients.nodes().find((n) => n.address === node.address)?.clockSkewMs;
    const skewed = isClockSkewed(skewMs);
    if (skewed === skewedNodes.has(node.address)) return;
    if (skewed) {
      skewedNodes.add(node.address);
      logger.warn(
        { node: node.address, nodeId: node.nodeId, clockSkewMs: skewMs },
        `the node's clock is off by ${Math.round((skewMs ?? 0) / 1000)} s; its event times are ` +
          "corrected by the skew measured from its heartbeats. Set the node's clock right (NTP)",
      );
    } else {
      skewedNodes.delete(node.address);
      logger.info({ node: node.address, clockSkewMs: skewMs ?? null }, "the node's clock is right again");
    }
  });
  clients.on('connected', (node) => {
    logger.info(node, 'recognition node connected');
    // A node that connects (or reconnects) gets the settings in effect, not its own defaults: as
    // saved now, which may be by another web node.
    const client = clients.clients.find((c) => c.address === node.address);
    void settings
      .refresh()
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'settings: reading the saved settings failed');
      })
      .finally(() => {
        if (client) settings.pushTo(client);
      });
  });
  clients.on('disconnected', (node) => {
    logger.warn(node, 'recognition node disconnected; reconnecting');
  });
  clients.start();
  rooms.push({ name: 'bridge clients', close: () => clients.close() });

  // The local engine when there is one and it makes the model asked for (if any); otherwise a
  // connected node (of that model) over the bridge, e.g. re-embedding for a remote node of another
  // model than the local engine's.
  const embed: PhotoEmbedder = (photos, options) =>
    local !== undefined && (options?.model === undefined || options.model === local.descriptorModel)
      ? local.embed(photos, options)
      : clients.embed(photos, EMBED_TIMEOUT_MS, options?.model);
  // A node of a model some photos have no descriptors of would recognise nobody from them.
  const reembed = new ReembedTrigger({
    store,
    clients,
    onQueued: (info) => {
      logger.info(info, 're-embedding queued');
    },
    onError: (error, model) => {
      logger.warn({ err: error, model }, 'could not queue re-embedding; the next trigger tries again');
    },
  });
  const jobs = await JobQueue.start(
    { redisUrl },
    {
      [JobName.TrainPerson]: handleTrainPerson({
        store,
        embed,
        gallerySync,
        thresholds: (model) => thresholds.thresholdsFor(model),
        descriptorsStored: (model) => reembed.descriptorsStored(model),
      }),
      [JobName.ReembedGallery]: handleReembedGallery({ store, embed, gallerySync }),
      // Whichever node runs it reads the period saved now, not the one it started with.
      [JobName.ApplyRetention]: handleApplyRetention({ store, rules: () => settings.saved() }),
    },
  );
  rooms.push({ name: 'job queue', close: () => jobs.close() });
  // One retention run per period for the whole site, however many web nodes upsert the scheduler.
  await jobs.schedule(JobName.ApplyRetention);
  reembed.start(jobs, local?.descriptorModel);
  const enrollment = new EnrollmentService({
    store,
    jobs,
    gallerySync,
    onError: (error) => {
      logger.warn(
        { err: error },
        "a deleted person's queued jobs could not be removed; they will fail on their own",
      );
    },
  });

  const unknownFaces = new UnknownFaceService({ store, enrollment });

  const web = new WebServer(
    {
      store,
      jobs,
      webhookQueue: webhookWorker.queue,
      enrollment,
      unknownFaces,
      settings,
      nodes: () => clients.nodes(),
      // The live view subscribes to camera frames while the web server runs.
      frames: (listener) => {
        clients.on('frame', listener);
        return () => clients.off('frame', listener);
      },
      redisUrl,
      log: logger,
      ingestFailure: () => attendance.failing,
    },
    {
      port: config.webPort,
      sessionSecret: await loadSessionSecret(config.dataDir),
      // Behind a TLS proxy the cookie is Secure: a browser then never sends it over plain HTTP.
      ...(config.trustProxy === undefined ? {} : { trustProxy: config.trustProxy, secureCookies: true }),
    },
  );
  const { port } = await web.start();
  rooms.push({ name: 'web server', close: () => web.close() });
  const users = await store.listUsers({ limit: 1 });
  logger.info({ port }, `dashboard at http://localhost:${port}`);
  if (users.items.length === 0) {
    logger.warn(
      `no account yet: open http://localhost:${port}/setup to create the first admin, ` +
        'or run `node bin/rollcall.js user add NAME --role admin`',
    );
  }
}
