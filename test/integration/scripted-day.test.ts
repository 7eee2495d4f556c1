/**
 * A scripted school day through the real pipeline: `rollcall start --role recognition` (the face
 * engine on a worker thread, a photo-folder camera, the outbox, the bridge) and `rollcall start
 * --role web` (SQLite, BullMQ training on a real Redis), six people enrolled from the shared photos
 * through the API, a group with a morning and an afternoon session. The test then plays the day:
 * at chosen times it shows the camera a frame with the people who are in the room then (held-out
 * photos, not the enrolled ones), and at the end reads the group's report and roster, which must
 * say exactly who was present, late, left early, absent or excused in each session; the README's
 * example webhook receiver must have got the day's marked, late and absent events, each once.
 *
 * Time: both processes run with libfaketime preloaded, reading their clock's offset from one file
 * the test rewrites (`FAKETIME_TIMESTAMP_FILE`). So the node stamps its frames, the web node
 * measures the node's clock and resolves the sessions on one shared fake clock that the test moves
 * forward through the day, with nothing in Rollcall knowing. Timers run on the monotonic clock,
 * which is left alone. Redis is the test's own and keeps real time. (Each jump of hours is taken
 * by the node as a silent bridge connection, measured on the wall clock: the web node reconnects
 * within a second and the outbox delivers what the camera saw meanwhile.)
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { zonedInstant } from '../../src/core/index.js';
import { PrivateRedis } from '../../src/queues/index.js';
import { generateApiToken, hashApiToken, hashPassword } from '../../src/shared/index.js';
import { createStore } from '../../src/store/index.js';
import { facePhoto } from '../support/faces.js';
import { freePort } from '../support/net.js';
import { libfaketime, SECRET, startRollcall, webEnv } from '../support/rollcall-node.js';
import { tempDir } from '../support/temp.js';
import { LineChild as Child } from '../support/line-child.js';
import { until } from '../support/wait.js';

const ZONE = 'Europe/Berlin';
/** Photos 1 and 2 of each person are enrolled; photo 3 is what the camera sees. */
const ENROLLED = [1, 2];
const SEEN = 3;

/** Who is who in the story. */
const CAST = {
  alwaysThere: 'sheldon',
  lateInTheMorning: 'leonard',
  leavesTheAfternoonEarly: 'howard',
  skipsTheAfternoon: 'penny',
  neverComes: 'raj',
  excusedInTheMorning: 'amy',
} as const;
type Person = (typeof CAST)[keyof typeof CAST];
const PEOPLE = Object.values(CAST);

const MORNING = { start: '09:00', end: '10:30', lateGraceMin: 10, earlyExitGraceMin: 10 };
const AFTERNOON = { start: '13:00', end: '15:00', lateGraceMin: 10, earlyExitGraceMin: 15 };

/**
 * The day: at each time, who is in front of the camera. Each case sits on one side of a rule's
 * edge, so a wrong rule changes the table: leonard comes 25 min after the start (grace 10: late);
 * sheldon 5 min after the afternoon start (inside the grace: present); howard and everyone else
 * are last seen 5 min before the morning's end (inside the early-exit grace: present); howard
 * leaves the afternoon an hour early (left early); penny is not seen after the morning.
 */
const SCRIPT: { at: string; people: Person[] }[] = [
  { at: '08:50', people: [CAST.alwaysThere, CAST.leavesTheAfternoonEarly, CAST.skipsTheAfternoon] },
  { at: '09:25', people: [CAST.lateInTheMorning] },
  {
    at: '10:25',
    people: [CAST.alwaysThere, CAST.lateInTheMorning, CAST.leavesTheAfternoonEarly, CAST.skipsTheAfternoon],
  },
  { at: '12:50', people: [CAST.lateInTheMorning, CAST.leavesTheAfternoonEarly] },
  { at: '13:05', people: [CAST.alwaysThere] },
  { at: '14:00', people: [CAST.leavesTheAfternoonEarly] },
  { at: '14:55', people: [CAST.alwaysThere, CAST.lateInTheMorning] },
];

/** What the report must say, morning then afternoon. */
const EXPECTED: Record<Person, [string, string]> = {
  [CAST.alwaysThere]: ['present', 'present'],
  [CAST.lateInTheMorning]: ['late', 'present'],
  [CAST.leavesTheAfternoonEarly]: ['present', 'left-early'],
  [CAST.skipsTheAfternoon]: ['present', 'absent'],
  [CAST.neverComes]: ['absent', 'absent'],
  [CAST.excusedInTheMorning]: ['excused', 'absent'],
};

