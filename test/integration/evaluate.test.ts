import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { facePhoto, makeSplit } from '../support/faces.js';
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
  baseline?: Report;
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

  it('explains bad usage with exit code 2', async () => {
    const result = await runCli(['evaluate', '--enroll', '/tmp']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /needs --enroll DIR and --probe DIR/);
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
