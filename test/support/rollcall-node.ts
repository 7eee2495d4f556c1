/**
 * Rollcall nodes as real processes for fault and load tests: `rollcall start --role web`, the
 * synthetic recognition node (event-node-child), what their SQLite store holds, and the one-line
 * figures (`RELIABILITY {...}`) that docs/RELIABILITY.md is written from.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ROLLCALL_BIN, runCli } from './cli.js';
import { EVENT_NODE_CHILD, type EventNodeSpec } from './event-node-child.js';
import { LineChild } from './line-child.js';
import { until } from './wait.js';
import { createStore } from '../../src/store/index.js';
import { DESCRIPTOR_LENGTHS, mulberry32, type DescriptorModel } from '../../src/core/index.js';

export const SECRET = 'reliability-secret-0123456789abcdef';

/** `rollcall start --role ROLE` with `env` over the test's own environment; logs are its lines. */
export function startRollcall(role: 'web' | 'recognition' | 'all', env: Record<string, string>): LineChild {
  return new LineChild(process.execPath, [ROLLCALL_BIN, 'start', '--role', role], {
    LOG_LEVEL: 'info',
    ...env,
  });
}

/** The environment of a web node with its own data folder, talking to one recognition node. */
export function webEnv(dataDir: string, webPort: number, bridgePort: number): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    BRIDGE_SECRET: SECRET,
    RECOGNITION_SERVER_HOST: '127.0.0.1',
    RECOGNITION_SERVER_PORT: String(bridgePort),
    WEB_PORT: String(webPort),
    NODE_ID: 'web-pc',
  };
}

export async function waitHealthy(webPort: number, timeoutMs = 60_000): Promise<void> {
  await until(
    `the web node on port ${webPort}`,
    async () => ((await fetch(`http://127.0.0.1:${webPort}/healthz`)).ok ? true : undefined),
    timeoutMs,
  );
}

/**
 * The synthetic recognition node; resolves once it listens. With `clockOffset` (libfaketime's
 * relative form, e.g. `+10m`, `-5m`) it runs with libfaketime preloaded: its wall clock, and so its
 * events' times and its heartbeats, are that far off while running at the normal rate.
 */
export async function startEventNode(
  spec: EventNodeSpec,
  options: { clockOffset?: string } = {},
): Promise<LineChild> {
  // The library itself rather than the `faketime` wrapper, which forks: killing the wrapper would
  // leave the node running (and the test's pipes to it open).
  const clock =
    options.clockOffset === undefined
      ? {}
      : {
          LD_PRELOAD: libfaketime(),
          FAKETIME: options.clockOffset,
          // Timers run on the monotonic clock: left alone, so only the wall clock is off.
          FAKETIME_DONT_FAKE_MONOTONIC: '1',
        };
  const child = new LineChild(process.execPath, [EVENT_NODE_CHILD, JSON.stringify(spec)], clock);
  await child.waitFor((lines) => lines.some((line) => line.startsWith('ready ')));
  return child;
}

/**
 * Where Debian's `libfaketime` package puts the library (`/usr/lib/<arch>/faketime/`).
 *
 * @throws Error naming the package when it is not installed.
 */
export function libfaketime(): string {
  for (const dir of readdirSync('/usr/lib')) {
    const file = path.join('/usr/lib', dir, 'faketime', 'libfaketime.so.1');
    if (existsSync(file)) return file;
  }
  throw new Error('libfaketime is not installed (Debian: apt-get install faketime)');
}

/** The outbox depth the node last reported. */
export function lastDepth(node: LineChild): number {
  return Number(node.valuesOf('depth').at(-1) ?? NaN);
}

/** Creates people in a web node's store before it starts; returns their ids. */
export async function seedPeople(dataDir: string, names: string[]): Promise<string[]> {
  const store = await createStore({ dataDir });
  try {
    const ids: string[] = [];
    for (const name of names) ids.push((await store.createPerson({ name })).person.id);
    return ids;
  } finally {
    await store.close();
  }
}

/** An admin (or viewer) account and its API token, made with the CLI as an operator would. */
export async function createAccount(
  env: Record<string, string>,
  name: string,
  role: 'admin' | 'viewer',
  password: string,
): Promise<string> {
  const added = await runCli(
    ['user', 'add', name, '--role', role, '--password-stdin'],
    env,
    60_000,
    `${password}\n`,
  );
  if (added.code !== 0) throw new Error(`user add failed: ${added.stderr}`);
  const token = await runCli(['token', 'create', name], env);
  if (token.code !== 0) throw new Error(`token create failed: ${token.stderr}`);
  return token.stdout.trim().split('\n')[0] ?? '';
}

