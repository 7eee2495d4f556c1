/**
 * The home page in Chromium, on real recognition and web nodes (`startBrowserRollcall`: a folder
 * camera `door` showing a group photo with Sheldon in it). A fresh install shows the administrator
 * the first-run checklist; once Sheldon is enrolled the camera names him, and the page, refreshing
 * itself, shows him arrived with the face the camera kept, the camera online, and the checklist
 * gone. A viewer sees the viewer's version. Screenshots `home-*` go to `test/artifacts/`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
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
import { facePhoto } from '../support/faces.js';
import { makeEvent } from './store.contract.js';

const PHONE = { width: 390, height: 844 };
const WIDE = { width: 1280, height: 800 };
const SMALL = { width: 360, height: 740 };

/** Sheldon recognised on the folder camera: enrollment, then a few frames of consensus. */
const RECOGNISED_MS = 90_000;

describe('the home page in Chromium', () => {
  let rollcall: BrowserRollcall;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    rollcall = await startBrowserRollcall();
    context = await rollcall.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(SEE_MS);
  });

  after(() => rollcall.close());

  /** A signed-in page of `user` at `viewport` and colour scheme, on the home page once it is filled. */
  async function homeAs(
    user: { name: string; password: string },
    viewport: { width: number; height: number },
    colorScheme: 'light' | 'dark' = 'light',
  ): Promise<{ on: Page; close: () => Promise<void> }> {
    const other = await rollcall.browser.newContext({ viewport, colorScheme, timezoneId: 'UTC' });
    const on = await other.newPage();
    on.setDefaultTimeout(SEE_MS);
    await rollcall.signIn(on, user);
    await on.locator('body[data-home="ready"]').waitFor({ state: 'attached' });
    return { on, close: () => other.close() };
  }
  it('shows a fresh install its checklist: administrator done, nobody enrolled, the camera checked once it delivers', async () => {
    await rollcall.signIn(page, ADMIN);
    const checklist = page.locator('#home-checklist');
    await checklist.waitFor();
    const enroll = checklist.locator('li[data-step="enroll"]');
    assert.equal(await checklist.locator('li[data-step="administrator"].done').count(), 1);
    assert.equal(await enroll.getAttribute('class'), 'step', 'not done');
    assert.equal(await enroll.locator('a.step-action').getAttribute('href'), '/people');
    // The folder camera starts with the node: the page notices it without a reload.
    await checklist.locator('li[data-step="camera"].done').waitFor();
    assert.match(await page.locator('#home-checklist-count').innerText(), /^2 of 3 done$/);
    assert.match(
      await page.locator('#home-arrivals-empty').innerText(),
      /Nobody can be recognised yet\. Enroll people/,
    );
    await page.locator('#home-cameras li.home-camera[data-camera="door"][data-state="online"]').waitFor();
    assert.match(await page.locator('#home-presence-note').innerText(), /Nobody is enrolled yet/);
    // Everyone on the group photo is a stranger for now: they wait for review.
    await page.locator('#home-review-faces li img').first().waitFor();
    await untilInPage(page, "document.querySelector('#home-review-faces img')?.naturalWidth > 0");
    assert.match(await page.locator('#home-review-pending').innerText(), /^\d+\+?$/);
    await assertFitsAndAccessible(page, 'first run, wide');
    await screenshot(page, 'home-first-run');

    const phone = await homeAs(ADMIN, PHONE);
    try {
      await phone.on.locator('#home-checklist li[data-step="camera"].done').waitFor();
      await assertFitsAndAccessible(phone.on, 'first run, phone');
      await screenshot(phone.on, 'home-first-run-phone');
    } finally {
      await phone.close();
    }
  });

  it('shows Sheldon arrived with his face once he is enrolled, and the checklist goes', async () => {
    await page.goto(`${rollcall.base}/people`);
    await page.fill('#person-name', 'Sheldon');
    await page.setInputFiles('#photos', [
      facePhoto('sheldon/sheldon1.png'),
      facePhoto('sheldon/sheldon2.png'),
      facePhoto('sheldon/sheldon3.png'),
    ]);
    await page.click('#enroll button[type=submit]');
    await page
      .locator('#job-state')
      .filter({ hasText: /is enrolled|failed/ })
      .waitFor({ timeout: 120_000 });
    assert.match(await page.locator('#job-state').innerText(), /Sheldon is enrolled/);

    await page.goto(`${rollcall.base}/`);
    const sheldon = page.locator('#home-arrivals li.arrival[data-person="Sheldon"]');
    await sheldon.waitFor({ timeout: RECOGNISED_MS });
    // The crop the camera kept, served and decoded: a real picture, not a broken image.
    await untilInPage(
      page,
      `document.querySelector('#home-arrivals li[data-person="Sheldon"] img.avatar')?.naturalWidth > 0`,
    );
    assert.match(await sheldon.locator('.arrival-who .muted').innerText(), /^door · camera-pc$/);
    assert.match(await sheldon.locator('.arrival-time span').first().innerText(), /^\d\d:\d\d UTC$/);
    assert.equal(await page.locator('#home-arrivals-count').innerText(), '1');
    assert.equal(await page.locator('#home-present').innerText(), '1');
    assert.equal(await page.locator('#home-present-of').innerText(), 'of 1');
    assert.equal(await page.locator('#home-cameras-online').innerText(), '1 of 1');
    assert.equal(await page.locator('#home-checklist').isHidden(), true, 'every step is done');
    const node = page.locator('#home-cameras li.home-node');
    assert.match(
      await node.locator('.home-node-head').innerText(),
      /camera-pc\s+connected\s+[\d.]+ fps · heartbeat/,
    );

    // Refreshing in place: the arrival's element (and its picture) survives the next refreshes.
    await page.evaluate(
      `document.querySelector('#home-arrivals li[data-person="Sheldon"]').setAttribute('data-seen-before', 'yes')`,
    );
    const updated = await page.locator('#home-updated').innerText();
    await page.locator('#home-updated').filter({ hasNotText: updated }).waitFor({ timeout: 15_000 });
    await page.locator('#home-updated').filter({ hasNotText: updated }).waitFor({ timeout: 15_000 });
    assert.equal(await sheldon.getAttribute('data-seen-before'), 'yes', 'the arrival was built again');
    assert.ok(await page.locator('#home-error').isHidden());
  });

  it('fits 1280, 390 and 360 px, light and dark, and passes axe', async () => {
    for (const [size, viewport] of [
      ['wide', WIDE],
      ['phone', PHONE],
      ['small', SMALL],
    ] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        const { on, close } = await homeAs(ADMIN, viewport, scheme);
        try {
          await on.locator('#home-arrivals li[data-person="Sheldon"] img.avatar').waitFor();
          await untilInPage(
            on,
            "[...document.querySelectorAll('img.avatar')].every((img) => img.naturalWidth > 0)",
          );
          await assertFitsAndAccessible(on, `${size} ${scheme}`);
          await screenshot(on, scheme === 'light' ? `home-${size}` : `home-${size}-dark`);
        } finally {
          await close();
        }
      }
    }
  });

  it("gives a viewer the viewer's version: arrivals with faces and the cameras, no nodes, review or checklist", async () => {
    for (const [size, viewport] of [
      ['wide', WIDE],
      ['phone', PHONE],
    ] as const) {
      const { on, close } = await homeAs(VIEWER, viewport);
      try {
        await on.locator('#home-arrivals li[data-person="Sheldon"]').waitFor();
        await untilInPage(
          on,
          `document.querySelector('#home-arrivals li[data-person="Sheldon"] img.avatar')?.naturalWidth > 0`,
        );
        for (const adminOnly of [
          '#home-checklist',
          '#home-review-faces',
          '#home-review-pending',
          'a[href="/nodes"]',
        ])
          assert.equal(await on.locator(adminOnly).count(), 0, `a viewer's page has no ${adminOnly}`);
        const camera = on.locator('#home-cameras li.home-camera[data-camera="door"]');
        assert.equal(await camera.getAttribute('data-state'), 'online');
        assert.doesNotMatch(await on.locator('#home-cameras').innerText(), /fps|heartbeat|127\.0\.0\.1/);
        assert.equal(await on.locator('#home-present').innerText(), '1');
        await assertFitsAndAccessible(on, `viewer ${size}`);
        await screenshot(on, `home-viewer-${size}`);
      } finally {
        await close();
      }
    }
  });
  it('shows a busy morning: the newest twelve arrivals, the rest counted, initials where no face was kept', async () => {
    const names = ['Amy', 'Bernadette', 'Howard', 'Leonard', 'Penny', 'Raj', 'Stuart'];
    const extra = [
      'Maya Ortiz',
      'Teo Brandt',
      'Ines Haddad',
      'Kofi Mensah',
      'Lena Vogel',
      'Noor Aziz',
      'Sam Lee',
    ];
    const now = Date.now();
    for (const [i, name] of [...names, ...extra].entries()) {
      const { person } = await rollcall.store.createPerson({ name });
      const photo = names.includes(name)
        ? facePhoto(`${name.toLowerCase()}/${name.toLowerCase()}1.png`)
        : null;
      const crop =
        photo === null ? null : await sharp(photo).resize(160, 160, { fit: 'cover' }).jpeg().toBuffer();
      await rollcall.store.recordAttendance(
        makeEvent({
          personId: person.id,
          nodeId: 'camera-pc',
          cameraId: i % 3 === 0 ? 'hall' : 'door',
          at: new Date(now - (10 + i * 3) * 60_000).toISOString(),
          crop,
        }),
        { timeZone: 'UTC', cooldownS: 0 },
      );
    }
    const { on, close } = await homeAs(ADMIN, WIDE);
    try {
      await on.locator('#home-arrivals-count').filter({ hasText: /^15$/ }).waitFor();
      assert.equal(await on.locator('#home-arrivals li.arrival').count(), 12);
      assert.match(
        await on.locator('#home-arrivals-empty').innerText(),
        /^and 3 more: see today's attendance\.$/,
      );
      // Newest first: Sheldon, whom the camera named minutes ago, then the morning from 10 minutes back.
      const order = await on.evaluate<string[]>(
        "[...document.querySelectorAll('#home-arrivals li.arrival')].map((li) => li.dataset.person)",
      );
      assert.deepEqual(order.slice(0, 3), ['Sheldon', 'Amy', 'Bernadette']);
      const maya = on.locator('#home-arrivals li[data-person="Maya Ortiz"]');
      assert.equal(await maya.locator('.avatar-empty').innerText(), 'MO');
      assert.equal(await on.locator('#home-present').innerText(), '15');
      assert.equal(await on.locator('#home-present-of').innerText(), '', 'never "15 of 1"');
      assert.match(
        await on.locator('#home-presence-note').innerText(),
        /14 enrolled people have no usable photo yet/,
      );
      await untilInPage(
        on,
        "[...document.querySelectorAll('img.avatar')].every((img) => img.naturalWidth > 0)",
      );
      await assertFitsAndAccessible(on, 'busy, wide');
      await screenshot(on, 'home-busy-wide');
    } finally {
      await close();
    }
    const phone = await homeAs(ADMIN, PHONE, 'dark');
    try {
      await phone.on.locator('#home-arrivals li.arrival:nth-child(12)').waitFor();
      await assertFitsAndAccessible(phone.on, 'busy, phone');
      await screenshot(phone.on, 'home-busy-phone-dark');
    } finally {
      await phone.close();
    }
  });
});
