/**
 * The group pages' reports and the Webhooks page in Chromium (`startBrowserRollcall`). A group
 * "Class 7B" (minimum attendance 75%) meets 09:00–10:00 on four days of last month — all past, so
 * the statuses do not depend on the hour the test runs — and its members' sightings are scripted
 * on a camera of both ways: Ivy present, late, gone early, then excused; Jon present once, then
 * absent three times (25%: under the minimum); Kim present three times and absent once (75%:
 * not under it). A person's page shows last month's calendar with those letters and the rate per
 * group; a sighting dated later than now (the web node's real clock) leaves today's session to
 * come rather than attended; the roster page lists Jon under the minimum, counts each member, and its CSV link
 * downloads the rows; the Webhooks page adds a hook, shows its secret once, refuses an ftp URL
 * beside the field, sends a test that a receiver verifies with that secret, and logs it.
 * Screenshots `group-pages-*` go to `test/artifacts/`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { screenshot } from '../support/browser.js';
import {
  ADMIN,
  SEE_MS,
  VIEWER,
  assertFitsAndAccessible,
  startBrowserRollcall,
  untilInPage,
  type BrowserRollcall,
} from '../support/browser-rollcall.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { makeEvent } from './store-contract/support.js';

/** `YYYY-MM` of the month before this one (UTC, the fixture's zone). */
function lastMonth(): string {
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return first.toISOString().slice(0, 7);
}

const MONTH = lastMonth();
const DAYS = ['10', '11', '12', '13'].map((d) => `${MONTH}-${d}`) as [string, string, string, string];
const [D1, D2, D3, D4] = DAYS;

/** Each member's sightings, as times of day on each day; none: no sighting that day. */
const SIGHTINGS: Record<'Ivy' | 'Jon' | 'Kim', Record<string, string[]>> = {
  // present (in before 09:00, seen after 10:00), late (09:20), left early (last seen 09:30), excused.
  Ivy: { [D1]: ['08:55', '10:05'], [D2]: ['09:20', '10:05'], [D3]: ['08:55', '09:30'] },
  Jon: { [D1]: ['08:58', '10:02'] },
  Kim: { [D1]: ['08:50', '10:01'], [D2]: ['08:59', '10:03'], [D3]: ['08:57', '10:04'] },
};

