/**
 * `rollcall bench --lookalike LFW_DIR`: does pooling evidence over a track keep a look-alike
 * stranger from being named, while an enrolled person is still named as fast?
 *
 * Everyone in LFW with two or more photos is enrolled from their first two. Strangers are people
 * with several photos taken out of the gallery one at a time. The scenario is about the stranger
 * who comes within the match threshold of one enrolled person on some photos but not on average
 * (a lucky run of frames names them under the per-frame rule); the closest such look-alikes walk
 * past the camera in a clip made with ffmpeg, one photo every half second, between enrolled people
 * who walk past the same way. A stranger within the threshold even on average is a matter for the
 * threshold, not for evidence over frames: those are counted and listed apart. The same frames go
 * through the live pipeline twice: with pooled evidence, and with each frame judged alone (the
 * earlier rule), same consensus.
 */
import path from 'node:path';
import type { Config } from '../../config.js';
import {
  DESCRIPTOR_LENGTHS,
  SAME_PERSON_LIMIT,
  thresholdsForGallery,
  type DescriptorModel,
  ENROLLMENT_GATES,
  euclideanDistance,
  Gallery,
  meanDescriptor,
  primaryFace,
  selectEnrollmentFace,
  TrackEvidence,
  type EvidenceMode,
  type MatchThresholds,
  type NearestPerson,
  type RecognitionEvent,
} from '../core/index.js';
import type { Frame } from '../capture/index.js';
import { RecognitionPipeline } from '../recognition/index.js';
import { stoppedClock } from '../shared/index.js';
import { FaceEnginePool } from '../workers/index.js';
import { analyzePhotos, listIdentityPhotos, type LabelledPhoto } from './enroll-folders.js';
import { ProgressBar } from './progress.js';
import {
  FPS,
  GAP_S,
  makeWalkClip,
  readClip,
  SECONDS_PER_PHOTO,
  timeline,
  type Walk,
} from './walk-past-clip.js';

/** Photos each enrolled person is enrolled from (LFW's open-set protocol: "a few photos each"). */
const ENROLL_PHOTOS = 2;
/** Most photos a person shows while walking past. */
const MAX_WALK_PHOTOS = 8;
/** Fewest photos shown by a walker: below this a walk is too short to say anything. */
const MIN_WALK_PHOTOS = 3;
/** Strangers in the clip. */
const LOOKALIKES = 3;
export interface LookalikeArgs {
  lfwDir: string;
  threads: number | undefined;
  /** @defaultValue the engine pool's default */
  embedder?: DescriptorModel | undefined;
  /**
   * Set the thresholds from the bench gallery's own impostor sample instead of MATCH_THRESHOLD and
   * UNKNOWN_THRESHOLD (which are face-api's): match where a stranger is named with this chance,
   * unknown where a stranger comes that close ten times as often (capped at one in two).
   */
  strangerRate?: number | undefined;
  /** How long each photo stays on screen: how fast a walker's look changes. @defaultValue 0.5 */
  secondsPerPhoto?: number | undefined;
}

export interface LookalikeCandidate {
  stranger: string;
  lookalikeOf: string;
  /** Each photo's distance to `lookalikeOf`, in LFW order. */
  distances: number[];
  meanDistance: number;
  /**
   * Distance from the pooled descriptor of all the photos (what a track that saw them all is judged
   * by) to `lookalikeOf`. Pooling cancels the part of each photo's noise that points in different
   * directions and leaves the stranger's own identity, so this is often less than `meanDistance`:
   * a look-alike whose identity lies within the threshold is named on pooled evidence.
   */
  pooledDistance: number;
}

export interface PersonOutcome {
  person: string;
  role: 'enrolled' | 'stranger';
  photos: number;
  /** When the person comes into the scene and leaves it, in seconds of the clip. */
  inS: number;
  outS: number;
  /** Names given while the person was in the scene (recognized events), with their evidence. */
  names: {
    personId: string;
    trackId: string;
    afterS: number;
    distance: number | null;
    faceWidthPx: number;
  }[];
  /** From coming into the scene to being named as themselves; null when never. */
  secondsToName: number | null;
  unknownFaces: { trackId: string; unconfirmed: boolean; candidate: NearestPerson | null }[];
}

