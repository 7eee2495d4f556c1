/**
 * Which photos `rollcall evaluate` enrolls and which it probes: two folder trees (`--enroll`,
 * `--probe`), or the open-set split of one tree (`--open-set`).
 */
import { openSetSplit, type OpenSetOptions } from '../core/index.js';
import { listIdentityPhotos, type LabelledPhoto } from './enroll-folders.js';

export interface ProbePhoto extends LabelledPhoto {
  /** Whether the identity is in the enrollment set; otherwise the probe must come out unknown. */
  enrolled: boolean;
}

export interface IdentificationProtocol {
  /** `folders` for `--enroll/--probe`, `open-set` for `--open-set`. */
  kind: 'folders' | 'open-set';
  enroll: LabelledPhoto[];
  probes: ProbePhoto[];
  /** The open-set seed and stranger count, when the split was made here. */
  split?: Required<OpenSetOptions>;
}

/** Every photo of `enrollDir` enrolled; every photo of `probeDir` probed. */
export async function foldersProtocol(enrollDir: string, probeDir: string): Promise<IdentificationProtocol> {
  const enroll = await listIdentityPhotos(enrollDir);
  const enrolled = new Set(enroll.map((p) => p.identity));
  const probes = (await listIdentityPhotos(probeDir)).map((p) => ({
    ...p,
    enrolled: enrolled.has(p.identity),
  }));
  return { kind: 'folders', enroll, probes };
}

/** The open-set split of one folder-per-person tree (see `openSetSplit`). */
export async function openSetProtocol(
  dir: string,
  options: Required<OpenSetOptions>,
): Promise<IdentificationProtocol> {
  const byIdentity = new Map<string, string[]>();
  for (const photo of await listIdentityPhotos(dir)) {
    const files = byIdentity.get(photo.identity) ?? [];
    files.push(photo.file);
    byIdentity.set(photo.identity, files);
  }
  const split = openSetSplit(
    [...byIdentity].map(([identity, photos]) => ({ identity, photos })),
    options,
  );
  return {
    kind: 'open-set',
    enroll: split.enroll.map(({ identity, photo }) => ({ identity, file: photo })),
    probes: split.probe.map(({ identity, photo, enrolled }) => ({ identity, file: photo, enrolled })),
    split: options,
  };
}
