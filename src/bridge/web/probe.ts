/** `rollcall probe`: one connection like a web node's, to read a node's first STATUS. */
import { ErrorCode } from '../../core/index.js';
import { systemClock } from '../../shared/index.js';
import { Command, omitCommand, type NodeStatus } from '../protocol/index.js';
import { BridgeConnectError } from './bridge-connect-error.js';
import type { BridgeConnectOptions } from './client-options.js';
import { ClientSession } from './client-session.js';

/** What the node's first STATUS said. */
export interface ProbeResult extends NodeStatus {
  /** Connect, handshake and first STATUS, in milliseconds. */
  elapsedMs: number;
}

/**
 * Connects like a web node, authenticates, waits for the first STATUS and hangs up. Acknowledges
 * nothing, so the node's outbox is untouched.
 *
 * @throws BridgeConnectError as {@link BridgeClient} would fail to connect; `BRIDGE_TIMEOUT` when no
 *   STATUS arrives within the time left.
 */
export async function probeNode(options: BridgeConnectOptions): Promise<ProbeResult> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const startedAt = clock.now();
  const session = await ClientSession.open(options);
  const where = `node ${options.host}:${options.port}`;
  try {
    const status = await new Promise<NodeStatus>((resolve, reject) => {
      const cancel = clock.schedule(Math.max(1, timeoutMs - (clock.now() - startedAt)), () => {
        reject(new BridgeConnectError(ErrorCode.BridgeTimeout, `${where}: no STATUS after the handshake`));
      });
      session.attach({
        message: (message) => {
          if (message.command === Command.STATUS) {
            cancel();
            resolve(omitCommand(message));
          }
        },
        closed: (reason, error) => {
          cancel();
          reject(error ?? new BridgeConnectError(ErrorCode.BridgeConnectionLost, `${where}: ${reason}`));
        },
      });
    });
    return { ...status, elapsedMs: clock.now() - startedAt };
  } finally {
    session.close('probe done');
    await session.whenClosed();
  }
}
