export { FaceEnginePool, type FaceEnginePoolOptions } from './face-engine.pool.js';
export { measureGalleryOffThread, type MeasureOffThreadOptions } from './measure-gallery-off-thread.js';
