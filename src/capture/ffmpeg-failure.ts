/**
 * Turns what ffmpeg left behind (a spawn error, an exit status, the last lines it printed) into one
 * RollcallError whose code callers can branch on and whose message tells a person what to do.
 * Pure functions, so every rule is tested without a camera.
 */
import { ErrorCode, RollcallError } from '../core/index.js';

/** How ffmpeg is told to open an input; it decides the flags and how failures read. */
export type FfmpegInputKind = 'v4l2' | 'stream' | 'file';

const STREAM_SCHEME = /^(rtsps?|https?):\/\//i;

export function ffmpegInputKind(input: string): FfmpegInputKind {
  if (input.startsWith('/dev/')) return 'v4l2';
  if (STREAM_SCHEME.test(input)) return 'stream';
  return 'file';
}

/** `rtsp://user:secret@cam/…` → `rtsp://user:***@cam/…`, anywhere in a text; camera passwords stay out of logs. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, '$1:***@');
}

/** The last `maxLines` lines a child printed, with bounded memory however much it prints. */
export class LineTail {
  readonly #lines: string[] = [];
  #partial = '';

  constructor(
    readonly maxLines = 20,
    readonly maxLineLength = 1000,
  ) {}

  push(text: string): void {
    // ffmpeg ends progress lines with \r; both end a line here.
    const parts = (this.#partial + text).split(/\r\n|\r|\n/);
    this.#partial = (parts.pop() ?? '').slice(0, this.maxLineLength);
    for (const part of parts) {
      const line = part.trim();
      if (line) this.#lines.push(line.slice(0, this.maxLineLength));
    }
    if (this.#lines.length > this.maxLines) this.#lines.splice(0, this.#lines.length - this.maxLines);
  }

  /** The kept lines, the unfinished last one included. */
  lines(): string[] {
    const partial = this.#partial.trim();
    const all = partial ? [...this.#lines, partial] : [...this.#lines];
    return all.slice(-this.maxLines);
  }
}

export interface FfmpegFailure {
  /** The `-i` argument: a device, URL or file. */
  input: string;
  kind: FfmpegInputKind;
  ffmpegPath: string;
  /** The last lines ffmpeg printed on stderr. */
  stderr: readonly string[];
  /** Set when the process could not be started at all. */
  spawnError?: NodeJS.ErrnoException;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  /** Set when no frame came within this many ms of starting. */
  noFrameWithinMs?: number;
}

const CAMERA_HELP =
  'list cameras with `ls /dev/video*` and set CAMERA_SOURCE to one of them (or CAMERA_SOURCE=demo)';
const STREAM_HELP = "check the URL, the camera's network and its credentials";

function tailText(stderr: readonly string[]): string {
  return stderr.length > 0 ? `ffmpeg said: ${stderr.join(' | ')}` : 'ffmpeg printed nothing';
}

function exitText(failure: FfmpegFailure): string {
  if (failure.signal) return `killed by ${failure.signal}`;
  if (failure.exitCode !== undefined && failure.exitCode !== null) return `exit code ${failure.exitCode}`;
  return 'stopped';
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function cameraFailure(device: string, text: string): RollcallError | undefined {
  if (/Device or resource busy/i.test(text)) {
    return new RollcallError(
      ErrorCode.CameraBusy,
      `camera ${device} is busy: another application is using it; close that application (\`fuser ${device}\` shows which) and Rollcall will retry`,
    );
  }
  if (/Permission denied/i.test(text)) {
    return new RollcallError(
      ErrorCode.CameraPermission,
      `no permission to open camera ${device}: add the user to the video group (\`sudo usermod -aG video $USER\`, then log in again)`,
    );
  }
  if (/No such file or directory/i.test(text)) {
    return new RollcallError(
      ErrorCode.CameraNotFound,
      `camera ${device} not found: plug it in, or ${CAMERA_HELP}`,
    );
  }
  if (/No such device/i.test(text)) {
    return new RollcallError(
      ErrorCode.CameraNotFound,
      `camera ${device} disappeared (unplugged?): plug it back in, or ${CAMERA_HELP}`,
    );
  }
  if (/Not a video capture device|Inappropriate ioctl/i.test(text)) {
    // UVC webcams usually expose a second, metadata-only node (video1 beside video0).
    return new RollcallError(
      ErrorCode.CameraNotFound,
      `${device} is not a video capture device (webcams often add a metadata node next to the real one): ${CAMERA_HELP}`,
    );
  }
  return undefined;
}

function streamFailure(url: string, text: string): RollcallError | undefined {
  const reasons: [RegExp, string][] = [
    [/Connection refused/i, 'connection refused'],
    [/timed out|Operation timed out/i, 'connection timed out'],
    [/No route to host/i, 'no route to host'],
    [/Network is unreachable/i, 'network is unreachable'],
    [
      /Name or service not known|Temporary failure in name resolution|Failed to resolve/i,
      'host name not found',
    ],
    // Anchored to ffmpeg's wording so a port or address containing 401 does not match.
    [
      /(?:Server returned|failed:) 40[13]\b|Unauthorized|Forbidden/i,
      'the camera refused the credentials (401/403)',
    ],
    [/(?:Server returned|failed:) 404\b|Not Found/i, 'the server answered 404 Not Found'],
    [/method DESCRIBE failed|method SETUP failed/i, 'the RTSP server refused the stream'],
    [/Invalid data found/i, 'the server sent no video ffmpeg can read'],
    [/Connection reset by peer|End of file/i, 'the server closed the connection'],
  ];
  const httpStatus = /Server returned (\w{3}\b[^\n]*)/i.exec(text)?.[1];
  const reason =
    reasons.find(([pattern]) => pattern.test(text))?.[1] ??
    (httpStatus ? `the server answered ${httpStatus}` : undefined);
  if (!reason) return undefined;
  return new RollcallError(
    ErrorCode.StreamUnreachable,
    `cannot read the stream ${url}: ${reason}; ${STREAM_HELP}`,
  );
}

function fileFailure(file: string, text: string): RollcallError | undefined {
  if (/No such file or directory/i.test(text)) {
    return new RollcallError(ErrorCode.SourceInvalid, `video file ${file} does not exist: fix CAMERA_SOURCE`);
  }
  if (/Permission denied/i.test(text)) {
    return new RollcallError(
      ErrorCode.SourceInvalid,
      `video file ${file} cannot be read (permission denied): fix its permissions`,
    );
  }
  if (/Invalid data found|could not find codec|Unknown input format/i.test(text)) {
    return new RollcallError(
      ErrorCode.SourceInvalid,
      `${file} is not a video ffmpeg can read: point CAMERA_SOURCE at a video file (mp4, mkv, avi, …)`,
    );
  }
  if (/does not contain any stream|matches no streams/i.test(text)) {
    return new RollcallError(
      ErrorCode.SourceInvalid,
      `${file} has no video stream: point CAMERA_SOURCE at a video file`,
    );
  }
  return undefined;
}

/** One coded error for a failed ffmpeg run: the most specific rule that matches wins. */
export function classifyFfmpegFailure(failure: FfmpegFailure): RollcallError {
  const input = redactUrlCredentials(failure.input);
  const stderr = failure.stderr.map(redactUrlCredentials);
  const spawnError = failure.spawnError;
  if (spawnError) {
    if (spawnError.code === 'ENOENT') {
      const where =
        failure.ffmpegPath === 'ffmpeg' ? 'not on PATH' : `no executable at ${failure.ffmpegPath}`;
      return new RollcallError(
        ErrorCode.FfmpegMissing,
        `ffmpeg is not installed (${where}): apt-get install ffmpeg (or set CAMERA_SOURCE=demo)`,
        { cause: spawnError },
      );
    }
    return new RollcallError(
      ErrorCode.SourceFailed,
      `cannot run ffmpeg at ${failure.ffmpegPath} (${spawnError.code ?? spawnError.message}): check that it is an executable ffmpeg, or apt-get install ffmpeg`,
      { cause: spawnError },
    );
  }
  const text = stderr.join('\n');
  const specific =
    failure.kind === 'v4l2'
      ? cameraFailure(input, text)
      : failure.kind === 'stream'
        ? streamFailure(input, text)
        : fileFailure(input, text);
  if (specific) return specific;
  if (failure.noFrameWithinMs !== undefined) {
    const wait = seconds(failure.noFrameWithinMs);
    if (failure.kind === 'stream') {
      return new RollcallError(
        ErrorCode.StreamUnreachable,
        `cannot read the stream ${input}: no frame within ${wait}; ${STREAM_HELP}`,
      );
    }
    return new RollcallError(
      ErrorCode.SourceFailed,
      `${input} opened but sent no frame within ${wait}${failure.kind === 'v4l2' ? ` (is the camera working? ${CAMERA_HELP})` : ''}; ${tailText(stderr)}`,
    );
  }
  if (failure.exitCode === 0) {
    // ffmpeg finished cleanly yet no frame came out: nothing to decode, not a crash.
    return failure.kind === 'stream'
      ? new RollcallError(
          ErrorCode.StreamUnreachable,
          `cannot read the stream ${input}: it ended before the first frame; ${STREAM_HELP}`,
        )
      : new RollcallError(
          ErrorCode.SourceInvalid,
          `${input} ended before its first frame (an empty video?): fix CAMERA_SOURCE`,
        );
  }
  return new RollcallError(
    ErrorCode.SourceFailed,
    `ffmpeg stopped reading ${input} (${exitText(failure)}); ${tailText(stderr)}`,
  );
}
