/**
 * One pool thread: loads its own face engine once, then answers engine tasks. Descriptor and
 * landmark buffers are moved back to the caller, not copied.
 */
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { serializeError } from '../core/index.js';
import { FaceApiEngine, isDescribed, type FaceApiEngineOptions, type LiveFace } from '../engine/index.js';
import type { EngineReply, EngineTask } from './engine-task.js';

let engine: Promise<FaceApiEngine> | undefined;

export default async function runEngineTask(task: EngineTask): Promise<EngineReply> {
  try {
    engine ??= FaceApiEngine.create(workerData as FaceApiEngineOptions);
    const faceEngine = await engine;
    switch (task.op) {
      case 'warmup':
        return { ok: true, op: 'warmup', info: faceEngine.info };
      case 'detect':
        return { ok: true, op: 'detect', faces: await faceEngine.detect(task.image, task.options) };
      case 'describe':
        return withMovedBuffers({
          ok: true,
          op: 'describe',
          faces: await faceEngine.describe(task.image, task.faces),
        });
      case 'analyze':
        return withMovedBuffers({
          ok: true,
          op: 'analyze',
          faces: await faceEngine.analyze(task.image, task.options),
        });
      case 'detectAndDescribe':
        return withMovedBuffers({
          ok: true,
          op: 'detectAndDescribe',
          faces: await faceEngine.detectAndDescribe(task.image, task.options),
        });
    }
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

function withMovedBuffers(reply: Extract<EngineReply, { faces: LiveFace[] }>): EngineReply {
  const described: LiveFace[] = reply.faces;
  const buffers = described.filter(isDescribed).flatMap((f) => [f.descriptor.buffer, f.landmarks.buffer]);
  // The reply is typed as EngineReply for callers; piscina unwraps the Transferable on the way out.
  return move({
    get [transferableSymbol]() {
      return buffers;
    },
    get [valueSymbol]() {
      return reply;
    },
  }) as unknown as EngineReply;
}
