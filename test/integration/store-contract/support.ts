/**
 * What every repository's contract suite shares: fixtures (descriptors, bytes, events) and the
 * `it` that reports a suite as skipped, with its reason, for an adapter that cannot run here.
 */
import assert from 'node:assert/strict';
import { it as nodeIt } from 'node:test';
import { ErrorCode, isRollcallError, type RecognitionEvent } from '../../../src/core/index.js';

export function rejectsWithCode(code: ErrorCode): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isRollcallError(error, code), `expected ${code}, got ${String(error)}`);
    return true;
  };
}

/** A descriptor whose values depend on `seed`, so round trips can be compared exactly. */
export function descriptor(seed: number, length = 128): Float32Array {
  const d = new Float32Array(length);
  for (let i = 0; i < d.length; i++) d[i] = Math.sin(seed * 1000 + i) / 3;
  return d;
}

export function bytes(length: number, seed = 1): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

let eventSeq = 0;
export function makeEvent(overrides: Partial<RecognitionEvent> = {}): RecognitionEvent {
  eventSeq += 1;
  return {
    id: `node-a:${eventSeq}:${Math.random().toString(36).slice(2)}`,
    type: 'recognized',
    nodeId: 'node-a',
    cameraId: 'video0',
    trackId: `video0-${eventSeq}`,
    personId: null,
    distance: 0.31,
    thresholds: { match: 0.55, unknown: 0.6 },
    votes: 3,
    at: '2025-03-10T08:00:00.000Z',
    box: { x: 10, y: 20, width: 80, height: 96 },
    frameWidth: 640,
    frameHeight: 480,
    crop: bytes(64, eventSeq),
    model: 'tiny+frn',
    backend: 'wasm',
    ...overrides,
  };
}

export const UTC = { timeZone: 'UTC', cooldownS: 0 };

export interface StoreContractOptions {
  /**
   * Why this adapter cannot be checked here: every test is still registered, reported as skipped
   * with this reason, so the gap shows in the test summary instead of vanishing.
   */
  skip?: string;
}

/**
 * `it` for a contract suite. Skipped tests run no hooks, so `create` is never called for an
 * adapter that cannot be reached.
 */
export function contractIt(options: StoreContractOptions): (title: string, fn: () => Promise<void>) => void {
  const { skip } = options;
  return (title, fn) => {
    void nodeIt(title, skip === undefined ? {} : { skip }, fn);
  };
}
