import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  GALLERY_CACHE_FORMAT_VERSION,
  GalleryCache,
  decodeGallerySnapshot,
  encodeGallerySnapshot,
  type GallerySnapshot,
} from '../../src/recognition/gallery-cache/index.js';
import {
  DESCRIPTOR_LENGTHS,
  ErrorCode,
  Gallery,
  isRollcallError,
  mulberry32,
  type DescriptorModel,
} from '../../src/core/index.js';
import { tempDir } from '../support/temp.js';

/** A folder for the gallery-cache that does not exist yet, inside a fresh temp folder. */
async function cacheDir(): Promise<string> {
  return path.join(await tempDir('gallery-cache'), 'gallery-cache');
}

function descriptor(random: () => number, model: DescriptorModel = 'face-api'): Float32Array {
  return Float32Array.from({ length: DESCRIPTOR_LENGTHS[model] }, () => random() * 0.4 - 0.2);
}

function snapshotOf(
  people: number,
  perPerson: number,
  version = 1,
  seed = 1,
  model: DescriptorModel = 'face-api',
): GallerySnapshot {
  const random = mulberry32(seed);
  return {
    version,
    model,
    people: Array.from({ length: people }, (_, p) => ({
      personId: `person-${p}`,
      descriptors: Array.from({ length: perPerson }, () => descriptor(random, model)),
    })),
  };
}

/** Bit-for-bit comparison of two snapshots (so -0 and +0 differ, as they should here). */
function assertSameSnapshot(actual: GallerySnapshot | undefined, expected: GallerySnapshot): void {
  assert.ok(actual !== undefined, 'a snapshot');
  assert.equal(actual.version, expected.version);
  assert.equal(actual.model, expected.model);
  assert.deepEqual(
    actual.people.map((p) => [p.personId, p.descriptors.length]),
    expected.people.map((p) => [p.personId, p.descriptors.length]),
  );
  actual.people.forEach((person, p) => {
    person.descriptors.forEach((d, i) => {
      const want = expected.people[p]?.descriptors[i];
      assert.ok(want !== undefined);
      assert.ok(
        Buffer.from(d.buffer, d.byteOffset, d.byteLength).equals(
          Buffer.from(want.buffer, want.byteOffset, want.byteLength),
        ),
        `descriptor ${i} of ${person.personId} differs`,
      );
    });
  });
}

function isCorrupt(file: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isRollcallError(error, ErrorCode.GalleryCacheCorrupt), String(error));
    assert.ok(error.message.includes(file), `the message names the file: ${error.message}`);
    return true;
  };
}

