/**
 * The cameras of one recognition node, as `CAMERA_SOURCES` writes them: parsed and checked as plain
 * data, every problem listed, so a typo in the fifth camera is reported with the first.
 *
 * Two forms, both one line in `.env`:
 * - JSON: `[{"id":"door","source":"rtsp://…","name":"Front door","role":"entry","fps":10,
 *   "masks":[{"x":0,"y":0,"width":0.2,"height":0.1}]}]`
 * - short: `door=rtsp://…;hall=/dev/video0` (id and source only).
 */
import type { FractionRect } from './motion.js';
import { CAMERA_ROLES, type CameraRole } from './schedule.js';

/** One camera of a node. */
export interface CameraConfig {
  /** Names the camera in frames, events, STATUS and /metrics; derived from the source when absent. */
  id?: string;
  /** As `CAMERA_SOURCE`: `/dev/videoN`, `rtsp://…`, a file, `dir:PATH`, `demo`, `auto`. */
  source: string;
  /** For people: shown in the live view and node status. */
  name?: string;
  /** The attendance role of the camera; a web node's default for its camera roles. */
  role?: CameraRole;
  /** Frames a second read from the camera. @defaultValue the source's own default */
  fps?: number;
  /** Regions of the frame where faces are ignored (a poster, a screen). */
  masks?: FractionRect[];
}

export const CAMERA_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const CAMERA_FPS_RANGE = { min: 1, max: 60 } as const;
/** As many cameras as one STATUS message carries. */
export const MAX_CAMERAS = 64;
const MAX_NAME_LENGTH = 64;
const MAX_MASKS = 32;
const KNOWN_KEYS = new Set(['id', 'source', 'name', 'role', 'fps', 'masks']);

