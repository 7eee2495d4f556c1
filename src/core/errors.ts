/**
 * The error catalog. Code branches on `code`, never on the message; messages are for people.
 */
export const ErrorCode = {
  ConfigInvalid: 'CONFIG_INVALID',
  ImageEmpty: 'IMAGE_EMPTY',
  ImageUnsupported: 'IMAGE_UNSUPPORTED',
  ImageCorrupt: 'IMAGE_CORRUPT',
  ImageTooLarge: 'IMAGE_TOO_LARGE',
  ImageUnreadable: 'IMAGE_UNREADABLE',
  EngineUnavailable: 'ENGINE_UNAVAILABLE',
  EngineFailed: 'ENGINE_FAILED',
  DescriptorInvalid: 'DESCRIPTOR_INVALID',
  /**
   * Descriptors of one model were offered where another model's belong (a gallery for a node whose
   * engine makes another model, a cache file from another engine): they never compare, so refused.
   */
  DescriptorModelMismatch: 'DESCRIPTOR_MODEL_MISMATCH',
  UsageInvalid: 'USAGE_INVALID',
  NotFound: 'NOT_FOUND',
  FfmpegMissing: 'FFMPEG_MISSING',
  CameraNotFound: 'CAMERA_NOT_FOUND',
  CameraBusy: 'CAMERA_BUSY',
  CameraPermission: 'CAMERA_PERMISSION',
  StreamUnreachable: 'STREAM_UNREACHABLE',
  SourceInvalid: 'SOURCE_INVALID',
  SourceFailed: 'SOURCE_FAILED',
  // The bridge protocol (src/bridge/protocol): framing, message shape, handshake.
  BadMagic: 'BAD_MAGIC',
  VersionMismatch: 'VERSION_MISMATCH',
  UnknownCommand: 'UNKNOWN_COMMAND',
  BadHeader: 'BAD_HEADER',
  FrameTooLarge: 'FRAME_TOO_LARGE',
  BadJson: 'BAD_JSON',
  BadMessage: 'BAD_MESSAGE',
  AuthFailed: 'AUTH_FAILED',
  UnexpectedMessage: 'UNEXPECTED_MESSAGE',
  /** The peer reported an error whose code this side does not know. */
  RemoteError: 'REMOTE_ERROR',
  /** A failure with no code of its own; its details stay in the local log, not on the wire. */
  InternalError: 'INTERNAL_ERROR',
  // The recognition node's durable outbox and gallery cache (src/recognition/outbox, src/recognition/gallery-cache).
  /** Another live process owns the outbox directory (its lock file names the pid). */
  OutboxLocked: 'OUTBOX_LOCKED',
  /** The outbox holds `maxPending` unacknowledged events and refuses more until some are acknowledged. */
  OutboxFull: 'OUTBOX_FULL',
  /** The outbox journal cannot be read as an outbox (bad header, unknown format version, damaged record). */
  OutboxCorrupt: 'OUTBOX_CORRUPT',
  /** A write or fsync of the outbox failed; what it was writing was not stored. */
  OutboxWriteFailed: 'OUTBOX_WRITE_FAILED',
  /** The outbox was closed. */
  OutboxClosed: 'OUTBOX_CLOSED',
  /**
   * The disk under `DATA_DIR` has no space left (ENOSPC, a quota, SQLITE_FULL): what was being
   * written was not stored. Writes work again once space is freed; nothing stored before is harmed.
   */
  DiskFull: 'DISK_FULL',
  /** The gallery cache file is damaged or not a gallery cache; the caller may start empty. */
  GalleryCacheCorrupt: 'GALLERY_CACHE_CORRUPT',
  /** The gallery cache file could not be read or written. */
  GalleryCacheFailed: 'GALLERY_CACHE_FAILED',
  // The bridge transport (src/bridge/node, src/bridge/web, src/bridge/bridge-secret.ts).
  /** The node refused the TCP connection (nothing listens on that port). */
  BridgeRefused: 'BRIDGE_REFUSED',
  /** A bridge step took too long: connect, handshake, heartbeat, an embed reply. */
  BridgeTimeout: 'BRIDGE_TIMEOUT',
  /** The connection failed or ended for a network reason (host unknown, unreachable, reset). */
  BridgeConnectionLost: 'BRIDGE_CONNECTION_LOST',
  /** A request needs a connected node and there is none right now; retry later. */
  BridgeNotConnected: 'BRIDGE_NOT_CONNECTED',
  /** The node already serves its maximum number of connections. */
  BridgeBusy: 'BRIDGE_BUSY',
  /** A node would listen beyond loopback without a bridge secret. */
  BridgeSecretRequired: 'BRIDGE_SECRET_REQUIRED',
  // The private Redis of one-machine installs (src/queues).
  /** redis-server is not installed and REDIS_URL is unset. */
  RedisMissing: 'REDIS_MISSING',
  RedisFailed: 'REDIS_FAILED',
  // The store (src/store): validation at its edge, constraints, schema, adapters.
  /** An argument to the store is malformed: an empty name, an over-long string, a bad id or day. */
  StoreInvalid: 'STORE_INVALID',
  /** The record asked for (or one it refers to) does not exist. */
  StoreNotFound: 'STORE_NOT_FOUND',
  /** The write would break a uniqueness or state rule: a duplicate name, an already-decided face. */
  StoreConflict: 'STORE_CONFLICT',
  /** The database was written by a newer Rollcall (a schema version this build does not know). */
  StoreSchemaTooNew: 'STORE_SCHEMA_TOO_NEW',
  /** The configured store cannot be used: an adapter not built, a file that cannot be opened. */
  StoreUnavailable: 'STORE_UNAVAILABLE',
  /** The store was closed. */
  StoreClosed: 'STORE_CLOSED',
  /** The database failed in a way the caller cannot fix (disk full, corruption, lock timeout). */
  StoreFailed: 'STORE_FAILED',
  // The web node (src/web): HTTP requests, accounts, sessions.
  /** A request parameter, query or form field is malformed; the message names it. */
  RequestInvalid: 'REQUEST_INVALID',
  /** A request body is larger than allowed, or holds too many files. */
  RequestTooLarge: 'REQUEST_TOO_LARGE',
  /** No valid session or API token. */
  Unauthenticated: 'UNAUTHENTICATED',
  /** Signed in, but the role does not allow this. */
  Forbidden: 'FORBIDDEN',
  /** A state-changing request with a session lacked the CSRF token, or carried a wrong one. */
  CsrfInvalid: 'CSRF_INVALID',
  /** Too many attempts (sign-in); retry later. */
  RateLimited: 'RATE_LIMITED',
  /** The one-time setup page was used after the first user exists. */
  SetupDone: 'SETUP_DONE',
  // People as records: names may repeat, external ids may not.
  /** Another person already has this external id (student or staff number). */
  ExternalIdTaken: 'EXTERNAL_ID_TAKEN',
  /** Nobody has the name given, and creating a new person was not asked for explicitly. */
  PersonNameUnknown: 'PERSON_NAME_UNKNOWN',
  /** Several people share the name given: say which one by id. */
  PersonNameAmbiguous: 'PERSON_NAME_AMBIGUOUS',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class RollcallError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RollcallError';
  }

  /** A plain object that survives structured cloning (worker threads, the bridge). */
  toJSON(): SerializedError {
    return { code: this.code, message: this.message };
  }

  static fromJSON(serialized: SerializedError): RollcallError {
    return new RollcallError(serialized.code, serialized.message);
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
}

export function isRollcallError(error: unknown, code?: ErrorCode): error is RollcallError {
  return error instanceof RollcallError && (code === undefined || error.code === code);
}

/** Any thrown value as something with a code, so it can cross a thread or the wire. */
export function serializeError(
  error: unknown,
  fallback: ErrorCode = ErrorCode.EngineFailed,
): SerializedError {
  if (error instanceof RollcallError) return error.toJSON();
  return { code: fallback, message: error instanceof Error ? error.message : String(error) };
}
