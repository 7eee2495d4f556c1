/**
 * The secret that signs session cookies: kept in `DATA_DIR/session-secret` (mode 0600) so sessions
 * survive a restart, and created on first start, so no install ships a shared default.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, RollcallError } from '../core/index.js';

export const SESSION_SECRET_FILE = 'session-secret';
/** Shorter secrets are refused: the cookie signature is only as strong as the key. */
const MIN_SECRET_LENGTH = 32;

/** Reads `DATA_DIR/session-secret`, creating it with a random secret when it does not exist. */
export async function loadSessionSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, SESSION_SECRET_FILE);
  await mkdir(dataDir, { recursive: true });
  try {
    // 'wx' fails if another process created the file first; then its secret is the one to use.
    await writeFile(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = (await readFile(file, 'utf8')).trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new RollcallError(
      ErrorCode.ConfigInvalid,
      `${file} holds a session secret shorter than ${MIN_SECRET_LENGTH} characters; delete it to have a new one made`,
    );
  }
  return secret;
}
