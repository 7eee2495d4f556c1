/**
 * `rollcall import DIR [--threads N] [--json]`: bulk enrollment from a folder with one folder per
 * person (the folder's name becomes the person's name; `Name [S-1042]` also gives their external
 * id). Importing a folder again adds its photos to the person it made, found by external id, else
 * by name; a name several people share needs the external id, so no photo goes to the wrong one. Each photo goes through the same checks
 * as an upload — one clear face, good enough, not someone already enrolled — on a local engine,
 * and the store (DATA_DIR / MONGODB_URI, as the server uses) receives people, photos and
 * descriptors. Recognition nodes receive the new gallery when their web node next connects.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config.js';
import { JobName, type JobResults } from '../queues/index.js';
import { engineEmbedder, GallerySync, handleTrainPerson, ThresholdService } from '../services/index.js';
import { createStore, type Person, type Store } from '../store/index.js';
import { FaceEnginePool } from '../workers/index.js';
import { folderPerson, listIdentityPhotos } from './enroll-folders.js';
import { ProgressBar } from './progress.js';

export interface ImportSummary {
  people: number;
  photos: number;
  accepted: number;
  /** Each refused photo, with a reason that names the file. */
  refused: { person: string; reason: string }[];
  /** Each photo enrolled although it looks like someone else enrolled: a twin, or a mix-up to check. */
  lookalikes: { person: string; warning: string }[];
  /** People none of whose photos could be used. */
  notEnrolled: string[];
  galleryVersion: number;
}

/**
 * The person a folder's photos go to: found by external id, or by a name one person has, or new;
 * a refusal when several people have the name and the folder gives no external id.
 */
async function folderOwner(store: Store, folder: string): Promise<{ person: Person } | { refusal: string }> {
  const { name, externalId } = folderPerson(folder);
  if (externalId !== null) {
    const holder = await store.getPersonByExternalId(externalId);
    return { person: holder ?? (await store.createPerson({ name, externalId })).person };
  }
  const namesakes = await store.findPeopleByName(name);
  if (namesakes.length > 1) {
    return {
      refusal:
        `${namesakes.length} people are called ${name}; name the folder "${name} [external id]" ` +
        'to say which one',
    };
  }
  return { person: namesakes[0] ?? (await store.createPerson({ name })).person };
}

export async function runImport(
  config: Config,
  args: { dir: string; json: boolean; threads?: number },
): Promise<number> {
  const photos = await listIdentityPhotos(args.dir);
  const byPerson = new Map<string, string[]>();
  for (const photo of photos)
    byPerson.set(photo.identity, [...(byPerson.get(photo.identity) ?? []), photo.file]);

  const store = await createStore({ dataDir: config.dataDir, mongodbUri: config.mongodbUri });
  const pool = await FaceEnginePool.start({
    threads: args.threads ?? config.workerThreads,
    backend: config.tfBackend,
    defaultDetector: config.enrollDetector,
    embedder: config.faceEmbedder,
  });
  const progress = new ProgressBar('import');
  const summary: ImportSummary = {
    people: byPerson.size,
    photos: photos.length,
    accepted: 0,
    refused: [],
    lookalikes: [],
    notEnrolled: [],
    galleryVersion: 0,
  };
  try {
    const thresholds = new ThresholdService({
      store,
      policy: () => ({ strangerRateTarget: config.strangerRateTarget, fixed: config.fixedThresholds }),
    });
    // No node is connected from here: nodes get the change as a snapshot when their web node connects.
    const train = handleTrainPerson({
      store,
      embed: engineEmbedder(pool, config.enrollDetector),
      gallerySync: new GallerySync({ store, clients: [] }),
      // The gallery grows as the import goes on: each person is checked against the thresholds
      // for the gallery as it is then, under the configured target.
      thresholds: (model) => thresholds.thresholdsFor(model),
    });
    let done = 0;
    for (const [name, files] of byPerson) {
      const owner = await folderOwner(store, name);
      if ('refusal' in owner) {
        summary.notEnrolled.push(name);
        summary.refused.push({ person: name, reason: owner.refusal });
        done += files.length;
        progress.update(done, photos.length);
        continue;
      }
      const { person } = owner;
      const photoIds: string[] = [];
      for (const file of files) {
        try {
          const bytes = await readFile(file);
          photoIds.push(
            (await store.addPhoto({ personId: person.id, fileName: path.basename(file), bytes })).id,
          );
        } catch (error) {
          summary.refused.push({
            person: name,
            reason: `${path.basename(file)}: ${(error as Error).message}`,
          });
        }
      }
      let result: JobResults[typeof JobName.TrainPerson] | undefined;
      try {
        result = await train(
          { personId: person.id, photoIds },
          { jobId: `import.${person.id}`, attempt: 1, reportProgress: () => Promise.resolve() },
        );
      } catch (error) {
        summary.notEnrolled.push(name);
        summary.refused.push({ person: name, reason: (error as Error).message });
      }
      if (result) {
        summary.accepted += result.accepted.length;
        summary.galleryVersion = result.galleryVersion;
        for (const refusal of result.refused) summary.refused.push({ person: name, reason: refusal.reason });
        for (const lookalike of result.lookalikes) {
          summary.lookalikes.push({ person: name, warning: lookalike.message });
        }
      }
      done += files.length;
      progress.update(done, photos.length);
    }
  } finally {
    progress.done();
    await pool.close();
    await store.close();
  }

  if (args.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    process.stdout.write(
      `Imported ${summary.people - summary.notEnrolled.length} of ${summary.people} people, ` +
        `${summary.accepted} of ${summary.photos} photos accepted (gallery version ${summary.galleryVersion}).\n`,
    );
    for (const refusal of summary.refused)
      process.stdout.write(`  refused ${refusal.person}: ${refusal.reason}\n`);
    for (const lookalike of summary.lookalikes)
      process.stdout.write(`  warning ${lookalike.person}: ${lookalike.warning}\n`);
    if (summary.accepted > 0) {
      process.stdout.write(
        'Recognition nodes receive the new gallery when the web node (re)connects to them.\n',
      );
    }
  }
  return 0;
}
