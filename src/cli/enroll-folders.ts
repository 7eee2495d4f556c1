/**
 * Folders of photos, one folder per person: listing them, analysing every photo on the engine,
 * and enrolling the good ones into a gallery with the enrollment quality gates. Shared by
 * `evaluate` and `bench`.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  ENROLLMENT_GATES,
  ErrorCode,
  RollcallError,
  selectEnrollmentFace,
  serializeError,
  type Gallery,
  type QualityGates,
  type SerializedError,
} from '../core/index.js';
import {
  decodeImage,
  readImageFile,
  type DescribedFace,
  type DetectOptions,
  type FaceEngine,
} from '../engine/index.js';
import { contentHash, type AnalysisCache } from './analysis-cache.js';

export interface LabelledPhoto {
  /** The folder the photo is in: who it shows. */
  identity: string;
  file: string;
}

/** `ms` is the time the analysis took, also when it came from the cache (`cached`). */
export type PhotoAnalysis =
  | { ok: true; faces: DescribedFace[]; ms: number; cached?: boolean }
  | { ok: false; error: SerializedError; ms: number };

export interface EnrollmentOutcome {
  refused: { file: string; reason: string }[];
  unreadable: { file: string; error: SerializedError }[];
  /** Who was enrolled, with the descriptors they were enrolled with. */
  people: { personId: string; descriptors: Float32Array[] }[];
}

/** Who a folder stands for: its name, and an external id written after it in brackets. */
export interface FolderPerson {
  name: string;
  externalId: string | null;
}

/**
 * `Mark Smith [S-1042]` is Mark Smith with the external id S-1042; `Mark Smith` has none. The id
 * tells apart two people of one name, and finds the person again when the folder is imported twice.
 */
export function folderPerson(folder: string): FolderPerson {
  const match = /^(.*?\S)\s*\[\s*([^\]]*?)\s*\]$/.exec(folder.trim());
  if (!match?.[1] || !match[2]) return { name: folder.trim(), externalId: null };
  return { name: match[1], externalId: match[2] };
}

/** Notes and manifests that sit beside photos; every other file is tried, and reported if unreadable. */
const SIDECAR_EXTENSIONS = new Set(['.txt', '.md', '.json', '.tsv', '.csv']);

/** One folder per identity, each with its photos; files directly in DIR are ignored. */
export async function listIdentityPhotos(dir: string): Promise<LabelledPhoto[]> {
  const photos: LabelledPhoto[] = [];
  for (const identity of (await readdir(dir)).sort()) {
    const folder = path.join(dir, identity);
    if (!(await stat(folder)).isDirectory()) continue;
    for (const name of (await readdir(folder)).sort()) {
      const file = path.join(folder, name);
      if (name.startsWith('.') || SIDECAR_EXTENSIONS.has(path.extname(name).toLowerCase())) continue;
      if (!(await stat(file)).isFile()) continue;
      photos.push({ identity, file });
    }
  }
  return photos;
}

/** Runs `task` over `items` with at most `limit` in flight, keeping input order in the output. */
async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  });
  await Promise.all(runners);
  return results;
}

/**
 * Decodes and analyses every photo; a photo that cannot be read becomes an error, not a crash. With
 * a `cache`, a photo whose bytes were analysed before by the same pipeline is not analysed again.
 */
export async function analyzePhotos(
  engine: FaceEngine,
  photos: readonly LabelledPhoto[],
  options: DetectOptions,
  onAnalyzed: () => void = () => undefined,
  cache?: AnalysisCache,
): Promise<PhotoAnalysis[]> {
  // Twice the threads keeps every thread busy while the main thread decodes the next photos.
  const inFlight = Math.max(2, engine.info.threads * 2);
  return mapConcurrent(photos, inFlight, async (photo): Promise<PhotoAnalysis> => {
    const started = performance.now();
    try {
      if (!cache) {
        const faces = await engine.analyze(await readImageFile(photo.file), options);
        return { ok: true, faces, ms: performance.now() - started };
      }
      const bytes = await readPhoto(photo.file);
      const hash = contentHash(bytes);
      const hit = cache.get(hash);
      if (hit) return { ok: true, faces: hit.faces, ms: hit.ms, cached: true };
      const faces = await engine.analyze(await decodeImage(bytes, { name: photo.file }), options);
      const ms = performance.now() - started;
      cache.put(hash, { faces, ms });
      return { ok: true, faces, ms };
    } catch (error) {
      return { ok: false, error: serializeError(error), ms: performance.now() - started };
    } finally {
      onAnalyzed();
    }
  });
}

/** The bytes of a photo, with the error `readImageFile` gives when they cannot be read. */
async function readPhoto(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new RollcallError(
      ErrorCode.ImageUnreadable,
      `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { cause: error },
    );
  }
}

/** Enrolls each identity with the descriptors of its photos that pass `gates`. */
export function enrollAnalyses(
  gallery: Gallery,
  photos: readonly LabelledPhoto[],
  analyses: readonly PhotoAnalysis[],
  gates: QualityGates = ENROLLMENT_GATES,
): EnrollmentOutcome {
  const outcome: EnrollmentOutcome = { refused: [], unreadable: [], people: [] };
  const descriptorsOf = new Map<string, Float32Array[]>();
  photos.forEach((photo, i) => {
    const analysis = analyses[i];
    if (!analysis) return;
    if (!analysis.ok) {
      outcome.unreadable.push({ file: photo.file, error: analysis.error });
      return;
    }
    const selection = selectEnrollmentFace(analysis.faces, gates);
    if (!selection.ok) {
      outcome.refused.push({ file: photo.file, reason: selection.message });
      return;
    }
    descriptorsOf.set(photo.identity, [
      ...(descriptorsOf.get(photo.identity) ?? []),
      selection.face.descriptor,
    ]);
  });
  for (const [identity, descriptors] of descriptorsOf) {
    gallery.upsert(identity, descriptors);
    outcome.people.push({ personId: identity, descriptors });
  }
  return outcome;
}

/** Lists, analyses and enrolls a folder of per-person folders. */
export async function enrollFolders(
  engine: FaceEngine,
  gallery: Gallery,
  dir: string,
  detector: DetectOptions['detector'],
): Promise<EnrollmentOutcome> {
  const photos = await listIdentityPhotos(dir);
  const analyses = await analyzePhotos(engine, photos, { detector, padCascade: true });
  return enrollAnalyses(gallery, photos, analyses);
}
