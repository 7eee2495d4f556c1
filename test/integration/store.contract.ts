/**
 * The `Store` contract: what every adapter must do, one suite per repository
 * (`store-contract/*.contract.ts`), run against each adapter (SQLite always, others where their
 * server is available). Each test gets a fresh, empty store from `create`.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe } from 'node:test';
import { ErrorCode } from '../../src/core/index.js';
import type { Store } from '../../src/store/index.js';
import { accountsContract } from './store-contract/accounts.contract.js';
import { attendanceContract } from './store-contract/attendance.contract.js';
import { groupsContract } from './store-contract/groups.contract.js';
import { nodesContract } from './store-contract/nodes.contract.js';
import { peopleContract } from './store-contract/people.contract.js';
import { settingsContract } from './store-contract/settings.contract.js';
import { contractIt, rejectsWithCode, type StoreContractOptions } from './store-contract/support.js';
import { unknownFacesContract } from './store-contract/unknown-faces.contract.js';
import { webhooksContract } from './store-contract/webhooks.contract.js';

export {
  bytes,
  descriptor,
  makeEvent,
  rejectsWithCode,
  type StoreContractOptions,
} from './store-contract/support.js';

/** Runs the contract of every repository, and of the store's lifecycle, against one adapter. */
export function storeContract(
  name: string,
  create: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  accountsContract(name, create, options);
  peopleContract(name, create, options);
  attendanceContract(name, create, options);
  unknownFacesContract(name, create, options);
  nodesContract(name, create, options);
  settingsContract(name, create, options);
  groupsContract(name, create, options);
  webhooksContract(name, create, options);

  const it = contractIt(options);
  describe(`Store lifecycle: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    it('closes idempotently and refuses calls afterwards', async () => {
      await store.close();
      await store.close();
      await assert.rejects(store.listPeople(), rejectsWithCode(ErrorCode.StoreClosed));
      await assert.rejects(store.getGalleryVersion(), rejectsWithCode(ErrorCode.StoreClosed));
    });
  });
}