describe('GalleryCache: save and load', () => {
  it('round-trips a snapshot bit for bit, with odd floats and ids', async () => {
    const dir = await cacheDir();
    const snapshot = snapshotOf(3, 2, 42);
    const odd = snapshot.people[0]?.descriptors[0];
    assert.ok(odd !== undefined);
    odd.set([-0, 1e-45, -3.4028234663852886e38, 3.4028234663852886e38, 1.1754942e-38, Math.fround(Math.PI)]);
    snapshot.people.push({ personId: 'Zoë 😀 "quotes"', descriptors: [descriptor(mulberry32(9))] });

    const cache = new GalleryCache({ model: 'face-api', dir });
    await cache.save(snapshot);
    assert.equal(cache.version, 42);
    assert.equal(cache.personCount, 4);
    assert.equal(cache.descriptorCount, 7);

    const reader = new GalleryCache({ model: 'face-api', dir });
    assert.equal(reader.version, undefined);
    assertSameSnapshot(await reader.load(), snapshot);
    assert.equal(reader.version, 42);
    assert.ok(Object.is(reader.snapshot()?.people[0]?.descriptors[0]?.[0], -0));
  });

  it('keeps its own copy of what it is given', async () => {
    const cache = new GalleryCache({ model: 'face-api', dir: await cacheDir() });
    const snapshot = snapshotOf(1, 1);
    const expected = structuredClone(snapshot);
    await cache.save(snapshot);
    snapshot.people[0]?.descriptors[0]?.fill(0.5);
    assertSameSnapshot(cache.snapshot(), expected);
  });

  it('resolves undefined when nothing is cached', async () => {
    const cache = new GalleryCache({ model: 'face-api', dir: await cacheDir() });
    assert.equal(await cache.load(), undefined);
    assert.equal(cache.version, undefined);
    assert.equal(cache.snapshot(), undefined);
  });

  it('round-trips an empty gallery', async () => {
    const dir = await cacheDir();
    const empty: GallerySnapshot = { version: 0, model: 'face-api', people: [] };
    await new GalleryCache({ model: 'face-api', dir }).save(empty);
    assertSameSnapshot(await new GalleryCache({ model: 'face-api', dir }).load(), empty);
  });

  it('ignores and removes a temp file left by an interrupted save', async () => {
    const dir = await cacheDir();
    const cache = new GalleryCache({ model: 'face-api', dir });
    const snapshot = snapshotOf(2, 2, 5);
    await cache.save(snapshot);
    // A save killed before its rename leaves a partial next file behind.
    const partial = encodeGallerySnapshot(snapshotOf(3, 3, 6)).subarray(0, 500);
    await writeFile(`${cache.file}.tmp`, partial);

    const reader = new GalleryCache({ model: 'face-api', dir });
    assertSameSnapshot(await reader.load(), snapshot);
    assert.deepEqual(await readdir(dir), ['gallery.bin']);
  });

  it('replaces the file atomically: a save leaves only the new file, whole', async () => {
    const dir = await cacheDir();
    const cache = new GalleryCache({ model: 'face-api', dir });
    await cache.save(snapshotOf(5, 1, 1));
    const next = snapshotOf(2, 4, 2, 7);
    await cache.save(next);
    assert.deepEqual(await readdir(dir), ['gallery.bin']);
    assertSameSnapshot(await new GalleryCache({ model: 'face-api', dir }).load(), next);
  });

  it('refuses an invalid snapshot and keeps the cached one', async () => {
    const cache = new GalleryCache({ model: 'face-api', dir: await cacheDir() });
    const good = snapshotOf(1, 1, 3);
    await cache.save(good);
    const bad: [unknown, ErrorCode][] = [
      [{ version: -1, people: [] }, ErrorCode.UsageInvalid],
      [{ version: 1.5, people: [] }, ErrorCode.UsageInvalid],
      [
        { version: 4, people: [{ personId: '', descriptors: [new Float32Array(128)] }] },
        ErrorCode.UsageInvalid,
      ],
      [{ version: 4, people: [{ personId: 'a', descriptors: [] }] }, ErrorCode.UsageInvalid],
      [
        { version: 4, people: [{ personId: 'a', descriptors: [new Float32Array(3)] }] },
        ErrorCode.DescriptorInvalid,
      ],
      [
        { version: 4, people: [{ personId: 'a', descriptors: [new Float32Array(128).fill(Number.NaN)] }] },
        ErrorCode.DescriptorInvalid,
      ],
      [
        {
          version: 4,
          people: [
            { personId: 'a', descriptors: [new Float32Array(128)] },
            { personId: 'a', descriptors: [new Float32Array(128)] },
          ],
        },
        ErrorCode.UsageInvalid,
      ],
    ];
    for (const [snapshot, code] of bad) {
      await assert.rejects(
        cache.save({ model: 'face-api', ...(snapshot as object) } as GallerySnapshot),
        (error: unknown) => isRollcallError(error, code),
      );
    }
    assertSameSnapshot(cache.snapshot(), good);
    assertSameSnapshot(await new GalleryCache({ model: 'face-api', dir: cache.dir }).load(), good);
  });
});

