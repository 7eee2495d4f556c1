/**
 * The pages import server types (`import type` from `api-views.ts`, `live-protocol.ts`), and the
 * type checker follows them into `src/core`, where one module reads a WebAssembly kernel from disk
 * with `node:fs`. The pages never run it: declaring the module here lets this program check the
 * types without Node's, so no Node global (Buffer, process) is visible to browser code. A real import
 * of `node:*` would still fail: the bundler builds for the browser and refuses it, and lint forbids it.
 */
declare module 'node:fs' {
  export function readFileSync(path: URL): Uint8Array<ArrayBuffer>;
}
