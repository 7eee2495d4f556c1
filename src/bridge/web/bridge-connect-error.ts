import { RollcallError, type ErrorCode } from '../../core/index.js';

/** A failed connection attempt, with the node's protocol version when that was the reason. */
export class BridgeConnectError extends RollcallError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly peerProtocol?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'BridgeConnectError';
  }
}
