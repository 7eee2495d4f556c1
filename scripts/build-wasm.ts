/**
 * Assembles the WebAssembly kernels from their text sources (`src/**\/*.wat`) into `dist/`, next to
 * the compiled module that loads each one. Run by `npm run build` after `tsc`, so the binaries are
 * always built from the reviewed text and never checked in.
 */
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function watSources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.wat'))
    .map((entry) => join(entry.parentPath, entry.name));
}

const toolkit = await wabt();
for (const source of await watSources(join(root, 'src'))) {
  const name = relative(root, source);
  const module = toolkit.parseWat(name, await readFile(source, 'utf8'), { simd: true });
  try {
    module.validate();
    const { buffer } = module.toBinary({ log: false, write_debug_names: true });
    const target = join(root, 'dist', name.replace(/\.wat$/, '.wasm'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, buffer);
  } finally {
    module.destroy();
  }
}
