/**
 * The gallery a recognition node was last sent, kept on disk so the node keeps recognising while no
 * web node is connected, and after its own restart.
 *
 * The whole cache lives in memory (the node's gallery holds the same floats anyway) and every change
 * rewrites the file atomically: build it in a temp file, fsync, rename over, fsync the directory. A
 * crash leaves either the old file or the new one, never a mix; a leftover temp file is ignored and
 * overwritten by the next save. Changes that arrive while a write is in flight are coalesced into one
 * next write, so a burst of updates costs two writes, not one per update. Rewriting everything is
 * cheap enough here: ~150 ms for 100k descriptors (51 MB), measured on this project's 2-core machines.
 *
 * One process (the node that owns `DATA_DIR`) writes a cache directory.
 *
 * A cache holds one descriptor model's gallery: the node's engine's. A file of another model (the
 * node's engine was switched) is never loaded: its descriptors would not compare with the faces the
 * engine describes. It is left on disk until the first snapshot of the right model replaces it.
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  DESCRIPTOR_MODELS,
  ErrorCode,
  isDescriptorModel,
  RollcallError,
  type DescriptorModel,
  type Gallery,
} from '../../core/index.js';
import {
  assertPerson,
  assertSnapshot,
  assertVersion,
  decodeGallerySnapshot,
  encodeGallerySnapshot,
  type CachedPerson,
  type GallerySnapshot,
} from './gallery-format.js';
import { OptionChecks } from '../../shared/index.js';

export interface GalleryCacheOptions {
  /** The directory of the cache, normally `DATA_DIR/gallery-cache`. Created on the first write. */
  dir: string;
  /** The descriptor model of the node's engine: the only model this cache loads and stores. */
  model: DescriptorModel;
  /**
   * The cache file's name inside `dir`.
   * @defaultValue 'gallery.bin'
   */
  fileName?: string;
}

interface State {
  version: number;
  /** In the order people were first sent, which is the order they are written. */
  people: Map<string, Float32Array[]>;
}

export class GalleryCache {
  readonly dir: string;
  readonly file: string;
  readonly model: DescriptorModel;
  readonly #tempFile: string;
  #state: State | undefined;
  /** Serialises file access: writes, and loads (which must not read a file being replaced). */
  #queue: Promise<void> = Promise.resolve();
  /** A write queued but not started; changes made now will be in it. */
  #pendingWrite: Promise<void> | undefined;

  /** @throws RollcallError `USAGE_INVALID` naming every bad option. */
  constructor(options: GalleryCacheOptions) {
    const fileName = options.fileName ?? 'gallery.bin';
    new OptionChecks('GalleryCache')
      .require(
        typeof options.dir === 'string' && options.dir.length > 0,
        'dir',
        'must be a non-empty path',
        options.dir,
      )
      .require(
        typeof fileName === 'string' && fileName.length > 0 && fileName === path.basename(fileName),
        'fileName',
        'must be a plain file name',
        fileName,
      )
      .require(
        isDescriptorModel(options.model),
        'model',
        `must be one of ${DESCRIPTOR_MODELS.join(', ')}`,
        options.model,
      )
      .throwIfAny();
    this.model = options.model;
    this.dir = path.resolve(options.dir);
    this.file = path.join(this.dir, fileName);
    this.#tempFile = `${this.file}.tmp`;
  }

  /** Version of the cached gallery; undefined before a successful load or save. */
  get version(): number | undefined {
    return this.#state?.version;
  }

  get personCount(): number {
    return this.#state?.people.size ?? 0;
  }

