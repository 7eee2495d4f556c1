import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SESSION_DEFAULTS,
  overlappingSessions,
  resolveSession,
  sessionProblems,
  sessionRunsOn,
  weekdayOf,
  type CameraRole,
  type GroupSession,
  type ResolveSessionInput,
  type SeenAt,
} from '../../src/core/index.js';

/** Mondays to Fridays, 09:00–10:00, five minutes' grace either way. */
const MORNING: GroupSession = {
  ...SESSION_DEFAULTS,
  holidays: [],
  weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
  start: '09:00',
  end: '10:00',
  lateGraceMin: 5,
  earlyExitGraceMin: 5,
};
/** A Monday. */
const DAY = '2026-11-30';
const at = (time: string, cameraId = 'door'): SeenAt => ({ at: `${DAY}T${time}:00.000Z`, cameraId });

function resolve(
  sightings: SeenAt[],
  options: Partial<Omit<ResolveSessionInput, 'sightings'>> & { roles?: Record<string, CameraRole> } = {},
) {
  return resolveSession({
    session: options.session ?? MORNING,
    day: options.day ?? DAY,
    timeZone: options.timeZone ?? 'UTC',
    sightings,
    cameraRoles: options.roles ?? {},
    now: options.now ?? `${DAY}T18:00:00.000Z`,
    inViewMs: options.inViewMs ?? 30_000,
    excused: options.excused ?? false,
  });
}

describe('sessionProblems', () => {
  it('accepts a usable session', () => {
    assert.deepEqual(sessionProblems(MORNING), []);
  });

  it('names every problem with its field, in plain words', () => {
    const problems = sessionProblems({
      ...MORNING,
      weekdays: [],
      start: '10:00',
      end: '09:30',
      lateGraceMin: -1,
      checkInWindowMin: 5000,
      cameras: [],
      from: '2026-12-10',
      to: '2026-12-01',
      holidays: ['2026-02-30'],
    });
    assert.deepEqual(problems, [
      'weekdays: choose at least one day of the week',
      'end: the session ends (09:30) before it starts (10:00)',
      'lateGraceMin: a whole number of minutes, 0 or more',
      'checkInWindowMin: at most 1440 minutes',
      'cameras: choose at least one camera, or leave it empty for every camera',
      'to: the last day (2026-12-01) is before the first (2026-12-10)',
      'holidays: "2026-02-30" is not a date',
    ]);
    assert.deepEqual(sessionProblems({ ...MORNING, start: '9am', end: '25:00' }), [
      'start: "9am" is not a time like 09:00',
      'end: "25:00" is not a time like 10:30',
    ]);
    assert.deepEqual(sessionProblems({ ...MORNING, lateGraceMin: 61 }), ['lateGraceMin: at most 60 minutes']);
  });
});

describe('when a session runs', () => {
  it('knows the weekday of a local day', () => {
    assert.equal(weekdayOf('2026-11-30'), 'mon');
    assert.equal(weekdayOf('2026-12-06'), 'sun');
    assert.equal(weekdayOf('2024-02-29'), 'thu');
  });

  it('runs on its weekdays inside its dates, never on a holiday', () => {
    const term = { ...MORNING, from: '2026-11-01', to: '2026-12-18', holidays: ['2026-12-02'] };
    assert.equal(sessionRunsOn(term, '2026-11-30'), true);
    assert.equal(sessionRunsOn(term, '2026-12-02'), false, 'a holiday');
    assert.equal(sessionRunsOn(term, '2026-12-05'), false, 'a Saturday');
    assert.equal(sessionRunsOn(term, '2026-12-21'), false, 'after the term');
    assert.equal(sessionRunsOn(term, '2026-10-30'), false, 'before the term');
  });

  it("finds a group's overlapping sessions, but not back-to-back ones or ones on other days", () => {
    const second = { ...MORNING, start: '10:00', end: '11:00' };
    const clash = { ...MORNING, weekdays: ['wed' as const], start: '09:30', end: '10:30' };
    const weekend = { ...MORNING, weekdays: ['sat' as const], start: '09:30', end: '10:30' };
    const nextTerm = { ...MORNING, from: '2027-01-04', start: '09:30', end: '10:30' };
    const thisTerm = { ...MORNING, to: '2026-12-18' };
    assert.deepEqual(overlappingSessions([MORNING, second, clash, weekend]), [
      [0, 2],
      [1, 2],
    ]);
    assert.deepEqual(overlappingSessions([MORNING, second, weekend]), []);
    assert.deepEqual(overlappingSessions([thisTerm, nextTerm]), []);
  });
});

