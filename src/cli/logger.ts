/**
 * Structured logs (pino): JSON lines for machines, or a readable coloured form when the output is
 * a terminal. Rooms report through events; the command that owns them logs.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../../config.js';

export type { Logger };

export function createLogger(level: LogLevel, pretty = process.stdout.isTTY): Logger {
  return pino({
    level,
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
}
