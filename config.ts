/**
 * Rollcall's configuration: the one place that reads `process.env` (and `.env`).
 *
 * Every key has a default that works on one machine (`npm start`), is parsed once at start-up, and a
 * bad value stops start-up with a message that lists every bad key, not just the first.
 */
import os from 'node:os';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isTimeZone } from './src/core/time-zone.js';
import { parseCameraList, type CameraConfig } from './src/core/camera-list.js';
import type { DescriptorModel } from './src/core/descriptor.js';
import type { MatchThresholds } from './src/core/matcher.js';

/** Where a recognition node listens; the web node connects to each of these. */
export interface ServerAddress {
  host: string;
  port: number;
}

export type DetectorKind = 'tiny' | 'ssd';
export type BackendChoice = 'auto' | 'wasm' | 'tensorflow';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface Config {
  /** The recognition node the web node talks to (the camera PC). @defaultValue `127.0.0.1:9999` */
  recognitionServer: ServerAddress;
  /** Every recognition node a web node connects to: `RECOGNITION_SERVERS`, else the one above. */
  recognitionServers: ServerAddress[];
  /** Port of the web dashboard and REST API. @defaultValue 8081 */
  webPort: number;
  /**
   * Port of a recognition node's `/healthz` and `/metrics`, on the bridge's interface (the web node
   * answers both on its own port). @defaultValue 9998
   */
  healthPort: number;
  /**
   * The web node sits behind a TLS reverse proxy: which proxies' `X-Forwarded-*` headers to believe
   * (Express `trust proxy`: `loopback`, addresses or subnets, or a hop count). When set, the session
   * cookie is `Secure`, so it is only ever sent over HTTPS. Unset: served directly, plain HTTP.
   */
  trustProxy: string | number | undefined;
  /** Shared secret for the bridge's HMAC handshake; unset means loopback-only or generated. */
  bridgeSecret: string | undefined;
  /**
   * TLS for the bridge: the node's certificate and key (PEM files); a web node trusts `ca` (the
   * CA, or the node's self-signed certificate). Unset: plain TCP, still authenticated by HMAC.
   */
  bridgeTls: { certFile: string | undefined; keyFile: string | undefined; caFile: string | undefined };
  /** An external Redis; unset means a private `redis-server` under `DATA_DIR/redis`. */
  redisUrl: string | undefined;
  /** Selects the MongoDB store when set; otherwise SQLite under `DATA_DIR`. */
  mongodbUri: string | undefined;
  /** Names this recognition node in events and on the Nodes page. @defaultValue the host name */
  nodeId: string;
  /** Where the SQLite file, the outbox, the gallery cache and Redis data live. @defaultValue `./data` */
  dataDir: string;
  /** `/dev/videoN`, `rtsp://…`, `http://…`, a video file, `dir:PATH` or `demo`. @defaultValue `auto` */
  cameraSource: string;
  /**
   * Every camera of this node: `CAMERA_SOURCES` (JSON list or `id=source;id=source`), else the one
   * `CAMERA_SOURCE` (its id derived from the source). Never empty.
   */
  cameras: CameraConfig[];
  /**
   * Motion gating on every camera: off, every frame gets a full-frame detection; on, only new
   * motion and a sweep every `sweepIntervalMs` do, and tracked faces are looked at in their regions.
   */
  motion: { enabled: boolean; sweepIntervalMs: number };
  /** Threads in the face-engine pool. @defaultValue the number of CPU cores */
  workerThreads: number;
  /** Which tfjs backend runs the models; `auto` uses tfjs-node when it loads, else wasm. */
  tfBackend: BackendChoice;
  /** Detector for live frames (fast). @defaultValue `tiny` */
  liveDetector: DetectorKind;
  /** Detector for enrollment and evaluation photos (accurate). @defaultValue `ssd` */
  enrollDetector: DetectorKind;
  /**
   * The network that describes faces: `fr-feature` (512 values, far stronger with many people
   * enrolled) or `face-api` (128 values, the fallback when fr-feature cannot load).
   * @defaultValue `fr-feature`
   */
  faceEmbedder: DescriptorModel;
  /**
   * How often a stranger may be named: the match threshold is set from the gallery so that, with
   * the people enrolled now, a stranger is named at most this often. @defaultValue 0.01
   */
  strangerRateTarget: number;
  /**
   * Distances set by hand (`MATCH_THRESHOLD`, `UNKNOWN_THRESHOLD`, in the units of the embedder),
   * used instead of the target; unset: calibrated from the gallery.
   */
  fixedThresholds: MatchThresholds | undefined;
  /** Frames of agreement before a live track is named. @defaultValue 3 */
  consensusFrames: number;
  /** While a named person stays in view, a sighting is re-emitted at most this often. @defaultValue 10 */
  sightingIntervalS: number;
  /** IANA time zone that decides which day an attendance record belongs to. */
  timezone: string;
  logLevel: LogLevel;
}

