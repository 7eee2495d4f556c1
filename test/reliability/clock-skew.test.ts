/**
 * Skewed clocks, for real: recognition nodes (the real bridge server and outbox, synthetic events:
 * event-node-child) run with libfaketime preloaded (`FAKETIME=+10m`, as `faketime -f +10m node …`
 * would, but without the wrapper's extra process), so their wall clock, their
 * events' `at` and their heartbeats are minutes off while the web node's clock is right. One node
 * is 10 minutes ahead, one 5 minutes behind, one right. The ahead one starts before the web node
 * and keeps its first events in its outbox (a partition), delivered seconds late.
 *
 * Checked: the web node measures each skew from the heartbeats (vs the offset applied), flags the
 * skewed nodes in `GET /api/v1/nodes`, on the Nodes page (Chromium) and in its log; events count
 * at the node's time corrected by the measured skew, so a late delivery keeps its true time (not
 * its receive time); the node's own reading is kept (`node_at`); a right clock's events are left
 * as sent; attendance spans exactly the stored times.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { CLOCK_SKEW_TOLERANCE_MS } from '../../src/core/index.js';
import type { NodeView } from '../../src/services/index.js';
import { launchChromium, screenshot } from '../support/browser.js';
import { seriousAxeViolations } from '../support/browser-rollcall.js';
import type { EventNodeSpec } from '../support/event-node-child.js';
import type { LineChild } from '../support/line-child.js';
import { freePort } from '../support/net.js';
import {
  createAccount,
  lastDepth,
  libfaketime,
  report,
  SECRET,
  seedPeople,
  startEventNode,
  startRollcall,
  storedFigures,
  waitHealthy,
  webEnv,
} from '../support/rollcall-node.js';
import { tempDir } from '../support/temp.js';
import { until, untilTrue } from '../support/wait.js';

const PEOPLE = ['Amy', 'Bernadette', 'Howard', 'Leonard', 'Penny', 'Raj', 'Sheldon'];
const MINUTE = 60_000;
const PASSWORD = 'a long enough password';

const running: LineChild[] = [];
after(async () => {
  for (const child of running) await child.kill('SIGTERM');
});

function track(child: LineChild): LineChild {
  running.push(child);
  return child;
}

interface Row {
  id: string;
  at: string;
  nodeAt: string | null;
  receivedAt: string;
}

function storedRows(dataDir: string, prefix: string): Row[] {
  const db = new Database(path.join(dataDir, 'rollcall.db'), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT id, at, node_at AS nodeAt, received_at AS receivedAt FROM events WHERE id LIKE ?')
      .all(`${prefix}-%`) as Row[];
  } finally {
    db.close();
  }
}

describe('skewed node clocks: measured from heartbeats, flagged, and corrected', () => {
  it('counts events at their true times from nodes minutes off, late deliveries included', async () => {
    // libfaketime must be there (Debian `faketime`): its absence is a broken setup, not a skip.
    const library = libfaketime();
    const { stdout: version } = await promisify(execFile)('dpkg-query', [
      '-W',
      '-f',
      '${Version}',
      'libfaketime',
    ]);
    const root = await tempDir('clock');
    const webDir = path.join(root, 'web-pc');
    const webPort = await freePort();
    const people = await seedPeople(webDir, PEOPLE);
    const nodes = [
      { nodeId: 'ahead-pc', offset: '+10m', appliedMs: 10 * MINUTE },
      { nodeId: 'behind-pc', offset: '-5m', appliedMs: -5 * MINUTE },
      { nodeId: 'right-pc', offset: undefined, appliedMs: 0 },
    ];
    const specs = await Promise.all(
      nodes.map(async ({ nodeId }): Promise<EventNodeSpec> => ({
        dir: path.join(root, nodeId),
        port: await freePort(),
        secret: SECRET,
        nodeId,
        count: 200,
        rate: 20,
        prefix: nodeId,
        people,
      })),
    );
    const env = {
      ...webEnv(webDir, webPort, specs[0]?.port ?? 0),
      RECOGNITION_SERVERS: specs.map((spec) => `127.0.0.1:${spec.port}`).join(','),
    };
    const token = await createAccount(env, 'admin', 'admin', PASSWORD);

    // The node 10 minutes ahead sees people while no web node is up: its first events wait in its
    // outbox and arrive seconds late.
    const [aheadSpec, behindSpec, rightSpec] = specs;
    assert.ok(aheadSpec && behindSpec && rightSpec);
    const ahead = track(await startEventNode(aheadSpec, { clockOffset: '+10m' }));
    await ahead.waitFor((lines) => lines.filter((line) => line.startsWith('published ')).length >= 60);
    const partitionEndsAt = Date.now();
    const heldByPartition = ahead.valuesOf('published').slice();
    const web = track(startRollcall('web', env));
    const behind = track(await startEventNode(behindSpec, { clockOffset: '-5m' }));
    const right = track(await startEventNode(rightSpec));
    await waitHealthy(webPort);
    for (const node of [ahead, behind, right]) await node.waitFor((lines) => lines.includes('done'), 60_000);
    await untilTrue(
      'every event stored',
      () =>
        specs.every((spec) => storedFigures(webDir, [spec.prefix]).events === spec.count) &&
        [ahead, behind, right].every((node) => lastDepth(node) === 0),
      60_000,
    );

    // The web node's view of each node's clock.
    const auth = { authorization: `Bearer ${token}` };
    const views = await until('every node measured', async () => {
      const answer = (await (
        await fetch(`http://127.0.0.1:${webPort}/api/v1/nodes`, { headers: auth })
      ).json()) as {
        nodes: NodeView[];
      };
      return answer.nodes.every((n) => n.clockSkewMs !== null) ? answer.nodes : undefined;
    });
    const measured = nodes.map(({ nodeId, appliedMs }) => {
      const view = views.find((n) => n.nodeId === nodeId);
      assert.ok(view && view.clockSkewMs !== null, nodeId);
      // Transit and event-loop delays only make a node look behind: well under a second here.
      assert.ok(
        Math.abs(view.clockSkewMs - appliedMs) < 1000,
        `${nodeId}: ${view.clockSkewMs} vs ${appliedMs}`,
      );
      assert.equal(view.clockSkewed, Math.abs(appliedMs) > CLOCK_SKEW_TOLERANCE_MS, nodeId);
      return { nodeId, appliedMs, measuredMs: view.clockSkewMs, flagged: view.clockSkewed };
    });
    for (const nodeId of ['ahead-pc', 'behind-pc']) {
      assert.ok(
        web.lines.some((line) => line.includes("the node's clock is off") && line.includes(nodeId)),
        `the web node logged ${nodeId}'s clock`,
      );
    }

    // Each event counts at its true time: the node's reading minus the offset applied, to within the
    // measurement's error, and never its receive time.
    const figures = nodes.map(({ nodeId, appliedMs }) => {
      const rows = storedRows(webDir, nodeId);
      const skew = measured.find((m) => m.nodeId === nodeId)?.measuredMs ?? 0;
      let worstErrorMs = 0;
      for (const row of rows) {
        if (appliedMs === 0) {
          assert.equal(row.nodeAt, null, `${row.id}: a right clock's time is kept as sent`);
          continue;
        }
        assert.ok(row.nodeAt !== null, `${row.id}: the node's reading is kept`);
        const trueMs = Date.parse(row.nodeAt) - appliedMs;
        worstErrorMs = Math.max(worstErrorMs, Math.abs(Date.parse(row.at) - trueMs));
        // By the skew measured when it arrived (the estimate moves by milliseconds as samples come).
        const correction = Date.parse(row.nodeAt) - Date.parse(row.at);
        assert.ok(Math.abs(correction - skew) < 1000, `${row.id}: corrected by ${correction}, skew ${skew}`);
        assert.ok(Date.parse(row.at) <= Date.parse(row.receivedAt) + 1000, `${row.id}: not after it arrived`);
      }
      assert.ok(worstErrorMs < 1000, `${nodeId}: worst error ${worstErrorMs} ms`);
      return { nodeId, events: rows.length, worstErrorMs };
    });

    // The partition's events kept their true times: seconds before they were received.
    const lateRows = storedRows(webDir, 'ahead-pc').filter((row) => heldByPartition.includes(row.id));
    const lateness = lateRows.map((row) => Date.parse(row.receivedAt) - Date.parse(row.at));
    assert.equal(lateRows.length, heldByPartition.length);
    // The first of them waited out the whole partition (3 s) and the web node's start, and still
    // counts at when it was seen (checked above to the millisecond), not when it arrived.
    assert.ok(
      Math.max(...lateness) > 2500,
      `delivered late and counted at their time (${Math.max(...lateness)} ms)`,
    );
    assert.ok(lateness.every((ms) => ms > 0));
    // Counted before the partition ended, within what the skew's measurement can be off by (a
    // heartbeat's transit, tens of ms on a loaded machine): the correction, not the arrival.
    const MEASUREMENT_SLACK_MS = 1000;
    assert.ok(
      lateRows.every((row) => Date.parse(row.at) < partitionEndsAt + MEASUREMENT_SLACK_MS),
      `counted before the partition ended (latest ${Math.max(...lateRows.map((row) => Date.parse(row.at) - partitionEndsAt))} ms after)`,
    );
    const stored = storedFigures(
      webDir,
      nodes.map((n) => n.nodeId),
    );
    assert.equal(stored.events, stored.distinctEvents);
    assert.equal(stored.attendanceMismatches, 0, 'attendance spans exactly the corrected times');

    // The Nodes page flags the skewed clocks.
    const browser = await launchChromium();
    try {
      for (const [width, colorScheme, name] of [
        [1280, 'light', 'clock-skew-nodes'],
        [390, 'light', 'clock-skew-nodes-narrow'],
        [1280, 'dark', 'clock-skew-nodes-dark'],
      ] as const) {
        const page = await (
          await browser.newContext({ viewport: { width, height: 900 }, timezoneId: 'UTC', colorScheme })
        ).newPage();
        await page.goto(`http://127.0.0.1:${webPort}/login`);
        await page.fill('#name', 'admin');
        await page.fill('#password', PASSWORD);
        await Promise.all([
          page.waitForURL(`http://127.0.0.1:${webPort}/`),
          page.click('button[type=submit]'),
        ]);
        await page.goto(`http://127.0.0.1:${webPort}/nodes`);
        await page.locator('#nodes tr', { hasText: 'behind' }).waitFor();
        const rows = await page.locator('#nodes tr').allInnerTexts();
        const row = (nodeId: string): string => rows.find((text) => text.includes(nodeId)) ?? '';
        assert.match(row('ahead-pc'), /⚠ (9 min 59 s|10 min( \d+ s)?) ahead\s+times corrected/);
        assert.match(row('behind-pc'), /⚠ (4 min 5\d s|5 min) behind/);
        assert.match(row('right-pc'), /in sync/);
        const note = page.locator('#nodes-clock-note');
        assert.match(
          await note.innerText(),
          /^Clock off on ahead-pc \(.* ahead\), behind-pc \(.* behind\)\. Rollcall counts their events/,
        );
        assert.deepEqual(await seriousAxeViolations(page), []);
        await screenshot(page, name);
        const overflow = await page.evaluate(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        );
        assert.equal(overflow, 0, `no horizontal overflow at ${width} px`);
      }
    } finally {
      await browser.close();
    }
    await web.kill('SIGTERM');
    report('recognition nodes with skewed clocks (libfaketime)', {
      libfaketime: `${library} ${version}`,
      nodes: measured.map((m) => ({
        ...m,
        ...figures.find((f) => f.nodeId === m.nodeId),
      })),
      partitionEvents: lateRows.length,
      partitionDeliveredLateMs: { min: Math.min(...lateness), max: Math.max(...lateness) },
      duplicates: stored.events - stored.distinctEvents,
      attendanceMismatches: stored.attendanceMismatches,
    });
  });
});
