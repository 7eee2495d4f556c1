/** Temporary folders for a test file, removed when the file's tests are done. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

const made: string[] = [];

after(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh empty folder under the system's temp folder, named `rollcall-LABEL-…`. */
export async function tempDir(label = 'test'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `rollcall-${label}-`));
  made.push(dir);
  return dir;
}