export interface StoredFigures {
  /** Event rows whose id starts with the prefix. */
  events: number;
  distinctEvents: number;
  recognized: number;
  unknownFaces: number;
  /** Attendance rows (person and day). */
  attendanceRows: number;
  /**
   * People whose recognized events have no attendance row, or whose row's first and last seen are
   * not the earliest and latest of those events.
   */
  attendanceMismatches: number;
}

/** Reads the web node's SQLite file directly (read-only, beside the running node under WAL). */
export function storedFigures(dataDir: string, prefixes: string[]): StoredFigures {
  const db = new Database(path.join(dataDir, 'rollcall.db'), { readonly: true, fileMustExist: true });
  try {
    const where = prefixes.map(() => 'id LIKE ?').join(' OR ');
    const args = prefixes.map((p) => `${p}-%`);
    const events = db
      .prepare(
        `SELECT count(*) AS n, count(DISTINCT id) AS d, sum(type = 'recognized') AS r FROM events WHERE ${where}`,
      )
      .get(...args) as { n: number; d: number; r: number | null };
    const unknown = db
      .prepare(
        `SELECT count(*) AS n FROM unknown_faces WHERE ${where.replaceAll('id LIKE', 'event_id LIKE')}`,
      )
      .get(...args) as { n: number };
    const attendance = db.prepare('SELECT count(*) AS n FROM attendance').get() as { n: number };
    const mismatches = db
      .prepare(
        `SELECT count(*) AS n FROM
           (SELECT person_id, min(at) AS first, max(at) AS last FROM events
             WHERE type = 'recognized' AND (${where}) GROUP BY person_id) AS e
           LEFT JOIN (SELECT person_id, min(first_seen) AS first, max(last_seen) AS last FROM attendance
             GROUP BY person_id) AS a ON a.person_id = e.person_id
         WHERE a.person_id IS NULL OR a.first != e.first OR a.last != e.last`,
      )
      .get(...args) as { n: number };
    return {
      events: events.n,
      distinctEvents: events.d,
      recognized: events.r ?? 0,
      unknownFaces: unknown.n,
      attendanceRows: attendance.n,
      attendanceMismatches: mismatches.n,
    };
  } finally {
    db.close();
  }
}

/** Ids stored, and each event's latency from `at` (the sighting) to `received_at` (the record). */
export function storedEvents(dataDir: string, prefix: string): { id: string; latencyMs: number }[] {
  const db = new Database(path.join(dataDir, 'rollcall.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('SELECT id, at, received_at AS receivedAt FROM events WHERE id LIKE ?')
      .all(`${prefix}-%`) as { id: string; at: string; receivedAt: string }[];
    return rows.map((row) => ({ id: row.id, latencyMs: Date.parse(row.receivedAt) - Date.parse(row.at) }));
  } finally {
    db.close();
  }
}

/** Prints one line of figures for docs/RELIABILITY.md (and the test's diagnostics). */
export function report(test: string, figures: Record<string, unknown>): void {
  process.stdout.write(`RELIABILITY ${JSON.stringify({ test, ...figures })}\n`);
}

/** The value at quantile `q` (0..1) of `values`. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/**
 * Fills a web node's store with `people` people of `perPerson` random unit descriptors of `model`
 * each (one placeholder photo per person carries them); returns the gallery version.
 */
export async function seedGallery(
  dataDir: string,
  people: number,
  perPerson: number,
  seed = 1,
  model: DescriptorModel = 'face-api',
): Promise<number> {
  const length = DESCRIPTOR_LENGTHS[model];
  const store = await createStore({ dataDir });
  const random = mulberry32(seed);
  try {
    let version = 0;
    for (let p = 0; p < people; p++) {
      const { person } = await store.createPerson({ name: `person ${p}` });
      const photo = await store.addPhoto({
        personId: person.id,
        fileName: 'seed.jpg',
        bytes: new Uint8Array([1]),
      });
      const descriptors = Array.from({ length: perPerson }, () => {
        const d = new Float32Array(length);
        let norm = 0;
        for (let i = 0; i < length; i++) {
          d[i] = random() - 0.5;
          norm += (d[i] ?? 0) ** 2;
        }
        return d.map((v) => v / Math.sqrt(norm));
      });
      version = (await store.setPhotoDescriptors(photo.id, model, descriptors)).galleryVersion;
    }
    return version;
  } finally {
    await store.close();
  }
}
