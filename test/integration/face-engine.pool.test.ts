import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readImageFile } from '../../src/engine/index.js';
import { FaceEnginePool } from '../../src/workers/index.js';
import { facePhoto } from '../support/faces.js';
import { faceEngineContract } from './face-engine.contract.js';

faceEngineContract('FaceEnginePool (2 worker threads)', () => FaceEnginePool.start({ threads: 2 }));

describe('FaceEnginePool', () => {
  it('runs calls on every thread at once and answers each', async () => {
    const pool = await FaceEnginePool.start({ threads: 2 });
    try {
      assert.equal(pool.info.threads, 2);
      const files = ['amy/amy1.png', 'raj/raj1.png', 'penny/penny1.png', 'howard/howard2.png'];
      const results = await Promise.all(
        files.map(async (file) =>
          pool.analyze(await readImageFile(facePhoto(file)), { detector: 'ssd', padCascade: true }),
        ),
      );
      assert.deepEqual(
        results.map((faces) => faces.length),
        [1, 1, 1, 1],
      );
    } finally {
      await pool.close();
    }
  });

  it('moves the pixels to the thread instead of copying them', async () => {
    const pool = await FaceEnginePool.start({ threads: 1 });
    try {
      const image = await readImageFile(facePhoto('amy/amy1.png'));
      await pool.detect(image);
      assert.equal(image.data.byteLength, 0, 'the buffer was transferred, not cloned');
    } finally {
      await pool.close();
    }
  });

  it('refuses work after close with a coded error', async () => {
    const pool = await FaceEnginePool.start({ threads: 1 });
    await pool.close();
    await assert.rejects(pool.detect({ width: 1, height: 1, data: new Uint8Array(3) }), /closed/);
  });
});
