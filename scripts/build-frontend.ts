/**
 * Bundles the pages' scripts (`src/web/frontend/pages/NAME.ts`, one per name in `PAGE_SCRIPTS`) with
 * esbuild into `dist/src/web/assets/NAME.js`, which the web node serves as `/assets/NAME.js`, and the
 * one stylesheet (`src/web/frontend/styles.css`) into `rollcall.css` beside them, minified; copies the
 * favicon (`favicon.svg`). Run by `npm run build` after `tsc` has type-checked the scripts (esbuild
 * only strips types).
 *
 * Each bundle stands alone (no shared chunks): seven small files, one request per page, and nothing
 * to serve but the names the pages ask for. A bundle may take code only from the front end and the
 * few pure modules it shares with the server (`SHARED_WITH_SERVER`); anything else is a mistake (a
 * value import of server code) and fails the build.
 */
import { copyFile, readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { PAGE_SCRIPTS, STATIC_ASSETS } from '../src/web/page-ids.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const frontend = join(root, 'src', 'web', 'frontend');
const SHARED_WITH_SERVER = [
  'src/web/page-ids.ts',
  'src/web/live-protocol.ts',
  'src/web/live-latency.ts',
  // The clock-offset estimate the web node uses for nodes, used by the Live page for the server.
  'src/core/clock-skew.ts',
];

const pages = (await readdir(join(frontend, 'pages'))).filter((name) => name.endsWith('.ts'));
const orphans = pages.filter((name) => !(PAGE_SCRIPTS as readonly string[]).includes(name.slice(0, -3)));
if (orphans.length > 0) throw new Error(`build-frontend: pages not in PAGE_SCRIPTS: ${orphans.join(', ')}`);

const outdir = join(root, 'dist', 'src', 'web', 'assets');
const result = await build({
  absWorkingDir: root,
  entryPoints: [
    ...PAGE_SCRIPTS.map((name) => ({ in: join(frontend, 'pages', `${name}.ts`), out: name })),
    { in: join(frontend, 'styles.css'), out: 'rollcall' },
  ],
  outdir,
  tsconfig: join(frontend, 'tsconfig.json'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Browsers from 2022 on: module scripts, optional chaining, top-level await are all native.
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const strays = Object.keys(result.metafile.inputs).filter(
  (input) => !input.startsWith('src/web/frontend/') && !SHARED_WITH_SERVER.includes(input),
);
if (strays.length > 0) {
  throw new Error(`build-frontend: the bundles took server code (use import type): ${strays.join(', ')}`);
}
await copyFile(join(frontend, 'favicon.svg'), join(outdir, 'favicon.svg'));
const built = new Set(Object.keys(result.metafile.outputs).map((file) => relative(outdir, join(root, file))));
built.add('favicon.svg');
const missing = Object.keys(STATIC_ASSETS).filter((name) => !built.has(name));
if (missing.length > 0) throw new Error(`build-frontend: assets not built: ${missing.join(', ')}`);
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  console.log(`${relative(root, join(root, file))}  ${(output.bytes / 1024).toFixed(1)} KiB`);
}