export interface LookalikeReport {
  lfwDir: string;
  descriptorModel: string;
  enrolledPeople: number;
  thresholds: MatchThresholds;
  consensusFrames: number;
  fps: number;
  secondsPerPhoto: number;
  clip: string;
  /** Strangers (people with enough photos, each taken out of the gallery) whose look-alikes were sought. */
  strangersChecked: number;
  /**
   * The closest strangers within the match threshold on some photos but not on average (then, when
   * too few, the closest strangers never within it); the clip shows the first few.
   */
  candidates: LookalikeCandidate[];
  /** How many strangers are within the match threshold of someone even on average, and the closest few. */
  withinOnAverage: number;
  closestWithinOnAverage: LookalikeCandidate[];
  rules: Record<EvidenceMode, PersonOutcome[]>;
}

/**
 * How `stranger` (not enrolled) looks to the gallery: the enrolled person nearest to most of their
 * photos, and each photo's distance to that person. Undefined only for an empty gallery.
 */
export function lookalikeOf(
  gallery: Gallery,
  stranger: string,
  photos: readonly Float32Array[],
  enrolledDescriptors: (personId: string) => readonly Float32Array[],
): LookalikeCandidate | undefined {
  const votes = new Map<string, number>();
  for (const d of photos) {
    const [nearest] = gallery.nearestPeople(d, 1);
    if (nearest) votes.set(nearest.personId, (votes.get(nearest.personId) ?? 0) + 1);
  }
  const [target] = [...votes].sort((a, b) => b[1] - a[1])[0] ?? [];
  if (target === undefined) return undefined;
  const rows = enrolledDescriptors(target);
  const distances = photos.map((d) => Math.min(...rows.map((row) => euclideanDistance(d, row))));
  const meanDistance = distances.reduce((sum, d) => sum + d, 0) / distances.length;
  const evidence = new TrackEvidence();
  for (const d of photos) evidence.add(d, 1);
  const pooled = evidence.descriptor() ?? meanDescriptor(photos);
  const pooledDistance = Math.min(...rows.map((row) => euclideanDistance(pooled, row)));
  return { stranger, lookalikeOf: target, distances, meanDistance, pooledDistance };
}