/** Thrown when the environment holds bad values; `problems` names each bad key. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Decimal digits only: `0x1F90` or `1e3` for a port is a typo, not a number. */
function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}
const port = wholeNumber(1, 65535);
const threshold = z
  .string()
  .regex(/^\d*\.?\d+$/, 'must be a number such as 0.55')
  .transform(Number)
  .pipe(z.number().max(2, 'must be at most 2'));

/** A DNS name or IPv4 address; IPv6 comes in brackets (`[::1]:9999`) or bare without a port. */
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;

/** Parses `HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6 address; undefined when malformed. */
export function parseAddress(value: string, defaultPort: number): ServerAddress | undefined {
  const text = value.trim();
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] as string;
    portText = bracketed[2];
    if (!IPV6.test(host)) return undefined;
  } else if ((text.match(/:/g) ?? []).length > 1) {
    if (!IPV6.test(text)) return undefined;
    host = text;
  } else {
    const [name, after] = text.split(':');
    host = name ?? '';
    portText = after;
    if (!HOSTNAME.test(host)) return undefined;
    if (after !== undefined && !/^\d+$/.test(after)) return undefined;
  }
  const portNumber = portText === undefined ? defaultPort : Number(portText);
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) return undefined;
  return { host, port: portNumber };
}

/** Keys whose values must never be echoed, in errors or in the start-up log. */
const SECRET_KEYS = new Set(['BRIDGE_SECRET', 'REDIS_URL', 'MONGODB_URI']);

const schema = z.object({
  RECOGNITION_SERVER_HOST: z
    .string()
    .refine(
      (h) => parseAddress(h, 1)?.host === h.replace(/^\[|\]$/g, ''),
      'must be a host name or IP address',
    )
    .default('127.0.0.1'),
  RECOGNITION_SERVER_PORT: port.default(9999),
  RECOGNITION_SERVERS: z.string().optional(),
  WEB_PORT: port.default(8081),
  HEALTH_PORT: port.default(9998),
  TRUST_PROXY: z
    .string()
    .regex(
      /^(\d{1,2}|(loopback|linklocal|uniquelocal|[0-9A-Fa-f.:]+(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9A-Fa-f.:]+(\/\d{1,3})?))*)$/,
      'must be loopback, linklocal, uniquelocal, IP addresses or subnets (comma-separated), or a hop count',
    )
    .transform((value) => (/^\d+$/.test(value) ? Number(value) : value))
    .optional(),
  BRIDGE_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  BRIDGE_TLS_CERT: z.string().optional(),
  BRIDGE_TLS_KEY: z.string().optional(),
  BRIDGE_TLS_CA: z.string().optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  NODE_ID: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
      'must be letters, digits, dot, dash or underscore (at most 63)',
    )
    .default(
      os
        .hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 63) || 'node',
    ),
  DATA_DIR: z.string().min(1).default('./data'),
  CAMERA_SOURCE: z.string().min(1).default('auto'),
  CAMERA_SOURCES: z.string().optional(),
  MOTION_GATING: z.enum(['on', 'off']).default('on'),
  MOTION_SWEEP_MS: wholeNumber(250, 60_000).default(2000),
  WORKER_THREADS: wholeNumber(1, 64).default(Math.min(64, Math.max(1, os.availableParallelism()))),
  TF_BACKEND: z.enum(['auto', 'wasm', 'tensorflow']).default('auto'),
  LIVE_DETECTOR: z.enum(['tiny', 'ssd']).default('tiny'),
  ENROLL_DETECTOR: z.enum(['tiny', 'ssd']).default('ssd'),
  FACE_EMBEDDER: z.enum(['fr-feature', 'face-api']).default('fr-feature'),
  STRANGER_RATE_TARGET: z
    .string()
    .regex(/^\d*\.?\d+$/, 'must be a fraction such as 0.01 (one stranger in a hundred)')
    .transform(Number)
    .pipe(z.number().min(0.0001, 'must be at least 0.0001').max(0.5, 'must be at most 0.5'))
    .default(0.01),
  MATCH_THRESHOLD: threshold.optional(),
  UNKNOWN_THRESHOLD: threshold.optional(),
  CONSENSUS_FRAMES: wholeNumber(1, 100).default(3),
  SIGHTING_INTERVAL_S: wholeNumber(1, 86_400).default(10),
  TIMEZONE: z
    .string()
    .default(Intl.DateTimeFormat().resolvedOptions().timeZone)
    .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

