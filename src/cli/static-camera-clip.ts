/**
 * The static-camera clip of `rollcall bench --static-clip FACES_DIR`: a fixed camera looking at a
 * still scene, where people come in one after another, stand for a while and leave, as at a door.
 * Most frames show nobody or somebody standing still, which is what motion gating is for. Made
 * with the real ffmpeg in the system temp dir (never in the repository) from `../shared/faces`:
 * the scene is `none/background.jpg`, each person one photo of a cast folder; the other photos of
 * the cast folders are the gallery, so no photo in the clip is enrolled.
 */
import { mkdir, mkdtemp, readdir, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from '../capture/index.js';
import { readClipFrames, renderClip } from './clip-frames.js';

export const STATIC_CLIP_FPS = 10;
export const STATIC_CLIP_WIDTH = 640;
export const STATIC_CLIP_HEIGHT = 360;
/** The cast photos are 150 px tight crops: shown as they are, a face about a quarter of the frame high. */
const PHOTO_PX = 150;
/** Walking in or out takes this long; in between the person stands still. */
const WALK_S = 1;
const STAND_S = 2.5;
/** Empty scene before the first person and after each one. */
const GAP_S = 0.5;
/** Who comes in, in order: three of the eight cast folders. */
const PEOPLE = ['penny', 'leonard', 'howard'] as const;
/**
 * Photos enrolled per person: two is a small but fair gallery, and keeps the bench's set-up (each
 * enrollment photo goes through the pad cascade) from outlasting the measurement.
 */
const ENROLL_PHOTOS = 2;
/** Enrolled: every cast folder (the gallery a node would hold), minus the photos in the clip. */
const CAST = ['amy', 'bernadette', 'howard', 'leonard', 'penny', 'raj', 'sheldon', 'stuart'] as const;

export interface Visit {
  person: string;
  /** When they come into view and when they are gone, in seconds of the clip. */
  inS: number;
  outS: number;
  /** When they stop walking: from here to `outS - WALK_S` they stand still. */
  standingFromS: number;
}

/** Who is in view when: one visit per person, in {@link PEOPLE} order. */
export function staticClipTimeline(): { visits: Visit[]; durationS: number } {
  let at = GAP_S;
  const visits = PEOPLE.map((person) => {
    const visit = { person, inS: at, standingFromS: at + WALK_S, outS: at + 2 * WALK_S + STAND_S };
    at = visit.outS + GAP_S;
    return visit;
  });
  return { visits, durationS: at };
}

export interface StaticClip {
  clip: string;
  /** A folder per cast member with the photos that are not in the clip, for `enrollFolders`. */
  enrollDir: string;
  visits: Visit[];
  durationS: number;
}

/**
 * Builds the clip and its gallery folder in a new folder under the system temp dir. Each person
 * walks in from one side (alternating), stands a little off centre, and walks back out.
 */
export async function makeStaticCameraClip(facesFolder: string): Promise<StaticClip> {
  const facesDir = path.resolve(facesFolder);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rollcall-static-clip-'));
  const clip = path.join(dir, 'static-camera.mp4');
  const { visits, durationS } = staticClipTimeline();
  const inClip = new Map(visits.map((v) => [v.person, path.join(facesDir, v.person, `${v.person}1.png`)]));

  const enrollDir = path.join(dir, 'enroll');
  for (const person of CAST) {
    const folder = path.join(facesDir, person);
    const photos = (await readdir(folder))
      .map((f) => path.join(folder, f))
      .filter((f) => f !== inClip.get(person))
      .sort()
      .slice(0, ENROLL_PHOTOS);
    await mkdir(path.join(enrollDir, person), { recursive: true });
    for (const photo of photos) await symlink(photo, path.join(enrollDir, person, path.basename(photo)));
  }

  const inputs = ['-loop', '1', '-framerate', String(STATIC_CLIP_FPS), '-t', String(durationS)];
  inputs.push('-i', path.join(facesDir, 'none', 'background.jpg'));
  const graph = [
    `[0:v]scale=${STATIC_CLIP_WIDTH}:${STATIC_CLIP_HEIGHT},setsar=1,fps=${STATIC_CLIP_FPS}[scene0]`,
  ];
  visits.forEach((visit, i) => {
    inputs.push('-loop', '1', '-framerate', String(STATIC_CLIP_FPS), '-t', String(durationS));
    inputs.push('-i', inClip.get(visit.person) as string);
    graph.push(`[${i + 1}:v]scale=${PHOTO_PX}:${PHOTO_PX},format=rgb24[p${i}]`);
    const fromLeft = i % 2 === 0;
    // Standing spot: a third of the way across from the side they came in by.
    const spot = fromLeft ? STATIC_CLIP_WIDTH / 3 - PHOTO_PX / 2 : (2 * STATIC_CLIP_WIDTH) / 3 - PHOTO_PX / 2;
    const outside = fromLeft ? -PHOTO_PX : STATIC_CLIP_WIDTH;
    const leaveAt = visit.outS - WALK_S;
    const x =
      `if(lt(t,${visit.standingFromS}),${outside}+(${spot - outside})*(t-${visit.inS})/${WALK_S},` +
      `if(gt(t,${leaveAt}),${spot}+(${outside - spot})*(t-${leaveAt})/${WALK_S},${spot}))`;
    const y = Math.round(STATIC_CLIP_HEIGHT / 2 - PHOTO_PX / 2 - 30);
    graph.push(
      `[scene${i}][p${i}]overlay=x='${x}':y=${y}:eval=frame:enable='between(t,${visit.inS},${visit.outS})'[scene${i + 1}]`,
    );
  });
  graph.push(`[scene${visits.length}]format=yuv420p[out]`);
  await renderClip(clip, { inputs, graph, fps: STATIC_CLIP_FPS, durationS });
  return { clip, enrollDir, visits, durationS };
}

/** Every frame of the clip, as the camera source decodes it. */
export function readStaticClip(clip: string): Promise<Frame[]> {
  return readClipFrames(clip, {
    cameraId: 'static-clip',
    fps: STATIC_CLIP_FPS,
    width: STATIC_CLIP_WIDTH,
    height: STATIC_CLIP_HEIGHT,
  });
}
