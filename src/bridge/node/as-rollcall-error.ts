import { ErrorCode, RollcallError } from '../../core/index.js';

/** A thrown value as a RollcallError: itself when it is one, else `INTERNAL_ERROR` with `fallback`. */
export function asRollcallError(error: unknown, fallback: string): RollcallError {
  if (error instanceof RollcallError) return error;
  return new RollcallError(ErrorCode.InternalError, fallback, { cause: error });
}
