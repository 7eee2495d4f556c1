/**
 * `rollcall start --role all|recognition|web`: starts the rooms of the chosen role in order and,
 * on SIGINT or SIGTERM, closes them in reverse order, each under a deadline.
 */
import { describeConfig, type Config } from '../../config.js';
import { Gallery } from '../core/index.js';
import { createFrameSource } from '../capture/index.js';
import { RecognitionPipeline } from '../recognition/index.js';
import { FaceEnginePool } from '../workers/index.js';
import { createLogger, type Logger } from './logger.js';

export type Role = 'all' | 'recognition' | 'web';

interface Closeable {
  name: string;
  close(): Promise<void>;
}

/** How long one room may take to close before shutdown moves on to the next. */
const CLOSE_DEADLINE_MS = 10_000;
/** How often the node logs its throughput and latency. */
const STATS_INTERVAL_MS = 60_000;

async function closeAll(rooms: Closeable[], logger: Logger): Promise<void> {
  for (const room of [...rooms].reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, CLOSE_DEADLINE_MS);
    });
    try {
      const result = await Promise.race([room.close().then(() => 'closed' as const), deadline]);
      if (result === 'timeout') logger.warn({ room: room.name }, 'did not close in time; moving on');
    } catch (error) {
      logger.error({ room: room.name, err: error }, 'failed to close');
    } finally {
      clearTimeout(timer);
    }
  }
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export async function runStart(config: Config, role: Role): Promise<number> {
  const logger = createLogger(config.logLevel);
  logger.info({ role, config: describeConfig(config) }, 'Rollcall starting');
  if (role === 'web') {
    logger.error('the web node (dashboard, bridge client) is not built yet; run --role recognition');
    return 1;
  }
  if (role === 'all') {
    logger.warn('role all runs the recognition node only for now: the web node is not built yet');
  }

  const rooms: Closeable[] = [];
  const stop = waitForSignal();
  try {
    const pool = await FaceEnginePool.start({
      threads: config.workerThreads,
      backend: config.tfBackend,
      defaultDetector: config.liveDetector,
    });
    rooms.push({ name: 'face engine pool', close: () => pool.close() });
    logger.info(
      { backend: pool.info.backend, threads: pool.info.threads, model: pool.info.model },
      'face engine ready',
    );

    // The gallery stays empty until the web node pushes enrolled people (bridge, issue #4), so
    // every face is reported as unknown for now.
    const gallery = new Gallery();
    const source = createFrameSource(config.cameraSource, {});
    const pipeline = new RecognitionPipeline(
      { engine: pool, gallery },
      {
        nodeId: config.nodeId,
        cameraId: source.cameraId,
        thresholds: { match: config.matchThreshold, unknown: config.unknownThreshold },
        detector: config.liveDetector,
        tracker: {
          consensusFrames: config.consensusFrames,
          sightingIntervalMs: config.sightingIntervalS * 1000,
        },
      },
    );
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

    const statsTimer = setInterval(() => {
      logger.info({ camera: source.cameraId, ...pipeline.stats() }, 'pipeline stats');
    }, STATS_INTERVAL_MS);
    rooms.push({
      name: 'stats timer',
      close: () => {
        clearInterval(statsTimer);
        return Promise.resolve();
      },
    });

    logger.info('recognition node running; press Ctrl-C to stop');
    const signal = await stop;
    logger.info({ signal }, 'shutting down');
    return 0;
  } finally {
    await closeAll(rooms, logger);
    logger.info('stopped');
  }
}
