export type * from './face-engine.js';
export { isDescribed } from './face-engine.js';
export { FaceApiEngine, type FaceApiEngineOptions, type EnginePipeline } from './faceapi.engine.js';
export { assertRgbImage, decodeImage, readImageFile, NEUTRAL_GREY, type DecodeOptions } from './image.js';
export { photoThumbnail, type ThumbnailOptions } from './thumbnail.js';
