/**
 * The part of the WebAssembly JavaScript API that the row-scan kernel uses. Node has it as a global,
 * but neither the ES lib nor @types/node 20 declare it (it lives in the DOM lib, which a server must
 * not pull in).
 */
declare namespace WebAssembly {
  // eslint-disable-next-line @typescript-eslint/no-extraneous-class -- compiled code is an opaque handle
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    /** Adds `deltaPages` pages of 64 KiB; returns the previous size in pages. */
    grow(deltaPages: number): number;
  }
}
