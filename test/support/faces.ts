/**
 * The shared face photos (`../shared/faces`, beside the project) and evaluation splits made from
 * them with symlinks, so no photo is ever copied into the repository.
 */
import { mkdir, readdir, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp.js';

/** Found from the compiled file (dist/test/support) or the source (test/support). */
export const FACES_DIR = [
  fileURLToPath(new URL('../../../../shared/faces', import.meta.url)),
  fileURLToPath(new URL('../../../shared/faces', import.meta.url)),
].find((dir) => existsSync(path.join(dir, 'MANIFEST.tsv'))) as string;

if (!FACES_DIR) throw new Error('../shared/faces was not found beside the project');

/** Single-person folders: several photos each of one real person. */
export const IDENTITIES = [
  'amy',
  'bernadette',
  'howard',
  'leonard',
  'penny',
  'raj',
  'sheldon',
  'stuart',
  'stock_emotions_a',
  'stock_emotions_b',
  'stock_teen_a',
  'vlado',
] as const;

export function facePhoto(relative: string): string {
  return path.join(FACES_DIR, relative);
}

export interface Split {
  enrollDir: string;
  probeDir: string;
}

/**
 * Enrolls the first `enrollCount(n)` photos of each identity and probes the rest; every distractor
 * becomes a probe identity of its own that nobody enrolled.
 */
export async function makeSplit(
  enrollCount: (photos: number) => number = (n) => Math.ceil(n / 2),
): Promise<Split> {
  const root = await tempDir('split');
  const enrollDir = path.join(root, 'enroll');
  const probeDir = path.join(root, 'probe');
  for (const identity of IDENTITIES) {
    const photos = (await readdir(path.join(FACES_DIR, identity))).sort();
    const cut = enrollCount(photos.length);
    await mkdir(path.join(enrollDir, identity), { recursive: true });
    await mkdir(path.join(probeDir, identity), { recursive: true });
    for (const [i, name] of photos.entries()) {
      const target = path.join(i < cut ? enrollDir : probeDir, identity, name);
      await symlink(path.join(FACES_DIR, identity, name), target);
    }
  }
  for (const name of (await readdir(path.join(FACES_DIR, 'distractors'))).sort()) {
    const folder = path.join(probeDir, `stranger-${path.parse(name).name}`);
    await mkdir(folder, { recursive: true });
    await symlink(path.join(FACES_DIR, 'distractors', name), path.join(folder, name));
  }
  return { enrollDir, probeDir };
}
