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
  notEnrolled: string[];
}

describe('rollcall import', () => {
  it('enrolls a folder per person, refusing bad photos with a reason that names them', async () => {
    const dir = await tempDir('import');
    const people: Record<string, string[]> = {
      Raj: ['raj/raj1.png', 'raj/raj2.png'],
      Penny: ['penny/penny1.png', 'group/bbt4.jpg'],
      // Raj again under another name: a mix-up that would mark the wrong person present.
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
    assert.equal(summary.accepted, 3, JSON.stringify(summary.refused));
    const reasons = summary.refused.map((r) => `${r.person}: ${r.reason}`).join('\n');
    assert.match(reasons, /Raj: notes\.jpg: not an image/);
    assert.match(reasons, /Penny: bbt4\.jpg: the photo shows \d faces/);
    assert.match(reasons, /Rajesh: .*raj3\.png: this face looks like Raj, who is already enrolled/);
    assert.deepEqual(summary.notEnrolled, ['Rajesh']);

    const store = await createStore({ dataDir });
    try {
      // Of whichever model the import's engine makes: all of one model, and that model's gallery.
      const { items } = await store.listPeople();
      const stored = (await Promise.all(items.map((p) => store.listDescriptors(p.id)))).flat();
      const models = [...new Set(stored.map((d) => d.model))];
      assert.equal(models.length, 1, `one model: ${models.join(', ')}`);
      const gallery = await store.getGallery(models[0] ?? 'face-api');
      const counts = Object.fromEntries(gallery.people.map((p) => [p.name, p.descriptors.length]));
      assert.deepEqual(counts, { Penny: 1, Raj: 2 });
    } finally {
      await store.close();
    }
  });
});
