export { FaceEnginePool, type FaceEnginePoolOptions } from './face-engine.pool.js';
