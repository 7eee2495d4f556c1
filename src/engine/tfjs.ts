/**
 * Loads face-api on the best tfjs backend this machine has: native TensorFlow through
 * `@tensorflow/tfjs-node` when that optional package loads, WebAssembly otherwise. face-api and
 * tfjs are singletons per thread, so this runs once per thread.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as FaceApi from '@vladmandic/face-api';
import type * as Tf from '@tensorflow/tfjs-core';
import { ErrorCode, RollcallError } from '../core/index.js';
import type { BackendChoice } from './face-engine.js';

export type FaceApiModule = typeof FaceApi;
/** face-api re-exports the whole of tfjs as `tf`; its own typings list only part of it. */
export type TfModule = typeof Tf;

export interface LoadedFaceApi {
  faceapi: FaceApiModule;
  tf: TfModule;
  backend: 'tensorflow' | 'wasm';
  modelDir: string;
  version: string;
}

const require = createRequire(import.meta.url);
let loading: Promise<LoadedFaceApi> | undefined;

export function loadFaceApi(choice: BackendChoice): Promise<LoadedFaceApi> {
  loading ??= load(choice);
  return loading;
}

async function load(choice: BackendChoice): Promise<LoadedFaceApi> {
  const packageJson = require.resolve('@vladmandic/face-api/package.json');
  const modelDir = path.join(path.dirname(packageJson), 'model');
  const { version } = require('@vladmandic/face-api/package.json') as { version: string };

  if (choice !== 'wasm') {
    try {
      // A variable specifier: the package is optional and often absent, so TypeScript must not
      // insist on its types.
      const nativeTf = '@tensorflow/tfjs-node';
      await import(nativeTf);
      const faceapi = await import('@vladmandic/face-api/dist/face-api.node.js');
      const tf = faceapi.tf as unknown as TfModule;
      await tf.ready();
      return { faceapi, tf, backend: 'tensorflow', modelDir, version };
    } catch (error) {
      if (choice === 'tensorflow') {
        throw new RollcallError(
          ErrorCode.EngineUnavailable,
          'TF_BACKEND=tensorflow but @tensorflow/tfjs-node does not load here; install it or set TF_BACKEND=auto',
          { cause: error },
        );
      }
    }
  }
  const faceapi = await import('@vladmandic/face-api/dist/face-api.node-wasm.js');
  const tf = faceapi.tf as unknown as TfModule;
  const ok = await tf.setBackend('wasm');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'wasm') {
    throw new RollcallError(ErrorCode.EngineUnavailable, 'the tfjs wasm backend failed to start');
  }
  return { faceapi, tf, backend: 'wasm', modelDir, version };
}
