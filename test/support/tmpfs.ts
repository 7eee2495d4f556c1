/**
 * Small tmpfs mounts for disk-full tests: a real filesystem that really runs out of space (ENOSPC,
 * SQLITE_FULL), mounted and unmounted by the test itself. Mounting needs root (or CAP_SYS_ADMIN);
 * where it is refused, {@link mountTmpfs} says why and the test skips with that reason.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, statfs, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Tmpfs {
  dir: string;
  /** Unmounts (lazily if still busy) and removes the mount point; idempotent. */
  unmount(): Promise<void>;
}

const mounted: Tmpfs[] = [];
after(async () => {
  for (const tmpfs of mounted.splice(0)) await tmpfs.unmount();
});

/** Mounts a tmpfs of `sizeBytes`; the string is why it could not be (the test skips with it). */
export async function mountTmpfs(label: string, sizeBytes: number): Promise<Tmpfs | string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `rollcall-${label}-tmpfs-`));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const detail = (error as { stderr?: string }).stderr?.trim() || String(error);
    return `cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): ${detail}`;
  }
  let done: Promise<void> | undefined;
  const tmpfs: Tmpfs = {
    dir,
    unmount: () =>
      (done ??= (async () => {
        await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
        await rm(dir, { recursive: true, force: true });
      })()),
  };
  mounted.push(tmpfs);
  return tmpfs;
}

/** Bytes a non-root writer could still put on the filesystem holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

/**
 * Writes `dir/NAME` until the filesystem refuses with ENOSPC, leaving at most `leaveBytes` free
 * (rounded to pages); returns the file's size. Removing the file gives the space back.
 */
export async function fillDisk(dir: string, name = 'filler.bin', leaveBytes = 0): Promise<number> {
  const file = path.join(dir, name);
  const handle = await open(file, 'a');
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  let size = (await handle.stat()).size;
  try {
    for (;;) {
      const room = (await freeBytes(dir)) - leaveBytes;
      if (room <= 0) break;
      const { bytesWritten } = await handle.write(chunk, 0, Math.min(chunk.length, room));
      size += bytesWritten;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  return size;
}

/** Deletes the filler written by {@link fillDisk}: the space comes back at once. */
export async function freeDisk(dir: string, name = 'filler.bin'): Promise<void> {
  await unlink(path.join(dir, name));
}