export async function runLookalikeBench(config: Config, args: LookalikeArgs): Promise<LookalikeReport> {
  const photosOf = groupByPerson(await listIdentityPhotos(path.join(args.lfwDir, 'images')));
  const enrolled = [...photosOf].filter(([, photos]) => photos.length >= ENROLL_PHOTOS);
  const walkers = enrolled.filter(([, photos]) => photos.length >= ENROLL_PHOTOS + MIN_WALK_PHOTOS);

  const pool = await FaceEnginePool.start({
    threads: args.threads ?? config.workerThreads,
    backend: config.tfBackend,
    defaultDetector: 'tiny',
    embedder: args.embedder ?? config.faceEmbedder,
  });
  try {
    // Every photo the scenario may use, analysed once. The tiny detector (the live pipeline's) is
    // used for enrollment too: LFW faces are large and centred, and ssd costs four times as much.
    const wanted = walkers.flatMap(([, photos]) => photos.slice(ENROLL_PHOTOS, MAX_WALK_PHOTOS));
    const enrollment = enrolled.flatMap(([, photos]) => photos.slice(0, ENROLL_PHOTOS));
    const toAnalyse = [...enrollment, ...wanted];
    const progress = new ProgressBar('describing LFW photos');
    let analysed = 0;
    const labelled = toAnalyse.map((file) => ({ identity: path.basename(path.dirname(file)), file }));
    const analyses = await analyzePhotos(pool, labelled, { detector: 'tiny' }, () => {
      progress.update(++analysed, toAnalyse.length);
    });
    progress.done();
    const descriptorOf = new Map<string, Float32Array>();
    toAnalyse.forEach((file, i) => {
      const analysis = analyses[i];
      if (!analysis?.ok) return;
      const face =
        i < enrollment.length
          ? selectEnrollmentFace(analysis.faces, ENROLLMENT_GATES)
          : { ok: true as const, face: primaryFace(analysis.faces) };
      if (face.ok && face.face) descriptorOf.set(file, face.face.descriptor);
    });

    const enrolledDescriptors = (person: string): Float32Array[] =>
      described((photosOf.get(person) ?? []).slice(0, ENROLL_PHOTOS), descriptorOf);
    const gallery = new Gallery({ dimension: DESCRIPTOR_LENGTHS[pool.info.descriptorModel] });
    for (const [person] of enrolled) {
      const descriptors = enrolledDescriptors(person);
      if (descriptors.length > 0) gallery.upsert(person, descriptors);
    }
    // As a live node sets them for this gallery: calibrated for the target (--stranger-rate, else
    // STRANGER_RATE_TARGET), or the configuration's fixed thresholds when set and no rate is given.
    const calibrated = thresholdsForGallery(
      enrolled.map(([personId]) => ({ personId, descriptors: enrolledDescriptors(personId) })),
      pool.info.descriptorModel,
      {
        strangerRateTarget: args.strangerRate ?? config.strangerRateTarget,
        fixed: args.strangerRate === undefined ? config.fixedThresholds : undefined,
      },
    );
    const thresholds = { match: calibrated.match, unknown: calibrated.unknown };

    // Each possible stranger is judged with themselves taken out of the gallery.
    const candidates: LookalikeCandidate[] = [];
    let strangersChecked = 0;
    for (const [person, photos] of walkers) {
      const own = enrolledDescriptors(person);
      const walk = described(photos.slice(0, MAX_WALK_PHOTOS), descriptorOf);
      if (own.length === 0 || walk.length < MIN_WALK_PHOTOS) continue;
      strangersChecked++;
      gallery.remove(person);
      const candidate = lookalikeOf(gallery, person, walk, enrolledDescriptors);
      if (candidate) candidates.push(candidate);
      gallery.upsert(person, own);
    }
    candidates.sort((a, b) => a.meanDistance - b.meanDistance);
    const withinOnAverage = candidates.filter((c) => c.meanDistance < thresholds.match);
    const beyondOnAverage = candidates.filter((c) => c.meanDistance >= thresholds.match);
    const sometimesWithin = (c: LookalikeCandidate): boolean => c.distances.some((d) => d < thresholds.match);
    // The look-alikes with a lucky photo first; when there are too few, the closest of the rest.
    const straddling = [
      ...beyondOnAverage.filter(sometimesWithin),
      ...beyondOnAverage.filter((c) => !sometimesWithin(c)),
    ];
    const strangers = straddling.slice(0, LOOKALIKES);
    if (strangers.length === 0) {
      throw new Error(
        `${args.lfwDir} has nobody with ${MIN_WALK_PHOTOS} or more photos to walk past as a stranger`,
      );
    }
    for (const { stranger } of strangers) gallery.remove(stranger);

    const walks = chooseWalks(strangers, walkers, photosOf, descriptorOf, gallery);
    const secondsPerPhoto = args.secondsPerPhoto ?? SECONDS_PER_PHOTO;
    const clip = await makeWalkClip(walks, secondsPerPhoto);
    const frames = await readClip(clip);

    const rules = {} as Record<EvidenceMode, PersonOutcome[]>;
    for (const rule of ['pooled', 'per-frame'] as const) {
      const events = await playThrough(pool, gallery, frames, thresholds, config.consensusFrames, rule);
      rules[rule] = outcomes(timeline(walks, secondsPerPhoto), walks, events);
    }
    return {
      lfwDir: args.lfwDir,
      descriptorModel: pool.info.descriptorModel,
      enrolledPeople: gallery.personCount,
      thresholds,
      consensusFrames: config.consensusFrames,
      fps: FPS,
      secondsPerPhoto,
      clip,
      strangersChecked,
      candidates: straddling.slice(0, 10),
      withinOnAverage: withinOnAverage.length,
      closestWithinOnAverage: withinOnAverage.slice(0, 3),
      rules,
    };
  } finally {
    await pool.close();
  }
}

