/**
 * Groups over the REST API on a real web node (HTTP on port 0, SQLite, a private Redis): an
 * administrator builds a class with members and sessions, tags the cameras, excuses a session,
 * and reads the roster of a day of recognitions; a viewer reads but changes nothing; bad input
 * gets a plain 4xx and changes nothing.
 */
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { after, before, describe, it } from 'node:test';
import type { RosterView } from '../../src/services/index.js';
import type { Store } from '../../src/store/index.js';
import { makeEvent } from './store.contract.js';
import { startApiWebNode, type ApiWebNode } from '../support/api-web-node.js';
import { Browser } from '../support/http-browser.js';

const DAY = '2025-03-10'; // a Monday, long past: every session of it is over

describe('groups over the REST API', () => {
  let node: ApiWebNode;
  let store: Store;
  let base: string;
  let tokens: ApiWebNode['tokens'];
  const call: ApiWebNode['call'] = (...args) => node.call(...args);

  before(async () => {
    node = await startApiWebNode('web-groups');
    ({ store, base, tokens } = node);
  });

  after(() => node.close());

  it('builds a class, tags the cameras, excuses a session and reads the roster of a day', async () => {
    const created = await call('admin', 'POST', '/groups', { name: 'Class 6F', minAttendanceRate: 0.9 });
    assert.equal(created.status, 201);
    const groupId = (created.json.group as { id: string }).id;
    const people: Record<string, string> = {};
    for (const name of ['Ivy', 'Jon', 'Kim']) people[name] = (await store.createPerson({ name })).person.id;
    const added = await call('admin', 'POST', `/groups/${groupId}/members`, {
      personIds: Object.values(people),
    });
    assert.equal(added.status, 200);
    assert.deepEqual(
      (added.json.group as { members: { name: string }[] }).members.map((m) => m.name),
      ['Ivy', 'Jon', 'Kim'],
    );
    // Only the days and times are required; the rest takes the defaults.
    const session = await call('admin', 'POST', `/groups/${groupId}/sessions`, {
      weekdays: ['mon'],
      start: '09:00',
      end: '10:00',
      lateGraceMin: 5,
    });
    assert.equal(session.status, 201, JSON.stringify(session.json));
    const sessionId = (session.json.session as { id: string; checkInWindowMin: number }).id;
    assert.equal((session.json.session as { checkInWindowMin: number }).checkInWindowMin, 60);
    assert.deepEqual((await call('admin', 'PUT', '/cameras/door/role', { role: 'entry' })).json, {
      roles: { door: 'entry' },
      cameras: [{ cameraId: 'door', role: 'entry', source: 'admin', tag: 'entry', declared: null }],
    });
    const excused = await call('admin', 'POST', `/groups/${groupId}/sessions/${sessionId}/excuses`, {
      personId: people.Kim,
      day: DAY,
      reason: 'doctor',
    });
    assert.equal(excused.status, 201);
    assert.equal((excused.json.excuse as { by: string }).by, 'admin user');

    for (const [name, time] of [
      ['Ivy', '08:55'],
      ['Jon', '09:20'],
    ] as const)
      await store.recordAttendance(
        makeEvent({ personId: people[name] ?? '', cameraId: 'door', at: `${DAY}T${time}:00.000Z` }),
        { timeZone: 'UTC', cooldownS: 0 },
      );
    const roster = await call('viewer', 'GET', `/groups/${groupId}/roster?date=${DAY}`);
    assert.equal(roster.status, 200);
    const view = roster.json as unknown as RosterView;
    assert.deepEqual(
      view.sessions[0]?.entries.map((e) => [e.person.name, e.status, e.excuse?.reason ?? null]),
      [
        ['Ivy', 'present', null],
        ['Jon', 'late', null],
        ['Kim', 'excused', 'doctor'],
      ],
    );
    const [monday] = view.sessions;
    assert.equal(monday.arrived, 2);
    assert.equal(view.timeZone, 'UTC', 'the attendance zone, for the page to show times in');
    // Tuesday: no session of the group runs.
    assert.deepEqual(
      (await call('viewer', 'GET', `/groups/${groupId}/roster?date=2025-03-11`)).json.sessions,
      [],
    );
    const listed = await call('viewer', 'GET', '/groups');
    assert.deepEqual(
      (listed.json.groups as { name: string; memberCount: number; sessions: unknown[] }[]).map((g) => [
        g.name,
        g.memberCount,
        g.sessions.length,
      ]),
      [['Class 6F', 3, 1]],
    );
  });

  it("serves the Groups page and each group's roster board, the management to admins only", async () => {
    // The pages need a signed-in session: a token is for the API.
    const browsers = { admin: new Browser(base), viewer: new Browser(base) };
    for (const as of ['admin', 'viewer'] as const) await browsers[as].signIn(`${as} user`, 'x'.repeat(12));
    const page = async (as: keyof typeof tokens, path: string): Promise<{ status: number; html: string }> => {
      const res = await browsers[as].fetch(path, { headers: { accept: 'text/html' } });
      return { status: res.status, html: await res.text() };
    };
    const [group] = (await call('viewer', 'GET', '/groups')).json.groups as { id: string; name: string }[];
    assert.ok(group);
    for (const as of ['viewer', 'admin'] as const) {
      const list = await page(as, '/groups');
      assert.equal(list.status, 200, as);
      assert.match(list.html, /<script type="module" src="\/assets\/groups.js"><\/script>/);
      assert.match(list.html, /<a href="\/groups" aria-current="page">Groups<\/a>/);
      assert.equal(list.html.includes('id="group-create"'), as === 'admin', `${as}: the new-group form`);
      assert.equal(list.html.includes('id="camera-roles"'), as === 'admin', `${as}: the cameras card`);
      const board = await page(as, `/groups/${group.id}`);
      assert.equal(board.status, 200, as);
      assert.match(board.html, /<title>Class 6F · Rollcall<\/title>/);
      assert.match(
        board.html,
        new RegExp(`data-group="${group.id}"\\s+data-admin="${as === 'admin' ? 'yes' : 'no'}"`),
      );
      assert.equal(board.html.includes('id="roster-manage"'), as === 'admin', `${as}: the manage section`);
      assert.equal(board.html.includes('id="excuse"'), as === 'admin', `${as}: the excuse dialog`);
    }
    // The session form starts from the defaults of core, Monday first.
    const admin = (await page('admin', `/groups/${group.id}`)).html;
    assert.match(admin, /id="session-check-in-window"[^>]*value="60"/);
    assert.match(admin, /id="session-absent-below"[^>]*value=""/);
    assert.deepEqual(
      [...admin.matchAll(/name="weekdays" value="(\w+)"/g)].map((m) => m[1]),
      ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    );
    const missing = await page('viewer', '/groups/no-such-group');
    assert.equal(missing.status, 404);
    assert.match(missing.html, /no group with id no-such-group/);
    assert.equal((await page('viewer', '/groups/not%20an%20id')).status, 400);
  });

  it('reports a range as JSON, CSV and XLSX: counts, a rate, the minimum, times in the zone', async () => {
    const [group] = (await call('viewer', 'GET', '/groups')).json.groups as { id: string }[];
    assert.ok(group);
    // Mondays 2025-03-10 (Ivy on time, Jon late, Kim excused) and 2025-03-17 (nobody came).
    const report = await call('viewer', 'GET', `/reports/groups/${group.id}?from=2025-03-10&to=2025-03-17`);
    assert.equal(report.status, 200, JSON.stringify(report.json));
    const members = report.json.members as {
      person: { name: string };
      counts: Record<string, number>;
      rate: number | null;
      belowMinimum: boolean;
    }[];
    assert.deepEqual(
      members.map((m) => [
        m.person.name,
        m.counts.present,
        m.counts.late,
        m.counts.absent,
        m.counts.excused,
        m.rate,
        m.belowMinimum,
      ]),
      [
        ['Ivy', 1, 0, 1, 0, 0.5, true],
        ['Jon', 0, 1, 1, 0, 0.5, true],
        ['Kim', 0, 0, 1, 1, 0, true],
      ],
    );
    const csv = await fetch(`${base}/api/v1/reports/groups/${group.id}.csv?from=2025-03-10&to=2025-03-17`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    assert.equal(csv.status, 200);
    assert.match(
      csv.headers.get('content-disposition') ?? '',
      /attendance-Class-6F-2025-03-10-to-2025-03-17\.csv/,
    );
    const bytes = new Uint8Array(await csv.arrayBuffer());
    assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], 'a byte order mark, for Excel');
    const lines = new TextDecoder().decode(bytes).split('\r\n');
    assert.equal(
      lines[0],
      'day,session,person,person_id,status,arrived (UTC),left (UTC),minutes_present,excuse',
    );
    assert.match(lines[2] ?? '', /^2025-03-10,09:00–10:00,Jon,[^,]+,late,2025-03-10T09:20:00\+00:00,,40,$/);
    assert.match(lines[3] ?? '', /^2025-03-10,09:00–10:00,Kim,[^,]+,excused,,,0,doctor \(by admin user\)$/);
    assert.equal(lines.filter((line) => line.startsWith('2025-03-17')).length, 3);
    const xlsx = await fetch(`${base}/api/v1/reports/groups/${group.id}.xlsx?from=2025-03-10&to=2025-03-17`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    assert.equal(xlsx.status, 200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await xlsx.arrayBuffer());
    assert.deepEqual(
      workbook.worksheets.map((sheet) => [sheet.name, sheet.rowCount]),
      [
        ['Summary', 4],
        ['Sessions', 7],
      ],
    );
    const ivyId = members[0] && (report.json.members as { person: { id: string } }[])[0]?.person.id;
    assert.deepEqual((workbook.getWorksheet('Summary')?.getRow(2).values as unknown[]).slice(1), [
      'Ivy',
      ivyId,
      1,
      0,
      0,
      1,
      0,
      2,
      0.5,
      'yes',
    ]);
    const history = await call(
      'viewer',
      'GET',
      `/reports/people/${(report.json.members as { person: { id: string } }[])[1]?.person.id ?? ''}?from=2025-03-10&to=2025-03-17`,
    );
    assert.deepEqual(
      (history.json.records as { day: string; status: string }[]).map((r) => [r.day, r.status]),
      [
        ['2025-03-10', 'late'],
        ['2025-03-17', 'absent'],
      ],
    );
    const tooLong = await call('viewer', 'GET', `/reports/groups/${group.id}?from=2024-01-01&to=2025-03-17`);
    assert.equal(tooLong.status, 400);
    assert.match(String(tooLong.json.message), /at most 366 days/);
  });

  it('lets a viewer read but change nothing', async () => {
    const { json } = await call('viewer', 'GET', '/groups');
    const [group] = json.groups as { id: string }[];
    assert.ok(group);
    assert.equal((await call('viewer', 'GET', `/groups/${group.id}`)).status, 200);
    for (const [method, path, body] of [
      ['POST', '/groups', { name: 'Sneaky' }],
      ['PATCH', `/groups/${group.id}`, { name: 'Renamed' }],
      ['DELETE', `/groups/${group.id}`, undefined],
      ['POST', `/groups/${group.id}/sessions`, { weekdays: ['tue'], start: '09:00', end: '10:00' }],
      ['PUT', '/cameras/door/role', { role: 'exit' }],
    ] as const)
      assert.equal((await call('viewer', method, path, body)).status, 403, `${method} ${path}`);
    assert.equal((await call('viewer', 'GET', '/groups')).json.groups instanceof Array, true);
  });

  it('answers bad input with a plain 4xx and changes nothing', async () => {
    const [group] = (await call('admin', 'GET', '/groups')).json.groups as {
      id: string;
      sessions: unknown[];
    }[];
    assert.ok(group);
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/groups', { name: '' }, 400, /name: the group needs a name/],
      ['POST', '/groups', { name: 'Class 6F' }, 409, /already exists/],
      ['POST', '/groups', { name: 'X', minAttendanceRate: 2 }, 400, /minAttendanceRate: a share from 0 to 1/],
      [
        'POST',
        `/groups/${group.id}/sessions`,
        { weekdays: ['mon'], start: '10:00', end: '09:00' },
        400,
        /ends \(09:00\) before it starts/,
      ],
      [
        'POST',
        `/groups/${group.id}/sessions`,
        { weekdays: ['mon'], start: '09:30', end: '10:30' },
        409,
        /overlaps the group's session mon 09:00–10:00/,
      ],
      [
        'POST',
        `/groups/${group.id}/sessions`,
        { start: '09:30', end: '10:30' },
        400,
        /weekdays: the session needs weekdays/,
      ],
      [
        'POST',
        `/groups/${group.id}/sessions`,
        { weekdays: ['someday'], start: '11:00', end: '12:00' },
        400,
        /"someday" is not a day of the week/,
      ],
      ['POST', `/groups/${group.id}/members`, { personIds: [] }, 400, /personIds/],
      ['POST', `/groups/${group.id}/members`, { personIds: ['nobody'] }, 404, /no person with id nobody/],
      ['PUT', '/cameras/door/role', { role: 'sideways' }, 400, /role: must be one of entry, exit, both/],
      [
        'PUT',
        '/cameras/door/role',
        {},
        400,
        /role: entry, exit or both, or null to follow the camera's configuration/,
      ],
      ['PUT', '/cameras/door/role', { role: 7 }, 400, /role: entry, exit or both, or null/],
      ['GET', '/groups/nope', undefined, 404, /no group with id nope/],
      ['GET', `/groups/${group.id}/roster?date=2025-02-30`, undefined, 400, /date/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await call('admin', method, path, body);
      assert.equal(
        res.status,
        status,
        `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.json)}`,
      );
      assert.match(String(res.json.message), message);
    }
    const after = (await call('admin', 'GET', `/groups/${group.id}`)).json.group as { sessions: unknown[] };
    assert.equal(after.sessions.length, 1, 'no session was added by a refused request');
  });
});
