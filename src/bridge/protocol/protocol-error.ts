import { ErrorCode, RollcallError } from '../../core/index.js';

/** Every code a {@link ProtocolError} can carry. */
export const PROTOCOL_ERROR_CODES = [
  ErrorCode.BadMagic,
  ErrorCode.VersionMismatch,
  ErrorCode.UnknownCommand,
  ErrorCode.BadHeader,
  ErrorCode.FrameTooLarge,
  ErrorCode.BadJson,
  ErrorCode.BadMessage,
  ErrorCode.AuthFailed,
  ErrorCode.UnexpectedMessage,
  ErrorCode.RemoteError,
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

const protocolCodes: ReadonlySet<string> = new Set(PROTOCOL_ERROR_CODES);

export function isProtocolErrorCode(code: string): code is ProtocolErrorCode {
  return protocolCodes.has(code);
}

/**
 * Something on the bridge broke the protocol: bad framing, a malformed message, a failed handshake.
 * A `RollcallError`, so it serialises across the wire like any other.
 */
export class ProtocolError extends RollcallError {
  declare readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ProtocolError';
  }
}

export function isProtocolError(error: unknown, code?: ProtocolErrorCode): error is ProtocolError {
  return error instanceof ProtocolError && (code === undefined || error.code === code);
}
