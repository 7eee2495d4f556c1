import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { facePhoto } from '../support/faces.js';
import { tempDir } from '../support/temp.js';

interface Summary {
  people: number;
  photos: number;
  accepted: number;
  refused: { person: string; reason: string }[];
  lookalikes: { person: string; warning: string }[];
  notEnrolled: string[];
}

describe('rollcall import', () => {
  it('enrolls a folder per person, refusing bad photos with a reason that names them; calibrate prints and saves the thresholds', async () => {
    const dir = await tempDir('import');
    const people: Record<string, string[]> = {
      Raj: ['raj/raj1.png', 'raj/raj2.png'],
      Penny: ['penny/penny1.png', 'group/bbt4.jpg'],
      // Raj again under another name: a mix-up (or a twin) the import enrolls with a warning.
      Rajesh: ['raj/raj3.png'],
    };
    for (const [name, photos] of Object.entries(people)) {
      await mkdir(path.join(dir, name));
      for (const photo of photos) await symlink(facePhoto(photo), path.join(dir, name, path.basename(photo)));
    }
    await writeFile(path.join(dir, 'Raj', 'notes.jpg'), 'not a photo');
    const dataDir = await tempDir('import-data');

    const result = await runCli(['import', dir, '--json', '--threads', '2'], { DATA_DIR: dataDir });
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as Summary;
    assert.equal(summary.people, 3);
    assert.equal(summary.photos, 6);
    assert.equal(summary.accepted, 4, JSON.stringify(summary.refused));
    const reasons = summary.refused.map((r) => `${r.person}: ${r.reason}`).join('\n');
    assert.match(reasons, /Raj: notes\.jpg: not an image/);
    assert.match(reasons, /Penny: bbt4\.jpg: the photo shows \d faces/);
    assert.deepEqual(
      summary.lookalikes.map((l) => l.person),
      ['Rajesh'],
    );
    assert.match(summary.lookalikes[0]?.warning ?? '', /^raj3\.png: looks like Raj, who is already enrolled/);
    assert.deepEqual(summary.notEnrolled, []);

    const store = await createStore({ dataDir });
    try {
      // Of whichever model the import's engine makes: all of one model, and that model's gallery.
      const { items } = await store.listPeople();
      const stored = (await Promise.all(items.map((p) => store.listDescriptors(p.id)))).flat();
      const models = [...new Set(stored.map((d) => d.model))];
      assert.equal(models.length, 1, `one model: ${models.join(', ')}`);
      const gallery = await store.getGallery(models[0] ?? 'face-api');
      const counts = Object.fromEntries(gallery.people.map((p) => [p.name, p.descriptors.length]));
      assert.deepEqual(counts, { Penny: 1, Raj: 2, Rajesh: 1 });
    } finally {
      await store.close();
    }

    // The thresholds for this gallery: three people say little, so the model's reference decides.
    const calibrated = await runCli(['calibrate', '--target', '0.0001', '--save', '--json'], {
      DATA_DIR: dataDir,
    });
    assert.equal(calibrated.code, 0, calibrated.stderr);
    const report = JSON.parse(calibrated.stdout) as {
      model: string;
      people: number;
      thresholds: { match: number; unknown: number; basis: string; expectedStrangerRate: number | null };
      alternatives: { strangerRateTarget: number; match: number }[];
      saved: boolean;
    };
    assert.equal(report.model, 'fr-feature');
    assert.equal(report.people, 3);
    assert.equal(report.thresholds.basis, 'reference');
    assert.ok(report.thresholds.unknown >= report.thresholds.match);
    // At most the target (the model's cautious ceiling may make it stricter still).
    const expected = report.thresholds.expectedStrangerRate ?? NaN;
    assert.ok(expected > 0 && expected <= 0.0001 + 1e-9, String(expected));
    // A stricter target, a stricter threshold.
    const at = (rate: number) => report.alternatives.find((a) => a.strangerRateTarget === rate)?.match ?? NaN;
    assert.ok(at(0.0001) < at(0.01), JSON.stringify(report.alternatives));
    assert.equal(report.saved, true);
    const saved = await createStore({ dataDir });
    try {
      const setting = await saved.getSetting('web.settings');
      const value = (setting?.value ?? {}) as Record<string, unknown>;
      assert.equal(value.strangerRateTarget, 0.0001);
      assert.equal(value.matchThreshold, null);
    } finally {
      await saved.close();
    }
    const refused = await runCli(['calibrate', '--target', '2'], { DATA_DIR: dataDir });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--target must be a rate from 0.0001 to 0.5/);
  });

  it('keeps namesakes apart by the external id in the folder name, finds them again on a second import, and refuses a name several people share', async () => {
    const dir = await tempDir('import-namesakes');
    const folders: Record<string, string> = {
      'Raj [S-1]': 'raj/raj1.png',
      'Raj [S-2]': 'raj/raj2.png',
      Penny: 'penny/penny1.png',
      Howard: 'howard/howard1.png',
    };
    for (const [folder, photo] of Object.entries(folders)) {
      await mkdir(path.join(dir, folder));
      await symlink(facePhoto(photo), path.join(dir, folder, path.basename(photo)));
    }
    const dataDir = await tempDir('import-namesakes-data');
    const seeded = await createStore({ dataDir });
    try {
      // Two people called Howard already: a folder "Howard" cannot say which.
      await seeded.createPerson({ name: 'Howard', externalId: 'H-1' });
      await seeded.createPerson({ name: 'Howard' });
    } finally {
      await seeded.close();
    }

    for (const round of [1, 2]) {
      const result = await runCli(['import', dir, '--json', '--threads', '2'], { DATA_DIR: dataDir });
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout) as Summary;
      assert.deepEqual(summary.notEnrolled, ['Howard'], `round ${round}`);
      assert.match(
        summary.refused.find((r) => r.person === 'Howard')?.reason ?? '',
        /2 people are called Howard; name the folder "Howard \[external id\]"/,
      );
    }

    const store = await createStore({ dataDir });
    try {
      const raj = await store.findPeopleByName('Raj');
      assert.deepEqual(
        raj.map((p) => p.externalId),
        ['S-1', 'S-2'],
        'two people called Raj, made once each',
      );
      for (const person of raj)
        assert.equal((await store.listPhotos(person.id)).length, 2, 'a photo per import');
      assert.equal((await store.findPeopleByName('Penny')).length, 1, 'Penny imported twice is one person');
      const howards = await store.findPeopleByName('Howard');
      assert.equal(howards.length, 2);
      for (const howard of howards) assert.deepEqual(await store.listPhotos(howard.id), []);
    } finally {
      await store.close();
    }
  });
});
