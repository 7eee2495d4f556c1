/**
 * The role in force of each camera (core `roleInForce` and friends) and `CameraRoleService` over
 * a settings fake that counts writes: an administrator's tag over the role a node declares, `both`
 * as an override, `null` back to the configuration, and declared roles written only when a node's
 * STATUS says something new.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cameraRoleTable,
  roleInForce,
  rolesInForce,
  sameRoles,
  withDeclaredRoles,
  type CameraRole,
} from '../../src/core/index.js';
import { CAMERA_DECLARED_ROLES_KEY, CAMERA_ROLES_KEY, CameraRoleService } from '../../src/services/index.js';
import type { JsonValue, Setting, SettingChange } from '../../src/store/index.js';

/** The two settings calls the service makes, on a map; every other call would be a type error. */
function settingsFake(initial: Record<string, JsonValue> = {}) {
  const values = new Map(Object.entries(initial));
  const writes: string[] = [];
  let reads = 0;
  const setting = (key: string): Setting | null => {
    const value = values.get(key);
    return value === undefined ? null : { key, value, updatedAt: '2026-11-30T00:00:00.000Z' };
  };
  return {
    values,
    writes,
    reads: () => reads,
    store: {
      getSetting: (key: string) => {
        reads++;
        return Promise.resolve(setting(key));
      },
      updateSetting: (key: string, change: SettingChange) => {
        values.set(key, change(values.get(key) ?? null));
        writes.push(key);
        return Promise.resolve(setting(key) as Setting);
      },
    },
  };
}

describe('the role in force', () => {
  it('is the tag, else the declared role, else both ways', () => {
    assert.deepEqual(roleInForce('exit', 'entry'), { role: 'exit', source: 'admin' });
    assert.deepEqual(roleInForce('both', 'entry'), { role: 'both', source: 'admin' });
    assert.deepEqual(roleInForce(undefined, 'entry'), { role: 'entry', source: 'configuration' });
    assert.deepEqual(roleInForce(undefined, undefined), { role: 'both', source: 'default' });
  });

  it('lists every camera tagged or declared, and leaves both-ways cameras out of the reports map', () => {
    const tags: Record<string, CameraRole> = { hall: 'both', yard: 'exit' };
    const declared: Record<string, CameraRole> = { hall: 'exit', door: 'entry' };
    assert.deepEqual(cameraRoleTable(tags, declared), [
      { cameraId: 'door', role: 'entry', source: 'configuration', tag: null, declared: 'entry' },
      { cameraId: 'hall', role: 'both', source: 'admin', tag: 'both', declared: 'exit' },
      { cameraId: 'yard', role: 'exit', source: 'admin', tag: 'exit', declared: null },
    ]);
    assert.deepEqual(rolesInForce(tags, declared), { door: 'entry', yard: 'exit' });
  });

  it("takes a node's STATUS: a reported camera's role replaces or clears the saved one, others are kept", () => {
    const saved: Record<string, CameraRole> = { door: 'entry', hall: 'exit', gate: 'exit' };
    const next = withDeclaredRoles(saved, [
      { cameraId: 'door', role: 'exit' },
      { cameraId: 'hall' },
      { cameraId: 'room', role: 'both' },
    ]);
    assert.deepEqual(next, { gate: 'exit', door: 'exit', room: 'both' });
    assert.equal(sameRoles(saved, withDeclaredRoles(saved, [{ cameraId: 'door', role: 'entry' }])), true);
    assert.equal(sameRoles(saved, next), false);
    assert.equal(sameRoles({ a: 'entry' }, { b: 'entry' }), false);
  });
});

