import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  AnalysisCache,
  analysisCodeFingerprint,
  contentHash,
  pipelineKey,
} from '../../src/cli/analysis-cache.js';
import type { DescribedFace, EngineInfo } from '../../src/engine/index.js';
import { tempDir } from '../support/temp.js';

const INFO: EngineInfo = { backend: 'wasm', threads: 1, model: 'test model', descriptorModel: 'face-api' };
const KEY = pipelineKey(INFO, { detector: 'ssd', padCascade: true }, 'code-1');

function face(seed: number): DescribedFace {
  return {
    box: { x: 10.25 + seed, y: 20.5, width: 100.125, height: 110 },
    score: 0.987654321,
    landmarks: Float32Array.from({ length: 136 }, (_, i) => i * 1.5 + seed),
    descriptor: Float32Array.from({ length: 128 }, (_, i) => Math.sin(i + seed) / 7),
    quality: { sizePx: 100.125, score: 0.987654321, sharpness: 42.4242, frontality: 0.93 },
  };
}

async function cacheFile(dir: string): Promise<string> {
  const [name] = await readdir(dir);
  assert.ok(name);
  return path.join(dir, name);
}

describe('analysisCodeFingerprint', () => {
  it('is stable for the same code', async () => {
    const first = await analysisCodeFingerprint();
    assert.match(first, /^[0-9a-f]{16}$/);
    assert.equal(await analysisCodeFingerprint(), first);
  });
});

describe('AnalysisCache', () => {
  it('gives back exactly what was stored, after reopening', async () => {
    const dir = await tempDir('cache');
    const cache = await AnalysisCache.open(dir, KEY);
    cache.put(contentHash(Buffer.from('a')), { faces: [face(1), face(2)], ms: 123.5 });
    cache.put(contentHash(Buffer.from('b')), { faces: [], ms: 7 });
    await cache.close();

    const again = await AnalysisCache.open(dir, KEY);
    assert.equal(again.stats.loaded, 2);
    assert.equal(again.stats.droppedBytes, 0);
    assert.deepEqual(again.get(contentHash(Buffer.from('a'))), { faces: [face(1), face(2)], ms: 123.5 });
    assert.deepEqual(again.get(contentHash(Buffer.from('b'))), { faces: [], ms: 7 });
    assert.equal(again.get(contentHash(Buffer.from('c'))), undefined);
    assert.deepEqual([again.stats.hits, again.stats.misses], [2, 1]);
    await again.close();
  });

  it('keeps pipelines apart', async () => {
    const dir = await tempDir('cache');
    const cache = await AnalysisCache.open(dir, KEY);
    cache.put(contentHash(Buffer.from('a')), { faces: [face(1)], ms: 1 });
    await cache.close();
    const other = await AnalysisCache.open(
      dir,
      pipelineKey({ ...INFO, descriptorModel: 'fr-feature' }, {}, 'code-1'),
    );
    assert.equal(other.stats.loaded, 0);
    await other.close();
    const newCode = await AnalysisCache.open(
      dir,
      pipelineKey(INFO, { detector: 'ssd', padCascade: true }, 'code-2'),
    );
    assert.equal(newCode.stats.loaded, 0, 'an edit to the analysis code starts a new cache');
    await newCode.close();
    assert.equal((await readdir(dir)).length, 3);
  });

  it('drops a torn last record and a damaged one, and appends cleanly after', async () => {
    const dir = await tempDir('cache');
    const cache = await AnalysisCache.open(dir, KEY);
    for (const k of ['a', 'b', 'c'])
      cache.put(contentHash(Buffer.from(k)), { faces: [face(k.charCodeAt(0))], ms: 1 });
    await cache.close();
    const file = await cacheFile(dir);
    const size = (await stat(file)).size;
    await truncate(file, size - 10);

    const torn = await AnalysisCache.open(dir, KEY);
    assert.equal(torn.stats.loaded, 2);
    assert.ok(torn.stats.droppedBytes > 0);
    assert.equal(torn.get(contentHash(Buffer.from('c'))), undefined);
    torn.put(contentHash(Buffer.from('c')), { faces: [face(99)], ms: 2 });
    await torn.close();

    // Flip one bit inside the second record's descriptor: it and everything after it are dropped.
    const bytes = await readFile(file);
    const header = await headerLength();
    const recordBytes = (bytes.length - header) / 3;
    const flipAt = header + recordBytes + recordBytes / 2;
    bytes.writeUInt8(bytes.readUInt8(flipAt) ^ 1, flipAt);
    await writeFile(file, bytes);
    const damaged = await AnalysisCache.open(dir, KEY);
    assert.equal(damaged.stats.loaded, 1);
    assert.deepEqual(damaged.get(contentHash(Buffer.from('a')))?.faces, [face('a'.charCodeAt(0))]);
    await damaged.close();
  });

  it('starts afresh over a file that is not a cache', async () => {
    const dir = await tempDir('cache');
    await (await AnalysisCache.open(dir, KEY)).close();
    const file = await cacheFile(dir);
    await writeFile(file, 'not a cache at all');
    const cache = await AnalysisCache.open(dir, KEY);
    assert.equal(cache.stats.loaded, 0);
    cache.put(contentHash(Buffer.from('a')), { faces: [], ms: 1 });
    await cache.close();
    const reopened = await AnalysisCache.open(dir, KEY);
    assert.equal(reopened.stats.loaded, 1);
    await reopened.close();
  });
});

/** Bytes before the first record: what an empty cache file holds. */
async function headerLength(): Promise<number> {
  const dir = await tempDir('cache');
  await (await AnalysisCache.open(dir, KEY)).close();
  return (await stat(await cacheFile(dir))).size;
}
