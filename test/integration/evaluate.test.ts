import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { FACES_DIR, IDENTITIES, facePhoto, makeSplit } from '../support/faces.js';
import { tempDir } from '../support/temp.js';

interface Report {
  identities: number;
  probes: number;
  rank1Accuracy: number;
  falseAcceptRate: number;
  unknownRejectRate: number;
  facelessProbes: number;
  msPerImage: number;
  backend: string;
  unreadable: { file: string; error: { code: string; message: string } }[];
  mistakes: unknown[];
  photos: number;
  cache: { hits: number; misses: number; droppedBytes: number; file: string } | null;
  correct: number;
  wrongNames: number;
  curve: { threshold: number; rank1Accuracy: number; strangersNamedRate: number }[];
  gallerySweep: { galleryPeople: number; rank1Accuracy: number; strangersNamedRate: number }[];
  rank1AtStrangerRate: { strangersNamedRate: number; rank1Accuracy: number }[];
  verificationAccuracy?: number;
  tarAtFar1e3?: number;
  eer?: number;
  verification?: { pairs: number; pairsWithoutFace: number };
  baseline?: Report;
}

/** What must not change when the analyses come from the cache instead of the engine. */
function figures(report: Report) {
  const { probes, rank1Accuracy, falseAcceptRate, unknownRejectRate, correct, wrongNames, mistakes } = report;
  return {
    probes,
    rank1Accuracy,
    falseAcceptRate,
    unknownRejectRate,
    correct,
    wrongNames,
    mistakes,
    curve: report.curve,
    gallerySweep: report.gallerySweep,
    rank1AtStrangerRate: report.rank1AtStrangerRate,
  };
}

async function timedRun(args: string[]): Promise<{ report: Report; ms: number }> {
  const started = performance.now();
  const result = await runCli(args);
  const ms = performance.now() - started;
  assert.equal(result.code, 0, result.stderr);
  return { report: JSON.parse(result.stdout) as Report, ms };
}

