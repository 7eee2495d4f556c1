/**
 * The `SettingsRepository` contract: settings, as every adapter must keep them.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe } from 'node:test';
import { ErrorCode, RollcallError } from '../../../src/core/index.js';
import type { JsonValue, Store } from '../../../src/store/index.js';
import { rejectsWithCode, contractIt, type StoreContractOptions } from './support.js';

export function settingsContract(
  name: string,
  create: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  const it = contractIt(options);
  describe(`SettingsRepository contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('settings', () => {
      it('sets, reads, lists and deletes settings', async () => {
        const set = await store.setSetting('attendance.cooldownS', 60);
        assert.equal(set.value, 60);
        await store.setSetting('site', { name: 'HQ', cameras: ['door', 'exit'], open: true });
        await store.setSetting('attendance.cooldownS', 120);
        assert.equal((await store.getSetting('attendance.cooldownS'))?.value, 120);
        assert.deepEqual(
          (await store.listSettings()).map((s) => [s.key, s.value]),
          [
            ['attendance.cooldownS', 120],
            ['site', { name: 'HQ', cameras: ['door', 'exit'], open: true }],
          ],
        );
        await store.deleteSetting('site');
        assert.equal(await store.getSetting('site'), null);
        await assert.rejects(store.deleteSetting('site'), rejectsWithCode(ErrorCode.StoreNotFound));
        await assert.rejects(store.setSetting('', 1), rejectsWithCode(ErrorCode.StoreInvalid));
        await assert.rejects(
          store.setSetting('big', 'x'.repeat(300 * 1024)),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
      });
    });

    describe('updating a setting from its saved value', () => {
      it('computes the new value from the saved one in the write, and writes nothing when refused', async () => {
        const seen: unknown[] = [];
        const add = (n: number) => (saved: JsonValue | null) => {
          seen.push(saved);
          return {
            count:
              (typeof saved === 'object' && saved !== null && !Array.isArray(saved)
                ? Number(saved.count)
                : 0) + n,
          };
        };
        assert.deepEqual((await store.updateSetting('counter', add(1))).value, { count: 1 });
        // Two at once: neither loses the other's change.
        await Promise.all([store.updateSetting('counter', add(2)), store.updateSetting('counter', add(3))]);
        assert.deepEqual((await store.getSetting('counter'))?.value, { count: 6 });
        assert.deepEqual(seen[0], null);
        await assert.rejects(
          store.updateSetting('counter', () => {
            throw new RollcallError(ErrorCode.RequestInvalid, 'no');
          }),
          rejectsWithCode(ErrorCode.RequestInvalid),
        );
        assert.deepEqual((await store.getSetting('counter'))?.value, { count: 6 });
        await assert.rejects(store.updateSetting('', add(1)), rejectsWithCode(ErrorCode.StoreInvalid));
      });
    });
  });
}
