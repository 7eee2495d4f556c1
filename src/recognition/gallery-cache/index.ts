/**
 * The recognition node's on-disk copy of the gallery it was last sent, so it keeps recognising while
 * no web node is connected.
 */
export { GalleryCache, type GalleryCacheOptions } from './gallery-cache.js';
export {
  GALLERY_CACHE_FORMAT_VERSION,
  decodeGallerySnapshot,
  encodeGallerySnapshot,
  type CachedPerson,
  type GallerySnapshot,
} from './gallery-format.js';