/** A Monday at least a day ahead, so the fake clock only ever runs ahead of the real one. */
function nextMonday(): string {
  const day = new Date(Date.now() + 36 * 3600_000);
  while (day.getUTCDay() !== 1) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

/** The README's receiver, which the day's webhooks go to. */
const EXAMPLE_RECEIVER = fileURLToPath(
  new URL('../../../docs/examples/webhook-receiver.mjs', import.meta.url),
);

const FRAME = { width: 640, height: 480 };
const GREY = { r: 128, g: 128, b: 128 };

/** A camera frame of the people given (up to four, a 2×2 grid of their photos on grey). */
async function frameOf(people: readonly Person[]): Promise<Buffer> {
  const cell = { width: FRAME.width / 2, height: FRAME.height / 2 };
  const faces = await Promise.all(
    people.map(async (person, i) => {
      const photo = sharp(await readFile(facePhoto(`${person}/${person}${SEEN}.png`)));
      const { width, height } = await photo.metadata();
      return {
        input: await photo.toBuffer(),
        left: (i % 2) * cell.width + Math.round((cell.width - width) / 2),
        top: Math.floor(i / 2) * cell.height + Math.round((cell.height - height) / 2),
      };
    }),
  );
  return sharp({ create: { ...FRAME, channels: 3, background: GREY } })
    .composite(faces)
    .jpeg({ quality: 92 })
    .toBuffer();
}

/** An administrator and their API token, made in the web node's store before it starts. */
async function adminToken(dataDir: string): Promise<string> {
  const store = await createStore({ dataDir });
  try {
    const user = await store.createUser({
      name: 'Olga Office',
      role: 'admin',
      passwordHash: await hashPassword('a long admin password'),
    });
    const token = generateApiToken();
    await store.createApiToken({ userId: user.id, name: 'scripted day', tokenHash: hashApiToken(token) });
    return token;
  } finally {
    await store.close();
  }
}

const running: Child[] = [];
let redis: PrivateRedis | undefined;
after(async () => {
  for (const child of running.reverse()) await child.kill('SIGTERM');
  await redis?.close();
});

describe('a scripted day through the real pipeline', () => {
  it('gives exactly the expected present / late / left-early / absent / excused table', async (t) => {
    const begun = Date.now();
    const phases: string[] = [];
    const phase = (name: string): void => {
      phases.push(`${name} ${Date.now() - begun} ms`);
    };
    const root = await tempDir('scripted-day');
    const day = nextMonday();
    const at = (time: string): number => Date.parse(zonedInstant(day, time, ZONE));

    // The shared fake clock: an offset in seconds from the real one, re-read by both processes.
    const clockFile = path.join(root, 'clock');
    const setClock = async (time: string): Promise<void> => {
      await writeFile(clockFile, `+${Math.round((at(time) - Date.now()) / 1000)}\n`);
    };
    await setClock('07:45');
    const fakeClock = {
      LD_PRELOAD: libfaketime(),
      FAKETIME_TIMESTAMP_FILE: clockFile,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    };

    // The camera: a folder holding one frame at a time, written whole and renamed into place.
    const camera = path.join(root, 'door');
    await mkdir(camera);
    let shown = 0;
    const show = async (people: readonly Person[]): Promise<void> => {
      const name = `frame-${String(++shown).padStart(3, '0')}.jpg`;
      await writeFile(path.join(root, name), await frameOf(people));
      await rename(path.join(root, name), path.join(camera, name));
      for (const old of await readdir(camera)) if (old !== name) await rm(path.join(camera, old));
    };
    await show([]);

    redis = await PrivateRedis.start({ dataDir: path.join(root, 'redis') });
    const [webPort, bridgePort, healthPort] = [await freePort(), await freePort(), await freePort()];
    const node = startRollcall('recognition', {
      ...fakeClock,
      DATA_DIR: path.join(root, 'camera-pc'),
      BRIDGE_SECRET: SECRET,
      RECOGNITION_SERVER_PORT: String(bridgePort),
      HEALTH_PORT: String(healthPort),
      CAMERA_SOURCE: `dir:${camera}`,
      NODE_ID: 'camera-pc',
      WORKER_THREADS: '1',
    });
    running.push(node);
    const webDir = path.join(root, 'web-pc');
    const env = { ...webEnv(webDir, webPort, bridgePort), TIMEZONE: ZONE };
    const token = await adminToken(webDir);
    running.push(startRollcall('web', { ...env, ...fakeClock, REDIS_URL: redis.url }));
    const logs = (): string => running.map((child) => child.lines.slice(-30).join('\n')).join('\n----\n');
    await until(
      'the web node',
      async () =>
        (await fetch(`http://127.0.0.1:${webPort}/healthz`).catch(() => null))?.ok ? true : undefined,
      60_000,
    );
    phase('web node up');
    const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
      const response = await fetch(`http://127.0.0.1:${webPort}/api/v1${route}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined || body instanceof FormData ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      assert.ok(response.ok, `${method} ${route}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    };

    // Enrolment through the real training path: the web node's job has the node describe each photo.
    const ids = new Map<Person, string>();
    const jobs: string[] = [];
    for (const person of PEOPLE) {
      const form = new FormData();
      form.set('name', person);
      for (const n of ENROLLED) {
        const file = `${person}${n}.png`;
        form.append(
          'photos',
          new Blob([await readFile(facePhoto(`${person}/${file}`))], { type: 'image/png' }),
          file,
        );
      }
      const answer = await api<{ person: { id: string }; jobId: string }>('POST', '/people', form);
      ids.set(person, answer.person.id);
      jobs.push(answer.jobId);
    }
    phase('photos sent');
    for (const jobId of jobs) {
      const job = await until(
        'training',
        async () => {
          const body = await api<{ state: string; failedReason: string | null }>(
            'GET',
            `/jobs/${encodeURIComponent(jobId)}`,
          );
          return body.state === 'completed' || body.state === 'failed' ? body : undefined;
        },
        60_000,
      );
      assert.equal(job.state, 'completed', `${job.failedReason ?? ''}\n${logs()}`);
    }
    await until(
      'the gallery on the camera PC',
      async () => {
        const health = (await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).json()) as {
          galleryPeople: number;
        };
        return health.galleryPeople === PEOPLE.length ? true : undefined;
      },
      30_000,
    );
    phase('trained, gallery on the node');
    const nameOf = new Map([...ids].map(([person, id]) => [id, person]));

    const { group } = await api<{ group: { id: string } }>('POST', '/groups', { name: 'Physics 101' });
    await api('POST', `/groups/${group.id}/members`, { personIds: [...ids.values()] });
    const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];
    const sessions: string[] = [];
    for (const times of [MORNING, AFTERNOON]) {
      const { session } = await api<{ session: { id: string } }>('POST', `/groups/${group.id}/sessions`, {
        weekdays,
        ...times,
      });
      sessions.push(session.id);
    }
    await api('POST', `/groups/${group.id}/sessions/${sessions[0] ?? ''}/excuses`, {
      personId: ids.get(CAST.excusedInTheMorning),
      day,
      reason: 'dentist',
    });

    // The site's webhook receiver (the README's example) keeps the site's time too: it refuses a
    // delivery whose timestamp is minutes off its own clock.
    const receiverPort = await freePort();
    const hook = await api<{ secret: string }>('POST', '/webhooks', {
      url: `http://127.0.0.1:${receiverPort}/hooks/rollcall`,
      events: ['attendance.marked', 'attendance.late', 'attendance.absent'],
    });
    const receiver = new Child(process.execPath, [EXAMPLE_RECEIVER], {
      ...fakeClock,
      WEBHOOK_SECRET: hook.secret,
      PORT: String(receiverPort),
    });
    running.push(receiver);
    await receiver.waitFor((lines) => lines.some((line) => line.startsWith('listening ')));

    // The day. Before the clock moves on, the camera has shown the empty room, so no frame of one
    // scene is stamped with the next scene's time. The folder camera decodes one image ahead, so
    // the third frame it delivers after the change is surely of the empty room; the node counts a
    // frame once it is analysed, dropped (engine busy) or failed, and one may still be in flight.
    const framesTaken = async (): Promise<number> => {
      const { cameras } = (await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).json()) as {
        cameras: { framesProcessed: number; framesDropped: number; framesFailed: number }[];
      };
      return cameras.reduce((sum, c) => sum + c.framesProcessed + c.framesDropped + c.framesFailed, 0);
    };
    const emptyRoom = async (): Promise<void> => {
      const before = await framesTaken();
      await show([]);
      await until(
        'frames of the empty room',
        async () => ((await framesTaken()) >= before + 4 ? true : undefined),
        30_000,
      );
    };
    const started = Date.now();
    for (const scene of SCRIPT) {
      await setClock(scene.at);
      await show(scene.people);
      const wanted = scene.people.map((person) => ids.get(person) ?? '');
      const from = new Date(at(scene.at)).toISOString();
      const to = new Date(at(scene.at) + 3600_000).toISOString();
      await until(
        `${scene.people.join(', ')} seen at ${scene.at}`,
        async () => {
          const { events } = await api<{ events: { personId: string | null }[] }>(
            'GET',
            `/events?from=${from}&to=${to}&limit=500`,
          );
          const seen = new Set(events.map((e) => e.personId));
          return wanted.every((id) => seen.has(id)) ? events : undefined;
        },
        60_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${logs()}`);
      });
      await emptyRoom();
    }
    t.diagnostic(`the day's ${SCRIPT.length} scenes took ${Date.now() - started} ms`);
    phase('day played');

    // The afternoon's check-out window (60 min) has closed: every outcome is final.
    await setClock('16:30');
    await sleep(1000);

    // Nobody was named who was not in the room at that time.
    const { events } = await api<{ events: { personId: string | null; at: string; type: string }[] }>(
      'GET',
      `/events?from=${day}&to=${day}&limit=500`,
    );
    for (const event of events.filter((e) => e.personId !== null)) {
      const person = nameOf.get(event.personId ?? '');
      const scene = SCRIPT.find((s) => {
        const ms = Date.parse(event.at) - at(s.at);
        return ms >= 0 && ms < 120_000;
      });
      assert.ok(
        person !== undefined && scene?.people.includes(person),
        `${person ?? event.personId ?? ''} named at ${event.at}, not in that scene`,
      );
    }

    const report = await api<{
      members: { person: { id: string }; counts: Record<string, number>; rate: number | null }[];
      records: { person: { id: string }; session: { id: string }; status: string }[];
    }>('GET', `/reports/groups/${group.id}?from=${day}&to=${day}`);
    const table = (records: { person: { id: string }; session: { id: string }; status: string }[]) =>
      Object.fromEntries(
        PEOPLE.map((person) => [
          person,
          sessions.map(
            (session) =>
              records.find((r) => r.person.id === ids.get(person) && r.session.id === session)?.status ??
              'missing',
          ),
        ]),
      );
    assert.deepEqual(table(report.records), EXPECTED);
    assert.equal(report.records.length, PEOPLE.length * 2);
    // Attended (present, late, left early) over the sessions that count (excused ones do not).
    const rateOf = (person: Person): number | null =>
      report.members.find((m) => m.person.id === ids.get(person))?.rate ?? null;
    assert.deepEqual(
      PEOPLE.map((person) => [person, rateOf(person)]),
      [
        [CAST.alwaysThere, 1],
        [CAST.lateInTheMorning, 1],
        [CAST.leavesTheAfternoonEarly, 1],
        [CAST.skipsTheAfternoon, 0.5],
        [CAST.neverComes, 0],
        [CAST.excusedInTheMorning, 0],
      ],
    );

    // The roster of the day says the same.
    const roster = await api<{
      sessions: { session: { id: string }; entries: { person: { id: string }; status: string }[] }[];
    }>('GET', `/groups/${group.id}/roster?date=${day}`);
    assert.deepEqual(
      table(
        roster.sessions.flatMap(({ session, entries }) =>
          entries.map((entry) => ({ ...entry, session: { id: session.id } })),
        ),
      ),
      EXPECTED,
    );

    // The webhooks: a first sighting of the day for everyone who came, the late arrival, and each
    // absence once its session's check-out window has closed (by the minute's sweep); the excused
    // session is no absence. Each once, signed.
    const expectedHooks = [
      ...[CAST.alwaysThere, CAST.lateInTheMorning, CAST.leavesTheAfternoonEarly, CAST.skipsTheAfternoon].map(
        (person) => `marked:${ids.get(person) ?? ''}:${day}`,
      ),
      `late:${sessions[0] ?? ''}:${ids.get(CAST.lateInTheMorning) ?? ''}:${day}`,
      ...(
        [
          [0, CAST.neverComes],
          [1, CAST.neverComes],
          [1, CAST.skipsTheAfternoon],
          [1, CAST.excusedInTheMorning],
        ] as const
      ).map(([session, person]) => `absent:${sessions[session] ?? ''}:${ids.get(person) ?? ''}:${day}`),
    ].sort();
    const received = (): string[] =>
      receiver
        .valuesOf('event')
        .map((line) => (JSON.parse(line) as { id: string }).id)
        .sort();
    await until(
      "the day's webhooks",
      () => Promise.resolve(received().length >= expectedHooks.length ? true : undefined),
      90_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${received().join(', ')}\n${logs()}`);
    });
    await sleep(2000);
    assert.deepEqual(received(), expectedHooks);
    assert.deepEqual(receiver.valuesOf('refused'), [], 'every signature verified');
    assert.deepEqual(receiver.valuesOf('duplicate'), []);
    phase('checked');
    t.diagnostic(phases.join('; '));
  });
});