describe('CameraRoleService', () => {
  it('records declared roles, writing only when a STATUS says something new', async () => {
    const fake = settingsFake();
    const roles = new CameraRoleService({ store: fake.store });
    const status = [
      { cameraId: 'door', role: 'entry' as const },
      { cameraId: 'hall', role: 'exit' as const },
      { cameraId: 'room' },
    ];
    assert.equal(await roles.recordDeclared(status), true);
    assert.deepEqual(fake.values.get(CAMERA_DECLARED_ROLES_KEY), { door: 'entry', hall: 'exit' });
    const readsAfterFirst = fake.reads();
    // The next heartbeats say the same: no write, and no read either.
    assert.equal(await roles.recordDeclared(status), false);
    assert.equal(await roles.recordDeclared([...status].reverse()), false);
    assert.deepEqual(fake.writes, [CAMERA_DECLARED_ROLES_KEY]);
    assert.equal(fake.reads(), readsAfterFirst);
    assert.deepEqual(await roles.roles(), { door: 'entry', hall: 'exit' });

    // A web node started later (an empty memory) reads, finds nothing new, writes nothing.
    const restarted = new CameraRoleService({ store: fake.store });
    assert.equal(await restarted.recordDeclared(status), false);
    assert.deepEqual(fake.writes, [CAMERA_DECLARED_ROLES_KEY]);
    assert.deepEqual(await restarted.roles(), { door: 'entry', hall: 'exit' });

    // The node's configuration drops hall's role: hall sees both ways again.
    assert.equal(
      await roles.recordDeclared([{ cameraId: 'door', role: 'entry' }, { cameraId: 'hall' }]),
      true,
    );
    assert.deepEqual(fake.values.get(CAMERA_DECLARED_ROLES_KEY), { door: 'entry' });
    assert.deepEqual(await roles.roles(), { door: 'entry' });
  });

  it('writes once when two STATUS messages arrive together', async () => {
    const fake = settingsFake();
    const roles = new CameraRoleService({ store: fake.store });
    const status = [{ cameraId: 'door', role: 'entry' as const }];
    assert.deepEqual(await Promise.all([roles.recordDeclared(status), roles.recordDeclared(status)]), [
      true,
      false,
    ]);
    assert.deepEqual(fake.writes, [CAMERA_DECLARED_ROLES_KEY]);
  });

  it('puts a tag over the declared role, both included, and null back to the configuration', async () => {
    const fake = settingsFake({ [CAMERA_DECLARED_ROLES_KEY]: { door: 'entry' } });
    const roles = new CameraRoleService({ store: fake.store });
    assert.deepEqual(await roles.view(), {
      roles: { door: 'entry' },
      cameras: [{ cameraId: 'door', role: 'entry', source: 'configuration', tag: null, declared: 'entry' }],
    });

    const both = await roles.setRole('door', 'both');
    assert.deepEqual(fake.values.get(CAMERA_ROLES_KEY), { door: 'both' }, 'an explicit both is kept');
    assert.deepEqual(both, {
      roles: {},
      cameras: [{ cameraId: 'door', role: 'both', source: 'admin', tag: 'both', declared: 'entry' }],
    });
    assert.deepEqual(await roles.roles(), {});

    assert.deepEqual((await roles.setRole('door', 'exit')).roles, { door: 'exit' });
    const back = await roles.setRole('door', null);
    assert.deepEqual(fake.values.get(CAMERA_ROLES_KEY), {});
    assert.deepEqual(back.cameras, [
      { cameraId: 'door', role: 'entry', source: 'configuration', tag: null, declared: 'entry' },
    ]);
  });

  it('drops a both tag where nothing is declared: an untagged camera sees both ways already', async () => {
    const fake = settingsFake({ [CAMERA_ROLES_KEY]: { yard: 'exit' } });
    const roles = new CameraRoleService({ store: fake.store });
    assert.deepEqual(await roles.setRole('yard', 'both'), { roles: {}, cameras: [] });
    assert.deepEqual(fake.values.get(CAMERA_ROLES_KEY), {});
  });

  it('refuses a bad camera id or role, naming the field, and saves nothing', async () => {
    const fake = settingsFake();
    const roles = new CameraRoleService({ store: fake.store });
    await assert.rejects(roles.setRole(' ', 'entry'), { code: 'REQUEST_INVALID', message: /^camera: / });
    await assert.rejects(roles.setRole('door', 'sideways'), {
      code: 'REQUEST_INVALID',
      message: /^role: must be one of entry, exit, both, or null/,
    });
    assert.deepEqual(fake.writes, []);
  });

  it('ignores what is not a role in a saved setting', async () => {
    const fake = settingsFake({
      [CAMERA_ROLES_KEY]: { door: 'sideways', hall: 3 },
      [CAMERA_DECLARED_ROLES_KEY]: ['entry'],
    });
    assert.deepEqual(await new CameraRoleService({ store: fake.store }).view(), { roles: {}, cameras: [] });
  });
});
