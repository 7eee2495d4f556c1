/**
 * The administrators' job list and retry on a real Redis (a private redis-server) and a real SQLite
 * store: first the queue's `listJobs` and `retry` over BullMQ, then `GET /api/v1/jobs` and
 * `POST /api/v1/jobs/:id/retry` over HTTP with sessions, CSRF and roles, the jobs run by a real
 * BullMQ worker whose handlers fail or succeed as each test says.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { JobName, JobQueue, PrivateRedis, type JobHandlers, type JobView } from '../../src/queues/index.js';
import { plainFailure, SettingsService } from '../../src/services/index.js';
import { SqliteStore, type Store } from '../../src/store/index.js';
import { hashPassword } from '../../src/shared/index.js';
import { WebServer } from '../../src/web/index.js';
import type { JobRetryAnswer, JobsAnswer } from '../../src/web/api-views.js';
import { Browser } from '../support/http-browser.js';
import { tempDir } from '../support/temp.js';
import { jobSettled, until } from '../support/wait.js';
import { unusedEnrollment } from '../support/unused-enrollment.js';

const ADMIN = { name: 'Ada Admin', password: 'correct horse battery' };
const VIEWER = { name: 'Vic Viewer', password: 'viewer password 1' };

/**
 * Worker handlers whose training fails at once (as for photos with no face) while `failTraining`
 * holds for the person, and succeeds otherwise. Every run's context is recorded.
 */
class Handlers {
  readonly failTraining = new Set<string>();
  readonly runs: { personId: string; attempt: number }[] = [];

  build(): JobHandlers {
    return {
      [JobName.TrainPerson]: async ({ personId, photoIds }, { attempt, reportProgress }) => {
        this.runs.push({ personId, attempt });
        await reportProgress(50);
        if (this.failTraining.has(personId)) {
          throw new UnrecoverableError(
            `no photo of ${personId} could be used: fruits.jpg: no face was found in the photo; salad.jpg: the photo is too dark`,
          );
        }
        return {
          personId,
          model: 'face-api',
          accepted: photoIds,
          refused: [],
          lookalikes: [],
          galleryVersion: 1,
        };
      },
      [JobName.ReembedGallery]: ({ model }) =>
        Promise.resolve({ model, photos: 2, embedded: 2, refused: [], galleryVersion: 2 }),
      [JobName.ApplyRetention]: () =>
        Promise.resolve({
          retentionDays: 30,
          cutoff: new Date(0).toISOString(),
          dismissed: 0,
          cropsDropped: 0,
        }),
    };
  }
}

