/**
 * The `AccountsRepository` contract: users and API tokens, as every adapter must keep them.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe } from 'node:test';
import { ErrorCode, firstAccountOnly, keepAnAdmin, type AccountsRule } from '../../../src/core/index.js';
import type { Store } from '../../../src/store/index.js';
import { rejectsWithCode, contractIt, type StoreContractOptions } from './support.js';

export function accountsContract(
  name: string,
  create: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  const it = contractIt(options);
  describe(`AccountsRepository contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('users', () => {
      it('creates, finds, lists, updates and deletes users', async () => {
        const alice = await store.createUser({ name: '  Alice ', role: 'admin', passwordHash: 'scrypt$abc' });
        assert.equal(alice.name, 'Alice');
        assert.equal(alice.role, 'admin');
        assert.equal(alice.disabled, false);
        assert.ok(!Number.isNaN(Date.parse(alice.createdAt)));
        assert.deepEqual(await store.getUser(alice.id), alice);
        assert.deepEqual(await store.getUserByName('alice'), alice, 'names compare without case');
        assert.equal(await store.getUser('missing'), null);

        const bob = await store.createUser({ name: 'Bob', role: 'viewer', passwordHash: 'h2' });
        const page1 = await store.listUsers({ limit: 1 });
        assert.deepEqual(
          page1.items.map((u) => u.name),
          ['Alice'],
        );
        assert.equal(page1.nextOffset, 1);
        const page2 = await store.listUsers({ limit: 1, offset: 1 });
        assert.deepEqual(
          page2.items.map((u) => u.name),
          ['Bob'],
        );
        assert.equal(page2.nextOffset, null);

        const updated = await store.updateUser(bob.id, { role: 'admin', disabled: true, passwordHash: 'h3' });
        assert.deepEqual(updated, { ...bob, role: 'admin', disabled: true, passwordHash: 'h3' });
        assert.deepEqual(await store.updateUser(bob.id, {}), updated);

        await store.deleteUser(bob.id);
        assert.equal(await store.getUser(bob.id), null);
        await assert.rejects(store.deleteUser(bob.id), rejectsWithCode(ErrorCode.StoreNotFound));
        await assert.rejects(
          store.updateUser(bob.id, { role: 'viewer' }),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
      });

      it('runs an accounts rule inside the write: a refused change writes nothing', async () => {
        const seen: { before: string[]; after: string[] }[] = [];
        const record: AccountsRule = ({ before, after }) => {
          seen.push({
            before: before.map((u) => `${u.name}:${u.role}`).sort(),
            after: after.map((u) => `${u.name}:${u.role}`).sort(),
          });
        };
        const ada = await store.createUser(
          { name: 'Ada', role: 'admin', passwordHash: 'h' },
          { rule: record },
        );
        await assert.rejects(
          store.createUser({ name: 'Bob', role: 'admin', passwordHash: 'h' }, { rule: firstAccountOnly }),
          rejectsWithCode(ErrorCode.SetupDone),
        );
        assert.equal(await store.getUserByName('Bob'), null);
        const bob = await store.createUser({ name: 'Bob', role: 'admin', passwordHash: 'h' });
        await store.updateUser(bob.id, { role: 'viewer' }, { rule: record });
        await assert.rejects(
          store.updateUser(ada.id, { role: 'viewer' }, { rule: keepAnAdmin('making Ada a viewer') }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        await assert.rejects(
          store.updateUser(ada.id, { disabled: true }, { rule: keepAnAdmin('disabling Ada') }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        await assert.rejects(
          store.deleteUser(ada.id, { rule: keepAnAdmin('deleting Ada') }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        assert.deepEqual(await store.getUser(ada.id), ada, 'refused changes wrote nothing');
        await store.deleteUser(bob.id, { rule: record });
        assert.deepEqual(seen, [
          { before: [], after: ['Ada:admin'] },
          { before: ['Ada:admin', 'Bob:admin'], after: ['Ada:admin', 'Bob:viewer'] },
          { before: ['Ada:admin', 'Bob:viewer'], after: ['Ada:admin'] },
        ]);
        await assert.rejects(
          store.deleteUser(bob.id, { rule: record }),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
      });

      it('refuses a duplicate name, whatever its case', async () => {
        await store.createUser({ name: 'alice', role: 'viewer', passwordHash: 'h' });
        await assert.rejects(
          store.createUser({ name: 'ALICE', role: 'admin', passwordHash: 'h' }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
      });

      it('refuses bad input with STORE_INVALID', async () => {
        const bad = [
          { name: '', role: 'admin', passwordHash: 'h' },
          { name: '   ', role: 'admin', passwordHash: 'h' },
          { name: 'x'.repeat(201), role: 'admin', passwordHash: 'h' },
          { name: 'a\nb', role: 'admin', passwordHash: 'h' },
          { name: 'ok', role: 'root', passwordHash: 'h' },
          { name: 'ok', role: 'admin', passwordHash: '' },
          { name: 'ok', role: 'admin', passwordHash: 'has space' },
        ];
        for (const user of bad) {
          await assert.rejects(
            store.createUser(user as Parameters<Store['createUser']>[0]),
            rejectsWithCode(ErrorCode.StoreInvalid),
            JSON.stringify(user),
          );
        }
        await assert.rejects(store.getUser('../etc'), rejectsWithCode(ErrorCode.StoreInvalid));
        await assert.rejects(store.listUsers({ limit: 0 }), rejectsWithCode(ErrorCode.StoreInvalid));
        await assert.rejects(store.listUsers({ limit: 1001 }), rejectsWithCode(ErrorCode.StoreInvalid));
        await assert.rejects(store.listUsers({ offset: -1 }), rejectsWithCode(ErrorCode.StoreInvalid));
        assert.equal((await store.listUsers()).items.length, 0);
      });
    });

    describe('API tokens', () => {
      it('stores hashes, finds them, touches, revokes, and goes with its user', async () => {
        const user = await store.createUser({ name: 'ci-bot', role: 'viewer', passwordHash: 'h' });
        const token = await store.createApiToken({ userId: user.id, name: 'ci', tokenHash: 'sha256:aa' });
        assert.equal(token.revoked, false);
        assert.equal(token.lastUsedAt, null);
        assert.deepEqual(await store.findApiTokenByHash('sha256:aa'), token);
        assert.equal(await store.findApiTokenByHash('sha256:bb'), null);

        await store.touchApiToken(token.id, '2025-03-10T09:00:00+01:00');
        const touched = await store.findApiTokenByHash('sha256:aa');
        assert.equal(touched?.lastUsedAt, '2025-03-10T08:00:00.000Z');

        await assert.rejects(
          store.createApiToken({ userId: user.id, name: 'CI', tokenHash: 'sha256:cc' }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        await assert.rejects(
          store.createApiToken({ userId: user.id, name: 'other', tokenHash: 'sha256:aa' }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        await assert.rejects(
          store.createApiToken({ userId: 'nobody', name: 'x', tokenHash: 'sha256:dd' }),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        const second = await store.createApiToken({ userId: user.id, name: 'kiosk', tokenHash: 'sha256:ee' });
        assert.deepEqual((await store.listApiTokens(user.id)).map((t) => t.name).sort(), ['ci', 'kiosk']);

        const revoked = await store.revokeApiToken(token.id);
        assert.equal(revoked.revoked, true);
        assert.equal((await store.revokeApiToken(token.id)).revoked, true, 'revoking twice is harmless');
        assert.equal((await store.findApiTokenByHash('sha256:aa'))?.revoked, true);
        await assert.rejects(store.revokeApiToken('missing'), rejectsWithCode(ErrorCode.StoreNotFound));
        await assert.rejects(
          store.touchApiToken('missing', '2025-01-01T00:00:00Z'),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        await assert.rejects(
          store.touchApiToken(second.id, 'yesterday'),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );

        await store.deleteUser(user.id);
        assert.equal(await store.findApiTokenByHash('sha256:ee'), null);
        assert.deepEqual(await store.listApiTokens(user.id), []);
      });
    });
  });
}
