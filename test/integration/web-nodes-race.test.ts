/**
 * Two web nodes as two `rollcall start --role web` processes on one SQLite file and one Redis, as
 * the README allows. Requests race, one to each node at the same moment, and the store's rules
 * must hold across the processes:
 * - two administrators demote each other: exactly one succeeds and one administrator remains;
 * - the one-time setup is sent to both: exactly one first administrator is created;
 * - one unknown face is assigned to the same person on both: exactly one wins (and enrolls the
 *   crop once), the other is told the face was already assigned;
 * - each node saves a different setting: both changes are kept.
 * Each race runs many times (RACE_TRIALS) and every trial must hold. The in-process promise
 * chains that held these rules before guarded only their own process's requests: run against
 * them, this test saw no administrator left in 5 of 90 demotion races, two first administrators
 * in 3 of 30 setups, both assignments succeed (the crop enrolled twice) in 27 of 30, and one
 * node's setting lost in 30 of 30 saves (each node merged its save over its own copy).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SqliteStore } from '../../src/store/index.js';
import { generateApiToken, hashApiToken } from '../../src/shared/index.js';
import { Browser } from '../support/http-browser.js';
import type { LineChild } from '../support/line-child.js';
import { freePort } from '../support/net.js';
import { startRollcall, waitHealthy, webEnv } from '../support/rollcall-node.js';
import { tempDir } from '../support/temp.js';
import { PrivateRedis } from '../../src/queues/index.js';
import { SETTINGS_KEY } from '../../src/services/index.js';
import { makeEvent } from './store.contract.js';

/** Races per invariant; RACE_TRIALS raises it for a longer run. @defaultValue 30 */
const TRIALS = Number(process.env.RACE_TRIALS ?? 30);
/**
 * The demotion race runs more often: a check-then-write in one process leaves a window of a few
 * microseconds between its read and its write, which only a few % of these races hit.
 */
const DEMOTION_TRIALS = 3 * TRIALS;
const PASSWORD = 'a-long-password-1';

interface Admin {
  id: string;
  bearer: { authorization: string };
}