describe('GalleryCache: descriptor models', () => {
  it('round-trips a fr-feature gallery (512 values a descriptor) and says so in the file', async () => {
    const dir = await cacheDir();
    const snapshot = snapshotOf(3, 2, 5, 1, 'fr-feature');
    const cache = new GalleryCache({ model: 'fr-feature', dir });
    await cache.save(snapshot);
    const data = await readFile(cache.file);
    assert.equal(data.readUInt32LE(4), GALLERY_CACHE_FORMAT_VERSION);
    assert.equal(data.readUInt32LE(24), 512);
    assert.equal(data.toString('latin1', 32, 42), 'fr-feature');
    const loaded = await new GalleryCache({ model: 'fr-feature', dir }).load();
    assertSameSnapshot(loaded, snapshot);
    const gallery = new Gallery({ dimension: 512 });
    cache.applyTo(gallery);
    assert.equal(gallery.descriptorCount, 6);
  });

  it('reads a format-1 file (from before models) as a face-api gallery', async () => {
    const dir = await cacheDir();
    const snapshot = snapshotOf(2, 2, 9);
    // Format 1 is format 2 without the 16-byte model field after the 32-byte header.
    const v2 = encodeGallerySnapshot(snapshot);
    const body = Buffer.concat([v2.subarray(0, 32), v2.subarray(48, v2.length - 32)]);
    body.writeUInt32LE(1, 4);
    const v1 = Buffer.concat([body, createHash('sha256').update(body).digest()]);
    await mkdir(dir, { recursive: true });
    const cache = new GalleryCache({ model: 'face-api', dir });
    await writeFile(cache.file, v1);
    assertSameSnapshot(await cache.load(), snapshot);
    assertSameSnapshot(decodeGallerySnapshot(v1, 'v1.bin'), snapshot);
    // A face-api node's next write upgrades the file.
    await cache.upsert(10, 'amy', [descriptor(mulberry32(4))]);
    assert.equal((await readFile(cache.file)).readUInt32LE(4), GALLERY_CACHE_FORMAT_VERSION);
  });

  it("ignores a cache of another model than the node's engine, and takes a snapshot of its own", async () => {
    const dir = await cacheDir();
    await new GalleryCache({ model: 'face-api', dir }).save(snapshotOf(3, 1, 12));
    const cache = new GalleryCache({ model: 'fr-feature', dir });
    await assert.rejects(cache.load(), (error: unknown) => {
      assert.ok(isRollcallError(error, ErrorCode.DescriptorModelMismatch), String(error));
      assert.match(error.message, /holds face-api descriptors, but this node's engine makes fr-feature ones/);
      return true;
    });
    assert.equal(cache.version, undefined, 'nothing is loaded');
    assert.equal(cache.snapshot(), undefined);
    const gallery = new Gallery({ dimension: 512 });
    assert.equal(cache.applyTo(gallery), 0);
    // A version-1 (face-api) file is another model too.
    const own = snapshotOf(1, 1, 13, 2, 'fr-feature');
    await cache.save(own);
    assertSameSnapshot(await new GalleryCache({ model: 'fr-feature', dir }).load(), own);
  });

  it('refuses a snapshot or an update of another model, and keeps what it holds', async () => {
    const cache = new GalleryCache({ model: 'fr-feature', dir: await cacheDir() });
    const good = snapshotOf(1, 1, 3, 1, 'fr-feature');
    await cache.save(good);
    await assert.rejects(cache.save(snapshotOf(1, 1, 4)), (error: unknown) =>
      isRollcallError(error, ErrorCode.DescriptorModelMismatch),
    );
    await assert.rejects(cache.upsert(5, 'a', [descriptor(mulberry32(1))]), (error: unknown) =>
      isRollcallError(error, ErrorCode.DescriptorInvalid),
    );
    assertSameSnapshot(cache.snapshot(), good);
    assert.throws(
      () => new GalleryCache({ model: 'dlib' as DescriptorModel, dir: 'x' }),
      /model must be one of fr-feature, face-api/,
    );
  });

  it('refuses a file naming a model this build does not know', () => {
    const data = encodeGallerySnapshot(snapshotOf(1, 1));
    data.fill(0, 32, 48);
    data.write('dlib', 32, 'latin1');
    const hashAt = data.length - 32;
    createHash('sha256').update(data.subarray(0, hashAt)).digest().copy(data, hashAt);
    assert.throws(() => decodeGallerySnapshot(data, 'x.bin'), /unknown descriptor model "dlib"/);
  });
});

describe('GalleryCache: damaged files', () => {
  it('reports a flipped byte, a truncated file and a foreign file as GALLERY_CACHE_CORRUPT, naming the file', async () => {
    const dir = await cacheDir();
    const cache = new GalleryCache({ model: 'face-api', dir });
    await cache.save(snapshotOf(4, 3));
    const good = await readFile(cache.file);

    const flipped = Buffer.from(good);
    flipped[100] = (flipped[100] ?? 0) ^ 0x01;
    const damaged: [string, Buffer][] = [
      ['flipped', flipped],
      ['truncated', good.subarray(0, good.length - 1000)],
      ['empty', Buffer.alloc(0)],
      ['foreign', Buffer.from('{"version":1,"people":[]}'.repeat(4))],
    ];
    for (const [what, data] of damaged) {
      await writeFile(cache.file, data);
      const reader = new GalleryCache({ model: 'face-api', dir });
      await assert.rejects(reader.load(), isCorrupt(cache.file), what);
      assert.equal(reader.version, undefined, 'nothing is loaded');
    }
  });

  it('checks the structure too, not only the checksum', () => {
    const data = encodeGallerySnapshot(snapshotOf(1, 1));
    // Claim another descriptor length, and fix up the checksum so only the structure check can object.
    data.writeUInt32LE(64, 24);
    const hashAt = data.length - 32;
    createHash('sha256').update(data.subarray(0, hashAt)).digest().copy(data, hashAt);
    assert.throws(() => decodeGallerySnapshot(data, 'x.bin'), /length 64/);
  });

  it('lets a node start empty after a corrupt cache and take a full snapshot', async () => {
    const dir = await cacheDir();
    const cache = new GalleryCache({ model: 'face-api', dir });
    await mkdir(dir, { recursive: true });
    await writeFile(cache.file, 'garbage');
    await assert.rejects(cache.load(), isCorrupt(cache.file));
    const gallery = new Gallery();
    assert.equal(cache.applyTo(gallery), 0);
    await assert.rejects(cache.upsert(1, 'a', [descriptor(mulberry32(1))]), /save\(\) a full snapshot/);
    const snapshot = snapshotOf(2, 1, 10);
    await cache.save(snapshot);
    assertSameSnapshot(await new GalleryCache({ model: 'face-api', dir }).load(), snapshot);
  });
});

describe('GalleryCache: incremental updates', () => {
  it('persists upserts and removals, ignoring stale upserts but never a removal', async () => {
    const dir = await cacheDir();
    const cache = new GalleryCache({ model: 'face-api', dir });
    await cache.save(snapshotOf(3, 2, 10));
    const random = mulberry32(3);
    const amy = [descriptor(random), descriptor(random)];

    assert.equal(await cache.upsert(11, 'amy', amy), true);
    assert.equal(await cache.upsert(12, 'person-0', [descriptor(random)]), true);
    assert.equal(await cache.upsert(12, 'late', [descriptor(random)]), false, 'not newer than 12');
    assert.equal(await cache.upsert(5, 'late', [descriptor(random)]), false);
    assert.equal(await cache.remove(13, 'person-1'), true);
    assert.equal(await cache.remove(9, 'person-2'), true, 'an erasure applies even when late');
    assert.equal(await cache.remove(20, 'nobody'), false);
    assert.equal(cache.version, 20, 'the version still moves forward');

    const reader = new GalleryCache({ model: 'face-api', dir });
    const loaded = await reader.load();
    assert.ok(loaded !== undefined);
    assert.equal(loaded.version, 20);
    assert.deepEqual(
      loaded.people.map((p) => [p.personId, p.descriptors.length]),
      [
        ['person-0', 1],
        ['amy', 2],
      ],
    );
    assertSameSnapshot(
      { version: 20, model: 'face-api', people: loaded.people.slice(1) },
      {
        version: 20,
        model: 'face-api',
        people: [{ personId: 'amy', descriptors: amy }],
      },
    );
  });

  it('stores every update of a concurrent burst', async () => {
    const dir = await cacheDir();
    const cache = new GalleryCache({ model: 'face-api', dir });
    await cache.save(snapshotOf(0, 0, 0));
    const random = mulberry32(5);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => cache.upsert(i + 1, `p${i}`, [descriptor(random)])),
    );
    assert.ok(results.every(Boolean));
    const loaded = await new GalleryCache({ model: 'face-api', dir }).load();
    assert.equal(loaded?.version, 50);
    assert.equal(loaded.people.length, 50);
  });

  it('applies updates in call order, so one made right after load() builds on what was loaded', async () => {
    const dir = await cacheDir();
    await new GalleryCache({ model: 'face-api', dir }).save(snapshotOf(2, 1, 10));
    const cache = new GalleryCache({ model: 'face-api', dir });
    const loading = cache.load();
    const upserted = cache.upsert(11, 'amy', [descriptor(mulberry32(4))]);
    await loading;
    assert.equal(await upserted, true);
    const loaded = await new GalleryCache({ model: 'face-api', dir }).load();
    assert.deepEqual(
      loaded?.people.map((p) => p.personId),
      ['person-0', 'person-1', 'amy'],
    );
  });

  it('refuses bad arguments with coded errors', async () => {
    const cache = new GalleryCache({ model: 'face-api', dir: await cacheDir() });
    await cache.save(snapshotOf(1, 1, 1));
    await assert.rejects(cache.upsert(2, 'a', []), (e: unknown) =>
      isRollcallError(e, ErrorCode.UsageInvalid),
    );
    await assert.rejects(cache.upsert(Number.NaN, 'a', [new Float32Array(128)]), (e: unknown) =>
      isRollcallError(e, ErrorCode.UsageInvalid),
    );
    await assert.rejects(cache.remove(2, ''), (e: unknown) => isRollcallError(e, ErrorCode.UsageInvalid));
    assert.throws(
      () => new GalleryCache({ model: 'face-api', dir: 'x', fileName: '../escape.bin' }),
      /plain file name/,
    );
  });
});