function groupByPerson(photos: readonly LabelledPhoto[]): Map<string, string[]> {
  const photosOf = new Map<string, string[]>();
  for (const { identity, file } of photos) photosOf.set(identity, [...(photosOf.get(identity) ?? []), file]);
  return photosOf;
}

function described(
  photos: readonly string[],
  descriptorOf: ReadonlyMap<string, Float32Array>,
): Float32Array[] {
  return photos.flatMap((photo) => {
    const d = descriptorOf.get(photo);
    return d ? [d] : [];
  });
}

/**
 * Each stranger walks past after the enrolled person most like them (their look-alike when that
 * person has photos to walk with, otherwise the enrolled walker nearest to the stranger's mean).
 */
function chooseWalks(
  strangers: readonly LookalikeCandidate[],
  walkers: readonly [string, string[]][],
  photosOf: ReadonlyMap<string, string[]>,
  descriptorOf: ReadonlyMap<string, Float32Array>,
  gallery: Gallery,
): Walk[] {
  const walks: Walk[] = [];
  const shown = (photos: readonly string[]): string[] => photos.filter((p) => descriptorOf.has(p));
  for (const { stranger, lookalikeOf } of strangers) {
    const strangerPhotos = shown((photosOf.get(stranger) ?? []).slice(0, MAX_WALK_PHOTOS));
    const strangerMean = meanDescriptor(described(strangerPhotos, descriptorOf));
    const enrolledWalkers = walkers
      .filter(([person, photos]) => gallery.has(person) && shown(photos.slice(ENROLL_PHOTOS)).length > 0)
      .map(([person, photos]) => ({
        person,
        photos: shown(photos.slice(ENROLL_PHOTOS, MAX_WALK_PHOTOS)),
        distance:
          person === lookalikeOf
            ? -1
            : euclideanDistance(strangerMean, meanDescriptor(described(photos, descriptorOf))),
      }))
      .filter((w) => w.photos.length >= MIN_WALK_PHOTOS && !walks.some((x) => x.person === w.person))
      .sort((a, b) => a.distance - b.distance);
    const [walker] = enrolledWalkers;
    if (walker) walks.push({ person: walker.person, role: 'enrolled', photos: walker.photos });
    walks.push({ person: stranger, role: 'stranger', photos: strangerPhotos });
  }
  return walks;
}

/** Runs every frame through a pipeline with `rule`, stamped with clip time from 0. */
async function playThrough(
  pool: FaceEnginePool,
  gallery: Gallery,
  frames: readonly Frame[],
  thresholds: MatchThresholds,
  consensusFrames: number,
  rule: EvidenceMode,
): Promise<RecognitionEvent[]> {
  const pipeline = new RecognitionPipeline(
    { engine: pool, gallery, clock: stoppedClock(0) },
    {
      nodeId: 'bench',
      cameraId: 'lookalike',
      thresholds,
      // As a node tracks (a new face in a track's place starts over), with the rule compared.
      tracker: {
        consensusFrames,
        otherFaceDistance: SAME_PERSON_LIMIT[pool.info.descriptorModel],
        evidence: rule,
        sightingIntervalMs: 3_600_000,
      },
    },
  );
  const events: RecognitionEvent[] = [];
  pipeline.on('event', (event) => events.push(event));
  const progress = new ProgressBar(`pipeline, ${rule}`);
  for (const [seq, frame] of frames.entries()) {
    const capturedAt = Math.round((seq * 1000) / FPS);
    await pipeline.process({
      ...frame,
      seq,
      capturedAt,
      image: { ...frame.image, data: frame.image.data.slice() },
    });
    progress.update(seq + 1, frames.length);
  }
  await pipeline.drained();
  await pipeline.close();
  progress.done();
  return events;
}

