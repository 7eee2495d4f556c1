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
  UsageInvalid: 'USAGE_INVALID',
  NotFound: 'NOT_FOUND',
  FfmpegMissing: 'FFMPEG_MISSING',
  CameraNotFound: 'CAMERA_NOT_FOUND',
  CameraBusy: 'CAMERA_BUSY',
  CameraPermission: 'CAMERA_PERMISSION',
  StreamUnreachable: 'STREAM_UNREACHABLE',
  SourceInvalid: 'SOURCE_INVALID',
  SourceFailed: 'SOURCE_FAILED',
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
