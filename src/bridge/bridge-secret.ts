/**
 * Where the bridge secret comes from. `BRIDGE_SECRET` wins; otherwise a secret generated once and
 * stored under `DATA_DIR` (mode 0600) is used. On loopback that is always fine: both sides of
 * `rollcall start --role all` share the `DATA_DIR`, so they agree without any setup. Beyond loopback
 * a secret nobody set would be one nobody can copy to the web node, so the node refuses to start
 * unless generating one was allowed explicitly (and then the caller prints it once).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { ErrorCode, RollcallError } from '../core/index.js';

/** The file under `DATA_DIR` holding a generated secret. */
export const BRIDGE_SECRET_FILE = 'bridge-secret';

/** Same floor as `config.ts` puts on `BRIDGE_SECRET`. */
const MIN_SECRET_CHARS = 16;

export interface BridgeSecretOptions {
  /** The address the node listens on (`0.0.0.0`, `127.0.0.1`, a LAN address…). */
  listenHost: string;
  /** `BRIDGE_SECRET` from the config, when set. */
  configuredSecret: string | undefined;
  /** `DATA_DIR`: where a generated secret is stored. */
  dataDir: string;
  /**
   * Beyond loopback, generate and store a secret instead of refusing to start.
   * @defaultValue false
   */
  allowGenerate?: boolean;
}

export interface BridgeSecretResolution {
  secret: string;
  /** `config`: BRIDGE_SECRET; `file`: stored earlier; `generated`: just created (print it once). */
  source: 'config' | 'file' | 'generated';
  /** The secret file, for `file` and `generated`. */
  file?: string;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h === '::1') return true;
  // IPv4-mapped IPv6, e.g. ::ffff:127.0.0.1
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped?.[1]?.startsWith('127.') ?? false;
}

/** The path of the stored secret under `dataDir`. */
export function bridgeSecretFile(dataDir: string): string {
  return path.resolve(dataDir, BRIDGE_SECRET_FILE);
}

/**
 * Reads the stored secret, or undefined when there is none. Used by the web side and `rollcall
 * probe` on the node's own machine when `BRIDGE_SECRET` is unset.
 *
 * @throws RollcallError `CONFIG_INVALID` when the file exists but holds no usable secret.
 */
export async function readStoredBridgeSecret(dataDir: string): Promise<string | undefined> {
  const file = bridgeSecretFile(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw new RollcallError(ErrorCode.ConfigInvalid, `cannot read the bridge secret file ${file}`, {
      cause: error,
    });
  }
  const secret = text.trim();
  if (secret.length < MIN_SECRET_CHARS) {
    throw new RollcallError(
      ErrorCode.ConfigInvalid,
      `the bridge secret file ${file} holds fewer than ${MIN_SECRET_CHARS} characters; delete it to generate a new one, or set BRIDGE_SECRET`,
    );
  }
  return secret;
}

/**
 * Decides the node's secret by the rule above.
 *
 * @throws RollcallError `BRIDGE_SECRET_REQUIRED` (saying how to set one) when the node would listen
 *   beyond loopback with no secret; `CONFIG_INVALID` for an unreadable or unusable secret file.
 */
export async function resolveBridgeSecret(options: BridgeSecretOptions): Promise<BridgeSecretResolution> {
  const { listenHost, configuredSecret, dataDir, allowGenerate = false } = options;
  if (configuredSecret !== undefined && configuredSecret.length > 0) {
    return { secret: configuredSecret, source: 'config' };
  }
  const file = bridgeSecretFile(dataDir);
  const stored = await readStoredBridgeSecret(dataDir);
  if (stored !== undefined) return { secret: stored, source: 'file', file };
  if (!isLoopbackHost(listenHost) && !allowGenerate) {
    throw new RollcallError(
      ErrorCode.BridgeSecretRequired,
      `the recognition node would listen on ${listenHost} without a bridge secret, so anyone on the network could connect. ` +
        'Set the same BRIDGE_SECRET (at least 16 characters, e.g. from `openssl rand -hex 32`) on the node and on every web node, ' +
        `or listen on 127.0.0.1 only, or let the node generate one into ${file}`,
    );
  }
  return { secret: await generateSecret(file), source: 'generated', file };
}

/** Writes a fresh secret with mode 0600; if another process won the race, uses its secret. */
async function generateSecret(file: string): Promise<string> {
  const secret = randomBytes(32).toString('hex');
  await mkdir(path.dirname(file), { recursive: true });
  let handle;
  try {
    // 'wx': never overwrite a secret a web node may already have been given.
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') {
      const existing = await readStoredBridgeSecret(path.dirname(file));
      if (existing !== undefined) return existing;
    }
    throw new RollcallError(ErrorCode.ConfigInvalid, `cannot store a generated bridge secret in ${file}`, {
      cause: error,
    });
  }
  try {
    await handle.writeFile(`${secret}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  // The umask may have narrowed the mode further, never widened it; chmod makes it exactly 0600.
  await chmod(file, 0o600);
  return secret;
}

function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