type RawEnv = Record<string, string | undefined>;

/**
 * Checks that involve more than one key, or a list, on the raw values: they run even when other
 * keys are bad, so one pass lists every problem.
 */
function crossKeyProblems(input: RawEnv): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  if ((input.BRIDGE_TLS_CERT === undefined) !== (input.BRIDGE_TLS_KEY === undefined)) {
    problems.push({
      key: input.BRIDGE_TLS_CERT === undefined ? 'BRIDGE_TLS_CERT' : 'BRIDGE_TLS_KEY',
      message: 'BRIDGE_TLS_CERT and BRIDGE_TLS_KEY go together: set both or neither',
    });
  }
  if (input.UNKNOWN_THRESHOLD !== undefined && input.MATCH_THRESHOLD === undefined) {
    problems.push({
      key: 'UNKNOWN_THRESHOLD',
      message: 'goes with MATCH_THRESHOLD: set MATCH_THRESHOLD too',
    });
  }
  const match = threshold.safeParse(input.MATCH_THRESHOLD);
  const unknown = threshold.safeParse(input.UNKNOWN_THRESHOLD);
  if (match.success && unknown.success && unknown.data < match.data) {
    problems.push({ key: 'UNKNOWN_THRESHOLD', message: `must be at least MATCH_THRESHOLD (${match.data})` });
  }
  for (const entry of (input.RECOGNITION_SERVERS ?? '').split(',').filter((s) => s.trim())) {
    if (!parseAddress(entry, 1)) {
      problems.push({
        key: 'RECOGNITION_SERVERS',
        message: `"${entry.trim()}" is not HOST, HOST:PORT or [IPv6]:PORT`,
      });
    }
  }
  if (input.CAMERA_SOURCES !== undefined) {
    if (input.CAMERA_SOURCE !== undefined) {
      problems.push({
        key: 'CAMERA_SOURCES',
        message: 'set either CAMERA_SOURCE (one camera) or CAMERA_SOURCES (several), not both',
      });
    }
    for (const message of parseCameraList(input.CAMERA_SOURCES).problems) {
      problems.push({ key: 'CAMERA_SOURCES', message });
    }
  }
  return problems;
}

