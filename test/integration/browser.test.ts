/**
 * The pages in a real browser (Debian's Chromium via playwright-core) against Rollcall assembled as
 * `rollcall start` assembles it, in this process: a recognition node (a folder camera showing a
 * group photo with Sheldon in it) and a web node (SQLite, a private Redis, the training worker,
 * bridge clients, the web server with its live feed). An admin signs in, enrolls Sheldon
 * from photos, watches the live view name him, sees his check-in on the attendance page and
 * downloads the CSV; a viewer sees only what viewers may. Then the administrators' pages: a person
 * enrolled with the (fake) webcam, unknown faces assigned and dismissed, settings saved and sent to
 * the node, users added and changed, and a day corrected by hand. Screenshots go to `test/artifacts/`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Store } from '../../src/store/index.js';
import { launchChromium, screenshot } from '../support/browser.js';
import {
  ADMIN,
  SEE_MS,
  VIEWER,
  seriousAxeViolations,
  startBrowserRollcall,
  until,
  untilInPage,
  type BrowserRollcall,
  assertNoSidewaysScroll,
} from '../support/browser-rollcall.js';
import { facePhoto } from '../support/faces.js';
import { makeEvent } from './store.contract.js';

/** A photo of someone nobody enrolls here. */
async function firstDistractor(): Promise<string> {
  const names = (await readdir(facePhoto('distractors'))).sort();
  assert.ok(names[0], 'no distractor photos');
  return names[0];
}