async function errorBody(res: Response, status: number, code: string): Promise<string> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${text}`);
  const body = JSON.parse(text) as { code: string; message: string };
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
  assert.equal(body.code, code);
  return body.message;
}

describe('JobQueue.listJobs and retry on a real Redis', () => {
  let redis: PrivateRedis;

  before(async () => {
    redis = await PrivateRedis.start({ dataDir: await tempDir('jobs-list') });
  });

  after(async () => {
    await redis.close();
  });

  it('lists a failed job with its reason, retries it with fresh tries, and follows it to completed', async () => {
    const handlers = new Handlers();
    handlers.failTraining.add('p1');
    const queue = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() }, handlers.build());
    try {
      const id = await queue.enqueue(JobName.TrainPerson, { personId: 'p1', photoIds: ['a', 'b'] });
      const failed = await jobSettled(queue, id);
      assert.equal(failed.state, 'failed');

      const list = await queue.listJobs();
      assert.equal(list.items.length, 1);
      const [listed] = list.items;
      assert.equal(listed?.id, id);
      assert.equal(listed.state, 'failed');
      assert.match(listed.failedReason ?? '', /^no photo of p1 could be used: fruits\.jpg: no face/);
      assert.deepEqual(listed.payload, { personId: 'p1', photoIds: ['a', 'b'] });
      assert.equal(listed.progress, 50);
      assert.equal(listed.attemptsMade, 1);
      assert.equal(listed.attemptsAllowed, 8);
      assert.ok(listed.startedAt && listed.finishedAt && listed.queuedAt <= listed.finishedAt);
      assert.deepEqual(list.counts, { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 1 });
      assert.equal(list.nextOffset, null);

      handlers.failTraining.delete('p1');
      assert.deepEqual(await queue.retry(id), { retried: true });
      const done = await jobSettled(queue, id);
      assert.equal(done.state, 'completed');
      assert.equal(done.failedReason, null, 'the old reason is gone');
      assert.equal(done.attemptsMade, 1, 'the retry started a fresh set of tries');
      assert.equal(done.queuedAt, failed.queuedAt, 'it keeps its place in the list');
      assert.ok(done.finishedAt && failed.finishedAt && done.finishedAt >= failed.finishedAt);
      // The handler knows the retry is not the first run (re-embedding relies on it).
      assert.deepEqual(handlers.runs, [
        { personId: 'p1', attempt: 1 },
        { personId: 'p1', attempt: 2 },
      ]);
      assert.deepEqual((await queue.listJobs()).counts, {
        waiting: 0,
        active: 0,
        delayed: 0,
        completed: 1,
        failed: 0,
      });
    } finally {
      await queue.close();
    }
  });

  it('retries only a failed job, which waits again from nothing: a done, waiting or unknown one is left as it is', async () => {
    const prefix = randomUUID();
    const producer = await JobQueue.start({ redisUrl: redis.url, prefix });
    try {
      const done = await producer.enqueue(JobName.TrainPerson, { personId: 'p2', photoIds: ['c'] });
      const failed = await producer.enqueue(JobName.TrainPerson, { personId: 'p3', photoIds: ['d'] });
      assert.deepEqual(await producer.retry(done), { retried: false, state: 'waiting' });
      assert.deepEqual(await producer.retry('no-such-job'), { retried: false, state: 'unknown' });
      const handlers = new Handlers();
      handlers.failTraining.add('p3');
      const worker = await JobQueue.start({ redisUrl: redis.url, prefix }, handlers.build());
      try {
        assert.equal((await jobSettled(producer, done)).state, 'completed');
        assert.equal((await jobSettled(producer, failed)).state, 'failed');
      } finally {
        await worker.close();
      }
      assert.deepEqual(await producer.retry(done), { retried: false, state: 'completed' });
      assert.equal((await producer.getJob(done))?.state, 'completed');

      // No worker runs now: the retried job is seen waiting, as the page shows it.
      assert.deepEqual(await producer.retry(failed), { retried: true });
      const waiting = await producer.getJob(failed);
      assert.equal(waiting?.state, 'waiting');
      assert.equal(waiting.progress, 0, 'its bar starts empty again');
      assert.equal(waiting.failedReason, null);
      assert.equal(waiting.startedAt, null);
      assert.equal(waiting.finishedAt, null);
      assert.equal(waiting.attemptsMade, 0);
      assert.deepEqual(await producer.retry(failed), { retried: false, state: 'waiting' }, 'not twice');
    } finally {
      await producer.close();
    }
  });

  it('lists newest first, filtered by state and name, a page at a time, counting every state', async () => {
    const queue = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(await queue.enqueue(JobName.TrainPerson, { personId: `q${i}`, photoIds: [`x${i}`] }));
        // Distinct queue times, so newest-first is one order.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await queue.enqueue(JobName.ApplyRetention, {});
      const newestFirst = [...ids].reverse();
      const names = [JobName.TrainPerson];

      const first = await queue.listJobs({ names, limit: 2 });
      assert.deepEqual(
        first.items.map((j) => j.id),
        newestFirst.slice(0, 2),
      );
      assert.equal(first.nextOffset, 2);
      assert.deepEqual(first.counts, { waiting: 5, active: 0, delayed: 0, completed: 0, failed: 0 });
      const last = await queue.listJobs({ names, offset: 4, limit: 2 });
      assert.deepEqual(
        last.items.map((j) => j.id),
        newestFirst.slice(4),
      );
      assert.equal(last.nextOffset, null);

      assert.equal((await queue.listJobs()).items.length, 6, 'every name without a filter');
      const failedOnly = await queue.listJobs({ names, states: ['failed'] });
      assert.deepEqual(failedOnly.items, []);
      assert.equal(failedOnly.counts.waiting, 5, 'the counts ignore the state filter');
    } finally {
      await queue.close();
    }
  });
});

describe('GET /api/v1/jobs and POST /api/v1/jobs/:id/retry over HTTP', () => {
  let redis: PrivateRedis;
  let store: Store;
  let jobs: JobQueue;
  let server: WebServer;
  let base: string;
  const handlers = new Handlers();
  let admin: Browser;
  let csrf: string;

  before(async () => {
    const dataDir = await tempDir('jobs-api');
    redis = await PrivateRedis.start({ dataDir });
    store = await SqliteStore.open({ dataDir });
    jobs = await JobQueue.start({ redisUrl: redis.url, prefix: randomUUID() }, handlers.build());
    const enrollment = unusedEnrollment();
    const unused = (): Promise<never> => Promise.reject(new Error('not used here'));
    server = new WebServer(
      {
        store,
        jobs,
        enrollment,
        unknownFaces: { list: unused, crop: unused, assign: unused, dismiss: unused },
        settings: new SettingsService({
          store,
          defaults: {
            strangerRateTarget: 0.01,
            matchThreshold: null,
            unknownThreshold: null,
            consensusFrames: 3,
            sightingIntervalS: 10,
            timeZone: 'UTC',
            retentionDays: 30,
          },
          targets: () => [],
        }),
        nodes: () => [],
        redisUrl: redis.url,
      },
      {
        port: 0,
        host: '127.0.0.1',
        sessionSecret: randomUUID() + randomUUID(),
        sessionPrefix: `${randomUUID()}:sess:`,
      },
    );
    base = `http://127.0.0.1:${(await server.start()).port}`;
    for (const [user, role] of [
      [ADMIN, 'admin'],
      [VIEWER, 'viewer'],
    ] as const) {
      await store.createUser({ name: user.name, role, passwordHash: await hashPassword(user.password) });
    }
    admin = new Browser(base);
    csrf = await admin.signIn(ADMIN.name, ADMIN.password);
  });

  after(async () => {
    await server.close();
    await jobs.close();
    await store.close();
    await redis.close();
  });

  const list = async (query = ''): Promise<JobsAnswer> => {
    const res = await admin.fetch(`/api/v1/jobs${query}`);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as JobsAnswer;
  };
  const retry = (id: string, headers: Record<string, string> = { 'x-csrf-token': csrf }) =>
    admin.fetch(`/api/v1/jobs/${encodeURIComponent(id)}/retry`, { method: 'POST', headers });
  /** Enrolls `name` in the store and queues their training; resolves the job once it settled. */
  const trained = async (name: string, fail: boolean): Promise<{ personId: string; job: JobView }> => {
    const { person } = await store.createPerson({ name });
    if (fail) handlers.failTraining.add(person.id);
    const photo = await store.addPhoto({
      personId: person.id,
      fileName: 'a.jpg',
      bytes: new Uint8Array([1]),
    });
    const id = await jobs.enqueue(JobName.TrainPerson, { personId: person.id, photoIds: [photo.id] });
    return { personId: person.id, job: await jobSettled(jobs, id) };
  };

  it('lists the failed training with the person, the reason in plain words and a retry, the done one without', async () => {
    await trained('Sheldon', false);
    const bad = await trained('Fruity', true);
    assert.equal(bad.job.state, 'failed');
    const answer = await list();
    assert.deepEqual(
      answer.jobs.map((j) => [j.person?.name, j.state]),
      [
        ['Fruity', 'failed'],
        ['Sheldon', 'completed'],
      ],
    );
    assert.equal(answer.nextOffset, null);
    assert.deepEqual(answer.counts, { waiting: 0, active: 0, delayed: 0, completed: 1, failed: 1 });
    const [fruity, sheldon] = answer.jobs;
    assert.ok(fruity && sheldon);
    assert.deepEqual(fruity.person, { id: bad.personId, name: 'Fruity' });
    assert.equal(fruity.kind, 'training');
    assert.equal(fruity.photoCount, 1);
    assert.equal(fruity.retryable, true);
    assert.deepEqual(fruity.failure, {
      message: `No photo of ${bad.personId} could be used`,
      reasons: ['fruits.jpg: no face was found in the photo', 'salad.jpg: the photo is too dark'],
    });
    assert.equal(sheldon.retryable, false);
    assert.equal(sheldon.failure, null);
    assert.deepEqual((sheldon.result as { accepted: string[] }).accepted.length, 1);

    const failedOnly = await list('?state=failed');
    assert.deepEqual(
      failedOnly.jobs.map((j) => j.id),
      [fruity.id],
    );
    const paged = await list('?limit=1&offset=1');
    assert.deepEqual(
      paged.jobs.map((j) => j.id),
      [sheldon.id],
    );
    assert.equal((await list('?limit=1')).nextOffset, 1);
    await errorBody(await admin.fetch('/api/v1/jobs?state=broken'), 400, 'REQUEST_INVALID');
    await errorBody(await admin.fetch('/api/v1/jobs?limit=0'), 400, 'REQUEST_INVALID');

    // The job's own route keeps the keys the design names, and gains the times.
    const single = (await (
      await admin.fetch(`/api/v1/jobs/${encodeURIComponent(fruity.id)}`)
    ).json()) as JobView;
    for (const key of ['state', 'progress', 'result', 'failedReason', 'queuedAt', 'finishedAt'])
      assert.ok(key in single, key);
    assert.equal(single.failedReason, bad.job.failedReason);
  });

  it('runs a failed job again: 202, then it runs and completes, and the list follows it', async () => {
    const { personId, job } = await trained('Penny', true);
    handlers.failTraining.delete(personId);
    const res = await retry(job.id);
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal(res.headers.get('location'), `/api/v1/jobs/${encodeURIComponent(job.id)}`);
    const { job: again } = (await res.json()) as JobRetryAnswer;
    assert.ok(['waiting', 'active', 'completed'].includes(again.state), again.state);
    assert.equal(again.retryable, again.state === 'failed');
    assert.equal((await jobSettled(jobs, job.id)).state, 'completed');
    const listed = (await list()).jobs.find((j) => j.id === job.id);
    assert.equal(listed?.state, 'completed');
    assert.equal(listed.failure, null);
    assert.equal(listed.retryable, false);
    // Done now: not again.
    const message = await errorBody(await retry(job.id), 409, 'STORE_CONFLICT');
    assert.match(message, /this job is done: only a failed job can be run again/);
  });

  it('refuses a retry with no CSRF token, of an unknown or malformed id, of the retention job, and of a person deleted since', async () => {
    const { personId, job } = await trained('Leonard', true);
    await errorBody(await retry(job.id, {}), 403, 'CSRF_INVALID');
    assert.equal((await jobs.getJob(job.id))?.state, 'failed', 'nothing ran');
    await errorBody(await retry('train-person.nobody.x'), 404, 'NOT_FOUND');
    await errorBody(await retry('bad id'), 400, 'REQUEST_INVALID');

    const retention = await jobs.enqueue(JobName.ApplyRetention, {});
    await jobSettled(jobs, retention);
    assert.ok(!(await list()).jobs.some((j) => j.id === retention), 'the retention job is not listed');
    await errorBody(await retry(retention), 404, 'NOT_FOUND');

    await store.deletePerson(personId);
    const orphan = (await list()).jobs.find((j) => j.id === job.id);
    assert.deepEqual(orphan?.person, { id: personId, name: null });
    assert.equal(orphan.retryable, false);
    assert.match(await errorBody(await retry(job.id), 409, 'STORE_CONFLICT'), /was deleted/);
  });

  it('answers 409 to a job still waiting or running', async () => {
    // A job queued while no worker can take it stays waiting.
    const { person } = await store.createPerson({ name: 'Raj' });
    await jobs.queue.pause();
    try {
      const id = await jobs.enqueue(JobName.TrainPerson, { personId: person.id, photoIds: ['none'] });
      await until('the job to be listed waiting', async () =>
        (await list('?state=waiting')).jobs.some((j) => j.id === id) ? true : undefined,
      );
      assert.match(await errorBody(await retry(id), 409, 'STORE_CONFLICT'), /this job is waiting to run/);
    } finally {
      await jobs.queue.resume();
    }
  });

  it('refuses the list and the retry to a viewer, and to anyone not signed in', async () => {
    const viewer = new Browser(base);
    const token = await viewer.signIn(VIEWER.name, VIEWER.password);
    await errorBody(await viewer.fetch('/api/v1/jobs'), 403, 'FORBIDDEN');
    await errorBody(
      await viewer.fetch('/api/v1/jobs/x/retry', { method: 'POST', headers: { 'x-csrf-token': token } }),
      403,
      'FORBIDDEN',
    );
    const page = await viewer.fetch('/jobs', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 403);
    assert.match(await page.text(), /needs the admin role/);
    const home = await (await viewer.fetch('/', { headers: { accept: 'text/html' } })).text();
    assert.ok(!home.includes('href="/jobs"'), 'no Jobs link for a viewer');
    const adminHome = await (await admin.fetch('/', { headers: { accept: 'text/html' } })).text();
    assert.match(adminHome, /href="\/jobs">Jobs<\/a>/);
    const jobsPage = await admin.fetch('/jobs', { headers: { accept: 'text/html' } });
    assert.equal(jobsPage.status, 200);
    const jobsHtml = await jobsPage.text();
    assert.match(jobsHtml, /<script type="module" src="\/assets\/jobs.js"><\/script>/);
    // Bull Board, for operators, is linked from the Jobs page rather than the top bar.
    assert.match(jobsHtml, /<a href="\/admin\/queues">Job queues<\/a>/);
    assert.equal((await fetch(`${base}/assets/jobs.js`)).status, 200);
    assert.equal((await new Browser(base).fetch('/jobs', { headers: { accept: 'text/html' } })).status, 303);
    const anonymous = new Browser(base);
    await errorBody(await anonymous.fetch('/api/v1/jobs'), 401, 'UNAUTHENTICATED');
    await errorBody(
      await anonymous.fetch('/api/v1/jobs/x/retry', { method: 'POST' }),
      401,
      'UNAUTHENTICATED',
    );
  });
});

describe('plainFailure', () => {
  it('says a failure in plain words: one line, BullMQ said as a person would, photos one by one', () => {
    assert.equal(plainFailure(null), null);
    assert.equal(plainFailure(''), null);
    assert.deepEqual(plainFailure('no recognition node is connected\n    at Object.embed (x.js:1:1)'), {
      message: 'No recognition node is connected',
      reasons: [],
    });
    assert.deepEqual(plainFailure('job stalled more than allowable limit'), {
      message: 'The web node stopped while running it (a crash or a restart), more often than allowed',
      reasons: [],
    });
    assert.deepEqual(plainFailure('no photo of Ann: B could be used: a.jpg: blurred; b.jpg: no face'), {
      message: 'No photo of Ann: B could be used',
      reasons: ['a.jpg: blurred', 'b.jpg: no face'],
    });
  });
});
