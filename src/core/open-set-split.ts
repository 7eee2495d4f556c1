/**
 * The open-set identification protocol built from one folder-per-person tree (the LFW "open-set at
 * scale" use): people with several photos are enrolled and probed, one-photo people are strangers.
 */
import { ErrorCode, RollcallError } from './errors.js';
import { mulberry32 } from './random.js';

export interface PersonPhotos<T> {
  identity: string;
  photos: readonly T[];
}

export interface OpenSetOptions {
  /** One-photo people to probe as strangers (all of them when there are fewer). @defaultValue 500 */
  strangers?: number;
  /** Seed of every random choice, so a split can be made again exactly. @defaultValue 1 */
  seed?: number;
}

export interface OpenSetSplit<T> {
  enroll: { identity: string; photo: T }[];
  probe: { identity: string; photo: T; enrolled: boolean }[];
  enrolledPeople: number;
  strangers: number;
}

/** Probes per enrolled person: enough to measure, few enough that prolific people do not dominate. */
export const PROBES_PER_PERSON = 2;
/** Enrollment photos per person, at most: what an attendance system asks of a new person. */
export const MAX_ENROLL_PHOTOS = 3;

/**
 * How many of a person's `n` photos are enrolled: min(3, ⌈n/2⌉), and 1 when n = 2 so one is left to
 * probe. Zero for one-photo people, who can only be strangers.
 */
export function enrollCount(n: number): number {
  if (n < 2) return 0;
  return Math.min(MAX_ENROLL_PHOTOS, Math.ceil(n / 2), n - 1);
}

/** Fisher–Yates over a copy, driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = out[i] as T;
    out[i] = out[j] as T;
    out[j] = swap;
  }
  return out;
}

/**
 * Splits `people` for open-set identification. Each person with 2+ photos is enrolled with
 * {@link enrollCount} of them, chosen at random, and probed with up to {@link PROBES_PER_PERSON} of the
 * others; `strangers` one-photo people, chosen at random, are probed as strangers. The same people and
 * seed give the same split, whatever order `people` come in.
 *
 * @throws RollcallError `USAGE_INVALID` for a negative or fractional `strangers`.
 */
export function openSetSplit<T>(
  people: readonly PersonPhotos<T>[],
  options: OpenSetOptions = {},
): OpenSetSplit<T> {
  const strangerCount = options.strangers ?? 500;
  if (!Number.isInteger(strangerCount) || strangerCount < 0) {
    throw new RollcallError(
      ErrorCode.UsageInvalid,
      `strangers must be a whole number >= 0, got ${strangerCount}`,
    );
  }
  const random = mulberry32(options.seed ?? 1);
  const sorted = people
    .slice()
    .sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
  const split: OpenSetSplit<T> = { enroll: [], probe: [], enrolledPeople: 0, strangers: 0 };
  const loners: PersonPhotos<T>[] = [];
  for (const person of sorted) {
    if (person.photos.length === 0) continue;
    if (person.photos.length === 1) {
      loners.push(person);
      continue;
    }
    const photos = shuffled(person.photos, random);
    const cut = enrollCount(photos.length);
    for (const photo of photos.slice(0, cut)) split.enroll.push({ identity: person.identity, photo });
    for (const photo of photos.slice(cut, cut + PROBES_PER_PERSON)) {
      split.probe.push({ identity: person.identity, photo, enrolled: true });
    }
    split.enrolledPeople++;
  }
  for (const person of shuffled(loners, random).slice(0, strangerCount)) {
    split.probe.push({ identity: person.identity, photo: person.photos[0] as T, enrolled: false });
    split.strangers++;
  }
  return split;
}
