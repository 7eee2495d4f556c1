/**
 * `rollcall backup` while events keep arriving, and `rollcall restore` into an empty DATA_DIR: the
 * restored store holds every event acknowledged before the backup began, with the secrets a
 * restored install needs.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createStore, SQLITE_FILE_NAME, type Store } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { report } from '../support/rollcall-node.js';
import { tempDir } from '../support/temp.js';
import { makeEvent, UTC } from '../integration/store-contract/support.js';

async function allEventIds(store: Store): Promise<Set<string>> {
  const ids = new Set<string>();
  let offset: number | null = 0;
  while (offset !== null) {
    const page = await store.listEvents({ limit: 500, offset });
    for (const event of page.items) ids.add(event.id);
    offset = page.nextOffset;
  }
  return ids;
}

describe('rollcall backup and restore', () => {
  it('copies the store mid-burst; the restore holds every event stored before the backup began', async () => {
    const dataDir = await tempDir('backup-live');
    await writeFile(path.join(dataDir, 'session-secret'), 'a session secret of the site', { mode: 0o600 });
    await writeFile(path.join(dataDir, 'bridge-secret'), 'a bridge secret of the site', { mode: 0o600 });
    const store = await createStore({ dataDir });
    const { person } = await store.createPerson({ name: 'Ada' });
    await store.setSetting('web.settings', { strangerRateTarget: 0.001 });

    // Events keep arriving while the backup runs, as on a web node whose cameras see people.
    const acknowledged: string[] = [];
    const writing = { on: true };
    const writer = (async () => {
      for (let i = 0; writing.on; i++) {
        const event = makeEvent({
          personId: person.id,
          at: new Date(Date.UTC(2025, 2, 10, 8, 0, i)).toISOString(),
        });
        await store.recordAttendance(event, UTC);
        acknowledged.push(event.id);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    while (acknowledged.length < 200) await new Promise((resolve) => setTimeout(resolve, 5));

    const file = path.join(await tempDir('backup-file'), 'nightly.rollcall');
    const before = new Set(acknowledged);
    const backup = await runCli(['backup', file, '--json'], { DATA_DIR: dataDir });
    const during = acknowledged.length - before.size;
    writing.on = false;
    await writer;
    await store.close();
    assert.equal(backup.code, 0, backup.stderr);
    const summary = JSON.parse(backup.stdout) as { files: string[]; schemaVersion: number; bytes: number };
    assert.deepEqual(summary.files, ['session-secret', 'bridge-secret']);
    assert.ok(during > 0, 'events kept arriving while the backup ran');

    const restoredDir = await tempDir('backup-restored');
    const restore = await runCli(['restore', file], { DATA_DIR: restoredDir });
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /Restored .* with bridge-secret and session-secret/);
    const restored = await createStore({ dataDir: restoredDir });
    try {
      const ids = await allEventIds(restored);
      const missing = [...before].filter((id) => !ids.has(id));
      assert.deepEqual(missing, [], 'every event stored before the backup began is in it');
      assert.equal((await restored.getPersonByName('Ada'))?.id, person.id);
      assert.equal((await restored.getAttendance(person.id, '2025-03-10'))?.personId, person.id);
      assert.deepEqual((await restored.getSetting('web.settings'))?.value, { strangerRateTarget: 0.001 });
      report('backup mid-burst, restored', {
        eventsBefore: before.size,
        eventsDuringBackup: during,
        restoredEvents: ids.size,
        missing: missing.length,
        backupBytes: summary.bytes,
      });
    } finally {
      await restored.close();
    }
    assert.equal(
      await readFile(path.join(restoredDir, 'bridge-secret'), 'utf8'),
      'a bridge secret of the site',
    );
    assert.equal((await stat(path.join(restoredDir, 'session-secret'))).mode & 0o777, 0o600);
  });

  it('refuses to restore over a database, or a file that is not a backup, and says why', async () => {
    const dataDir = await tempDir('backup-refusals');
    const store = await createStore({ dataDir });
    await store.close();
    const file = path.join(await tempDir('backup-refusals-file'), 'copy.rollcall');
    assert.equal((await runCli(['backup', file], { DATA_DIR: dataDir })).code, 0);

    const over = await runCli(['restore', file], { DATA_DIR: dataDir });
    assert.equal(over.code, 1);
    assert.match(over.stderr, /already holds a Rollcall database; restore into an empty DATA_DIR/);

    const notBackup = path.join(dataDir, 'notes.txt');
    await writeFile(notBackup, 'not a database');
    const empty = await tempDir('backup-refusals-empty');
    const wrong = await runCli(['restore', notBackup], { DATA_DIR: empty });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /is not a Rollcall backup/);
    // A bare database copy is not a backup either (no secrets table), and nothing is left behind.
    const bare = await runCli(['restore', path.join(dataDir, SQLITE_FILE_NAME)], { DATA_DIR: empty });
    assert.match(bare.stderr, /is not a Rollcall backup/);
    assert.equal(
      (await runCli(['backup', path.join(empty, 'x')], { DATA_DIR: empty })).stderr.includes(
        'no Rollcall database',
      ),
      true,
    );
  });
});
