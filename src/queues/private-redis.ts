/**
 * A private `redis-server` for one-machine installs: started by Rollcall when `REDIS_URL` is unset,
 * on a free loopback port, with its data (append-only file) under `DATA_DIR/redis`, and stopped
 * with the app. Queued jobs survive a restart because the append-only file does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { ErrorCode, RollcallError } from '../core/index.js';

export interface PrivateRedisOptions {
  /** Redis keeps its append-only file and pid file in `DATA_DIR/redis`. */
  dataDir: string;
  /** @defaultValue `redis-server` (from PATH) */
  redisServerPath?: string;
  /**
   * Listen on this port, e.g. to come back where its clients reconnect after a restart.
   * @defaultValue a free loopback port
   */
  port?: number;
  /** How long Redis may take to answer PING after it is spawned. @defaultValue 10000 */
  startTimeoutMs?: number;
  /** How long Redis may take to save and exit on SIGTERM before it is killed. @defaultValue 10000 */
  stopTimeoutMs?: number;
}

const PID_FILE = 'redis.pid';

/** Asks the OS for a free loopback port. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
  return address.port;
}

/** One RESP round trip: sends `PING`, resolves true on `+PONG`. */
export function ping(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => {
      finish(false);
    });
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) finish(answer.startsWith('+PONG'));
    });
    socket.on('error', () => {
      finish(false);
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class PrivateRedis {
  #closing: Promise<void> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly dir: string,
    private readonly stopTimeoutMs: number,
  ) {}

  /** `redis://127.0.0.1:PORT`, for BullMQ and the session store. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(options: PrivateRedisOptions): Promise<PrivateRedis> {
    const dir = path.join(options.dataDir, 'redis');
    await mkdir(dir, { recursive: true });
    await PrivateRedis.#stopLeftover(dir);
    const port = options.port ?? (await freePort());
    const child = spawn(
      options.redisServerPath ?? 'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--pidfile',
        path.join(dir, PID_FILE),
        // The append-only file, synced every second, is what keeps queued jobs across restarts.
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '',
        '--protected-mode',
        'yes',
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    const spawnFailure = new Promise<never>((_, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'ENOENT'
            ? new RollcallError(
                ErrorCode.RedisMissing,
                'redis-server is not installed: sudo apt-get install redis-server, or set REDIS_URL to an existing Redis (>= 6.2)',
              )
            : new RollcallError(ErrorCode.RedisFailed, `cannot start redis-server: ${error.message}`, {
                cause: error,
              }),
        );
      });
      child.once('exit', (code, signal) => {
        reject(
          new RollcallError(
            ErrorCode.RedisFailed,
            `redis-server exited at start (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`,
          ),
        );
      });
    });
    const redis = new PrivateRedis(child, port, dir, options.stopTimeoutMs ?? 10_000);
    try {
      await Promise.race([spawnFailure, redis.#waitReady(options.startTimeoutMs ?? 10_000)]);
    } catch (error) {
      await redis.close();
      throw error;
    }
    // After start, an exit is reported by close() or seen by the clients; it no longer rejects.
    spawnFailure.catch(() => undefined);
    return redis;
  }

  /** A redis-server left running by a previous run that was killed: stop it, it holds our files. */
  static async #stopLeftover(dir: string): Promise<void> {
    let pid: number;
    try {
      pid = Number((await readFile(path.join(dir, PID_FILE), 'utf8')).trim());
    } catch {
      return;
    }
    if (Number.isInteger(pid) && pid > 1 && alive(pid)) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes('redis-server')) {
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      }
    }
    await rm(path.join(dir, PID_FILE), { force: true });
  }

  async #waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await ping(this.port, 500)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new RollcallError(
      ErrorCode.RedisFailed,
      `redis-server did not answer on port ${this.port} within ${timeoutMs} ms`,
    );
  }

  /** Stops Redis (it writes its append-only file on SIGTERM); idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const { child } = this;
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), this.stopTimeoutMs);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.#closing;
  }
}