describe('resolveSession', () => {
  it('present: arrived before the start (inside the check-in window), left after the end', () => {
    const outcome = resolve([at('08:40'), at('10:03')]);
    assert.deepEqual(outcome, {
      status: 'present',
      arrivedAt: `${DAY}T08:40:00.000Z`,
      leftAt: `${DAY}T10:03:00.000Z`,
      late: false,
      leftEarly: false,
      minutesPresent: 60,
    });
  });

  it('late after the grace period, on time inside it', () => {
    assert.equal(resolve([at('09:05'), at('10:00')]).status, 'present');
    const late = resolve([at('09:06'), at('10:00')]);
    assert.equal(late.status, 'late');
    assert.equal(late.minutesPresent, 54);
  });

  it('left early before the grace period; late and left early reads late with both marks', () => {
    assert.equal(resolve([at('08:59'), at('09:55')]).status, 'present');
    assert.equal(resolve([at('08:59'), at('09:54')]).status, 'left-early');
    const both = resolve([at('09:20'), at('09:40')]);
    assert.equal(both.status, 'late');
    assert.equal(both.late && both.leftEarly, true);
  });

  it('absent: no sighting, a sighting outside the windows, or one at a camera that does not count', () => {
    assert.equal(resolve([]).status, 'absent');
    assert.equal(resolve([at('07:30'), at('11:30')]).status, 'absent', 'outside both windows');
    assert.equal(resolve([at('10:20')]).status, 'absent', 'arriving after the end is not attending');
    const lab = { ...MORNING, cameras: ['lab'] };
    const roles = { door: 'entry', lab: 'entry' } as const;
    assert.equal(resolve([at('08:55', 'door')], { session: lab, roles }).status, 'absent');
    assert.equal(resolve([at('08:55', 'lab')], { session: lab, roles }).status, 'present');
  });

  it('absent with less time present than the session asks', () => {
    const strict = { ...MORNING, absentBelowMin: 30 };
    assert.equal(resolve([at('09:40'), at('10:00')], { session: strict }).status, 'absent');
    assert.equal(resolve([at('09:25'), at('10:00')], { session: strict }).status, 'late');
  });

  it('excused wins over everything', () => {
    assert.equal(resolve([], { excused: true }).status, 'excused');
    assert.equal(resolve([at('09:30'), at('09:31')], { excused: true }).status, 'excused');
  });

  it('while the session runs: expected until they arrive, never absent before the end', () => {
    assert.equal(resolve([], { now: `${DAY}T08:30:00.000Z` }).status, 'expected');
    assert.equal(resolve([], { now: `${DAY}T09:30:00.000Z` }).status, 'expected');
    const arrived = resolve([at('09:10')], { now: `${DAY}T09:30:00.000Z`, roles: { door: 'entry' } });
    assert.equal(arrived.status, 'late');
    assert.equal(arrived.minutesPresent, 20, 'so far');
    // Sightings after now (a clock ahead of this one) do not count yet.
    assert.equal(resolve([at('09:50')], { now: `${DAY}T09:30:00.000Z` }).status, 'expected');
  });

  it('with a camera that sees both ways, the departure is known only once the person is out of view', () => {
    const inView = resolve([at('08:58'), at('09:40'), at('09:49')], {
      now: `${DAY}T09:50:00.000Z`,
      inViewMs: 120_000,
    });
    assert.equal(inView.leftAt, null, 'seen 1 minute ago: still here');
    assert.equal(inView.status, 'present');
    const gone = resolve([at('08:58'), at('09:40')], { now: `${DAY}T09:50:00.000Z`, inViewMs: 60_000 });
    assert.equal(gone.leftAt, `${DAY}T09:40:00.000Z`);
    assert.equal(gone.status, 'left-early', 'left before the end and not seen since');
  });

  it('with entry and exit cameras, arrival and departure follow them; an entry-only door never reads as leaving', () => {
    const roles = { in: 'entry', out: 'exit' } as const;
    const outcome = resolve([at('09:20', 'out'), at('08:57', 'in'), at('09:30', 'in'), at('09:45', 'out')], {
      roles,
    });
    assert.equal(outcome.arrivedAt, `${DAY}T08:57:00.000Z`, 'the exit camera before it is not an arrival');
    assert.equal(outcome.leftAt, `${DAY}T09:45:00.000Z`);
    assert.equal(outcome.status, 'left-early');
    const doorOnly = resolve([at('08:57', 'in')], { roles: { in: 'entry' } });
    assert.equal(doorOnly.leftAt, null);
    assert.equal(doorOnly.status, 'present');
    assert.equal(doorOnly.minutesPresent, 60, 'present to the end when nothing sees people leave');
  });

  it('reads session times in the site zone, across a daylight-saving change', () => {
    // Berlin is UTC+1 in winter: 09:00 local is 08:00 UTC.
    const winter = resolve([at('08:03'), at('09:01')], { timeZone: 'Europe/Berlin' });
    assert.equal(winter.status, 'present');
    // 2026-03-30 is the Monday after the change to summer time (UTC+2): 09:00 local is 07:00 UTC.
    const summer = resolveSession({
      session: MORNING,
      day: '2026-03-30',
      timeZone: 'Europe/Berlin',
      sightings: [{ at: '2026-03-30T07:10:00.000Z', cameraId: 'door' }],
      cameraRoles: { door: 'entry' },
      now: '2026-03-30T18:00:00.000Z',
      inViewMs: 30_000,
      excused: false,
    });
    assert.equal(summer.status, 'late');
    assert.equal(summer.minutesPresent, 50);
  });
});