function outcomes(
  times: readonly { inS: number; outS: number }[],
  walks: readonly Walk[],
  events: readonly RecognitionEvent[],
): PersonOutcome[] {
  return walks.map((walk, i) => {
    const { inS, outS } = times[i] ?? { inS: 0, outS: 0 };
    // A track is reported until it has been unseen for a moment, so the gap belongs to who left.
    const during = events.filter((e) => {
      const s = Date.parse(e.at) / 1000;
      return s >= inS && s < outS + GAP_S;
    });
    const named = during.filter((e) => e.type === 'recognized');
    const own = named.find((e) => e.personId === walk.person);
    return {
      person: walk.person,
      role: walk.role,
      photos: walk.photos.length,
      inS,
      outS,
      names: named.map((e) => ({
        personId: e.personId ?? '',
        trackId: e.trackId,
        afterS: Date.parse(e.at) / 1000 - inS,
        distance: e.distance,
        faceWidthPx: Math.round(e.box.width),
      })),
      secondsToName: own ? Date.parse(own.at) / 1000 - inS : null,
      unknownFaces: during
        .filter((e) => e.type === 'unknown')
        .map((e) => ({
          trackId: e.trackId,
          unconfirmed: e.unconfirmed ?? false,
          candidate: e.candidate ?? null,
        })),
    };
  });
}

function describeCandidate(c: LookalikeCandidate): string {
  return `  ${c.stranger} -> ${c.lookalikeOf}: ${c.distances.map((d) => d.toFixed(2)).join(' ')} (mean ${c.meanDistance.toFixed(3)}, pooled ${c.pooledDistance.toFixed(3)})`;
}

function describeName(name: PersonOutcome['names'][number]): string {
  return `${name.trackId} ${name.personId} at ${name.afterS.toFixed(1)} s, ${name.distance?.toFixed(2) ?? '-'}, ${name.faceWidthPx} px`;
}

export function formatLookalike(report: LookalikeReport): string {
  const lines = [
    `${report.enrolledPeople} people enrolled from ${report.lfwDir} (${report.descriptorModel}), thresholds match < ${report.thresholds.match}, unknown >= ${report.thresholds.unknown}, consensus ${report.consensusFrames} frames`,
    `clip ${report.clip}: ${report.fps} fps, one photo every ${report.secondsPerPhoto} s`,
    `${report.strangersChecked} strangers checked; ${report.withinOnAverage} are within the match threshold of someone even on average, closest:`,
    ...report.closestWithinOnAverage.map(describeCandidate),
    'closest look-alikes within the threshold on some photos only, then the closest others (stranger -> enrolled person: distance of each photo):',
    ...report.candidates.map(describeCandidate),
  ];
  for (const rule of ['pooled', 'per-frame'] as const) {
    lines.push(`${rule}:`);
    for (const p of report.rules[rule]) {
      const verdict =
        p.role === 'enrolled'
          ? p.secondsToName === null
            ? 'NOT named'
            : `named after ${p.secondsToName.toFixed(1)} s`
          : p.names.length === 0
            ? 'not named'
            : 'NAMED';
      const unknown = p.unknownFaces
        .map((u) =>
          u.unconfirmed && u.candidate
            ? `${u.trackId} unconfirmed (looks like ${u.candidate.personId}, ${u.candidate.distance.toFixed(2)})`
            : `${u.trackId} unknown`,
        )
        .join(', ');
      lines.push(
        `  ${p.role.padEnd(8)} ${p.person.padEnd(28)} ${verdict.padEnd(18)} names [${p.names.map(describeName).join(', ')}]${unknown ? `; ${unknown}` : ''}`,
      );
    }
  }
  return lines.join('\n');
}
