import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ErrorCode } from '../../src/core/index.js';
import { createStore, SCHEMA_VERSION, SQLITE_FILE_NAME, SqliteStore } from '../../src/store/index.js';
import { MIGRATIONS, migrate } from '../../src/store/sqlite.migrations.js';
import { bytes, descriptor, makeEvent, rejectsWithCode, storeContract } from './store.contract.js';
import { tempDir } from '../support/temp.js';

storeContract('SqliteStore', async () => SqliteStore.open({ dataDir: await tempDir('store') }));

describe('SqliteStore on disk', () => {
  it('keeps everything across close and reopen, and migrates only once', async () => {
    const dataDir = path.join(await tempDir('store'), 'nested', 'data');
    const first = await SqliteStore.open({ dataDir });
    assert.equal(first.file, path.join(dataDir, SQLITE_FILE_NAME));
    const { person } = await first.createPerson({ name: 'Ada' });
    const photo = await first.addPhoto({ personId: person.id, fileName: 'a.jpg', bytes: bytes(2000) });
    const { galleryVersion } = await first.setPhotoDescriptors(photo.id, 'face-api', [descriptor(9)]);
    const event = makeEvent({ personId: person.id });
    await first.recordAttendance(event, { timeZone: 'Europe/Berlin' });
    await first.close();
    await first.close();

    const second = await SqliteStore.open({ dataDir });
    try {
      assert.deepEqual(await second.getPerson(person.id), person);
      assert.deepEqual(await second.getPhotoBytes(photo.id), bytes(2000));
      assert.equal(await second.getGalleryVersion(), galleryVersion);
      assert.deepEqual(
        (await second.listDescriptors(person.id)).map((d) => d.descriptor),
        [descriptor(9)],
      );
      assert.equal((await second.recordAttendance(event, { timeZone: 'Europe/Berlin' })).inserted, false);
      assert.equal((await second.getAttendance(person.id, '2025-03-10'))?.eventCount, 1);
    } finally {
      await second.close();
    }
    const db = new Database(path.join(dataDir, SQLITE_FILE_NAME), { readonly: true });
    try {
      const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as {
        version: number;
      }[];
      assert.deepEqual(
        rows.map((r) => r.version),
        MIGRATIONS.map((m) => m.version).sort((a, b) => a - b),
      );
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  it('migrates a schema-1 file: its descriptors become face-api ones, with their order kept', async () => {
    const dataDir = await tempDir('store');
    const db = new Database(path.join(dataDir, SQLITE_FILE_NAME));
    migrate(db, () => new Date('2025-01-01T00:00:00Z'), MIGRATIONS.slice(0, 1));
    const at = '2025-01-01T00:00:00.000Z';
    db.prepare("INSERT INTO people (id, name, created_at, updated_at) VALUES ('p1', 'Ada', ?, ?)").run(
      at,
      at,
    );
    db.prepare(
      "INSERT INTO photos (id, person_id, file_name, byte_length, created_at, bytes) VALUES ('f1', 'p1', 'a.jpg', 3, ?, x'010203')",
    ).run(at);
    const insert = db.prepare(
      "INSERT INTO descriptors (id, person_id, photo_id, created_at, descriptor) VALUES (?, 'p1', 'f1', ?, ?)",
    );
    // Ids out of order on purpose: the rowid, not the id, is the tie-break the gallery keeps.
    insert.run('z', at, Buffer.from(descriptor(1).buffer));
    insert.run('a', at, Buffer.from(descriptor(2).buffer));
    db.close();

    const store = await SqliteStore.open({ dataDir });
    try {
      const stored = await store.listDescriptors('p1');
      assert.deepEqual(
        stored.map((d) => [d.id, d.model]),
        [
          ['z', 'face-api'],
          ['a', 'face-api'],
        ],
      );
      assert.deepEqual((await store.getGallery('face-api')).people[0]?.descriptors, [
        descriptor(1),
        descriptor(2),
      ]);
      assert.deepEqual((await store.getGallery('fr-feature')).people, []);
      assert.deepEqual(
        (await store.listPhotosLackingDescriptors('fr-feature')).items.map((p) => p.id),
        ['f1'],
      );
    } finally {
      await store.close();
    }
    const check = new Database(path.join(dataDir, SQLITE_FILE_NAME));
    try {
      // The rebuilt table still holds a row to its model's length.
      assert.throws(
        () =>
          check
            .prepare(
              "INSERT INTO descriptors (id, person_id, photo_id, model, created_at, descriptor) VALUES ('x', 'p1', 'f1', 'fr-feature', 'x', x'00')",
            )
            .run(),
        /CHECK/,
      );
    } finally {
      check.close();
    }
  });

  it('upgrades a file of the last release (schema 2) in place: people, descriptors, attendance, unknown faces, settings and accounts intact', async () => {
    // The last release's schema, built from the migration history as that release applied it.
    const dataDir = await tempDir('store');
    const db = new Database(path.join(dataDir, SQLITE_FILE_NAME));
    migrate(db, () => new Date('2025-06-01T00:00:00Z'), MIGRATIONS.slice(0, 2));
    const at = '2025-06-01T08:00:00.000Z';
    const fr = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i) / 16);
    db.exec(`
      INSERT INTO users (id, name, role, password_hash, created_at) VALUES ('u1', 'Ada Admin', 'admin', 'scrypt$x', '${at}');
      INSERT INTO people (id, name, created_at, updated_at) VALUES ('p1', 'Grace', '${at}', '${at}');
      INSERT INTO photos (id, person_id, file_name, byte_length, created_at, bytes) VALUES ('f1', 'p1', 'g.jpg', 3, '${at}', x'010203');
      INSERT INTO events (id, type, node_id, camera_id, track_id, person_id, distance, thresholds, votes, at, box,
          frame_width, frame_height, model, backend, received_at, crop)
        VALUES ('e1', 'recognized', 'camera-pc', 'door', 't1', 'p1', 0.7, '{"match":1,"unknown":1.1}', 3, '${at}',
          '{"x":1,"y":2,"width":90,"height":90}', 640, 480, 'm', 'wasm', '${at}', x'ffd8ffd9'),
               ('e2', 'unknown', 'camera-pc', 'door', 't2', NULL, NULL, '{"match":1,"unknown":1.1}', NULL, '${at}',
          '{"x":1,"y":2,"width":90,"height":90}', 640, 480, 'm', 'wasm', '${at}', x'ffd8ffd9');
      INSERT INTO attendance (person_id, day, person_name, first_seen, last_seen, first_camera_id, last_camera_id,
          node_id, event_count) VALUES ('p1', '2025-06-01', 'Grace', '${at}', '${at}', 'door', 'door', 'camera-pc', 1);
      INSERT INTO unknown_faces (id, event_id, at, camera_id, node_id, status) VALUES ('q1', 'e2', '${at}', 'door', 'camera-pc', 'open');
      INSERT INTO settings (key, value, updated_at) VALUES ('web.settings', '{"strangerRateTarget":0.02}', '${at}');
    `);
    db.prepare(
      "INSERT INTO descriptors (id, person_id, photo_id, model, created_at, descriptor) VALUES ('d1', 'p1', 'f1', 'fr-feature', ?, ?)",
    ).run(at, Buffer.from(fr.buffer));
    db.close();

    const store = await SqliteStore.open({ dataDir });
    try {
      assert.equal((await store.getPersonByName('Grace'))?.id, 'p1');
      assert.deepEqual((await store.getGallery('fr-feature')).people[0]?.descriptors, [fr]);
      assert.equal((await store.getAttendance('p1', '2025-06-01'))?.eventCount, 1);
      assert.equal((await store.getEvent('e1'))?.personId, 'p1');
      const face = await store.getUnknownFace('q1');
      assert.deepEqual([face?.status, face?.unconfirmed, face?.candidate], ['open', false, null]);
      assert.deepEqual((await store.getSetting('web.settings'))?.value, { strangerRateTarget: 0.02 });
      assert.equal((await store.getUserByName('Ada Admin'))?.role, 'admin');
    } finally {
      await store.close();
    }
    const check = new Database(path.join(dataDir, SQLITE_FILE_NAME));
    try {
      const versions = check.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as {
        version: number;
      }[];
      // Every later migration ran, in order.
      assert.deepEqual(
        versions.map((v) => v.version),
        MIGRATIONS.map((m) => m.version).sort((a, b) => a - b),
      );
    } finally {
      check.close();
    }
  });

  it('migration 7 rebuilds people without the unique name: every photo, descriptor, face and membership kept, references still enforced', async () => {
    const dataDir = await tempDir('store');
    const db = new Database(path.join(dataDir, SQLITE_FILE_NAME));
    db.pragma('foreign_keys = ON');
    migrate(
      db,
      () => new Date('2025-06-01T00:00:00Z'),
      MIGRATIONS.filter((m) => m.version <= 6),
    );
    const at = '2025-06-01T08:00:00.000Z';
    const fa = Float32Array.from({ length: 128 }, (_, i) => Math.cos(i) / 8);
    db.exec(`
      INSERT INTO people (id, name, created_at, updated_at) VALUES ('p1', 'Mark Smith', '${at}', '${at}'),
        ('p2', 'Grace', '${at}', '${at}');
      INSERT INTO photos (id, person_id, file_name, byte_length, created_at, bytes) VALUES ('f1', 'p1', 'm.jpg', 3, '${at}', x'010203');
      INSERT INTO events (id, type, node_id, camera_id, track_id, person_id, distance, thresholds, votes, at, box,
          frame_width, frame_height, model, backend, received_at, crop)
        VALUES ('e2', 'unknown', 'camera-pc', 'door', 't2', NULL, NULL, '{"match":1,"unknown":1.1}', NULL, '${at}',
          '{"x":1,"y":2,"width":90,"height":90}', 640, 480, 'm', 'wasm', '${at}', x'ffd8ffd9');
      INSERT INTO unknown_faces (id, event_id, at, camera_id, node_id, status, assigned_person_id, decided_at)
        VALUES ('q1', 'e2', '${at}', 'door', 'camera-pc', 'assigned', 'p1', '${at}');
      INSERT INTO person_groups (id, name, created_at, updated_at) VALUES ('g1', 'Lab', '${at}', '${at}');
      INSERT INTO group_members (group_id, person_id, added_at) VALUES ('g1', 'p1', '${at}'), ('g1', 'p2', '${at}');
    `);
    db.prepare(
      "INSERT INTO descriptors (id, person_id, photo_id, model, created_at, descriptor) VALUES ('d1', 'p1', 'f1', 'face-api', ?, ?)",
    ).run(at, Buffer.from(fa.buffer));
    db.close();

    const store = await SqliteStore.open({ dataDir });
    try {
      // Nothing cascaded away while people was rebuilt.
      assert.equal((await store.getPerson('p1'))?.externalId, null);
      assert.equal((await store.listPhotos('p1')).length, 1);
      assert.deepEqual((await store.getGallery('face-api')).people[0]?.descriptors, [fa]);
      assert.equal((await store.getUnknownFace('q1'))?.assignedPersonId, 'p1');
      assert.deepEqual(
        (await store.listGroupMembers('g1')).map((p) => p.id),
        ['p2', 'p1'],
      );
      // A second Mark Smith is a second person now.
      const second = (await store.createPerson({ name: 'Mark Smith', externalId: 'S-2' })).person;
      assert.deepEqual(
        (await store.findPeopleByName('mark smith')).map((p) => p.id),
        ['p1', second.id],
      );
      // The references point at the new table: erasing a person still cascades.
      await store.deletePerson('p1');
      assert.deepEqual(await store.listPhotos('p1'), []);
      assert.deepEqual(
        (await store.listGroupMembers('g1')).map((p) => p.id),
        ['p2'],
      );
      await assert.rejects(
        store.addPhoto({ personId: 'p1', fileName: 'x.jpg', bytes: bytes(10) }),
        rejectsWithCode(ErrorCode.StoreNotFound),
      );
    } finally {
      await store.close();
    }
    const check = new Database(path.join(dataDir, SQLITE_FILE_NAME));
    try {
      assert.deepEqual(check.pragma('foreign_key_check'), []);
      assert.throws(
        () =>
          check
            .prepare(
              "INSERT INTO people (id, name, external_id, created_at, updated_at) VALUES ('p9', 'X', 'S-2', 'a', 'a')",
            )
            .run(),
        /UNIQUE constraint failed: people.external_id/,
      );
    } finally {
      check.close();
    }
  });

  it('migration 8 recounts the sightings of records kept before it, and leaves their time present unknown', async () => {
    const dataDir = await tempDir('store');
    const db = new Database(path.join(dataDir, SQLITE_FILE_NAME));
    migrate(
      db,
      () => new Date('2025-06-01T00:00:00Z'),
      MIGRATIONS.filter((m) => m.version < 8),
    );
    const at = (hms: string) => `2025-06-01T${hms}.000Z`;
    const insertEvent = db.prepare(
      `INSERT INTO events (id, type, node_id, camera_id, track_id, person_id, distance, thresholds, votes, at, box,
          frame_width, frame_height, model, backend, received_at)
        VALUES (?, 'sighting', 'camera-pc', 'door', 't1', ?, 0.7, '{"match":1,"unknown":1.1}', 3, ?,
          '{"x":1,"y":2,"width":90,"height":90}', 640, 480, 'm', 'wasm', ?)`,
    );
    db.exec(`INSERT INTO people (id, name, created_at, updated_at) VALUES
      ('p1', 'Grace', '${at('08:00:00')}', '${at('08:00:00')}'), ('p2', 'Alan', '${at('08:00:00')}', '${at('08:00:00')}')`);
    // Grace was in view from 08:00:00 to 08:09:50, re-reported every 10 s: the old rule counted 1.
    for (let i = 0; i < 60; i++) {
      const time = new Date(Date.parse(at('08:00:00')) + i * 10_000).toISOString();
      insertEvent.run(`g${i}`, 'p1', time, time);
    }
    // Alan's record was corrected by hand; its count stays.
    insertEvent.run('a1', 'p2', at('09:00:00'), at('09:00:00'));
    insertEvent.run('a2', 'p2', at('09:30:00'), at('09:30:00'));
    db.exec(`
      INSERT INTO attendance (person_id, day, person_name, first_seen, last_seen, first_camera_id, last_camera_id,
          node_id, event_count, corrected) VALUES
        ('p1', '2025-06-01', 'Grace', '${at('08:00:00')}', '${at('08:09:50')}', 'door', 'door', 'camera-pc', 1, 0),
        ('p2', '2025-06-01', 'Alan', '${at('08:00:00')}', '${at('17:00:00')}', 'door', 'door', 'camera-pc', 1, 1);
    `);
    db.close();

    const store = await SqliteStore.open({ dataDir });
    try {
      const grace = await store.getAttendance('p1', '2025-06-01');
      assert.equal(grace?.eventCount, 60);
      assert.equal(grace.visits, null, 'the time present of an old record is unknown');
      assert.equal(grace.cameras, null);
      assert.equal((await store.getAttendance('p2', '2025-06-01'))?.eventCount, 1);
      // A later sighting counts on, and the record stays without visits.
      const next = await store.recordAttendance(makeEvent({ personId: 'p1', at: at('08:10:00') }), {
        timeZone: 'UTC',
      });
      assert.equal(next.attendance?.eventCount, 61);
      assert.equal(next.attendance.visits, null);
    } finally {
      await store.close();
    }
  });

  it('refuses a database written by a newer Rollcall, and leaves it untouched', async () => {
    const dataDir = await tempDir('store');
    await (await SqliteStore.open({ dataDir })).close();
    const file = path.join(dataDir, SQLITE_FILE_NAME);
    const db = new Database(file);
    db.prepare(
      "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, 'future', 'x')",
    ).run(SCHEMA_VERSION + 1);
    db.close();

    await assert.rejects(SqliteStore.open({ dataDir }), (error: unknown) => {
      rejectsWithCode(ErrorCode.StoreSchemaTooNew)(error);
      assert.match(
        String(error),
        new RegExp(`version ${SCHEMA_VERSION + 1}, newer than this Rollcall's ${SCHEMA_VERSION}`),
      );
      return true;
    });
    const check = new Database(file, { readonly: true });
    const max = check.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number };
    check.close();
    assert.equal(max.v, SCHEMA_VERSION + 1);
  });

  it('says so when the file is not a database', async () => {
    const dataDir = await tempDir('store');
    await writeFile(path.join(dataDir, SQLITE_FILE_NAME), 'this is a text file, not SQLite '.repeat(100));
    await assert.rejects(SqliteStore.open({ dataDir }), rejectsWithCode(ErrorCode.StoreUnavailable));
  });

  it('refuses bad options with the option named', async () => {
    await assert.rejects(SqliteStore.open({ dataDir: '' }), rejectsWithCode(ErrorCode.StoreInvalid));
    await assert.rejects(
      SqliteStore.open({ dataDir: await tempDir('store'), fileName: '../x.db' }),
      rejectsWithCode(ErrorCode.StoreInvalid),
    );
    await assert.rejects(
      SqliteStore.open({ dataDir: await tempDir('store'), busyTimeoutMs: -1 }),
      /busyTimeoutMs/,
    );
  });

  it('enforces the size limits it is given', async () => {
    const store = await SqliteStore.open({
      dataDir: await tempDir('store'),
      maxPhotoBytes: 1000,
      maxCropBytes: 100,
    });
    try {
      const { person } = await store.createPerson({ name: 'Ada' });
      await assert.rejects(
        store.addPhoto({ personId: person.id, fileName: 'a.jpg', bytes: bytes(1001) }),
        rejectsWithCode(ErrorCode.StoreInvalid),
      );
      await assert.rejects(
        store.insertEventOnce(makeEvent({ personId: person.id, crop: bytes(101) })),
        rejectsWithCode(ErrorCode.StoreInvalid),
      );
    } finally {
      await store.close();
    }
  });

  it('stores an event once when two connections to one file receive it at the same time', async () => {
    const dataDir = await tempDir('store');
    const a = await SqliteStore.open({ dataDir });
    const b = await SqliteStore.open({ dataDir });
    try {
      const { person } = await a.createPerson({ name: 'Ada' });
      const events = Array.from({ length: 20 }, (_, i) =>
        makeEvent({ personId: person.id, at: new Date(Date.UTC(2025, 2, 10, 8, i)).toISOString() }),
      );
      const results = await Promise.all(
        events.flatMap((e) => [
          a.recordAttendance(e, { timeZone: 'UTC', cooldownS: 0 }),
          b.recordAttendance(e, { timeZone: 'UTC', cooldownS: 0 }),
        ]),
      );
      assert.equal(results.filter((r) => r.inserted).length, 20);
      const record = await b.getAttendance(person.id, '2025-03-10');
      assert.equal(record?.eventCount, 20);
      assert.equal(record.firstSeen, '2025-03-10T08:00:00.000Z');
      assert.equal(record.lastSeen, '2025-03-10T08:19:00.000Z');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('stores each event once when threads deliver the same events through their own connections', async () => {
    const dataDir = await tempDir('store');
    const setup = await SqliteStore.open({ dataDir });
    const { person } = await setup.createPerson({ name: 'Ada' });
    await setup.close();
    const events = Array.from({ length: 100 }, (_, i) =>
      makeEvent({ personId: person.id, at: new Date(Date.UTC(2025, 2, 10, 8, 0, i)).toISOString() }),
    );
    // Each thread opens its own connection and records every event, so writes really contend for
    // the file lock (busy_timeout plus IMMEDIATE transactions must serialise them).
    const storeModule = new URL('../../src/store/index.js', import.meta.url).href;
    const code = `
      import { workerData, parentPort } from 'node:worker_threads';
      import { SqliteStore } from ${JSON.stringify(storeModule)};
      const store = await SqliteStore.open({ dataDir: workerData.dataDir });
      let inserted = 0;
      for (const event of workerData.events) {
        if ((await store.recordAttendance(event, { timeZone: 'UTC', cooldownS: 0 })).inserted) inserted++;
      }
      await store.close();
      parentPort.postMessage(inserted);`;
    const runThread = (order: typeof events) =>
      new Promise<number>((resolve, reject) => {
        const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), {
          workerData: { dataDir, events: order },
        });
        worker.once('message', (n: number) => {
          resolve(n);
        });
        worker.once('error', reject);
      });
    const counts = await Promise.all([
      runThread(events),
      runThread([...events].reverse()),
      runThread(events),
    ]);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      100,
      `each event inserted by exactly one thread (${counts.join(', ')})`,
    );
    const store = await SqliteStore.open({ dataDir });
    try {
      const record = await store.getAttendance(person.id, '2025-03-10');
      assert.equal(record?.eventCount, 100);
      assert.equal(record.firstSeen, '2025-03-10T08:00:00.000Z');
      assert.equal(record.lastSeen, '2025-03-10T08:01:39.000Z');
      assert.equal((await store.listEvents({ limit: 1000 })).items.length, 100);
    } finally {
      await store.close();
    }
  });

  it('uses the injected clock and id generator', async () => {
    let n = 0;
    const store = await SqliteStore.open({
      dataDir: await tempDir('store'),
      now: () => new Date('2030-01-02T03:04:05.000Z'),
      newId: () => `id-${++n}`,
    });
    try {
      const { person } = await store.createPerson({ name: 'Ada' });
      assert.equal(person.id, 'id-1');
      assert.equal(person.createdAt, '2030-01-02T03:04:05.000Z');
    } finally {
      await store.close();
    }
  });
});

describe('createStore', () => {
  it('opens SQLite under dataDir when no MongoDB URI is given', async () => {
    const dataDir = await tempDir('store');
    const store = await createStore({ dataDir, mongodbUri: undefined });
    try {
      assert.ok(store instanceof SqliteStore);
      assert.equal((await store.createPerson({ name: 'Ada' })).galleryVersion, 1);
    } finally {
      await store.close();
    }
    assert.ok((await readdir(dataDir)).includes(SQLITE_FILE_NAME));
  });
});