describe('GalleryCache: applyTo', () => {
  it('makes a gallery hold exactly the cached people', async () => {
    const dir = await cacheDir();
    const snapshot = snapshotOf(20, 3, 7);
    await new GalleryCache({ model: 'face-api', dir }).save(snapshot);
    const cache = new GalleryCache({ model: 'face-api', dir });
    await cache.load();

    const gallery = new Gallery();
    gallery.upsert('someone-else', [descriptor(mulberry32(99))]);
    assert.equal(cache.applyTo(gallery), 20);
    assert.equal(gallery.has('someone-else'), false);
    assert.equal(gallery.descriptorCount, 60);
    for (const person of snapshot.people) {
      for (const d of person.descriptors) {
        assert.deepEqual(gallery.nearestPeople(d, 1), [{ personId: person.personId, distance: 0 }]);
      }
    }
  });
});

describe('GalleryCache: timing (reported, not asserted)', () => {
  it('saves, loads and applies 100k descriptors', async (t) => {
    const dir = await cacheDir();
    const snapshot = snapshotOf(20_000, 5, 1);
    const cache = new GalleryCache({ model: 'face-api', dir });

    let started = performance.now();
    await cache.save(snapshot);
    const saveMs = performance.now() - started;
    const bytes = (await stat(cache.file)).size;

    started = performance.now();
    await cache.upsert(2, 'person-0', [descriptor(mulberry32(2))]);
    const upsertMs = performance.now() - started;

    // Concurrent updates share writes: far fewer than 50 full rewrites.
    const random = mulberry32(3);
    started = performance.now();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => cache.upsert(3 + i, `new-${i}`, [descriptor(random)])),
    );
    const burstMs = performance.now() - started;

    const reader = new GalleryCache({ model: 'face-api', dir });
    started = performance.now();
    const loaded = await reader.load();
    const loadMs = performance.now() - started;

    const gallery = new Gallery();
    started = performance.now();
    reader.applyTo(gallery);
    const applyMs = performance.now() - started;

    t.diagnostic(`~100k descriptors (20k people): file ${(bytes / 1e6).toFixed(1)} MB`);
    t.diagnostic(`save ${saveMs.toFixed(0)} ms, one upsert (full rewrite) ${upsertMs.toFixed(0)} ms`);
    t.diagnostic(`50 concurrent upserts ${burstMs.toFixed(0)} ms (coalesced writes)`);
    t.diagnostic(`load ${loadMs.toFixed(0)} ms, applyTo(gallery) ${applyMs.toFixed(0)} ms`);
    assert.equal(loaded?.people.length, 20_050);
    assert.equal(gallery.descriptorCount, 100_046);
  });
});
