/**
 * One process owns an outbox directory. Two writers appending to one journal would interleave
 * records and compact each other's files away, so ownership is taken with a lock file naming the
 * owner's pid and host, and refused to a second owner while that pid lives.
 */
import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, RollcallError } from '../../core/index.js';

/** The lock file inside the outbox directory. */
export const LOCK_FILE = 'owner.lock';

/** Directories owned by this process, so a second owner inside the same process is refused too. */
const ownedHere = new Set<string>();

/** Taking over a stale lock can race with another process doing the same; retry a few times. */
const MAX_ATTEMPTS = 5;

interface LockContent {
  pid: number;
  hostname: string;
  /** Tells this owner's lock from a later owner's that happens to reuse the pid. */
  token: string;
}

export interface OwnerLock {
  readonly file: string;
  /** The pid of a dead previous owner whose lock was taken over, else null. */
  readonly staleOwnerPid: number | null;
  /** Removes the lock file. Idempotent. */
  release(): Promise<void>;
}

/**
 * Takes ownership of `dir` for this process.
 *
 * @throws RollcallError `OUTBOX_LOCKED` when a live process (this one included) owns `dir`, or when
 *   the lock was written on another host, whose pids cannot be checked from here.
 */
export async function acquireOwnerLock(dir: string): Promise<OwnerLock> {
  const key = path.resolve(dir);
  const file = path.join(key, LOCK_FILE);
  if (ownedHere.has(key)) {
    throw new RollcallError(
      ErrorCode.OutboxLocked,
      `outbox ${key} is already open in this process (pid ${process.pid}); close it first`,
    );
  }
  // Claim the key before the first await so two opens racing inside this process cannot both pass.
  ownedHere.add(key);
  try {
    const content: LockContent = { pid: process.pid, hostname: os.hostname(), token: randomUUID() };
    const text = JSON.stringify(content) + '\n';
    let staleOwnerPid: number | null = null;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (await tryCreate(file, text)) {
        return lockHandle(key, file, text, staleOwnerPid);
      }
      const holderText = await readIfExists(file);
      if (holderText === undefined) continue; // released between our attempt and our look
      const holder = parseLock(holderText);
      if (holder !== undefined) {
        if (holder.hostname !== os.hostname()) {
          throw new RollcallError(
            ErrorCode.OutboxLocked,
            `outbox ${key} is locked by pid ${holder.pid} on host "${holder.hostname}" (${file}); ` +
              'one process owns an outbox directory. Delete the lock file only if that process is gone.',
          );
        }
        // Our own pid in the lock is a previous incarnation (this process does not own `key`,
        // checked above): pid 1 in a restarted container is the usual case.
        if (holder.pid !== process.pid && isAlive(holder.pid)) {
          throw new RollcallError(
            ErrorCode.OutboxLocked,
            `outbox ${key} is owned by running process ${holder.pid} (${file}); ` +
              'one process owns an outbox directory, so stop that process or use another DATA_DIR ' +
              `(if pid ${holder.pid} is not a rollcall node, the pid was reused: delete the lock file)`,
          );
        }
      }
      // Stale (dead owner, or unreadable content). Move it aside rather than unlink it: rename is
      // atomic, so of two processes taking over at once only one moves the lock, and the mover
      // checks that what it moved is the stale lock it judged, not a fresh owner's.
      const aside = `${file}.stale-${content.token}`;
      try {
        await rename(file, aside);
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') continue;
        throw error;
      }
      const moved = await readIfExists(aside);
      if (moved !== holderText && moved !== undefined) {
        // A new owner took the lock between our read and our rename: put theirs back.
        await link(aside, file).catch(() => undefined);
      } else {
        staleOwnerPid = holder?.pid ?? null;
      }
      await unlink(aside).catch(() => undefined);
    }
    throw new RollcallError(
      ErrorCode.OutboxLocked,
      `could not take the lock ${file} after ${MAX_ATTEMPTS} attempts; another process keeps taking it`,
    );
  } catch (error) {
    ownedHere.delete(key);
    throw error;
  }
}

function lockHandle(key: string, file: string, text: string, staleOwnerPid: number | null): OwnerLock {
  let released: Promise<void> | undefined;
  return {
    file,
    staleOwnerPid,
    release() {
      released ??= (async () => {
        try {
          // Only remove the lock if it is still ours (someone may have deleted it by hand and started).
          if ((await readIfExists(file)) === text) await unlink(file);
        } finally {
          ownedHere.delete(key);
        }
      })();
      return released;
    },
  };
}

/**
 * Creates the lock file with its full content in one step: the content goes to a private temp file
 * that is then hard-linked to the lock name, which fails if the name exists. A reader therefore
 * never sees an empty or half-written lock, which it could not tell from a crashed owner's.
 */
async function tryCreate(file: string, text: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomUUID()}`;
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') return false;
    // Filesystems without hard links: exclusive create, accepting the tiny window of an empty lock.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') {
      return await createExclusive(file, text);
    }
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function createExclusive(file: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx');
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function parseLock(text: string): LockContent | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { pid, hostname, token } = value as Record<string, unknown>;
    if (!Number.isSafeInteger(pid) || typeof hostname !== 'string' || typeof token !== 'string') {
      return undefined;
    }
    return { pid: pid as number, hostname, token };
  } catch {
    return undefined;
  }
}

/** Whether a process with `pid` exists. EPERM means it exists but belongs to another user. */
export function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
