/**
 * The node's gallery as the bridge server sees it. The server only turns gallery messages into
 * {@link GalleryUpdate}s and reports what came of them; what a change does to the matcher and the
 * cache, in which order, and which version counts as applied is the recognition side's policy
 * (`NodeGallery` in `src/recognition`).
 */
import type { DescriptorModel } from '../../core/index.js';
import type { GalleryPerson } from '../protocol/index.js';

/** A gallery message from a web node, without its framing. */
export type GalleryUpdate =
  | { kind: 'snapshot'; version: number; model: DescriptorModel; people: GalleryPerson[] }
  | { kind: 'upsert'; version: number; model: DescriptorModel; personId: string; descriptors: Float32Array[] }
  | { kind: 'remove'; version: number; personId: string };

/** A gallery update that changed the node's gallery. */
export interface GalleryChange {
  kind: GalleryUpdate['kind'];
  version: number;
  personId?: string;
  /** People in the gallery after the change. */
  personCount: number;
}

export interface GalleryReplica {
  /** The descriptor model of the node's engine: STATUS reports it, updates of another are refused. */
  readonly model: DescriptorModel;
  /**
   * The version applied to the matcher and stored (0 before the first): what STATUS reports, so a
   * web node may take the report as the confirmation. Never one still being written.
   */
  readonly version: number;
  /**
   * Applies `update` after every update asked for before it, whichever connection sent it. Resolves
   * with the change once it is stored and applied, or undefined when it changed nothing (an older
   * version).
   *
   * @throws RollcallError when it could not be stored (the gallery is then unchanged).
   */
  apply(update: GalleryUpdate): Promise<GalleryChange | undefined>;
}