describe('Reports and webhooks pages in Chromium', () => {
  let rollcall: BrowserRollcall;
  let context: BrowserContext;
  let page: Page;
  const ids = { Ivy: '', Jon: '', Kim: '' };
  let groupId = '';

  before(async () => {
    rollcall = await startBrowserRollcall();
    const { store } = rollcall;
    for (const name of ['Ivy', 'Jon', 'Kim'] as const)
      ids[name] = (await store.createPerson({ name })).person.id;
    const group = await store.createGroup({ name: 'Class 7B', minAttendanceRate: 0.75 });
    groupId = group.id;
    await store.addGroupMembers(groupId, Object.values(ids));
    const session = await store.addGroupSession(groupId, {
      weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      start: '09:00',
      end: '10:00',
      lateGraceMin: 5,
      earlyExitGraceMin: 0,
      absentBelowMin: null,
      checkInWindowMin: 60,
      checkOutWindowMin: 60,
      cameras: null,
      from: D1,
      to: D4,
      holidays: [],
    });
    for (const [name, days] of Object.entries(SIGHTINGS) as [keyof typeof ids, Record<string, string[]>][])
      for (const [day, times] of Object.entries(days))
        for (const time of times)
          await store.recordAttendance(
            makeEvent({ personId: ids[name], cameraId: 'hall', at: `${day}T${time}:00.000Z` }),
            { timeZone: 'UTC', cooldownS: 0 },
          );
    await store.excuseSession({
      sessionId: session.id,
      personId: ids.Ivy,
      day: D4,
      reason: 'dentist',
      by: 'Ada',
    });

    context = await rollcall.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(SEE_MS);
    page.on('dialog', (dialog) => void dialog.accept());
    await rollcall.signIn(page, ADMIN);
  });

  after(() => rollcall.close());

  async function shot(on: Page, name: string): Promise<void> {
    await on.evaluate('window.scrollTo(0, 0)');
    await screenshot(on, name);
  }

  /** Last month's calendar on Ivy's (or anyone's) page. */
  async function openHistory(on: Page, person: keyof typeof ids): Promise<void> {
    await on.goto(`${rollcall.base}/people/${ids[person]}`);
    await on.locator('.history[data-month]').waitFor();
    await on.getByRole('button', { name: 'Previous month' }).click();
    await untilInPage(on, `document.querySelector('.history').dataset.month === '${MONTH}'`);
  }

  const statusesOn = (on: Page, day: string): Promise<string | null> =>
    on.locator(`.history-calendar td[data-day="${day}"]`).getAttribute('data-statuses');

  it("shows a person's sessions on a month calendar, a lettered mark per status, and the rate per group", async () => {
    await openHistory(page, 'Ivy');
    assert.deepEqual(await Promise.all(DAYS.map((day) => statusesOn(page, day))), [
      'present',
      'late',
      'left-early',
      'excused',
    ]);
    assert.deepEqual(
      await page.locator(`.history-calendar td[data-day="${D1}"] .history-mark`).allInnerTexts(),
      ['P'],
      'a letter, not the colour alone',
    );
    assert.equal(await statusesOn(page, `${MONTH}-09`), '', 'before the session began: no session');
    assert.match(
      await page.locator(`.history-calendar td[data-day="${D3}"] .visually-hidden`).innerText(),
      /Class 7B 09:00–10:00: left early/,
    );
    assert.match(await page.locator('.history-rates li').innerText(), /Class 7B: 100% \(3 of 3 sessions\)/);
    const legend = await page.locator('.history-legend').innerText();
    for (const word of ['Present', 'Late', 'Left early', 'Absent', 'Excused', 'no session'])
      assert.ok(legend.includes(word), `the legend names ${word}`);
    await assertFitsAndAccessible(page, 'person history 1280');

    await openHistory(page, 'Jon');
    assert.deepEqual(await Promise.all(DAYS.map((day) => statusesOn(page, day))), [
      'present',
      'absent',
      'absent',
      'absent',
    ]);
    assert.match(
      await page.locator('.history-rates li').innerText(),
      /25% \(1 of 4 sessions\).*below the 75% minimum/,
    );
    await shot(page, 'group-pages-person-1280');

    const phone = await rollcall.newContext({ width: 390, height: 844 });
    try {
      const small = await phone.newPage();
      await rollcall.signIn(small, ADMIN);
      await openHistory(small, 'Jon');
      await assertFitsAndAccessible(small, 'person history 390');
      await small.locator('.history').scrollIntoViewIfNeeded();
      await screenshot(small, 'group-pages-person-390');
    } finally {
      await phone.close();
    }
  });

  it("counts a sighting dated later than now as nothing yet: today's session is still to come", async (t) => {
    // The web node runs on the real clock (the fixture takes no other): a session at 23:58 is still
    // to come unless the test runs in the day's last hour, and a sighting at 23:58 is in the future.
    if (new Date().getUTCHours() >= 23) {
      t.skip('the last hour of the day: the session may have begun');
      return;
    }
    const { store } = rollcall;
    const today = new Date().toISOString().slice(0, 10);
    const zed = (await store.createPerson({ name: 'Zed' })).person.id;
    const group = await store.createGroup({ name: 'Night shift' });
    await store.addGroupMembers(group.id, [zed]);
    await store.addGroupSession(group.id, {
      weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      start: '23:58',
      end: '23:59',
      lateGraceMin: 0,
      earlyExitGraceMin: 0,
      absentBelowMin: null,
      checkInWindowMin: 60,
      checkOutWindowMin: 60,
      cameras: null,
      from: today,
      to: today,
      holidays: [],
    });
    await store.recordAttendance(
      makeEvent({ personId: zed, cameraId: 'hall', at: `${today}T23:58:30.000Z` }),
      {
        timeZone: 'UTC',
        cooldownS: 0,
      },
    );
    await page.goto(`${rollcall.base}/people/${zed}`);
    await page.locator('.history[data-month]').waitFor();
    assert.equal(await statusesOn(page, today), 'expected', 'not present: the sighting has not happened yet');
    assert.deepEqual(
      await page.locator(`.history-calendar td[data-day="${today}"] .history-mark`).allInnerTexts(),
      ['·'],
    );
    assert.match(await page.locator('.history-rates li').innerText(), /Night shift: nothing counted yet/);
  });

  it('lists the members under the minimum on the roster page, counts each member, and downloads the range as CSV', async () => {
    await page.goto(`${rollcall.base}/groups/${groupId}`);
    await page.fill('#report-from', D1);
    await page.fill('#report-to', D4);
    await page.locator('#report-range button[type=submit]').click();
    // This month (the first range) has no session: the box shows once the chosen range is read.
    await untilInPage(page, `!document.querySelector('#report-below').hidden`);
    const below = page.locator('#report-below');
    assert.equal(await below.isVisible(), true);
    assert.match(await below.innerText(), /1 member below the 75% minimum/);
    assert.deepEqual(await below.locator('li').allInnerTexts(), ['Jon — 25% (1 of 4 sessions)']);
    const rows = await page.evaluate<string[][]>(
      `[...document.querySelectorAll('#report-table tbody tr')].map((tr) =>
        [...tr.children].map((cell) => cell.textContent.trim()))`,
    );
    assert.deepEqual(rows, [
      ['Ivy', '1', '1', '1', '0', '1', '100% (3 of 3 sessions)'],
      ['Jon', '1', '0', '0', '3', '0', '25% (1 of 4 sessions) ⚠ below'],
      ['Kim', '3', '0', '0', '1', '0', '75% (3 of 4 sessions)'],
    ]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-csv')]);
    assert.match(download.suggestedFilename(), new RegExp(`^attendance-Class-7B-${D1}-to-${D4}\\.csv$`));
    const csv = (await readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, '');
    const lines = csv.trim().split(/\r?\n/);
    assert.equal(lines.length, 1 + 12, 'a header and a line per member and session');
    assert.ok(
      lines.some((line) => line.startsWith(`${D3},09:00–10:00,Ivy,${ids.Ivy},left early`)),
      csv,
    );
    assert.ok(
      lines.some((line) => line.startsWith(`${D4},09:00–10:00,Jon,${ids.Jon},absent`)),
      csv,
    );
    assert.match(
      (await page.getAttribute('#report-xlsx', 'href')) ?? '',
      new RegExp(`\\.xlsx\\?from=${D1}&to=${D4}$`),
    );

    // This week: the presets move both days and the links with them.
    await page.click('#report-week');
    await untilInPage(page, `!document.querySelector('#report-csv').href.includes('from=${D1}')`);
    // No session this week: nobody is under the minimum, and no rate is counted.
    await untilInPage(page, `document.querySelector('#report-below').hidden`);
    assert.deepEqual(await page.locator('#report-table tbody td:last-child').allInnerTexts(), [
      '—',
      '—',
      '—',
    ]);
    await page.fill('#report-from', D1);
    await page.fill('#report-to', D4);
    await page.locator('#report-range button[type=submit]').click();
    await untilInPage(page, `!document.querySelector('#report-below').hidden`);
    await page.locator('#group-report').scrollIntoViewIfNeeded();
    await assertFitsAndAccessible(page, 'roster report 1280');
    await screenshot(page, 'group-pages-report-1280');

    const phone = await rollcall.newContext({ width: 390, height: 844 });
    try {
      const small = await phone.newPage();
      await rollcall.signIn(small, VIEWER);
      await small.goto(`${rollcall.base}/groups/${groupId}`);
      await small.fill('#report-from', D1);
      await small.fill('#report-to', D4);
      await small.locator('#report-range button[type=submit]').click();
      await untilInPage(small, `!document.querySelector('#report-below').hidden`);
      await assertFitsAndAccessible(small, 'roster report 390');
      await small.locator('#group-report').scrollIntoViewIfNeeded();
      await screenshot(small, 'group-pages-report-390');
    } finally {
      await phone.close();
    }
  });

  it('adds a webhook, shows its secret once, refuses a URL that is not http(s) beside the field, and logs a test delivery', async () => {
    let secret = '';
    const receiver = new WebhookReceiver(() => secret);
    await receiver.start();
    try {
      await page.goto(`${rollcall.base}/webhooks`);
      await page.locator('#webhooks-empty:not([hidden])').waitFor();

      await page.fill('#webhook-url', 'ftp://example.org/hooks');
      await page.click('#webhook-create button[type=submit]');
      await page.locator('#webhook-url-error:not([hidden])').waitFor();
      assert.match(
        await page.locator('#webhook-url-error').innerText(),
        /must start with http:\/\/ or https:\/\//,
      );
      assert.equal(await page.getAttribute('#webhook-url', 'aria-invalid'), 'true');
      await assertFitsAndAccessible(page, 'webhooks, refused URL');

      await page.fill('#webhook-url', receiver.url);
      await page.fill('#webhook-description', 'The school office');
      await page.click('#webhook-create button[type=submit]');
      await page.locator('#webhook-secret-box:not([hidden])').waitFor();
      secret = await page.locator('#webhook-secret').innerText();
      assert.match(secret, /^whsec_/);
      assert.equal(
        await page.locator('#webhook-url-error').isVisible(),
        false,
        'the error went with the fix',
      );
      const guide = await page.locator('#webhook-secret-box').innerText();
      assert.match(guide, /X-Rollcall-Timestamp/);
      assert.match(guide, /X-Rollcall-Signature/);
      await page.locator('li.webhook').waitFor();
      await assertFitsAndAccessible(page, 'webhooks with the secret');
      await shot(page, 'group-pages-webhooks-secret-1280');

      await page.click('#webhook-secret-done');
      assert.equal(await page.locator('#webhook-secret').innerText(), '', 'the secret leaves the page');
      await page.reload();
      await page.locator('li.webhook').waitFor();
      assert.equal(await page.locator('#webhook-secret-box').isVisible(), false, 'never shown again');
      assert.ok(!(await page.content()).includes(secret));

      await page.getByRole('button', { name: 'Send a test event' }).click();
      await untilInPage(
        page,
        `document.querySelector('li.webhook .hook-state').textContent.includes('answered 204')`,
      );
      assert.equal(receiver.events.length, 1, 'the receiver verified the signature with the secret shown');
      assert.deepEqual(receiver.badSignatures, []);
      await page.locator('li.webhook details summary').click();
      const row = page.locator('li.webhook tbody tr').first();
      assert.match(await row.innerText(), /✓ answered 204 in \d+ ms\s+.+\s+webhook\.test\s+1\s+—/);

      // A real event the receiver refused twice: its latest attempt says when it is tried again
      // (attempt 2 waits 10 s under the default policy); an event past its last attempt was given up.
      const hookId = (await rollcall.store.listWebhooks({})).items[0]?.id ?? '';
      const failed = {
        hookId,
        eventType: 'attendance.late',
        statusCode: 500,
        error: 'not today',
        durationMs: 12,
      } as const;
      await rollcall.store.logWebhookDelivery({
        ...failed,
        eventId: 'late-1',
        attempt: 1,
        at: '2026-01-05T09:00:00.000Z',
      });
      await rollcall.store.logWebhookDelivery({
        ...failed,
        eventId: 'late-1',
        attempt: 2,
        at: '2026-01-05T09:00:05.000Z',
      });
      await rollcall.store.logWebhookDelivery({
        ...failed,
        eventId: 'late-0',
        attempt: 20,
        at: '2026-01-05T08:00:00.000Z',
      });
      await page.reload();
      await page.locator('li.webhook details summary').click();
      await untilInPage(page, `document.querySelectorAll('li.webhook tbody tr').length === 4`);
      const log = await page.evaluate<string[][]>(
        `[...document.querySelectorAll('li.webhook tbody tr')].map((tr) =>
          [...tr.children].map((cell) => cell.textContent.trim()))`,
      );
      // Newest logged first.
      assert.deepEqual(
        log.map((cells) => [cells[0]?.replace(/\d+ ms/, 'N ms'), cells[3], cells[4]]),
        [
          ['✗ answered 500: failed', '20', 'none: gave up'],
          ['✗ answered 500: failed', '2', 'about Mon 5 Jan 2026, 09:00:15 UTC'],
          ['✗ answered 500: failed', '1', '—'],
          ['✓ answered 204 in N ms', '1', '—'],
        ],
      );

      // Off, then on: the state says so in words.
      await page.getByRole('button', { name: 'Turn off' }).click();
      await untilInPage(page, `document.querySelector('li.webhook .badge').textContent === 'Off'`);
      await page.getByRole('button', { name: 'Turn on' }).click();
      await untilInPage(page, `document.querySelector('li.webhook .badge').textContent === 'On'`);
      await page.locator('li.webhook details summary').click();
      await assertFitsAndAccessible(page, 'webhooks with a log');
      await shot(page, 'group-pages-webhooks-1280');

      const dark = await rollcall.browser.newContext({
        viewport: { width: 390, height: 844 },
        colorScheme: 'dark',
        timezoneId: 'UTC',
      });
      try {
        const small = await dark.newPage();
        await rollcall.signIn(small, ADMIN);
        await small.goto(`${rollcall.base}/webhooks`);
        await small.locator('li.webhook tbody tr').first().waitFor({ state: 'attached' });
        await small.locator('li.webhook details summary').click();
        await assertFitsAndAccessible(small, 'webhooks 390 dark');
        await shot(small, 'group-pages-webhooks-390-dark');
        await small.goto(`${rollcall.base}/people/${ids.Jon}`);
        await small.locator('.history[data-month]').waitFor();
        await small.getByRole('button', { name: 'Previous month' }).click();
        await untilInPage(small, `document.querySelector('.history').dataset.month === '${MONTH}'`);
        await small.locator('.history').scrollIntoViewIfNeeded();
        await screenshot(small, 'group-pages-person-390-dark');
      } finally {
        await dark.close();
      }

      await page.getByRole('button', { name: 'Delete' }).click();
      await page.locator('#webhooks-empty:not([hidden])').waitFor();
      assert.equal((await rollcall.store.listWebhooks({})).items.length, 0);
    } finally {
      await receiver.stop();
    }
  });

  it('keeps the Webhooks page from viewers: no link, and 403', async () => {
    const viewer = await rollcall.newContext();
    try {
      const on = await viewer.newPage();
      await rollcall.signIn(on, VIEWER);
      assert.equal(await on.locator('nav a[href="/webhooks"]').count(), 0);
      const answer = await on.goto(`${rollcall.base}/webhooks`);
      assert.equal(answer?.status(), 403);
      assert.equal(await page.locator('nav a[href="/webhooks"]').count(), 1, 'administrators have the link');
    } finally {
      await viewer.close();
    }
  });
});
