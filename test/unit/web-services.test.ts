/** The rules that left the web routes for services, on strict fakes of the store methods they pick. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RollcallError } from '../../src/core/index.js';
import {
  AttendanceCorrectionService,
  AttendanceReportService,
  SignInService,
  TOKEN_TOUCH_INTERVAL_MS,
} from '../../src/services/index.js';
import { generateApiToken, hashApiToken, stoppedClock } from '../../src/shared/index.js';
import type {
  AttendanceCorrection,
  AttendanceCorrectionInput,
  AttendanceQuery,
  ApiToken,
  StoredAttendance,
  User,
} from '../../src/store/index.js';

const NOON_UTC = Date.parse('2026-03-10T12:00:00Z');

function record(personId: string, day: string): StoredAttendance {
  return {
    personId,
    personName: `name of ${personId}`,
    day,
    firstSeen: `${day}T08:00:00.000Z`,
    lastSeen: `${day}T17:00:00.000Z`,
    firstCameraId: 'door',
    lastCameraId: 'hall',
    nodeId: 'node-1',
    eventCount: 3,
    visits: null,
    cameras: null,
    corrected: false,
  };
}

describe('AttendanceReportService', () => {
  it('reads today in the attendance zone, and a range page by page until the last', async () => {
    const queries: AttendanceQuery[] = [];
    const rows = [record('p1', '2026-03-10'), record('p2', '2026-03-10')];
    const reports = new AttendanceReportService({
      store: {
        listAttendance: (query) => {
          queries.push(query);
          const offset = query.offset ?? 0;
          return Promise.resolve({
            items: rows.slice(offset, offset + 1),
            nextOffset: offset + 1 < rows.length ? offset + 1 : null,
          });
        },
      },
      clock: stoppedClock(Date.parse('2026-03-10T23:30:00Z')),
      timeZone: () => 'Asia/Tokyo',
    });
    assert.equal(reports.today(), '2026-03-11');

    const day = await reports.day(undefined, { limit: 5 });
    assert.equal(day.date, '2026-03-11');
    assert.deepEqual(queries.at(-1), { from: '2026-03-11', to: '2026-03-11', limit: 5 });

    const pages = [];
    for await (const page of reports.between('2026-03-01', '2026-03-10')) pages.push(page);
    assert.deepEqual(
      pages.map((page) => page.map((r) => r.person)),
      [[{ id: 'p1', name: 'name of p1' }], [{ id: 'p2', name: 'name of p2' }]],
    );
    assert.deepEqual(
      queries.slice(1).map((q) => q.offset),
      [0, 1],
    );
  });
});

describe('AttendanceCorrectionService', () => {
  function service(writes: AttendanceCorrectionInput[]) {
    return new AttendanceCorrectionService({
      store: {
        listCorrections: () => Promise.reject(new Error('not used')),
        correctAttendance: (input) => {
          writes.push(input);
          const after =
            'remove' in input.change ? null : { ...record(input.personId, input.day), ...input.change };
          const correction: AttendanceCorrection = {
            id: 'c1',
            personId: input.personId,
            day: input.day,
            by: input.by,
            reason: input.reason,
            at: new Date(NOON_UTC).toISOString(),
            before: null,
            after,
          };
          return Promise.resolve(correction);
        },
      },
      clock: stoppedClock(NOON_UTC),
      timeZone: () => 'Europe/Paris',
    });
  }

  it('turns check-in and check-out in the attendance zone into instants', async () => {
    const writes: AttendanceCorrectionInput[] = [];
    const view = await service(writes).correct({
      personId: 'p1',
      day: '2026-03-10',
      by: 'admin',
      reason: 'badge left at home',
      present: true,
      checkIn: '09:00',
      checkOut: '17:30',
    });
    assert.deepEqual(writes[0]?.change, {
      firstSeen: '2026-03-10T08:00:00.000Z',
      lastSeen: '2026-03-10T16:30:00.000Z',
    });
    assert.equal(view.present, true);
    assert.equal(view.person.name, 'name of p1');
  });

  it('refuses a check-out before the check-in without writing, and removes a record for absent', async () => {
    const writes: AttendanceCorrectionInput[] = [];
    const corrections = service(writes);
    const base = { personId: 'p1', day: '2026-03-10', by: 'admin', reason: 'r' };
    await assert.rejects(
      corrections.correct({ ...base, present: true, checkIn: '10:00', checkOut: '09:59' }),
      {
        code: ErrorCode.RequestInvalid,
        message: 'checkOut: must not be before checkIn',
      },
    );
    assert.equal(writes.length, 0);
    const view = await corrections.correct({ ...base, present: false });
    assert.deepEqual(writes[0]?.change, { remove: true });
    assert.equal(view.present, false);
  });
});

describe('SignInService', () => {
  const user: User = {
    id: 'u1',
    name: 'ada',
    role: 'viewer',
    passwordHash: 'unused',
    createdAt: '2026-01-01T00:00:00.000Z',
    disabled: false,
  };

  function signIn(token: ApiToken, owner: User | null, touched: string[], nowMs: number) {
    return new SignInService({
      store: {
        getUser: (id) => Promise.resolve(owner?.id === id ? owner : null),
        getUserByName: () => Promise.reject(new Error('not used')),
        findApiTokenByHash: (hash) => Promise.resolve(hash === token.tokenHash ? token : null),
        touchApiToken: (id, at) => {
          touched.push(`${id}@${at}`);
          return Promise.resolve();
        },
      },
      clock: stoppedClock(nowMs),
    });
  }

  it('names the token user, noting its use at most once a minute', async () => {
    const secret = generateApiToken();
    const lastUsedAt = new Date(NOON_UTC - TOKEN_TOUCH_INTERVAL_MS + 1).toISOString();
    const token: ApiToken = {
      id: 't1',
      userId: 'u1',
      name: 'ci',
      tokenHash: hashApiToken(secret),
      createdAt: '2026-01-01T00:00:00.000Z',
      lastUsedAt,
      revoked: false,
    };
    const touched: string[] = [];
    assert.equal((await signIn(token, user, touched, NOON_UTC).tokenUser(secret)).id, 'u1');
    assert.deepEqual(touched, []);
    await signIn(token, user, touched, NOON_UTC + 1).tokenUser(secret);
    assert.deepEqual(touched, [`t1@${new Date(NOON_UTC + 1).toISOString()}`]);
  });

  it('lets a token in when its use cannot be noted because the disk is full', async () => {
    const secret = generateApiToken();
    const token: ApiToken = {
      id: 't1',
      userId: 'u1',
      name: 'ci',
      tokenHash: hashApiToken(secret),
      createdAt: '2026-01-01T00:00:00.000Z',
      lastUsedAt: null,
      revoked: false,
    };
    const failingTouch = (error: Error) =>
      new SignInService({
        store: {
          getUser: () => Promise.resolve(user),
          getUserByName: () => Promise.reject(new Error('not used')),
          findApiTokenByHash: () => Promise.resolve(token),
          touchApiToken: () => Promise.reject(error),
        },
        clock: stoppedClock(NOON_UTC),
      });
    const full = new RollcallError(ErrorCode.DiskFull, 'the disk holding the database is full');
    assert.equal((await failingTouch(full).tokenUser(secret)).id, 'u1');
    const broken = new RollcallError(ErrorCode.StoreFailed, 'SQLite failed');
    await assert.rejects(failingTouch(broken).tokenUser(secret), broken);
  });

  it('refuses an unknown or revoked token, and one whose user is disabled', async () => {
    const secret = generateApiToken();
    const token: ApiToken = {
      id: 't1',
      userId: 'u1',
      name: 'ci',
      tokenHash: hashApiToken(secret),
      createdAt: '2026-01-01T00:00:00.000Z',
      lastUsedAt: null,
      revoked: false,
    };
    const refused = (message: string) => ({ code: ErrorCode.Unauthenticated, message });
    const touched: string[] = [];
    await assert.rejects(
      signIn(token, user, touched, NOON_UTC).tokenUser(generateApiToken()),
      refused('the API token is unknown or revoked'),
    );
    await assert.rejects(
      signIn({ ...token, revoked: true }, user, touched, NOON_UTC).tokenUser(secret),
      refused('the API token is unknown or revoked'),
    );
    await assert.rejects(
      signIn(token, { ...user, disabled: true }, touched, NOON_UTC).tokenUser(secret),
      refused('the API token belongs to a user who can no longer sign in'),
    );
    assert.deepEqual(touched, []);
  });
});
