/**
 * `rollcall start --role all|recognition|web`: starts the rooms of the chosen role in order and,
 * on SIGINT or SIGTERM, closes them in reverse order, each under a deadline.
 */
import { describeConfig, type Config } from '../../config.js';
import { createLogger, type Logger } from './logger.js';
import { startRecognitionNode, type Room } from './recognition-node.js';
import { startWebNode } from './web-node.js';

export type Role = 'all' | 'recognition' | 'web';

/** How long one room may take to close before shutdown moves on to the next. */
const CLOSE_DEADLINE_MS = 10_000;

async function closeAll(rooms: Room[], logger: Logger): Promise<void> {
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

  const rooms: Room[] = [];
  const stop = waitForSignal();
  try {
    // One machine (`all`) keeps the bridge on loopback; a camera PC serves web nodes on the LAN.
    const node =
      role === 'web'
        ? undefined
        : await startRecognitionNode(
            config,
            logger,
            { listenHost: role === 'all' ? '127.0.0.1' : '0.0.0.0' },
            rooms,
          );
    if (role !== 'recognition') await startWebNode(config, logger, rooms, node);
    logger.info(`Rollcall running (${role}); press Ctrl-C to stop`);
    const signal = await stop;
    logger.info({ signal }, 'shutting down');
    return 0;
  } finally {
    await closeAll(rooms, logger);
    logger.info('stopped');
  }
}