export interface CameraListResult {
  cameras: CameraConfig[];
  /** Plain sentences, each naming the camera (by id or position) and the field. */
  problems: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function regionProblems(value: unknown, where: string): string[] {
  if (!isRecord(value)) return [`${where} must be an object {x, y, width, height}`];
  const problems: string[] = [];
  for (const key of Object.keys(value)) {
    if (!['x', 'y', 'width', 'height'].includes(key)) problems.push(`${where} has an unknown key "${key}"`);
  }
  const numbers: Partial<FractionRect> = {};
  for (const key of ['x', 'y', 'width', 'height'] as const) {
    const n = value[key];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) {
      problems.push(`${where}.${key} must be a fraction of the frame from 0 to 1, got ${JSON.stringify(n)}`);
    } else {
      numbers[key] = n;
    }
  }
  const { x, y, width, height } = numbers;
  if (width === 0 || height === 0) problems.push(`${where} is empty: width and height must be above 0`);
  if (x !== undefined && width !== undefined && x + width > 1 + 1e-9) {
    problems.push(`${where} reaches outside the frame: x + width = ${round(x + width)}, at most 1`);
  }
  if (y !== undefined && height !== undefined && y + height > 1 + 1e-9) {
    problems.push(`${where} reaches outside the frame: y + height = ${round(y + height)}, at most 1`);
  }
  return problems;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** One entry's problems, and the camera when it has none. */
function checkCamera(value: unknown, index: number): { camera?: CameraConfig; problems: string[] } {
  if (!isRecord(value)) return { problems: [`camera ${index + 1} must be an object with "id" and "source"`] };
  const label =
    typeof value.id === 'string' && value.id !== '' ? `camera "${value.id}"` : `camera ${index + 1}`;
  const problems: string[] = [];
  for (const key of Object.keys(value)) {
    if (!KNOWN_KEYS.has(key)) {
      problems.push(`${label} has an unknown key "${key}" (known: ${[...KNOWN_KEYS].join(', ')})`);
    }
  }
  const { id, source, name, role, fps, masks } = value;
  if (typeof id !== 'string' || !CAMERA_ID_PATTERN.test(id)) {
    problems.push(
      `${label}: "id" must be 1–64 letters, digits, dot, dash or underscore, got ${JSON.stringify(id)}`,
    );
  }
  if (typeof source !== 'string' || source.trim() === '') {
    problems.push(`${label}: "source" must be a camera source such as /dev/video0, rtsp://… or dir:PATH`);
  }
  if (
    name !== undefined &&
    (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH)
  ) {
    problems.push(`${label}: "name" must be text of 1–${MAX_NAME_LENGTH} characters`);
  }
  if (role !== undefined && !(CAMERA_ROLES as readonly unknown[]).includes(role)) {
    problems.push(`${label}: "role" must be one of ${CAMERA_ROLES.join(', ')}, got ${JSON.stringify(role)}`);
  }
  const { min, max } = CAMERA_FPS_RANGE;
  if (fps !== undefined && (typeof fps !== 'number' || !Number.isFinite(fps) || fps < min || fps > max)) {
    problems.push(`${label}: "fps" must be a number from ${min} to ${max}, got ${JSON.stringify(fps)}`);
  }
  if (masks !== undefined) {
    if (!Array.isArray(masks) || masks.length > MAX_MASKS) {
      problems.push(`${label}: "masks" must be a list of at most ${MAX_MASKS} {x, y, width, height}`);
    } else {
      masks.forEach((mask, i) => problems.push(...regionProblems(mask, `${label}: masks[${i}]`)));
    }
  }
  if (problems.length > 0) return { problems };
  const camera: CameraConfig = { id: id as string, source: (source as string).trim() };
  if (name !== undefined) camera.name = (name as string).trim();
  if (role !== undefined) camera.role = role as CameraRole;
  if (fps !== undefined) camera.fps = fps as number;
  if (masks !== undefined)
    camera.masks = (masks as FractionRect[]).map(({ x, y, width, height }) => ({ x, y, width, height }));
  return { camera, problems };
}

/** The short form `id=source;id=source` as the entries JSON would give. */
function shortFormEntries(text: string): { entries: unknown[]; problems: string[] } {
  const entries: unknown[] = [];
  const problems: string[] = [];
  text
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .forEach((part, index) => {
      const equals = part.indexOf('=');
      if (equals <= 0) {
        problems.push(
          `camera ${index + 1} ("${part}") must be written id=source, as in door=rtsp://cam.lan/stream`,
        );
        return;
      }
      entries.push({ id: part.slice(0, equals).trim(), source: part.slice(equals + 1).trim() });
    });
  return { entries, problems };
}

/**
 * Parses a `CAMERA_SOURCES` value. Never throws: the caller reports `problems` with its other keys.
 */
export function parseCameraList(text: string): CameraListResult {
  const trimmed = text.trim();
  let entries: unknown[];
  const problems: string[] = [];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      return { cameras: [], problems: [`is not valid JSON (${(error as Error).message})`] };
    }
    if (!Array.isArray(parsed)) {
      return { cameras: [], problems: ['must be a JSON list of cameras: [{"id":"door","source":"…"}, …]'] };
    }
    entries = parsed;
  } else {
    const short = shortFormEntries(trimmed);
    entries = short.entries;
    problems.push(...short.problems);
  }
  if (entries.length === 0 && problems.length === 0) problems.push('lists no camera');
  if (entries.length > MAX_CAMERAS) problems.push(`lists ${entries.length} cameras, at most ${MAX_CAMERAS}`);
  const cameras: CameraConfig[] = [];
  entries.forEach((entry, index) => {
    const checked = checkCamera(entry, index);
    problems.push(...checked.problems);
    if (checked.camera) cameras.push(checked.camera);
  });
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const entry of entries) {
    const id = isRecord(entry) && typeof entry.id === 'string' ? entry.id : undefined;
    if (id === undefined) continue;
    if (seen.has(id)) duplicates.add(id);
    seen.add(id);
  }
  for (const id of duplicates)
    problems.push(`camera id "${id}" is used more than once: each camera needs its own id`);
  return { cameras: problems.length === 0 ? cameras : [], problems };
}
