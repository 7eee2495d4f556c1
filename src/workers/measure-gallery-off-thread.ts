/**
 * {@link measureGallery} on a short-lived worker thread. Calibration runs when the gallery changes
 * (rarely), so a thread per run costs less than one kept waiting; the descriptors are copied to it.
 */
import { Worker } from 'node:worker_threads';
import {
  ErrorCode,
  RollcallError,
  type CalibrationPerson,
  type GalleryMeasure,
  type ImpostorSampleOptions,
} from '../core/index.js';
import type { GalleryMeasureTask } from './gallery-measure.worker.js';

const workerFile = new URL('./gallery-measure.worker.js', import.meta.url);

export interface MeasureOffThreadOptions extends ImpostorSampleOptions {
  /** Stops the thread; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export function measureGalleryOffThread(
  people: readonly CalibrationPerson[],
  options: MeasureOffThreadOptions = {},
): Promise<GalleryMeasure> {
  const { signal, ...sample } = options;
  return new Promise<GalleryMeasure>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const task: GalleryMeasureTask = { people: [...people], options: sample };
    const worker = new Worker(workerFile, { workerData: task });
    let settled = false;
    const abort = (): void => {
      settled = true;
      reject(signal?.reason as Error);
      void worker.terminate();
    };
    signal?.addEventListener('abort', abort, { once: true });
    const finish = (): void => {
      settled = true;
      signal?.removeEventListener('abort', abort);
    };
    worker.once('message', (measure: GalleryMeasure) => {
      finish();
      resolve(measure);
    });
    worker.once('error', (error) => {
      if (settled) return;
      finish();
      reject(new RollcallError(ErrorCode.InternalError, `measuring the gallery failed: ${error.message}`));
    });
    worker.once('exit', (code) => {
      if (settled) return;
      finish();
      reject(
        new RollcallError(ErrorCode.InternalError, `the calibration thread stopped (exit code ${code})`),
      );
    });
  });
}
