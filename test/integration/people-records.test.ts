/**
 * People as records, over real HTTP on a real web node (SQLite, a private Redis, the real
 * enrollment service): names that repeat stay two people, external ids are unique, an unknown face
 * goes to a new person only when asked, and deleting a person erases their attendance or keeps it
 * as "Deleted person #N", never merged with whoever enrolls later under the same name.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { SESSION_DEFAULTS } from '../../src/core/index.js';
import type { Person } from '../../src/store/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { startApiWebNode, type ApiWebNode } from '../support/api-web-node.js';
import { makeEvent, UTC } from './store-contract/support.js';

const DAY = '2025-03-10';

describe('people as records, through the API', () => {
  let node: ApiWebNode;
  let jpeg: Buffer;

  before(async () => {
    node = await startApiWebNode('people-records', { enrollment: 'real' });
    jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#a85' } })
      .jpeg()
      .toBuffer();
  });

  after(async () => {
    await node.close();
  });

  /** `POST /people` as multipart, as the People page sends it. */
  async function enroll(
    name: string,
    externalId?: string,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const body = new FormData();
    body.append('name', name);
    if (externalId !== undefined) body.append('externalId', externalId);
    body.append('photos', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'face.jpg');
    const res = await fetch(`${node.base}/api/v1/people`, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.tokens.admin}` },
      body,
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  async function enrolled(name: string, externalId?: string): Promise<Person> {
    const { status, json } = await enroll(name, externalId);
    assert.equal(status, 202, JSON.stringify(json));
    return json.person as Person;
  }

  /** Every row of `table` whose `column` holds `id`, read from the database file itself. */
  function rowsWith(table: string, column: string, id: string, extra = ''): unknown[] {
    assert.ok(node.store instanceof SqliteStore, 'the API web node keeps SQLite');
    const db = new Database(node.store.file, { readonly: true });
    try {
      return db.prepare(`SELECT * FROM ${table} WHERE ${column} = ? ${extra}`).all(id);
    } finally {
      db.close();
    }
  }

  it('enrolling a name that exists makes a second person; the name lists both', async () => {
    const first = await enrolled('Mark Zuckerberg', 'S-1');
    const second = await enrolled('mark zuckerberg');
    assert.notEqual(first.id, second.id, 'same name, two people');
    assert.equal(first.externalId, 'S-1');
    assert.equal(second.externalId, null);
    assert.equal((await node.store.listPhotos(first.id)).length, 1, 'no photo went to the first');

    const named = await node.call('admin', 'GET', '/people?name=MARK%20ZUCKERBERG');
    assert.equal(named.status, 200);
    const people = named.json.people as { id: string; externalId: string | null; photoCount: number }[];
    assert.deepEqual(
      people.map((p) => [p.id, p.externalId, p.photoCount]),
      [
        [first.id, 'S-1', 1],
        [second.id, null, 1],
      ],
    );
    assert.deepEqual((await node.call('admin', 'GET', '/people?name=Nobody')).json.people, []);
    // Adding photos to one of them goes by id.
    const add = new FormData();
    add.append('photos', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'more.jpg');
    const added = await fetch(`${node.base}/api/v1/people/${second.id}/photos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.tokens.admin}` },
      body: add,
    });
    assert.equal(added.status, 202);
    assert.equal((await node.store.listPhotos(second.id)).length, 2);
    assert.equal((await node.store.listPhotos(first.id)).length, 1);
  });

  it('refuses an external id someone has: 409 EXTERNAL_ID_TAKEN, nothing stored; PATCH sets and clears it', async () => {
    const ada = await enrolled('Ada', 'E-7');
    const before = (await node.store.listPeople({ limit: 1000 })).items.length;
    const clash = await enroll('Bob', 'E-7');
    assert.equal(clash.status, 409);
    assert.equal(clash.json.code, 'EXTERNAL_ID_TAKEN');
    assert.match(String(clash.json.message), /E-7.*Ada/);
    assert.equal((await node.store.listPeople({ limit: 1000 })).items.length, before, 'no one was added');

    const bob = await enrolled('Bob', '  ');
    assert.equal(bob.externalId, null, 'a blank external id is none');
    const taken = await node.call('admin', 'PATCH', `/people/${bob.id}`, { externalId: 'E-7' });
    assert.equal(taken.status, 409);
    assert.equal(taken.json.code, 'EXTERNAL_ID_TAKEN');

    const set = await node.call('admin', 'PATCH', `/people/${bob.id}`, { externalId: ' E-8 ' });
    assert.equal(set.status, 200, set.text);
    assert.equal((set.json.person as Person).externalId, 'E-8');
    const cleared = await node.call('admin', 'PATCH', `/people/${ada.id}`, { externalId: null });
    assert.equal((cleared.json.person as Person).externalId, null);
    const renamed = await node.call('admin', 'PATCH', `/people/${ada.id}`, { name: 'Ada King' });
    assert.equal((renamed.json.person as Person).name, 'Ada King');

    for (const [body, status, code] of [
      [{}, 400, 'REQUEST_INVALID'],
      [{ externalId: 7 }, 400, 'REQUEST_INVALID'],
      [{ name: '' }, 400, 'REQUEST_INVALID'],
    ] as const) {
      const refused = await node.call('admin', 'PATCH', `/people/${bob.id}`, body);
      assert.deepEqual([refused.status, refused.json.code], [status, code], JSON.stringify(body));
    }
    assert.equal((await node.call('admin', 'PATCH', '/people/nobody', { name: 'X' })).status, 404);
    assert.equal((await node.call('viewer', 'PATCH', `/people/${bob.id}`, { name: 'X' })).status, 403);
  });

  it('assigns an unknown face to a new name only when asked, and asks for the id when a name is shared', async () => {
    const faceOf = async (): Promise<string> =>
      (
        await node.store.recordUnknownFace(
          makeEvent({ type: 'unknown', personId: null, at: new Date().toISOString(), crop: jpeg }),
        )
      ).face.id;
    const face = await faceOf();
    const url = `/unknown-faces/${face}/assign`;

    const typo = await node.call('admin', 'POST', url, { name: 'Elon Musc' });
    assert.equal(typo.status, 422);
    assert.equal(typo.json.code, 'PERSON_NAME_UNKNOWN');
    assert.match(String(typo.json.message), /no one is called "Elon Musc"/);
    assert.equal((await node.store.getUnknownFace(face))?.status, 'open');
    assert.deepEqual(await node.store.findPeopleByName('Elon Musc'), [], 'no stranger was enrolled');

    const shared = await node.call('admin', 'POST', url, { name: 'Mark Zuckerberg' });
    assert.equal(shared.status, 409);
    assert.equal(shared.json.code, 'PERSON_NAME_AMBIGUOUS');
    assert.match(String(shared.json.message), /2 people are called "Mark Zuckerberg".*S-1.*personId/);

    const bad = await node.call('admin', 'POST', url, { name: 'X', createPerson: 'yes' });
    assert.equal(bad.status, 400);

    const created = await node.call('admin', 'POST', url, { name: 'Elon Musc', createPerson: true });
    assert.equal(created.status, 202, created.text);
    const person = created.json.person as Person;
    assert.equal(person.name, 'Elon Musc');
    assert.equal((await node.store.getUnknownFace(face))?.assignedPersonId, person.id);

    // A name exactly one person has is that person.
    const another = await faceOf();
    const toOne = await node.call('admin', 'POST', `/unknown-faces/${another}/assign`, {
      name: 'elon musc',
    });
    assert.equal(toOne.status, 202);
    assert.equal((toOne.json.person as Person).id, person.id);
  });

  /** A person with a day of history: attendance, a correction, an excuse, a group, faces. */
  async function withHistory(name: string): Promise<{ person: Person; eventId: string; faceId: string }> {
    const person = await enrolled(name);
    const event = makeEvent({ personId: person.id, at: `${DAY}T08:00:00.000Z` });
    await node.store.recordAttendance(event, UTC);
    await node.store.correctAttendance({
      personId: person.id,
      day: DAY,
      by: 'admin user',
      reason: 'stayed late',
      change: { firstSeen: `${DAY}T08:00:00.000Z`, lastSeen: `${DAY}T18:00:00.000Z` },
    });
    const group = await node.store.createGroup({ name: `Group of ${person.id}` });
    const session = await node.store.addGroupSession(group.id, {
      ...SESSION_DEFAULTS,
      holidays: [],
      weekdays: ['mon'],
      start: '09:00',
      end: '10:00',
      lateGraceMin: 5,
    });
    await node.store.addGroupMembers(group.id, [person.id]);
    await node.store.excuseSession({
      sessionId: session.id,
      personId: person.id,
      day: DAY,
      reason: 'ill',
      by: 'a',
    });
    const { face } = await node.store.recordUnknownFace(
      makeEvent({ type: 'unknown', personId: null, at: new Date().toISOString(), crop: jpeg }),
    );
    await node.store.assignUnknownFace(face.id, person.id);
    return { person, eventId: event.id, faceId: face.id };
  }

  it('deleting with attendance=erase leaves no row of the person anywhere', async () => {
    const { person, eventId, faceId } = await withHistory('Erin Erased');
    const refused = await node.call('admin', 'DELETE', `/people/${person.id}?attendance=forget`);
    assert.equal(refused.status, 400);
    assert.match(String(refused.json.message), /attendance: must be one of erase, anonymise/);

    const deleted = await node.call('admin', 'DELETE', `/people/${person.id}?attendance=erase`);
    assert.equal(deleted.status, 200, deleted.text);
    assert.deepEqual(
      [
        deleted.json.erased,
        deleted.json.attendance,
        deleted.json.attendanceRecords,
        deleted.json.anonymisedAs,
      ],
      [true, 'erase', 1, null],
    );
    for (const [table, column] of [
      ['people', 'id'],
      ['photos', 'person_id'],
      ['descriptors', 'person_id'],
      ['attendance', 'person_id'],
      ['attendance_corrections', 'person_id'],
      ['session_excuses', 'person_id'],
      ['group_members', 'person_id'],
      ['unknown_faces', 'assigned_person_id'],
      ['deleted_people', 'person_id'],
    ] as const) {
      assert.deepEqual(rowsWith(table, column, person.id), [], `${table} has no row of the person`);
    }
    // The recognition event stays in the audit trail, without a face.
    assert.deepEqual(rowsWith('events', 'person_id', person.id, 'AND crop IS NOT NULL'), []);
    assert.equal((await node.store.getEvent(eventId))?.hasCrop, false);
    assert.equal(await node.store.getUnknownFace(faceId), null);
  });

  it('deleting by default keeps attendance as "Deleted person #N"; Elon enrolled again is another row, counted once', async () => {
    const { person: elon } = await withHistory('Elon Musk');
    const mark = await enrolled('Mark Present');
    await node.store.recordAttendance(makeEvent({ personId: mark.id, at: `${DAY}T09:00:00.000Z` }), UTC);

    const deleted = await node.call('admin', 'DELETE', `/people/${elon.id}`);
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(deleted.json.attendance, 'anonymise', 'the default keeps the record of presence');
    assert.match(String(deleted.json.anonymisedAs), /^Deleted person #\d+$/);
    const anonymous = String(deleted.json.anonymisedAs);
    assert.equal(deleted.json.attendanceRecords, 1);
    // Biometrics and memberships are gone all the same.
    for (const [table, column] of [
      ['photos', 'person_id'],
      ['descriptors', 'person_id'],
      ['group_members', 'person_id'],
      ['unknown_faces', 'assigned_person_id'],
    ] as const) {
      assert.deepEqual(rowsWith(table, column, elon.id), [], `${table} has no row of the person`);
    }
    assert.deepEqual(rowsWith('events', 'person_id', elon.id, 'AND crop IS NOT NULL'), []);

    const again = await enrolled('Elon Musk');
    assert.notEqual(again.id, elon.id);
    await node.store.recordAttendance(makeEvent({ personId: again.id, at: `${DAY}T10:00:00.000Z` }), UTC);

    const day = await node.call('admin', 'GET', `/attendance?date=${DAY}`);
    const records = day.json.records as { person: { id: string; name: string } }[];
    const names = records.map((r) => r.person.name).sort();
    // Three person records were present that day (earlier tests' people erased theirs): the
    // deleted Elon, the new Elon and Mark, each once, by id; only one of them is called Elon Musk.
    assert.deepEqual(names, [anonymous, 'Elon Musk', 'Mark Present'].sort());
    assert.equal(new Set(records.map((r) => r.person.id)).size, records.length, 'one row per person id');
    assert.equal(records.find((r) => r.person.name === anonymous)?.person.id, elon.id);
    assert.equal(records.find((r) => r.person.name === 'Elon Musk')?.person.id, again.id);

    const corrections = await node.call('admin', 'GET', `/attendance/corrections?date=${DAY}`);
    const corrected = (
      corrections.json.corrections as { person: { id: string; name: string | null } }[]
    ).find((c) => c.person.id === elon.id);
    assert.equal(corrected?.person.name, anonymous, 'the correction names no one either');

    const csv = await fetch(`${node.base}/api/v1/attendance.csv?from=${DAY}&to=${DAY}`, {
      headers: { authorization: `Bearer ${node.tokens.admin}` },
    });
    const text = await csv.text();
    assert.equal(text.split('Elon Musk').length - 1, 1, 'one Elon Musk in the CSV');
    assert.match(text, new RegExp(anonymous));
  });
});
