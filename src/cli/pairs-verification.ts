/**
 * The LFW verification protocol over analysed photos (`rollcall evaluate --pairs FILE --images DIR`):
 * the distance between the primary faces of each pair, then 5-fold accuracy, TAR at FAR 1e-3 and EER.
 */
import path from 'node:path';
import {
  crossValidatedAccuracy,
  equalErrorRate,
  euclideanDistance,
  lfwPhotoFile,
  primaryFace,
  tarAtFar,
  type FoldResult,
  type LfwPairs,
  type LfwPhotoRef,
  type VerificationPair,
} from '../core/index.js';
import type { PhotoAnalysis } from './enroll-folders.js';

/** The false accept rate of the published TAR figure. */
const FAR_LIMIT = 1e-3;

export interface VerificationReport {
  /** Mean held-out accuracy over the folds, each fold's threshold chosen on the others. */
  verificationAccuracy: number | null;
  /** Same-person pairs accepted at the largest threshold accepting at most 0.1% of different pairs. */
  tarAtFar1e3: number;
  /** Where false accepts equal false rejects. */
  eer: number;
  verification: {
    pairs: number;
    samePairs: number;
    differentPairs: number;
    /** Pairs where either photo had no face (or could not be read): wrong at every threshold. */
    pairsWithoutFace: number;
    /** Photos of the pairs that could not be read (missing, damaged): their pairs have no face. */
    unreadablePhotos: number;
    folds: FoldResult[];
    tarThreshold: number | null;
    eerThreshold: number | null;
  };
}

/** The photo files a pairs file refers to, under `imagesDir` (`Name/Name_0001.jpg`). */
export function pairPhotoFile(imagesDir: string, ref: LfwPhotoRef): string {
  return path.join(imagesDir, ref.name, lfwPhotoFile(ref));
}

export function verifyPairs(
  parsed: LfwPairs,
  imagesDir: string,
  analysisOf: (file: string) => PhotoAnalysis,
): VerificationReport {
  const unreadable = new Set<string>();
  const descriptorOf = (ref: LfwPhotoRef): Float32Array | undefined => {
    const file = pairPhotoFile(imagesDir, ref);
    const analysis = analysisOf(file);
    if (!analysis.ok) unreadable.add(file);
    return analysis.ok ? primaryFace(analysis.faces)?.descriptor : undefined;
  };
  const pairs: VerificationPair[] = parsed.pairs.map((pair) => {
    const a = descriptorOf(pair.a);
    const b = descriptorOf(pair.b);
    return { fold: pair.fold, same: pair.same, distance: a && b ? euclideanDistance(a, b) : null };
  });
  const cv = crossValidatedAccuracy(pairs);
  const tar = tarAtFar(pairs, FAR_LIMIT);
  const eer = equalErrorRate(pairs);
  return {
    verificationAccuracy: cv.accuracy,
    tarAtFar1e3: tar.rate,
    eer: eer.rate,
    verification: {
      pairs: pairs.length,
      samePairs: pairs.filter((p) => p.same).length,
      differentPairs: pairs.filter((p) => !p.same).length,
      pairsWithoutFace: pairs.filter((p) => p.distance === null).length,
      unreadablePhotos: unreadable.size,
      folds: cv.folds,
      tarThreshold: tar.threshold,
      eerThreshold: eer.threshold,
    },
  };
}
