/**
 * The Attendance page in Chromium on real recognition and web nodes (`startBrowserRollcall`), the
 * site in Paris and the browser in UTC: times show on the site's clock with its zone, someone
 * still in view reads "in view now" with no check-out, someone gone reads their last sighting,
 * and the columns say what they count (time present, visits, sightings). Check-in and check-out
 * appear once cameras are tagged entry and exit. Screenshots `attendance-columns-*` go to
 * `test/artifacts/`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { screenshot } from '../support/browser.js';
import {
  ADMIN,
  SEE_MS,
  assertFitsAndAccessible,
  startBrowserRollcall,
  type BrowserRollcall,
} from '../support/browser-rollcall.js';
import { makeEvent } from './store.contract.js';

const PARIS = { timeZone: 'Europe/Paris' };
const SECOND = 1000;

describe('the attendance page in Chromium', () => {
  let rollcall: BrowserRollcall;
  let context: BrowserContext;
  let page: Page;
  let still: string;

  before(async () => {
    rollcall = await startBrowserRollcall();
    context = await rollcall.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(SEE_MS);
    await rollcall.signIn(page, ADMIN);
    await api('PUT', '/api/v1/settings', PARIS);

    const { store } = rollcall;
    still = (await store.createPerson({ name: 'Still Here' })).person.id;
    const gone = (await store.createPerson({ name: 'Gone Home' })).person.id;
    const now = Date.now();
    const seen = (personId: string, atMs: number, cameraId = 'room') =>
      store.recordAttendance(
        makeEvent({
          type: 'sighting',
          personId,
          cameraId,
          nodeId: 'camera-pc',
          at: new Date(atMs).toISOString(),
          crop: null,
        }),
        PARIS,
      );
    // In view for the last ten minutes, re-reported every 10 s.
    for (let i = 0; i < 60; i++) await seen(still, now - 600 * SECOND + i * 10 * SECOND);
    // Five minutes through the entry this morning, a minute in the room later, out by the exit.
    for (let i = 0; i < 30; i++)
      await seen(gone, now - 3600 * SECOND + i * 10 * SECOND, i === 0 ? 'gate-in' : 'room');
    for (let i = 0; i < 7; i++)
      await seen(gone, now - 1200 * SECOND + i * 10 * SECOND, i === 6 ? 'gate-out' : 'room');
  });

  after(() => rollcall.close());

  async function api(method: string, path: string, data: unknown): Promise<void> {
    const token = (await page.getAttribute('meta[name="csrf-token"]', 'content')) ?? '';
    const res = await page.request.fetch(`${rollcall.base}${path}`, {
      method,
      data: data as Record<string, unknown>,
      headers: { 'x-csrf-token': token },
    });
    assert.equal(res.status(), 200, await res.text());
  }

  /** Still Here is re-reported now, as a node does while someone stays in view. */
  async function stillInView(): Promise<void> {
    await rollcall.store.recordAttendance(
      makeEvent({
        type: 'sighting',
        personId: still,
        cameraId: 'room',
        nodeId: 'camera-pc',
        at: new Date().toISOString(),
        crop: null,
      }),
      PARIS,
    );
  }

  async function cells(on: Page, name: string): Promise<Record<string, string>> {
    const row = on.locator(`#records tr[data-person="${name}"]`);
    await row.waitFor();
    const read: Record<string, string> = {};
    for (const cell of [
      'first-seen',
      'last-seen',
      'check-in',
      'check-out',
      'time-present',
      'visits',
      'sightings',
    ])
      read[cell] = (await row.locator(`td.${cell}`).textContent())?.trim() ?? '';
    return read;
  }
  it('shows times in the site zone, "in view now" for someone still there, and what each column counts', async () => {
    await stillInView();
    await page.goto(`${rollcall.base}/attendance`);
    // The browser runs in UTC; the site is in Paris (CET in winter, CEST in summer).
    const zone = page.locator('#attendance-zone');
    await zone.filter({ hasText: 'Europe/Paris' }).waitFor();
    const label = /\((CET|CEST)\)/.exec(await zone.innerText())?.[1];
    assert.ok(label, await zone.innerText());

    const here = await cells(page, 'Still Here');
    assert.match(here['first-seen'] ?? '', new RegExp(`^\\d\\d:\\d\\d ${label}$`));
    assert.equal(here['last-seen'], 'in view now');
    assert.deepEqual([here['time-present'], here.visits, here.sightings], ['10 min', '1', '61']);
    const gone = await cells(page, 'Gone Home');
    assert.match(gone['last-seen'] ?? '', new RegExp(`^\\d\\d:\\d\\d ${label}$`));
    assert.deepEqual([gone['time-present'], gone.visits, gone.sightings], ['5 min', '2', '37']);
    // No camera is tagged: check-in and check-out would repeat first and last seen, so they are not shown.
    assert.equal(await page.locator('#check-in-head').isVisible(), false);
    assert.equal(await page.locator('#records td.check-out').first().isVisible(), false);
    // One day: named once above the table, as every page writes days, and no Day column.
    assert.match(
      await page.locator('#attendance-zone').innerText(),
      /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}\. Times in Europe\/Paris \((CET|CEST)\)\.$/,
    );
    assert.equal(await page.locator('#day-head').isVisible(), false);
    await assertFitsAndAccessible(page, 'wide');
    await screenshot(page, 'attendance-columns-wide');
  });

  it('shows check-in and check-out by the entry and exit cameras once they are tagged, on a phone too', async () => {
    await api('PUT', '/api/v1/cameras/gate-in/role', { role: 'entry' });
    await api('PUT', '/api/v1/cameras/gate-out/role', { role: 'exit' });
    await stillInView();
    await page.goto(`${rollcall.base}/attendance`);
    await page.locator('#check-in-head').waitFor();
    const gone = await cells(page, 'Gone Home');
    assert.notEqual(gone['check-in'], '—');
    assert.equal(gone['check-out'], gone['last-seen'], 'left by the exit camera: its last sighting');
    const here = await cells(page, 'Still Here');
    assert.equal(here['check-in'], here['first-seen'], 'the room camera is untagged: it sees arrivals too');
    assert.equal(here['check-out'], 'not yet: in view');
    assert.match(await page.locator('#attendance-zone').innerText(), /entry and exit cameras/);
    await screenshot(page, 'attendance-columns-tagged');

    const phone = await rollcall.browser.newContext({
      viewport: { width: 390, height: 844 },
      timezoneId: 'UTC',
    });
    try {
      const on = await phone.newPage();
      on.setDefaultTimeout(SEE_MS);
      await rollcall.signIn(on, ADMIN);
      await stillInView();
      await on.goto(`${rollcall.base}/attendance`);
      assert.equal((await cells(on, 'Still Here'))['last-seen'], 'in view now');
      await on.locator('details.attendance-legend summary').click();
      await assertFitsAndAccessible(on, 'phone');
      await screenshot(on, 'attendance-columns-phone');
    } finally {
      await phone.close();
    }
  });
});
