/**
 * The `NodesRepository` contract: the nodes' last reports, as every adapter must keep them.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe } from 'node:test';
import { ErrorCode } from '../../../src/core/index.js';
import type { Store } from '../../../src/store/index.js';
import { rejectsWithCode, contractIt, type StoreContractOptions } from './support.js';

export function nodesContract(
  name: string,
  create: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  const it = contractIt(options);
  describe(`NodesRepository contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('nodes', () => {
      it('upserts and lists nodes', async () => {
        const status = { cameras: ['video0'], fps: 9.5, galleryVersion: 3, outboxDepth: 0 };
        assert.deepEqual(await store.upsertNode({ id: 'node-a', lastSeen: '2025-03-10T08:00:00Z', status }), {
          id: 'node-a',
          lastSeen: '2025-03-10T08:00:00.000Z',
          status,
        });
        await store.upsertNode({ id: 'node-b', lastSeen: '2025-03-10T08:00:01Z', status: null });
        await store.upsertNode({ id: 'node-a', lastSeen: '2025-03-10T08:01:00Z', status: { fps: 10 } });
        assert.deepEqual(await store.listNodes(), [
          { id: 'node-a', lastSeen: '2025-03-10T08:01:00.000Z', status: { fps: 10 } },
          { id: 'node-b', lastSeen: '2025-03-10T08:00:01.000Z', status: null },
        ]);
        assert.deepEqual((await store.getNode('node-b'))?.status, null);
        assert.equal(await store.getNode('node-c'), null);
        await store.deleteNode('node-b');
        assert.equal((await store.listNodes()).length, 1);
        await assert.rejects(store.deleteNode('node-b'), rejectsWithCode(ErrorCode.StoreNotFound));
        await assert.rejects(
          store.upsertNode({ id: 'bad id', lastSeen: '2025-03-10T08:00:00Z', status: null }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        await assert.rejects(
          store.upsertNode({ id: 'n', lastSeen: '2025-03-10T08:00:00Z', status: { x: undefined } as never }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
      });
    });
  });
}
