/**
 * Messages as the two sides use them once they arrived: a message's fields without its command.
 */
import type { SettingsMessage, StatusMessage } from './messages.js';

/** What a node reports in STATUS. */
export type NodeStatus = Omit<StatusMessage, 'command'>;

/**
 * Settings a web node pushed: thresholds set by hand or the target the node calibrates its own for,
 * and, optionally, consensus and sighting interval.
 */
export type BridgeSettings = Omit<SettingsMessage, 'command'>;

/** The message's fields without its command, e.g. STATUS as a plain status object. */
export function omitCommand<T extends { command: number }>(message: T): Omit<T, 'command'> {
  const copy: Partial<T> = { ...message };
  delete copy.command;
  return copy as Omit<T, 'command'>;
}