describe('rollcall evaluate', () => {
  it('meets the accuracy targets on ../shared/faces and beats stock face-api in the same run', async () => {
    // The harder split: the first floor(n/2) photos of each person enrolled (2 of 5), the rest probed.
    const split = await makeSplit((n) => Math.max(1, Math.floor(n / 2)));
    const result = await runCli([
      'evaluate',
      '--enroll',
      split.enrollDir,
      '--probe',
      split.probeDir,
      '--json',
      '--baseline',
      '--cache',
      await tempDir('eval-cache'),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.identities, 12);
    assert.equal(report.probes, 48);
    assert.ok(
      report.rank1Accuracy >= 0.97,
      `rank-1 ${report.rank1Accuracy}: ${JSON.stringify(report.mistakes)}`,
    );
    assert.equal(report.falseAcceptRate, 0, JSON.stringify(report.mistakes));
    assert.ok(report.unknownRejectRate >= 0.97, `unknown reject ${report.unknownRejectRate}`);
    assert.equal(report.facelessProbes, 0);
    assert.ok(report.msPerImage > 0);
    assert.ok(['wasm', 'tensorflow'].includes(report.backend));
    const baseline = report.baseline;
    assert.ok(baseline);
    assert.ok(
      report.rank1Accuracy > baseline.rank1Accuracy,
      'Rollcall names more people than stock face-api',
    );
    assert.ok(report.falseAcceptRate <= baseline.falseAcceptRate);
  });

  it('reports unreadable photos by name and goes on', async () => {
    const root = await tempDir('bad');
    const enroll = path.join(root, 'enroll', 'raj');
    const probe = path.join(root, 'probe', 'raj');
    await mkdir(enroll, { recursive: true });
    await mkdir(probe, { recursive: true });
    await symlink(facePhoto('raj/raj1.png'), path.join(enroll, 'raj1.png'));
    await writeFile(path.join(enroll, 'empty.jpg'), '');
    await symlink(facePhoto('raj/raj2.png'), path.join(probe, 'raj2.png'));
    await writeFile(path.join(probe, 'notes.jpg'), 'not an image');
    const jpeg = await readFile(facePhoto('vlado/person-vlado.jpg'));
    await writeFile(path.join(probe, 'truncated.jpg'), jpeg.subarray(0, jpeg.length / 3));

    const result = await runCli([
      'evaluate',
      '--enroll',
      path.join(root, 'enroll'),
      '--probe',
      path.join(root, 'probe'),
      '--json',
      '--threads',
      '1',
      '--cache',
      await tempDir('eval-cache'),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.probes, 1, 'the readable probe was identified');
    assert.equal(report.rank1Accuracy, 1);
    const codes = Object.fromEntries(report.unreadable.map((u) => [path.basename(u.file), u.error.code]));
    assert.deepEqual(codes, {
      'empty.jpg': 'IMAGE_EMPTY',
      'notes.jpg': 'IMAGE_UNSUPPORTED',
      'truncated.jpg': 'IMAGE_CORRUPT',
    });
  });

  it('serves a rerun from the cache with the same figures, survives a torn cache, and shares it by content', async (t) => {
    const split = await makeSplit((n) => Math.max(1, Math.floor(n / 2)));
    const cacheDir = await tempDir('eval-cache');
    const args = [
      'evaluate',
      '--enroll',
      split.enrollDir,
      '--probe',
      split.probeDir,
      '--json',
      '--cache',
      cacheDir,
    ];

    const first = await timedRun(args);
    assert.ok(first.report.cache);
    assert.deepEqual([first.report.cache.hits, first.report.cache.misses], [0, first.report.photos]);
    assert.ok(first.report.gallerySweep.length >= 1 && first.report.curve.length > 10);

    const second = await timedRun(args);
    assert.ok(second.report.cache);
    assert.deepEqual([second.report.cache.hits, second.report.cache.misses], [second.report.photos, 0]);
    t.diagnostic(`first run ${first.ms.toFixed(0)} ms, from the cache ${second.ms.toFixed(0)} ms`);
    assert.deepEqual(figures(second.report), figures(first.report));
    assert.ok(
      second.ms < first.ms / 3,
      `cached run ${second.ms.toFixed(0)} ms, first ${first.ms.toFixed(0)} ms`,
    );

    // A run killed while appending leaves a torn last record: it is dropped and analysed again.
    const file = second.report.cache.file;
    await truncate(file, (await stat(file)).size - 100);
    const third = await timedRun(args);
    assert.ok(third.report.cache);
    assert.ok(third.report.cache.droppedBytes > 0);
    assert.ok(
      third.report.cache.misses >= 1 && third.report.cache.misses <= 2,
      JSON.stringify(third.report.cache),
    );
    assert.deepEqual(figures(third.report), figures(first.report));

    // The same photos in another layout (an open-set tree, LFW-style pairs) come from the cache too.
    const tree = await openSetTree();
    const svg = path.join(await tempDir('curve'), 'curve.svg');
    const openSet = await timedRun([
      'evaluate',
      '--open-set',
      tree.people,
      '--strangers',
      '5',
      '--seed',
      '3',
      '--pairs',
      tree.pairs,
      '--images',
      tree.images,
      '--curve',
      svg,
      '--json',
      '--cache',
      cacheDir,
    ]);
    assert.ok(openSet.report.cache);
    assert.equal(openSet.report.cache.misses, 0);
    assert.equal(openSet.report.identities, 12);
    // Two probes per person, but vlado's three photos leave one after enrolling two; five strangers.
    assert.equal(openSet.report.probes, 11 * 2 + 1 + 5);
    assert.ok(openSet.report.rank1Accuracy >= 0.85, `open-set rank-1 ${openSet.report.rank1Accuracy}`);
    assert.equal(openSet.report.verification?.pairs, 8);
    assert.equal(openSet.report.verification.pairsWithoutFace, 0);
    for (const value of [
      openSet.report.verificationAccuracy,
      openSet.report.tarAtFar1e3,
      openSet.report.eer,
    ]) {
      assert.ok(typeof value === 'number' && value >= 0 && value <= 1, String(value));
    }
    assert.ok((openSet.report.verificationAccuracy ?? 0) >= 0.75);
    const drawn = await readFile(svg, 'utf8');
    assert.match(drawn, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(drawn, /<path d="M[^"]+"/);
  });

  it('explains bad usage with exit code 2', async () => {
    const result = await runCli(['evaluate', '--enroll', '/tmp']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /needs --enroll DIR and --probe DIR/);
    const pairsOnly = await runCli(['evaluate', '--pairs', '/tmp/pairs.txt']);
    assert.equal(pairsOnly.code, 2);
    assert.match(pairsOnly.stderr, /--pairs FILE needs --images DIR/);
  });

  it('lists every bad config key at once', async () => {
    const result = await runCli(['evaluate', '--enroll', '/tmp', '--probe', '/tmp'], {
      WORKER_THREADS: '0',
      MATCH_THRESHOLD: 'x',
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /WORKER_THREADS/);
    assert.match(result.stderr, /MATCH_THRESHOLD/);
  });
});

/**
 * ../shared/faces as one folder-per-person tree (each distractor a one-photo person), and as LFW
 * images (`Name/Name_0001.jpg`) with a two-fold pairs file, all symlinks.
 */
async function openSetTree(): Promise<{ people: string; images: string; pairs: string }> {
  const root = await tempDir('open-set');
  const people = path.join(root, 'people');
  const images = path.join(root, 'images');
  for (const identity of IDENTITIES) {
    await mkdir(path.join(people, identity), { recursive: true });
    await mkdir(path.join(images, identity), { recursive: true });
    const photos = (await readdir(path.join(FACES_DIR, identity))).sort();
    for (const [i, name] of photos.entries()) {
      await symlink(path.join(FACES_DIR, identity, name), path.join(people, identity, name));
      const lfwName = `${identity}_${String(i + 1).padStart(4, '0')}.jpg`;
      await symlink(path.join(FACES_DIR, identity, name), path.join(images, identity, lfwName));
    }
  }
  for (const name of (await readdir(path.join(FACES_DIR, 'distractors'))).sort()) {
    const folder = path.join(people, `stranger-${path.parse(name).name}`);
    await mkdir(folder, { recursive: true });
    await symlink(path.join(FACES_DIR, 'distractors', name), path.join(folder, name));
  }
  const pairs = path.join(root, 'pairs.txt');
  await writeFile(
    pairs,
    [
      '2\t2',
      'amy\t1\t2',
      'penny\t1\t3',
      'amy\t1\traj\t2',
      'howard\t1\tleonard\t2',
      'raj\t1\t3',
      'sheldon\t1\t2',
      'penny\t2\tvlado\t1',
      'stuart\t1\tamy\t3',
      '',
    ].join('\n'),
  );
  return { people, images, pairs };
}