describe('the pages in Chromium, on real recognition and web nodes', () => {
  let rollcall: BrowserRollcall;
  let store: Store;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    rollcall = await startBrowserRollcall();
    ({ store, base, browser } = rollcall);
    context = await rollcall.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(SEE_MS);
  });

  after(() => rollcall.close());

  const signIn = (on: Page, user: { name: string; password: string }): Promise<void> =>
    rollcall.signIn(on, user);

  it('signs the admin in and shows every page in the navigation', async () => {
    await page.goto(`${base}/login`);
    await screenshot(page, '01-login');
    await signIn(page, ADMIN);
    const nav = await page.locator('nav').innerText();
    for (const label of ['Live', 'Attendance', 'Groups', 'People', 'Nodes', 'Jobs'])
      assert.match(nav, new RegExp(label));
    assert.match(nav, /Ada Admin \(admin\)/);
    await screenshot(page, '02-dashboard');
  });

  it('enrolls Sheldon from photos, showing the job finish and the photo it refused', async () => {
    await page.goto(`${base}/people`);
    await page.fill('#person-name', 'Sheldon');
    await page.setInputFiles('#photos', [
      facePhoto('sheldon/sheldon1.png'),
      facePhoto('sheldon/sheldon2.png'),
      facePhoto('sheldon/sheldon3.png'),
      facePhoto('none/fruits.jpg'),
    ]);
    await page.click('#enroll button[type=submit]');
    const state = page.locator('#job-state');
    // The first training also waits for the engine to warm up, on a machine others share.
    await state.filter({ hasText: /is enrolled|failed/ }).waitFor({ timeout: 120_000 });
    assert.match(await state.innerText(), /Sheldon is enrolled: 3 photo\(s\) accepted, 1 refused/);
    assert.match(await page.locator('#job-refusals').innerText(), /fruits\.jpg: /);
    assert.equal(await page.locator('#job-progress').getAttribute('value'), '100');
    await page.locator('#people [data-person="Sheldon"]').waitFor();
    await screenshot(page, '03-people-enrolled');
  });

  it('shows the camera live, with Sheldon named in a box', async () => {
    await page.goto(`${base}/live`);
    const tile = page.locator('figure.cam[data-state="live"]');
    await tile.waitFor();
    // The page writes the names it drew over the frame into the canvas's data-faces.
    await tile.locator('canvas[data-faces*="Sheldon"]').waitFor();
    const info = await tile.locator('div.muted').innerText();
    assert.match(info, /fps/);
    assert.match(info, /view [\d.]+ fps · p95 \d+ ms/);
    assert.match(await tile.locator('figcaption').innerText(), /camera-pc \/ door\s+live/);
    await screenshot(page, '04-live');
  });

  it("lists today's attendance with Sheldon's check-in, and exports it as CSV", async () => {
    await page.goto(`${base}/attendance`);
    const row = page.locator('#records tr[data-person="Sheldon"]');
    // The attendance record follows the recognition event; the page is reloaded until it is there.
    const deadline = Date.now() + SEE_MS;
    while ((await row.count()) === 0) {
      assert.ok(Date.now() < deadline, 'Sheldon never appeared on the attendance page');
      await page.waitForTimeout(500);
      await page.click('#range button[type=submit]');
    }
    assert.match(await row.locator('td.first-seen').innerText(), /^\d\d:\d\d UTC$/);
    assert.match(await row.locator('td.last-seen').innerText(), /^(\d\d:\d\d UTC|in view now)$/);
    assert.equal(await page.locator('#chart svg rect[data-day]').count(), 1);
    await screenshot(page, '05-attendance');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(download.suggestedFilename(), `attendance-${today}-to-${today}.csv`);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    assert.equal(
      lines[0],
      'day,person,person_id,first_seen,last_seen,first_camera,last_camera,node,sightings,corrected,' +
        'in_view,check_in,check_in_camera,check_out,check_out_camera,visits,time_present_s,time_zone',
    );
    assert.equal(lines.length, 2, csv);
    assert.match(
      lines[1] ?? '',
      new RegExp(
        `^${today},Sheldon,[^,]+,${today}T[^,]+\\+00:00,${today}T[^,]+,door,door,camera-pc,\\d+,no,.*,UTC$`,
      ),
    );
  });

  it('shows any range of days, with a bar per day and check-in and check-out times', async () => {
    const day = (daysAgo: number): string =>
      new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    // How every page writes a day: "Mon 30 Nov 2026".
    const dayText = (daysAgo: number): string =>
      new Date(`${day(daysAgo)}T12:00:00Z`)
        .toLocaleDateString('en-GB', {
          timeZone: 'UTC',
          weekday: 'short',
          day: 'numeric',
          month: 'short',
          year: 'numeric',
        })
        .replace(',', '');
    const { person: penny } = await store.createPerson({ name: 'Penny' });
    for (const daysAgo of [3, 2]) {
      for (const time of ['08:00:00', '17:30:00']) {
        await store.recordAttendance(
          makeEvent({
            personId: penny.id,
            nodeId: 'camera-pc',
            cameraId: 'door',
            at: `${day(daysAgo)}T${time}.000Z`,
          }),
          { timeZone: 'UTC', cooldownS: 0 },
        );
      }
    }
    await page.goto(`${base}/attendance`);
    await page.locator('#records tr[data-person="Sheldon"]').waitFor();
    await page.fill('#from', day(3));
    await page.click('#range button[type=submit]');
    await page.locator('#records tr[data-person="Penny"]').first().waitFor();
    const bars = page.locator('#chart svg rect[data-day]');
    assert.deepEqual(await Promise.all((await bars.all()).map((bar) => bar.getAttribute('data-day'))), [
      day(3),
      day(2),
      day(1),
      day(0),
    ]);
    assert.deepEqual(await page.locator('#chart svg title').allTextContents(), [
      `${dayText(3)}: 1 present`,
      `${dayText(2)}: 1 present`,
      `${dayText(1)}: 0 present`,
      `${dayText(0)}: 1 present`,
    ]);
    const penny3 = page.locator(`#records tr[data-person="Penny"]`).first();
    assert.deepEqual((await penny3.locator('td').allInnerTexts()).slice(0, 4), [
      dayText(3),
      'Penny',
      '08:00 UTC',
      '17:30 UTC',
    ]);
    assert.match(
      (await page.locator('#csv').getAttribute('href')) ?? '',
      new RegExp(`from=${day(3)}&to=${day(0)}$`),
    );
    await screenshot(page, '05b-attendance-range');
  });

  it('shows the node connected, with its camera, gallery version and outbox', async () => {
    await page.goto(`${base}/nodes`);
    const row = page.locator('#nodes tr');
    await row.filter({ hasText: 'connected' }).waitFor();
    const text = await row.innerText();
    assert.match(text, /camera-pc/);
    assert.match(text, /127\.0\.0\.1:\d+/);
    assert.match(text, /door/);
    const cells = await row.locator('td').allInnerTexts();
    assert.match(cells[5] ?? '', /^\d+$/, 'gallery version');
    assert.match(cells[6] ?? '', /^(fr-feature|face-api)$/, 'the descriptor model of the node');
    assert.match(cells[7] ?? '', /^\d+$/, 'outbox depth');
    assert.match(cells[8] ?? '', /^\d\d:\d\d:\d\d UTC$/, 'last heartbeat');
    await screenshot(page, '06-nodes');
  });

  it('hides the admin pages from a viewer, who still sees attendance and the live view', async () => {
    const viewerContext = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      timezoneId: 'UTC',
    });
    try {
      const viewerPage = await viewerContext.newPage();
      viewerPage.setDefaultTimeout(SEE_MS);
      await signIn(viewerPage, VIEWER);
      const nav = await viewerPage.locator('nav').innerText();
      assert.match(nav, /Attendance/);
      assert.match(nav, /Live/);
      assert.doesNotMatch(nav, /People|Nodes|Job queues/);
      const refused = await viewerPage.goto(`${base}/people`);
      assert.equal(refused?.status(), 403);
      assert.match(await viewerPage.locator('body').innerText(), /needs the admin role/);
      await viewerPage.goto(`${base}/attendance`);
      await viewerPage.locator('#records tr[data-person="Sheldon"]').waitFor();
      await screenshot(viewerPage, '07-viewer-attendance');
    } finally {
      await viewerContext.close();
    }
  });

  it('deletes Sheldon after a confirmation', async () => {
    await page.goto(`${base}/people`);
    const card = page.locator('#people [data-person="Sheldon"]');
    await card.waitFor();
    // Deleting is on the person's page, which the card opens.
    await Promise.all([page.waitForURL(/\/people\/[^/]+$/), card.locator('a').click()]);
    await page.locator('button.danger', { hasText: 'Delete person' }).click();
    const dialog = page.locator('dialog.people-dialog');
    assert.equal(await dialog.locator('h2').innerText(), 'Delete Sheldon?');
    await Promise.all([page.waitForURL(`${base}/people`), dialog.locator('button[type=submit]').click()]);
    await page.locator('#people [data-person="Penny"]').waitFor();
    assert.deepEqual(await page.locator('#people .person-card .name').allInnerTexts(), ['Penny']);
    assert.equal(await store.getPersonByName('Sheldon'), null);
  });

  it('enrolls Howard with the webcam: photos taken in the browser, trained like uploads', async () => {
    await context.grantPermissions(['camera'], { origin: base });
    await page.goto(`${base}/people`);
    await page.fill('#person-name', 'Howard');
    await page.locator('.webcam summary').click();
    await page.click('#camera-start');
    await page.locator('#camera-state').filter({ hasText: 'Camera on' }).waitFor();
    for (let shot = 1; shot <= 3; shot++) {
      await page.click('#camera-shoot');
      await page
        .locator('#camera-state')
        .filter({ hasText: `${shot} photo(s) taken` })
        .waitFor();
    }
    assert.equal(await page.locator('#camera-shots img').count(), 3);
    // The thumbnails show the photos taken (a CSP-blocked image would have no width).
    await untilInPage(
      page,
      "[...document.querySelectorAll('#camera-shots img')].every((img) => img.naturalWidth > 0)",
    );
    await screenshot(page, '08-people-webcam');
    await page.click('#camera-enroll');
    const state = page.locator('#job-state');
    await state.filter({ hasText: /is enrolled|failed/ }).waitFor({ timeout: 120_000 });
    assert.match(await state.innerText(), /Howard is enrolled: 3 photo\(s\) accepted\.$/);
    const howard = await store.getPersonByName('Howard');
    assert.ok(howard);
    assert.equal((await store.listDescriptors(howard.id)).length, 3);
    await page.locator('#people [data-person="Howard"]').waitFor();
    await screenshot(page, '09-people-webcam-enrolled');
  });

  it('says clearly when the browser has no camera to offer', async () => {
    const plain = await launchChromium();
    try {
      const other = await plain.newPage();
      other.setDefaultTimeout(SEE_MS);
      await signIn(other, ADMIN);
      await other.goto(`${base}/people`);
      await other.locator('.webcam summary').click();
      await other.click('#camera-start');
      const message = other.locator('#camera-state.error');
      await message.waitFor();
      assert.match(await message.innerText(), /No camera was found|not allowed to use the camera/);
      assert.equal(await other.locator('#camera-shoot').isDisabled(), true);
    } finally {
      await plain.close();
    }
  });

  it('reviews unknown faces: assigns one to Penny (trained) and dismisses another', async () => {
    const crop = await sharp(facePhoto('penny/penny1.png')).jpeg().toBuffer();
    const at = new Date().toISOString();
    const { face: pennyFace } = await store.recordUnknownFace(
      makeEvent({ type: 'unknown', personId: null, nodeId: 'camera-pc', cameraId: 'door', at, crop }),
    );
    const stranger = await sharp(facePhoto('distractors/' + (await firstDistractor())))
      .jpeg()
      .toBuffer();
    // The camera held this one back: it came near someone enrolled without being sure.
    const [lookalike] = (await store.listPeople()).items;
    assert.ok(lookalike, 'earlier tests enrolled someone');
    const { face: strangerFace } = await store.recordUnknownFace(
      makeEvent({
        type: 'unknown',
        personId: null,
        nodeId: 'camera-pc',
        cameraId: 'hall',
        at,
        crop: stranger,
        unconfirmed: true,
        candidate: { personId: lookalike.id, distance: 1.05 },
      }),
    );
    await page.goto(`${base}/unknown-faces`);
    const card = page.locator(`figure.face[data-face="${pennyFace.id}"]`);
    await card.waitFor();
    // The crop is served and decoded: a real picture, not a broken image.
    await untilInPage(
      page,
      `document.querySelector('figure[data-face="${pennyFace.id}"] img')?.naturalWidth > 0`,
    );
    assert.match(await card.locator('figcaption').innerText(), /camera door on camera-pc/);
    await screenshot(page, '10-unknown-faces');

    await card.locator('input[name=name]').fill('Penny');
    await card.locator('button[type=submit]').click();
    await card
      .locator('.face-state')
      .filter({ hasText: /trained|refused/ })
      .waitFor({ timeout: 120_000 });
    assert.equal(await card.locator('.face-state').innerText(), 'Assigned to Penny; trained.');
    assert.equal(await card.locator('progress').getAttribute('value'), '100');
    const penny = await store.getPersonByName('Penny');
    assert.ok(penny);
    assert.equal((await store.listDescriptors(penny.id)).length, 1);
    assert.equal((await store.getUnknownFace(pennyFace.id))?.assignedPersonId, penny.id);
    await screenshot(page, '11-unknown-face-assigned');

    const other = page.locator(`figure.face[data-face="${strangerFace.id}"]`);
    assert.match(
      await other.locator('.candidate').innerText(),
      new RegExp(`Not marked present: looks like ${lookalike.name}, but not enough to be sure`),
    );
    assert.equal(await other.locator('button.candidate-yes').innerText(), `Yes, ${lookalike.name}`);
    await other.locator('button.dismiss').click();
    await other.waitFor({ state: 'detached' });
    assert.equal((await store.getUnknownFace(strangerFace.id))?.status, 'dismissed');
    await page.selectOption('#status', 'assigned');
    await page
      .locator(`figure.face[data-face="${pennyFace.id}"]`)
      .filter({ hasText: 'Assigned to Penny' })
      .waitFor();
  });

  it('explains the calibrated thresholds and what moving them trades, saves a target and a zone from the picker, refuses hand-set thresholds out of order in plain words, sends them to the node, and resets to the defaults', async () => {
    await page.goto(`${base}/settings`);
    await untilInPage(page, "document.getElementById('retentionDays').value !== ''");
    assert.equal(await page.inputValue('#timeZone'), 'UTC');
    assert.equal(await page.inputValue('#retentionDays'), '30');
    assert.equal(await page.inputValue('#strangerRatePercent'), '1');
    // The picker offers the zones the server accepts, by region.
    assert.equal(
      await page.locator('#timeZone optgroup[label="Europe"] option[value="Europe/Berlin"]').innerText(),
      'Berlin (Europe)',
    );
    // What the target means for the gallery enrolled so far, in words, and what moving it trades.
    const calibration = page.locator('#calibration');
    await calibration.filter({ hasText: /match below/ }).waitFor();
    assert.match(await calibration.innerText(), /enrolled (person|people)/);
    assert.match(await page.locator('#stranger-rate-help').innerText(), /Lower \(0\.1%\).*Higher \(5%\)/s);
    const state = page.locator('#settings-state');
    await page.fill('#strangerRatePercent', '0.5');
    await page.click('#settings button[type=submit]');
    await state.filter({ hasText: /^Saved/ }).waitFor();
    const saved = (await store.getSetting('web.settings'))?.value as
      { strangerRateTarget?: number } | undefined;
    assert.equal(saved?.strangerRateTarget, 0.005);

    // Experts may set both distances by hand instead; each says what moving it trades.
    await page.click('#manual-thresholds summary');
    assert.match(await page.locator('#match-help').innerText(), /^Higher: more people named at once/);
    assert.match(await page.locator('#unknown-help').innerText(), /uncertain/);
    await page.fill('#matchThreshold', '0.5');
    await page.fill('#unknownThreshold', '0.45');
    await page.click('#settings button[type=submit]');
    await state.filter({ hasText: /Unknown from/ }).waitFor();
    assert.equal(await state.innerText(), 'Unknown from: must be at least the match distance (0.5)');
    await page.fill('#unknownThreshold', '0.58');
    await page.fill('#retentionDays', '60');
    await page.selectOption('#timeZone', 'Europe/Berlin');
    await page.click('#settings button[type=submit]');
    await state.filter({ hasText: /^Saved/ }).waitFor();
    assert.match(await state.innerText(), /Sent to 1 connected recognition node/);
    await calibration.filter({ hasText: /Set by hand/ }).waitFor();
    assert.deepEqual((await store.getSetting('web.settings'))?.value, {
      strangerRateTarget: 0.005,
      matchThreshold: 0.5,
      unknownThreshold: 0.58,
      consensusFrames: 3,
      sightingIntervalS: 10,
      timeZone: 'Europe/Berlin',
      retentionDays: 60,
    });
    await page.reload();
    await untilInPage(page, "document.getElementById('retentionDays').value === '60'");
    assert.equal(await page.inputValue('#timeZone'), 'Europe/Berlin');
    await screenshot(page, '12-settings');

    // Reset to defaults, after a confirmation: the configuration's values, saved and sent to the node.
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await page.click('#settings-reset');
    await state.filter({ hasText: /^Defaults restored/ }).waitFor();
    assert.match(question, /back to the defaults/);
    assert.match(await state.innerText(), /Sent to 1 connected recognition node/);
    assert.equal(await page.inputValue('#timeZone'), 'UTC');
    assert.equal(await page.inputValue('#strangerRatePercent'), '1');
    assert.equal(await page.inputValue('#matchThreshold'), '');
    assert.deepEqual((await store.getSetting('web.settings'))?.value, {
      strangerRateTarget: 0.01,
      matchThreshold: null,
      unknownThreshold: null,
      consensusFrames: 3,
      sightingIntervalS: 10,
      timeZone: 'UTC',
      retentionDays: 30,
    });
  });

  it('serves Bull Board without a request to any other host, with a link back to Rollcall', async () => {
    const board = await context.newPage();
    board.setDefaultTimeout(SEE_MS);
    const requests: string[] = [];
    const refused: string[] = [];
    board.on('request', (request) => requests.push(request.url()));
    board.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
    });
    try {
      await board.goto(`${base}/admin/queues`);
      // The board works (its queue is listed) under its stricter CSP.
      await board.locator('a[href$="/queue/rollcall"]').first().waitFor();
      await board.locator('header li:last-child button').click();
      // A link to Rollcall's own pages, in the board's menu.
      await board.locator('a[href="/"]', { hasText: 'Back to Rollcall' }).waitFor();
      await screenshot(board, '12b-job-queues');
      const { host } = new URL(base);
      const elsewhere = requests.filter((url) => !url.startsWith('data:') && new URL(url).host !== host);
      assert.deepEqual(elsewhere, [], 'every request goes to the web node');
      assert.ok(
        requests.some((url) => url.includes('/admin/queues/api/queues')),
        'the board asked for its queues',
      );
      assert.deepEqual(refused, [], 'nothing the board needs is refused by its CSP');
    } finally {
      await board.close();
    }
  });

  it('adds a user, resets their password with a form, changes their role, and never offers to delete yourself', async () => {
    await page.goto(`${base}/users`);
    const mine = page.locator(`#users tr[data-user="${ADMIN.name}"]`);
    await mine.waitFor();
    assert.equal(await mine.locator('button.danger').count(), 0, 'no live-looking Delete for yourself');
    assert.equal(await mine.locator('button.delete-self').isDisabled(), true);
    assert.equal(await mine.locator('button.delete-self').getAttribute('aria-disabled'), 'true');
    assert.match(await mine.locator('.note').innerText(), /cannot delete your own account/);
    await page.fill('#new-name', 'Olive Office');
    await page.fill('#new-password', 'short');
    await page.fill('#new-password', 'olive password 1');
    await page.click('#add-user button[type=submit]');
    const row = page.locator('#users tr[data-user="Olive Office"]');
    await row.waitFor();
    assert.match(await page.locator('#add-state').innerText(), /Olive Office can sign in now, as viewer/);

    // Reset her password: a form asking twice, no prompt().
    await row.locator('button.reset').click();
    await page.locator('#reset-password').waitFor();
    assert.equal(await page.locator('#reset-who').innerText(), 'Olive Office');
    await page.fill('#reset-new', 'olive new password');
    await page.fill('#reset-confirm', 'olive new passwort');
    await page.click('#reset-form button[type=submit]');
    await page.locator('#reset-state.error', { hasText: 'The two passwords differ' }).waitFor();
    await page.fill('#reset-confirm', 'olive new password');
    await page.click('#reset-form button[type=submit]');
    await page
      .locator('#reset-state.ok', { hasText: 'Olive Office signs in with the new password' })
      .waitFor();
    assert.equal(await page.locator('#reset-password').isHidden(), true);
    const oliveContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const olivePage = await oliveContext.newPage();
      olivePage.setDefaultTimeout(SEE_MS);
      await signIn(olivePage, { name: 'Olive Office', password: 'olive new password' });
      assert.match(await olivePage.locator('nav').innerText(), /Olive Office \(viewer\)/);
    } finally {
      await oliveContext.close();
    }

    await row.locator('select.role').selectOption('admin');
    await until(async () => (await store.getUserByName('Olive Office'))?.role === 'admin');

    // An API token for her, made in the page: shown once, with a warning and a copy button.
    await row.locator('button.create-token').click();
    await page.fill('#token-name', 'door kiosk');
    await page.click('#add-token button[type=submit]');
    await page.locator('#new-token').waitFor();
    assert.match(await page.locator('#new-token .warning').innerText(), /will not be shown again/);
    const secret = await page.inputValue('#new-token-secret');
    assert.match(secret, /^rc_[A-Za-z0-9_-]{43}$/);
    assert.match(
      await page.locator('#token-state').innerText(),
      /Token "door kiosk" created for Olive Office/,
    );
    await page.click('#new-token-copy');
    await page.locator('#new-token-state', { hasText: /Copied|Ctrl\+C/ }).waitFor();
    await screenshot(page, '13-users');
    const bearer = { authorization: `Bearer ${secret}` };
    const people = await fetch(`${base}/api/v1/people`, { headers: bearer });
    assert.equal(people.status, 200, 'the token works, as Olive (admin)');
    await page.click('#new-token-done');
    assert.equal(await page.locator('#new-token').isHidden(), true);
    await page.reload();
    const token = page.locator('#users tr[data-user="Olive Office"] [data-token="door kiosk"]');
    await token.waitFor();
    assert.doesNotMatch(await token.innerText(), /last used never/, 'its use is shown');
    assert.ok(!(await page.content()).includes(secret), 'never shown again');
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await token.locator('button.revoke').click();
    await token.waitFor({ state: 'detached' });
    assert.match(question, /Revoke the token "door kiosk" of Olive Office\?/);
    assert.equal((await fetch(`${base}/api/v1/people`, { headers: bearer })).status, 401);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('#users tr[data-user="Olive Office"] button.danger').click();
    await page.locator('#users tr[data-user="Olive Office"]').waitFor({ state: 'detached' });
    assert.equal(await store.getUserByName('Olive Office'), null);
  });

  it('corrects a day by hand: Stuart (never enrolled, so no camera sees him) marked present with a reason, shown in the list and the CSV', async () => {
    await store.createPerson({ name: 'Stuart' });
    await page.goto(`${base}/attendance`);
    await page.locator('#correct-person option', { hasText: 'Stuart' }).waitFor({ state: 'attached' });
    await page.selectOption('#correct-person', { label: 'Stuart' });
    await page.fill('#correct-in', '08:30');
    await page.fill('#correct-out', '16:00');
    await page.fill('#correct-reason', 'came in through the side door');
    await page.click('#correct button[type=submit]');
    await page.locator('#correct-state.ok').waitFor();
    const record = page.locator('#records tr[data-person="Stuart"]').last();
    await record.locator('td.note', { hasText: 'corrected' }).waitFor();
    assert.deepEqual((await record.locator('td').allInnerTexts()).slice(1, 4), [
      'Stuart',
      '08:30 UTC',
      '16:00 UTC',
    ]);
    const correction = page.locator('#corrections tr[data-person="Stuart"]');
    assert.equal(await correction.locator('td.reason').innerText(), 'came in through the side door');
    assert.equal(await correction.locator('td.change').innerText(), 'present 08:30 UTC–16:00 UTC');
    await screenshot(page, '14-attendance-corrected');
    const today = new Date().toISOString().slice(0, 10);
    const csv = await (await page.request.get(`${base}/api/v1/attendance.csv?from=${today}`)).text();
    assert.match(
      csv,
      new RegExp(
        `${today},Stuart,[^,]+,${today}T08:30:00\\+00:00,${today}T16:00:00\\+00:00,manual,.*,yes,.*\\r\\n`,
      ),
    );
  });

  /** Every page, with what its script fills in: the screenshot shows the page as a user sees it. */
  const EVERY_PAGE: { name: string; path: string; ready?: string }[] = [
    { name: 'home', path: '/', ready: 'body[data-home="ready"]' },
    { name: 'live', path: '/live', ready: 'figure.cam canvas[data-seq]' },
    { name: 'attendance', path: '/attendance', ready: '#records tr' },
    { name: 'people', path: '/people', ready: '#people .person-card' },
    {
      name: 'unknown-faces',
      path: '/unknown-faces',
      ready: '#faces figure.face, #faces-empty:not([hidden])',
    },
    { name: 'nodes', path: '/nodes', ready: '#nodes tr' },
    { name: 'settings', path: '/settings', ready: '#calibration:not(:empty)' },
    { name: 'users', path: '/users', ready: '#users tr' },
    { name: 'jobs', path: '/jobs', ready: '#jobs li.job, #jobs-empty:not([hidden])' },
    { name: 'groups', path: '/groups', ready: '#groups > li, #groups-empty:not([hidden])' },
    { name: 'webhooks', path: '/webhooks', ready: '#webhooks > li, #webhooks-empty:not([hidden])' },
  ];

  it('fits every page on a phone (390 and 360 px) and a wide screen, light and dark, with no console error, no request leaving the machine and no serious accessibility problem', async () => {
    const backgrounds = new Map<string, string>();
    // The smallest phone Rollcall supports is looked at in one theme only: the themes share the layout.
    for (const [size, viewport, schemes] of [
      ['phone', { width: 390, height: 844 }, ['light', 'dark']],
      ['wide', { width: 1280, height: 800 }, ['light', 'dark']],
      ['small', { width: 360, height: 740 }, ['light']],
    ] as const) {
      for (const colorScheme of schemes) {
        const themed = await browser.newContext({ viewport, colorScheme, timezoneId: 'UTC' });
        try {
          const on = await themed.newPage();
          on.setDefaultTimeout(SEE_MS);
          const problems: string[] = [];
          const ours = new URL(base).host;
          on.on('console', (message) => {
            if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
          });
          on.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
          const outside = (url: string): void => {
            const { protocol, host } = new URL(url);
            if (['http:', 'https:', 'ws:', 'wss:'].includes(protocol) && host !== ours)
              problems.push(`request to another host: ${url}`);
          };
          on.on('request', (request) => {
            outside(request.url());
          });
          on.on('websocket', (socket) => {
            outside(socket.url());
          });

          const check = async (name: string): Promise<void> => {
            await assertNoSidewaysScroll(on, `${size} ${colorScheme} ${name}`);
            await screenshot(on, `${size}-${colorScheme}-${name}`);
            assert.deepEqual(problems, [], `${size} ${colorScheme} ${name}`);
            assert.deepEqual(
              await seriousAxeViolations(on),
              [],
              `${size} ${colorScheme} ${name}: axe-core finds serious or critical accessibility problems`,
            );
          };

          await on.goto(`${base}/login`);
          await check('login');
          backgrounds.set(
            `${size}-${colorScheme}`,
            await on.evaluate<string>('getComputedStyle(document.body).backgroundColor'),
          );
          await signIn(on, ADMIN);
          for (const { name, path: url, ready } of EVERY_PAGE) {
            await on.goto(`${base}${url}`);
            if (ready !== undefined) await on.locator(ready).first().waitFor({ state: 'attached' });
            await check(name);
          }

          // Three weeks of attendance: the chart's day labels stay readable and apart.
          await on.goto(`${base}/attendance`);
          await on.fill('#from', new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10));
          await on.click('#range button[type=submit]');
          await on.locator('#chart svg rect:nth-of-type(21)').waitFor();
          const labels = await on.evaluate<{ left: number; right: number; height: number }[]>(
            `[...document.querySelectorAll('#chart svg text:nth-child(3n)')]
              .filter((label) => getComputedStyle(label).display !== 'none')
              .map((label) => label.getBoundingClientRect())
              .map(({ left, right, height }) => ({ left, right, height }))`,
          );
          assert.ok(labels.length >= 3, `${size} ${colorScheme}: ${labels.length} day labels`);
          for (const [i, label] of labels.entries()) {
            assert.ok(label.height >= 9, `${size} ${colorScheme}: a day label ${label.height} px high`);
            const next = labels[i + 1];
            if (next) assert.ok(label.right <= next.left, `${size} ${colorScheme}: day labels overlap`);
          }
          await check('attendance-range');

          // The navigation is one bar; on a phone its links open from the menu.
          const bar = (await on.locator('nav').boundingBox())?.height ?? Infinity;
          assert.ok(bar < 80, `${size} ${colorScheme}: the top bar is ${bar} px high`);
          const menu = on.locator('nav details.menu summary');
          if (viewport.width < 1024) {
            assert.equal(await on.locator('nav a[href="/people"]').isVisible(), false);
            await menu.click();
            await on.locator('nav a[href="/people"]').waitFor();
            assert.match(
              await on.locator('nav').innerText(),
              /Attendance[\s\S]*Groups[\s\S]*Jobs[\s\S]*Ada Admin/,
            );
            await check('menu');
          } else {
            assert.equal(await menu.isVisible(), false);
            assert.equal(await on.locator('nav a[href="/people"]').isVisible(), true);
          }
        } finally {
          await themed.close();
        }
      }
    }
    assert.notEqual(backgrounds.get('phone-light'), backgrounds.get('phone-dark'), 'the dark theme applies');
  });
});