describe('two web nodes (two processes) on one store: invariants hold across them', () => {
  let redis: PrivateRedis;
  let store: SqliteStore;
  const nodes: LineChild[] = [];
  const bases: string[] = [];

  before(async () => {
    const root = await tempDir('two-web-nodes');
    const dataDir = path.join(root, 'shared');
    redis = await PrivateRedis.start({ dataDir: path.join(root, 'redis') });
    // The test's own connection to the nodes' file: it migrates the file before they start, and
    // sets up each trial while they are idle.
    store = await SqliteStore.open({ dataDir });
    // No recognition node listens there: the web nodes keep retrying it, which nothing here needs.
    const bridgePort = await freePort();
    for (const nodeId of ['web-a', 'web-b']) {
      const port = await freePort();
      nodes.push(
        startRollcall('web', { ...webEnv(dataDir, port, bridgePort), NODE_ID: nodeId, REDIS_URL: redis.url }),
      );
      // One after the other: the first writes the session secret that both then sign with.
      await waitHealthy(port);
      bases.push(`http://127.0.0.1:${port}`);
    }
  });

  after(async () => {
    for (const node of nodes) await node.kill('SIGTERM');
    await store.close();
    await redis.close();
  });

  function base(node: number): string {
    const url = bases[node];
    assert.ok(url !== undefined);
    return url;
  }

  /** Removes every account and creates these administrators, each with an API token. */
  async function onlyAdmins(...names: string[]): Promise<Admin[]> {
    for (const user of (await store.listUsers({ limit: 1000 })).items) await store.deleteUser(user.id);
    const admins: Admin[] = [];
    for (const name of names) {
      const user = await store.createUser({ name, role: 'admin', passwordHash: 'scrypt$not-for-signing-in' });
      const token = generateApiToken();
      await store.createApiToken({ userId: user.id, name: 'race', tokenHash: hashApiToken(token) });
      admins.push({ id: user.id, bearer: { authorization: `Bearer ${token}` } });
    }
    return admins;
  }

  async function adminsLeft(): Promise<number> {
    return (await store.listUsers({ limit: 1000 })).items.filter((u) => u.role === 'admin' && !u.disabled)
      .length;
  }

  /** How many trials ended each way: `{"200 | 409 STORE_CONFLICT | admins=1": 29, …}`. */
  function tally(outcomes: readonly string[][]): string {
    const counts = new Map<string, number>();
    for (const o of outcomes) {
      const key = [...o.slice(0, 2).sort(), ...o.slice(2)].join(' | ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return JSON.stringify(Object.fromEntries(counts));
  }

  /** The status and error code of a response. */
  async function outcome(response: Response): Promise<string> {
    if (response.ok) return String(response.status);
    const body = (await response.json()) as { code?: string };
    return `${response.status} ${body.code ?? '?'}`;
  }

  it(`two admins demoting each other at once, one request to each node (${DEMOTION_TRIALS} times): exactly one succeeds`, async (t) => {
    const outcomes: string[][] = [];
    for (let trial = 0; trial < DEMOTION_TRIALS; trial++) {
      const [ada, bob] = await onlyAdmins('Ada', 'Bob');
      assert.ok(ada && bob);
      const demote = (node: number, by: Admin, target: Admin) =>
        fetch(`${base(node)}/api/v1/users/${target.id}`, {
          method: 'PATCH',
          headers: { ...by.bearer, 'content-type': 'application/json' },
          body: JSON.stringify({ role: 'viewer' }),
        });
      const responses = await Promise.all([demote(0, ada, bob), demote(1, bob, ada)]);
      outcomes.push([...(await Promise.all(responses.map(outcome))), `admins=${await adminsLeft()}`]);
    }
    t.diagnostic(`outcomes: ${tally(outcomes)}`);
    for (const [a, b, admins] of outcomes) {
      // The loser is refused by the rule (409), or, when the winner's change came first, already
      // as a viewer (403).
      assert.deepEqual(
        [a, b].filter((o) => o === '200').length,
        1,
        `exactly one demotion succeeds: ${tally(outcomes)}`,
      );
      assert.match(a === '200' ? (b ?? '') : (a ?? ''), /^(409 STORE_CONFLICT|403 FORBIDDEN)$/);
      assert.equal(admins, 'admins=1', `one administrator remains: ${tally(outcomes)}`);
    }
  });

  it(`the one-time setup sent to both nodes at once (${TRIALS} times): exactly one administrator is created`, async (t) => {
    const outcomes: string[][] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      await onlyAdmins();
      const browsers = [new Browser(base(0)), new Browser(base(1))];
      const tokens = await Promise.all(browsers.map((b) => b.formToken('/setup')));
      const responses = await Promise.all(
        browsers.map((browser, i) =>
          browser.fetch('/setup', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name: `first-${trial}-${i}`, password: PASSWORD, _csrf: tokens[i] }),
          }),
        ),
      );
      const users = (await store.listUsers({ limit: 1000 })).items;
      outcomes.push([...(await Promise.all(responses.map(outcome))), `users=${users.length}`]);
    }
    t.diagnostic(`outcomes: ${tally(outcomes)}`);
    for (const [a, b, users] of outcomes) {
      assert.deepEqual(
        [a, b].sort(),
        ['201', '403 SETUP_DONE'],
        `one setup succeeds, the other is told it is done: ${tally(outcomes)}`,
      );
      assert.equal(users, 'users=1', `exactly one account: ${tally(outcomes)}`);
    }
  });

  it(`one unknown face assigned on both nodes at once (${TRIALS} times): exactly one wins`, async (t) => {
    const [ada, bob] = await onlyAdmins('Ada', 'Bob');
    assert.ok(ada && bob);
    const grace = (await store.createPerson({ name: 'Grace' })).person;
    const outcomes: string[][] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const { face } = await store.recordUnknownFace(
        makeEvent({ type: 'unknown', personId: null, at: new Date().toISOString() }),
      );
      const photosBefore = (await store.listPhotos(grace.id)).length;
      const assign = (node: number, by: Admin) =>
        fetch(`${base(node)}/api/v1/unknown-faces/${face.id}/assign`, {
          method: 'POST',
          headers: { ...by.bearer, 'content-type': 'application/json' },
          body: JSON.stringify({ personId: grace.id }),
        });
      const responses = await Promise.all([assign(0, ada), assign(1, bob)]);
      const stored = await store.getUnknownFace(face.id);
      outcomes.push([
        ...(await Promise.all(responses.map(outcome))),
        `face=${stored?.status ?? 'missing'}`,
        `photos+${(await store.listPhotos(grace.id)).length - photosBefore}`,
      ]);
    }
    t.diagnostic(`outcomes: ${tally(outcomes)}`);
    for (const [a, b, face, photos] of outcomes) {
      assert.deepEqual(
        [a, b].sort(),
        ['202', '409 STORE_CONFLICT'],
        `one assignment wins, the other is a conflict: ${tally(outcomes)}`,
      );
      assert.equal(face, 'face=assigned');
      assert.equal(photos, 'photos+1', `the crop is enrolled once: ${tally(outcomes)}`);
    }
  });

  it(`each node saves a different setting at once (${TRIALS} times): both changes are kept`, async (t) => {
    const [ada, bob] = await onlyAdmins('Ada', 'Bob');
    assert.ok(ada && bob);
    const outcomes: string[][] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      // Never the configured defaults, so a save that drops the other node's change shows.
      const want = { consensusFrames: 10 + trial, sightingIntervalS: 100 + trial };
      const save = (node: number, by: Admin, patch: Record<string, number>) =>
        fetch(`${base(node)}/api/v1/settings`, {
          method: 'PUT',
          headers: { ...by.bearer, 'content-type': 'application/json' },
          body: JSON.stringify(patch),
        });
      const responses = await Promise.all([
        save(0, ada, { consensusFrames: want.consensusFrames }),
        save(1, bob, { sightingIntervalS: want.sightingIntervalS }),
      ]);
      const saved = (await store.getSetting(SETTINGS_KEY))?.value as Record<string, unknown> | undefined;
      outcomes.push([
        ...(await Promise.all(responses.map(outcome))),
        `kept=${[saved?.consensusFrames === want.consensusFrames, saved?.sightingIntervalS === want.sightingIntervalS].filter(Boolean).length}`,
      ]);
    }
    t.diagnostic(`outcomes: ${tally(outcomes)}`);
    for (const [a, b, kept] of outcomes) {
      assert.deepEqual([a, b], ['200', '200']);
      assert.equal(kept, 'kept=2', `neither save loses the other's change: ${tally(outcomes)}`);
    }
  });
});