  get descriptorCount(): number {
    let count = 0;
    for (const descriptors of this.#state?.people.values() ?? []) count += descriptors.length;
    return count;
  }

  /**
   * Reads the cache file and makes it the cache's state. Resolves undefined when there is no file
   * (nothing cached yet). The returned descriptors are shared with the cache: read-only.
   *
   * @throws RollcallError `GALLERY_CACHE_CORRUPT` naming the file when it is damaged or not a cache
   *   (the caller may start with an empty gallery and wait for a full snapshot);
   *   `DESCRIPTOR_MODEL_MISMATCH` when it holds another model's gallery (the cache stays empty: the
   *   caller starts with an empty gallery and the web node sends one of the right model);
   *   `GALLERY_CACHE_FAILED` when it cannot be read.
   */
  load(): Promise<GallerySnapshot | undefined> {
    return this.#exclusive(async () => {
      // Never authoritative: the rename is the commit point, so a temp file is an unfinished write.
      await unlink(this.#tempFile).catch(() => undefined);
      let data: Buffer;
      try {
        data = await readFile(this.file);
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') {
          this.#state = undefined;
          return undefined;
        }
        throw failed(`cannot read the gallery cache ${this.file}`, error);
      }
      const snapshot = decodeGallerySnapshot(data, this.file);
      if (snapshot.model !== this.model) {
        this.#state = undefined;
        throw new RollcallError(
          ErrorCode.DescriptorModelMismatch,
          `gallery cache ${this.file} holds ${snapshot.model} descriptors, but this node's engine makes ` +
            `${this.model} ones; it is ignored until a web node sends a ${this.model} gallery`,
        );
      }
      this.#state = {
        version: snapshot.version,
        people: new Map(snapshot.people.map((person) => [person.personId, person.descriptors])),
      };
      return snapshot;
    });
  }

  /**
   * Replaces the cache with a full snapshot, whatever its version (a full snapshot is authoritative,
   * even after the web side's versions were reset). Resolves once the file is durable. The
   * descriptors are copied.
   *
   * @throws RollcallError `USAGE_INVALID` / `DESCRIPTOR_INVALID` for a bad snapshot (nothing changes);
   *   `DESCRIPTOR_MODEL_MISMATCH` for a snapshot of another model than the cache's (nothing changes);
   *   `GALLERY_CACHE_FAILED` when the file cannot be written (the in-memory cache holds the snapshot
   *   and the next successful write stores it).
   */
  async save(snapshot: GallerySnapshot): Promise<void> {
    assertSnapshot(snapshot);
    this.#assertModel(snapshot.model);
    const state: State = {
      version: snapshot.version,
      people: new Map(snapshot.people.map((person) => [person.personId, copyAll(person.descriptors)])),
    };
    await this.#exclusive(() => {
      this.#state = state;
    });
    await this.#persist();
  }

  /**
   * Enrols or replaces one person, as of gallery `version`. A delta no newer than the cached version
   * is a duplicate or arrived late, and is ignored: resolves false. Resolves true once stored.
   *
   * @throws RollcallError `USAGE_INVALID` when nothing is cached yet (a delta needs a base: send a
   *   full snapshot with {@link GalleryCache.save}) or for bad arguments; `DESCRIPTOR_INVALID`;
   *   `GALLERY_CACHE_FAILED` as {@link GalleryCache.save}.
   */
  async upsert(version: number, personId: string, descriptors: Float32Array[]): Promise<boolean> {
    assertVersion(version);
    assertPerson(personId, descriptors, this.model);
    const copies = copyAll(descriptors);
    const applied = await this.#exclusive(() => {
      const state = this.#base('upsert');
      if (version <= state.version) return false;
      state.version = version;
      state.people.set(personId, copies);
      return true;
    });
    if (applied) await this.#persist();
    return applied;
  }

  /**
   * Forgets one person. Applied whatever `version` says, because removal is how a person's erasure
   * reaches the node: a late removal can at worst drop someone until the next snapshot, while an
   * ignored one would keep recognising an erased face. The cached version only moves forward.
   * Resolves whether the person was cached.
   *
   * @throws RollcallError as {@link GalleryCache.upsert}.
   */
  async remove(version: number, personId: string): Promise<boolean> {
    assertVersion(version);
    if (typeof personId !== 'string' || personId.length === 0) {
      throw new RollcallError(ErrorCode.UsageInvalid, 'personId must be a non-empty string');
    }
    const { removed, changed } = await this.#exclusive(() => {
      const state = this.#base('remove');
      const wasCached = state.people.delete(personId);
      const newer = version > state.version;
      if (newer) state.version = version;
      return { removed: wasCached, changed: wasCached || newer };
    });
    if (changed) await this.#persist();
    return removed;
  }

  /** The cached gallery (descriptors shared with the cache: read-only), or undefined when none. */
  snapshot(): GallerySnapshot | undefined {
    return this.#state === undefined ? undefined : snapshotOf(this.#state, this.model);
  }

  /**
   * Makes `gallery` hold exactly the cached people (nobody when nothing is cached). Returns how many
   * people it now holds.
   */
  applyTo(gallery: Gallery): number {
    gallery.clear();
    for (const [personId, descriptors] of this.#state?.people ?? []) gallery.upsert(personId, descriptors);
    return gallery.personCount;
  }

  /**
   * Makes `gallery` hold `personId` exactly as cached (or not at all), leaving everyone else alone:
   * one enrollment or erasure costs one person's descriptors, not a rebuild of the whole gallery.
   */
  applyPersonTo(gallery: Gallery, personId: string): void {
    const descriptors = this.#state?.people.get(personId);
    if (descriptors === undefined) gallery.remove(personId);
    else gallery.upsert(personId, descriptors);
  }

  #assertModel(model: DescriptorModel): void {
    if (model !== this.model) {
      throw new RollcallError(
        ErrorCode.DescriptorModelMismatch,
        `a ${model} gallery cannot go into the ${this.model} gallery cache ${this.file}`,
      );
    }
  }

  #base(operation: string): State {
    if (this.#state === undefined) {
      throw new RollcallError(
        ErrorCode.UsageInvalid,
        `gallery cache ${this.file} holds no gallery to ${operation} into: load() one or save() a full snapshot first`,
      );
    }
    return this.#state;
  }

  /**
   * Writes the state as it is when the write starts. Called after a change is applied; changes
   * applied before a queued write starts share it, so a burst costs one or two rewrites.
   */
  #persist(): Promise<void> {
    if (this.#pendingWrite !== undefined) return this.#pendingWrite;
    const write = this.#exclusive(async () => {
      this.#pendingWrite = undefined;
      if (this.#state === undefined) return;
      // Encoded before the first await, so it is exactly the state this write was promised to hold.
      await this.#writeFile(encodeGallerySnapshot(snapshotOf(this.#state, this.model)));
    });
    this.#pendingWrite = write;
    return write;
  }

  async #writeFile(data: Buffer): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      const handle = await open(this.#tempFile, 'w');
      try {
        let done = 0;
        while (done < data.length) {
          const { bytesWritten } = await handle.write(data, done, data.length - done, done);
          done += bytesWritten;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(this.#tempFile, this.file);
      // Without this a power cut could bring back the previous file after we reported success.
      const dir = await open(this.dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      await unlink(this.#tempFile).catch(() => undefined);
      throw failed(`cannot write the gallery cache ${this.file}`, error);
    }
  }

  /**
   * Runs `task` after everything queued before it. Changes to the state go through here too, so a
   * change made right after `load()` applies to what was loaded, in call order.
   */
  #exclusive<T>(task: () => T | Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

function snapshotOf(state: State, model: DescriptorModel): GallerySnapshot {
  const people: CachedPerson[] = [];
  for (const [personId, descriptors] of state.people) people.push({ personId, descriptors });
  return { version: state.version, model, people };
}

function copyAll(descriptors: readonly Float32Array[]): Float32Array[] {
  return descriptors.map((d) => d.slice());
}

function failed(message: string, cause: unknown): RollcallError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new RollcallError(ErrorCode.GalleryCacheFailed, `${message}${detail}`, { cause });
}

function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
