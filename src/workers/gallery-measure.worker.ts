/**
 * Measures a gallery for calibration on its own thread: the impostor sample of a large gallery
 * takes seconds of CPU, which on the main thread would stall capture, the bridge and HTTP.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { measureGallery, type CalibrationPerson, type ImpostorSampleOptions } from '../core/index.js';

export interface GalleryMeasureTask {
  people: CalibrationPerson[];
  options: ImpostorSampleOptions;
}

const task = workerData as GalleryMeasureTask;
const measure = measureGallery(task.people, task.options);
// The sorted sample (up to 16 MB) moves back instead of being copied; measureGallery made it, in an
// ArrayBuffer of its own (never shared memory).
const sample = measure.impostors?.sorted.buffer as ArrayBuffer | undefined;
parentPort?.postMessage(measure, sample ? [sample] : []);
