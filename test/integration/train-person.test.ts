/**
 * The training job's photo checks, on a real SQLite store, with descriptors from the real engine
 * computed once for a few photos of ../shared/faces.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { UnrecoverableError } from 'bullmq';
import { JobName, type JobHandler, type JobResults } from '../../src/queues/index.js';
import { engineEmbedder, GallerySync, handleTrainPerson } from '../../src/services/index.js';
import type { TrainingProgress } from '../../src/services/views.js';
import { createStore, type Store } from '../../src/store/index.js';
import { FaceEnginePool } from '../../src/workers/index.js';
import { facePhoto } from '../support/faces.js';
import { tempDir } from '../support/temp.js';

describe('the training job', () => {
  let store: Store;
  let pool: FaceEnginePool;
  let train: JobHandler<typeof JobName.TrainPerson>;

  before(async () => {
    store = await createStore({ dataDir: await tempDir('train') });
    pool = await FaceEnginePool.start({ threads: 2 });
    const embed = engineEmbedder(pool, 'ssd');
    train = handleTrainPerson({
      store,
      embed,
      gallerySync: new GallerySync({ store, clients: [] }),
      thresholds: { match: 0.55, unknown: 0.6 },
    });
  });

  after(async () => {
    await pool.close();
    await store.close();
  });

  async function enroll(
    name: string,
    files: string[],
    reportProgress: (progress: number, detail?: Record<string, unknown>) => Promise<void> = () =>
      Promise.resolve(),
  ): Promise<ReturnType<typeof train>> {
    const { person } = await store.createPerson({ name });
    const photoIds: string[] = [];
    for (const file of files) {
      const bytes = await readFile(facePhoto(file));
      photoIds.push(
        (await store.addPhoto({ personId: person.id, fileName: file.split('/')[1] ?? file, bytes })).id,
      );
    }
    return train({ personId: person.id, photoIds }, { jobId: 'test', attempt: 1, reportProgress });
  }

  it('reports progress as each photo is read, then what became of each photo; keeps the face box', async () => {
    const reports: { progress: number; detail: Partial<TrainingProgress> | undefined }[] = [];
    const result = await enroll(
      'Penny',
      ['penny/penny1.png', 'penny/penny2.png', 'none/fruits.jpg'],
      (progress, detail) => {
        reports.push({ progress, detail: detail });
        return Promise.resolve();
      },
    );
    assert.deepEqual(
      reports.map((r) => [r.progress, r.detail?.done, r.detail?.total]),
      [
        [32, 1, 3],
        [63, 2, 3],
        [95, 3, 3],
        [100, 3, 3],
      ],
      'one report per photo read, then the verdicts',
    );
    assert.ok(reports.slice(0, 3).every((r) => typeof r.detail?.photo === 'string'));
    assert.deepEqual(
      reports.at(-1)?.detail?.outcomes?.map((o) => [o.fileName, o.accepted, o.reasons]),
      [
        ['penny1.png', true, []],
        ['penny2.png', true, []],
        ['fruits.jpg', false, ['no human face was found in the photo']],
      ],
    );
    assert.deepEqual(
      result.refused.map((r) => [r.fileName, r.reasons, r.reason]),
      [
        [
          'fruits.jpg',
          ['no human face was found in the photo'],
          'fruits.jpg: no human face was found in the photo',
        ],
      ],
    );
    const photos = await store.listPhotos(result.personId);
    const accepted = photos.find((p) => p.fileName === 'penny1.png');
    const box = (accepted?.quality as { box?: { width: number } } | null)?.box;
    assert.ok(box && box.width > 48, `the face box is kept: ${JSON.stringify(box)}`);
    assert.deepEqual(photos.find((p) => p.fileName === 'fruits.jpg')?.quality, {
      accepted: false,
      reason: 'no human face was found in the photo',
      reasons: ['no human face was found in the photo'],
    });
  });

  it('says what became of each photo before failing when none could be used', async () => {
    let last: Partial<TrainingProgress> | undefined;
    await assert.rejects(
      enroll('Nobody', ['none/fruits.jpg', 'none/white.png'], (_progress, detail) => {
        last = detail;
        return Promise.resolve();
      }),
      /no photo of Nobody could be used: fruits\.jpg: no human face was found in the photo \| white\.png: /,
    );
    assert.deepEqual(
      last?.outcomes?.map((o) => [o.fileName, o.accepted]),
      [
        ['fruits.jpg', false],
        ['white.png', false],
      ],
    );
  });

  it("refuses a photo that does not look like the person's other photos", async () => {
    const result = await enroll('Leonard', [
      'leonard/leonard1.png',
      'leonard/leonard2.png',
      'howard/howard1.png',
    ]);
    assert.equal(result.accepted.length, 2);
    assert.deepEqual(
      result.refused.map((r) => r.reason),
      ["howard1.png: this face does not look like the person's other photos"],
    );
  });

  it('fails at once when two photos disagree and nothing else is known of the person', async () => {
    await assert.rejects(enroll('Mixed', ['amy/amy1.png', 'stuart/stuart1.png']), (error: unknown) => {
      assert.ok(error instanceof UnrecoverableError);
      assert.match(error.message, /no photo of Mixed could be used: amy1\.png: this face does not look like/);
      return true;
    });
  });

  it('stores descriptors under the model that computed them, and checks duplicates within that model only', async () => {
    const frStore = await createStore({ dataDir: await tempDir('train-models') });
    const frPool = await FaceEnginePool.start({ threads: 1, embedder: 'fr-feature' });
    try {
      const handler = (engine: FaceEnginePool): JobHandler<typeof JobName.TrainPerson> =>
        handleTrainPerson({
          store: frStore,
          embed: engineEmbedder(engine, 'ssd'),
          gallerySync: new GallerySync({ store: frStore, clients: [] }),
          thresholds: { match: 0.55, unknown: 0.6 },
        });
      const enrollWith = async (
        engine: FaceEnginePool,
        name: string,
        file: string,
      ): Promise<JobResults[typeof JobName.TrainPerson]> => {
        const { person } = await frStore.createPerson({ name });
        const bytes = await readFile(facePhoto(file));
        const photo = await frStore.addPhoto({
          personId: person.id,
          fileName: file.split('/')[1] ?? file,
          bytes,
        });
        return handler(engine)(
          { personId: person.id, photoIds: [photo.id] },
          { jobId: 'test', attempt: 1, reportProgress: () => Promise.resolve() },
        );
      };

      // A face-api person in the store must not upset a fr-feature training (128 vs 512 values).
      const leonard = await enrollWith(pool, 'Leonard', 'leonard/leonard1.png');
      assert.equal(leonard.model, 'face-api');
      const amy = await enrollWith(frPool, 'Amy', 'amy/amy1.png');
      assert.equal(amy.model, 'fr-feature');
      const stored = await frStore.listDescriptors(amy.personId);
      assert.deepEqual(
        stored.map((d) => [d.model, d.descriptor.length]),
        [['fr-feature', 512]],
      );
      assert.equal((await frStore.getGallery('face-api')).people.length, 1);

      // The same face again under another name: enrolled, with a warning naming Amy (a twin could
      // not be enrolled at all if it were refused), compared in fr-feature space.
      const twin = await enrollWith(frPool, 'Twin', 'amy/amy1.png');
      assert.equal(twin.accepted.length, 1);
      assert.equal(twin.lookalikes.length, 1);
      const [warning] = twin.lookalikes;
      assert.ok(warning);
      assert.equal(warning.name, 'Amy');
      assert.ok(warning.distance < 0.55);
      assert.match(warning.message, /^amy1\.png: looks like Amy, who is already enrolled/);
      const [photo] = await frStore.listPhotos(twin.personId);
      assert.deepEqual((photo?.quality as { lookalike?: unknown } | null)?.lookalike, {
        name: 'Amy',
        distance: warning.distance,
      });
    } finally {
      await frPool.close();
      await frStore.close();
    }
  });
});
