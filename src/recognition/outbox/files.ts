/** Small durable-file helpers for the outbox. */
import { open, type FileHandle } from 'node:fs/promises';

/** Writes all of `data` at `position`, looping over short writes. */
export async function writeAll(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** Reads exactly `length` bytes at `position`; a shorter file is an error (the index is wrong). */
export async function readExactly(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(data, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
  return data;
}

/**
 * Makes a rename or a create in `dir` durable. Without it a power cut can undo the rename even
 * though the renamed file's own data was synced.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
