/**
 * How any error becomes an HTTP answer: a status chosen from the error's code, and a body of
 * `{ code, message }`. Internal failures answer a fixed message; their details go to the log only.
 */
import { ErrorCode, RollcallError, isRollcallError } from '../core/index.js';

/** The web node's view of a logger: pino's shape, so the CLI can hand its own in. */
export interface WebLogger {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface ErrorResponse {
  status: number;
  body: { code: ErrorCode; message: string };
}

/** Codes whose message is written for the user and safe to show; all others answer 500. */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.RequestInvalid]: 400,
  [ErrorCode.StoreInvalid]: 400,
  [ErrorCode.UsageInvalid]: 400,
  [ErrorCode.ImageEmpty]: 400,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.CsrfInvalid]: 403,
  [ErrorCode.SetupDone]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.StoreNotFound]: 404,
  [ErrorCode.StoreConflict]: 409,
  [ErrorCode.ExternalIdTaken]: 409,
  [ErrorCode.PersonNameAmbiguous]: 409,
  [ErrorCode.PersonNameUnknown]: 422,
  [ErrorCode.ImageTooLarge]: 413,
  [ErrorCode.RequestTooLarge]: 413,
  [ErrorCode.ImageUnsupported]: 415,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.BridgeNotConnected]: 503,
  [ErrorCode.StoreUnavailable]: 503,
  [ErrorCode.StoreClosed]: 503,
  // 507 Insufficient Storage: the request was sound, the server had no room to keep it.
  [ErrorCode.DiskFull]: 507,
};

/** Shorthand for throwing a user-facing error from a handler. */
export function httpError(code: ErrorCode, message: string): RollcallError {
  return new RollcallError(code, message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Errors from Express's body parsers and the http-errors package carry `status` and `expose`;
 * their messages are written for clients only when `expose` is true.
 */
function fromHttpError(error: Record<string, unknown>): ErrorResponse | undefined {
  const status = typeof error.status === 'number' ? error.status : undefined;
  if (status === undefined || status < 400 || status > 499) return undefined;
  if (status === 413) {
    return { status, body: { code: ErrorCode.RequestTooLarge, message: 'the request body is too large' } };
  }
  if (error.type === 'entity.parse.failed') {
    return {
      status: 400,
      body: { code: ErrorCode.RequestInvalid, message: 'the request body is not valid JSON' },
    };
  }
  if (status === 415) {
    return { status, body: { code: ErrorCode.RequestInvalid, message: 'unsupported request body type' } };
  }
  const message = error.expose === true && typeof error.message === 'string' ? error.message : 'bad request';
  return { status, body: { code: status === 404 ? ErrorCode.NotFound : ErrorCode.RequestInvalid, message } };
}

/** The answer for any thrown value; `internal` is true when it must be logged as a fault. */
export function toErrorResponse(error: unknown): ErrorResponse & { internal: boolean } {
  if (isRollcallError(error)) {
    const status = STATUS_BY_CODE[error.code];
    if (status !== undefined) return { status, body: error.toJSON(), internal: false };
  } else if (isObject(error)) {
    const known = fromHttpError(error);
    if (known) return { ...known, internal: false };
  }
  return {
    status: 500,
    body: {
      code: ErrorCode.InternalError,
      message: 'something went wrong on the server; it has been logged',
    },
    internal: true,
  };
}