/** Reads `.env` from `dir` without overriding variables that are already set. */
export function readDotenv(dir = process.cwd()): Record<string, string> {
  try {
    return parseDotenv(readFileSync(path.join(dir, '.env')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/**
 * Parses and validates configuration. `env` defaults to `.env` overlaid by `process.env`.
 * Empty strings count as unset, so `KEY=` in `.env` falls back to the default.
 */
export function loadConfig(
  env: Record<string, string | undefined> = { ...readDotenv(), ...process.env },
): Config {
  const known = Object.keys(schema.shape);
  const input: RawEnv = Object.fromEntries(
    known.map((key) => [key, env[key]?.trim() ? env[key].trim() : undefined] as const),
  );
  const result = schema.safeParse(input);
  const problems = [
    ...(result.success ? [] : result.error.issues).map((issue) => ({
      key: String(issue.path[0] ?? 'config'),
      message: issue.message,
    })),
    ...crossKeyProblems(input),
  ];
  if (!result.success || problems.length > 0) {
    throw new ConfigError(
      problems.map(({ key, message }) => {
        // A camera list is long and may hold stream passwords: its messages name the camera instead.
        if (key === 'CAMERA_SOURCES') return `${key}: ${message}`;
        const shown = SECRET_KEYS.has(key) ? '(hidden)' : JSON.stringify(input[key] ?? '');
        return `${key}=${shown}: ${message}`;
      }),
    );
  }
  const e = result.data;
  const recognitionServer = { host: e.RECOGNITION_SERVER_HOST, port: e.RECOGNITION_SERVER_PORT };
  const listed = (e.RECOGNITION_SERVERS ?? '')
    .split(',')
    .filter((s) => s.trim())
    .map((s) => parseAddress(s, e.RECOGNITION_SERVER_PORT))
    .filter((a): a is ServerAddress => a !== undefined);
  return {
    recognitionServer,
    recognitionServers: listed.length > 0 ? listed : [recognitionServer],
    webPort: e.WEB_PORT,
    healthPort: e.HEALTH_PORT,
    trustProxy: e.TRUST_PROXY,
    bridgeSecret: e.BRIDGE_SECRET,
    bridgeTls: { certFile: e.BRIDGE_TLS_CERT, keyFile: e.BRIDGE_TLS_KEY, caFile: e.BRIDGE_TLS_CA },
    redisUrl: e.REDIS_URL,
    mongodbUri: e.MONGODB_URI,
    nodeId: e.NODE_ID,
    dataDir: path.resolve(e.DATA_DIR),
    cameraSource: e.CAMERA_SOURCE,
    cameras:
      e.CAMERA_SOURCES === undefined
        ? [{ source: e.CAMERA_SOURCE }]
        : parseCameraList(e.CAMERA_SOURCES).cameras,
    motion: { enabled: e.MOTION_GATING === 'on', sweepIntervalMs: e.MOTION_SWEEP_MS },
    workerThreads: e.WORKER_THREADS,
    tfBackend: e.TF_BACKEND,
    liveDetector: e.LIVE_DETECTOR,
    enrollDetector: e.ENROLL_DETECTOR,
    faceEmbedder: e.FACE_EMBEDDER,
    strangerRateTarget: e.STRANGER_RATE_TARGET,
    fixedThresholds:
      e.MATCH_THRESHOLD === undefined
        ? undefined
        : { match: e.MATCH_THRESHOLD, unknown: e.UNKNOWN_THRESHOLD ?? e.MATCH_THRESHOLD },
    consensusFrames: e.CONSENSUS_FRAMES,
    sightingIntervalS: e.SIGHTING_INTERVAL_S,
    timezone: e.TIMEZONE,
    logLevel: e.LOG_LEVEL,
  };
}

/** One camera for the start-up log; credentials in a stream URL are masked. */
function describeCamera(camera: CameraConfig): string {
  const source = /^[a-z][a-z0-9+.-]*:\/\//i.test(camera.source) ? maskUrl(camera.source) : camera.source;
  const extras = [
    camera.role && `role ${camera.role}`,
    camera.fps !== undefined && `${camera.fps} fps`,
    camera.masks?.length && `${camera.masks.length} mask(s)`,
  ].filter(Boolean);
  return `${camera.id ?? '(derived)'}=${source}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

function formatAddress({ host, port: portNumber }: ServerAddress): string {
  return host.includes(':') ? `[${host}]:${portNumber}` : `${host}:${portNumber}`;
}

/** A connection URL with its password (and any password in the query) replaced by `***`. */
function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    return '(set, unparseable)';
  }
}

/** What `rollcall start` logs so that every setting in force is visible. Secrets are masked. */
export function describeConfig(config: Config): Record<string, string> {
  return {
    RECOGNITION_SERVERS: config.recognitionServers.map(formatAddress).join(','),
    WEB_PORT: String(config.webPort),
    HEALTH_PORT: String(config.healthPort),
    TRUST_PROXY: config.trustProxy === undefined ? '(unset: served directly)' : String(config.trustProxy),
    BRIDGE_SECRET: config.bridgeSecret ? '(set)' : '(unset)',
    BRIDGE_TLS: config.bridgeTls.certFile
      ? `cert ${config.bridgeTls.certFile}`
      : config.bridgeTls.caFile
        ? `ca ${config.bridgeTls.caFile}`
        : '(off)',
    REDIS_URL: config.redisUrl ? maskUrl(config.redisUrl) : '(unset: private redis-server)',
    MONGODB_URI: config.mongodbUri ? maskUrl(config.mongodbUri) : '(unset: SQLite)',
    NODE_ID: config.nodeId,
    DATA_DIR: config.dataDir,
    ...(config.cameras.length === 1 && config.cameras[0]?.id === undefined
      ? { CAMERA_SOURCE: config.cameraSource, CAMERA_SOURCES: '(unset: the one CAMERA_SOURCE)' }
      : {
          CAMERA_SOURCE: '(unset: CAMERA_SOURCES)',
          CAMERA_SOURCES: config.cameras.map(describeCamera).join('; '),
        }),
    MOTION_GATING: config.motion.enabled ? 'on' : 'off (a full-frame detection on every frame)',
    MOTION_SWEEP_MS: String(config.motion.sweepIntervalMs),
    WORKER_THREADS: String(config.workerThreads),
    TF_BACKEND: config.tfBackend,
    LIVE_DETECTOR: config.liveDetector,
    ENROLL_DETECTOR: config.enrollDetector,
    FACE_EMBEDDER: config.faceEmbedder,
    STRANGER_RATE_TARGET: String(config.strangerRateTarget),
    MATCH_THRESHOLD: config.fixedThresholds
      ? `${config.fixedThresholds.match} (fixed by hand)`
      : '(unset: calibrated from the gallery for STRANGER_RATE_TARGET)',
    UNKNOWN_THRESHOLD: config.fixedThresholds ? String(config.fixedThresholds.unknown) : '(unset)',
    CONSENSUS_FRAMES: String(config.consensusFrames),
    SIGHTING_INTERVAL_S: String(config.sightingIntervalS),
    TIMEZONE: config.timezone,
    LOG_LEVEL: config.logLevel,
  };
}
