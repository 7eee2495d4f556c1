import { readFileSync } from 'node:fs';

const PAGE_BYTES = 65536;
/** The kernel sums 32 dimensions between two checks of the bound, so a row is whole blocks of 32. */
const KERNEL_BLOCK = 32;
/** Dimensions summed between two checks of the bound in the JavaScript scan. */
const JS_BLOCK = 16;

/** Which implementation scans the rows: reported by benchmarks. */
export type RowScanKernel = 'wasm-simd' | 'js';

/**
 * Storage for a gallery's descriptor rows plus the scan over them: "which is the next row closer to
 * the query than this bound?". The rows are a flat row-major `Float32Array`; the scan abandons a row
 * as soon as its partial squared distance reaches the bound.
 */
export interface RowScanner {
  readonly kernel: RowScanKernel;
  /** Values in a row: the descriptor length of the gallery's model. */
  readonly dimension: number;
  /**
   * Room for {@link capacity} rows of {@link dimension} values. The array is replaced when the
   * capacity grows, so read it again after {@link reserve}.
   */
  readonly rows: Float32Array;
  readonly capacity: number;
  /** Grows the capacity to at least `rowCount` rows, keeping the rows stored so far. */
  reserve(rowCount: number): void;
  /** Sets the query that {@link nextUnder} measures against. */
  setQuery(query: Float32Array): void;
  /**
   * The first row in `[start, end)` whose squared distance to the query may be below `bound`, or `end`.
   * Never skips a row that is truly under the bound; may return one that is not quite (the WebAssembly
   * kernel sums in f32), so the caller checks each row returned.
   */
  nextUnder(start: number, end: number, bound: number): number;
}

interface RowScanExports {
  memory: WebAssembly.Memory;
  nextUnder(start: number, end: number, bound: number, rowBytes: number): number;
}

let compiled: WebAssembly.Module | null | undefined;

/**
 * The kernel assembled from `row-scan.wat` by `npm run build`, compiled once per process; null when it
 * is missing (sources run without the build) or this runtime lacks WebAssembly SIMD.
 */
function wasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(readFileSync(new URL('./row-scan.wasm', import.meta.url)));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Rows in WebAssembly memory, scanned four lanes at a time. */
class WasmRowScanner implements RowScanner {
  readonly kernel = 'wasm-simd';
  readonly #exports: RowScanExports;
  /** Bytes in a row; the query sits in front of the rows and is one row long (see `row-scan.wat`). */
  readonly #rowBytes: number;
  #rows: Float32Array;
  #query: Float32Array;

  constructor(
    module: WebAssembly.Module,
    capacity: number,
    readonly dimension: number,
  ) {
    this.#rowBytes = dimension * Float32Array.BYTES_PER_ELEMENT;
    this.#exports = new WebAssembly.Instance(module).exports as unknown as RowScanExports;
    this.#rows = new Float32Array(0);
    this.#query = new Float32Array(0);
    this.reserve(capacity);
  }

  get rows(): Float32Array {
    return this.#rows;
  }

  get capacity(): number {
    return this.#rows.length / this.dimension;
  }

  reserve(rowCount: number): void {
    const { memory } = this.#exports;
    const rowBytes = this.#rowBytes;
    const needed = rowBytes + rowCount * rowBytes;
    if (needed > memory.buffer.byteLength) {
      // Growing keeps the memory's contents; only the views over the old buffer go stale.
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES));
    }
    if (this.#query.buffer !== memory.buffer) {
      const capacity = Math.floor((memory.buffer.byteLength - rowBytes) / rowBytes);
      this.#query = new Float32Array(memory.buffer, 0, this.dimension);
      this.#rows = new Float32Array(memory.buffer, rowBytes, capacity * this.dimension);
    }
  }

  setQuery(query: Float32Array): void {
    this.#query.set(query);
  }

  nextUnder(start: number, end: number, bound: number): number {
    return this.#exports.nextUnder(start, end, bound, this.#rowBytes);
  }
}

/** Rows in an ordinary typed array, scanned in JavaScript: the fallback when the kernel is absent. */
class JsRowScanner implements RowScanner {
  readonly kernel = 'js';
  #rows: Float32Array;
  readonly #query: Float64Array;

  constructor(
    capacity: number,
    readonly dimension: number,
  ) {
    this.#rows = new Float32Array(capacity * dimension);
    this.#query = new Float64Array(dimension);
  }

  get rows(): Float32Array {
    return this.#rows;
  }

  get capacity(): number {
    return this.#rows.length / this.dimension;
  }

  reserve(rowCount: number): void {
    if (rowCount <= this.capacity) return;
    let capacity = Math.max(1, this.capacity);
    while (capacity < rowCount) capacity *= 2;
    const rows = new Float32Array(capacity * this.dimension);
    rows.set(this.#rows);
    this.#rows = rows;
  }

  setQuery(query: Float32Array): void {
    this.#query.set(query);
  }

  nextUnder(start: number, end: number, bound: number): number {
    const rows = this.#rows;
    const q = this.#query;
    const DIM = this.dimension;
    /* eslint-disable @typescript-eslint/no-non-null-assertion --
       Every index is below end * DIM <= rows.length, or below DIM for the query. */
    for (let row = start, base = start * DIM; row < end; row++, base += DIM) {
      let sum = 0;
      let j = 0;
      for (; j < DIM; j += JS_BLOCK) {
        for (let i = j; i < j + JS_BLOCK; i++) {
          const d = q[i]! - rows[base + i]!;
          sum += d * d;
        }
        if (sum >= bound) break;
      }
      if (j >= DIM) return row;
    }
    /* eslint-enable @typescript-eslint/no-non-null-assertion */
    return end;
  }
}

/**
 * A scanner with room for `capacity` rows of `dimension` values (a multiple of 32): the WebAssembly
 * kernel when it loads, else JavaScript.
 */
export function createRowScanner(
  capacity: number,
  dimension: number,
  kernel: RowScanKernel = 'wasm-simd',
): RowScanner {
  if (!Number.isInteger(dimension) || dimension <= 0 || dimension % KERNEL_BLOCK !== 0) {
    throw new RangeError(
      `a row scanner needs a positive multiple of ${KERNEL_BLOCK} values, got ${dimension}`,
    );
  }
  const module = kernel === 'wasm-simd' ? wasmModule() : null;
  return module ? new WasmRowScanner(module, capacity, dimension) : new JsRowScanner(capacity, dimension);
}
