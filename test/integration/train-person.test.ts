/**
 * The training job's photo checks, on a real SQLite store, with descriptors from the real engine
 * computed once for a few photos of ../shared/faces.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { UnrecoverableError } from 'bullmq';
import { JobName, type JobHandler } from '../../src/queues/index.js';
import { engineEmbedder, GallerySync, handleTrainPerson } from '../../src/services/index.js';
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

  async function enroll(name: string, files: string[]): Promise<ReturnType<typeof train>> {
    const { person } = await store.createPerson({ name });
    const photoIds: string[] = [];
    for (const file of files) {
      const bytes = await readFile(facePhoto(file));
      photoIds.push(
        (await store.addPhoto({ personId: person.id, fileName: file.split('/')[1] ?? file, bytes })).id,
      );
    }
    return train(
      { personId: person.id, photoIds },
      { jobId: 'test', attempt: 1, reportProgress: () => Promise.resolve() },
    );
  }

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
});
