/**
 * The People pages in Chromium, on Rollcall assembled as `rollcall start` assembles it: the gallery
 * (a face for each person, photo counts, who the cameras can recognise, a search), training that
 * moves photo by photo, a failed training shown in red with one line per photo, a file that is not
 * a photo refused on its own, and a person's page where photos are added (upload and webcam) and
 * removed and the person is deleted. Screenshots go to `test/artifacts/`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import type { Store } from '../../src/store/index.js';
import { screenshot } from '../support/browser.js';
import {
  ADMIN,
  SEE_MS,
  seriousAxeViolations,
  startBrowserRollcall,
  until,
  untilInPage,
  type BrowserRollcall,
  assertNoSidewaysScroll,
} from '../support/browser-rollcall.js';
import { facePhoto } from '../support/faces.js';
import { tempDir } from '../support/temp.js';

/** Training may wait for the engine behind other work on a busy machine. */
const TRAIN_MS = 180_000;

describe('the People pages in Chromium', () => {
  let rollcall: BrowserRollcall;
  let store: Store;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let notes: string;

  before(async () => {
    rollcall = await startBrowserRollcall();
    ({ store, base } = rollcall);
    context = await rollcall.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(SEE_MS);
    notes = path.join(await tempDir('people-files'), 'notes.txt');
    await writeFile(notes, 'not a photo\n');
    await rollcall.signIn(page, ADMIN);
  });

  after(() => rollcall.close());

  /** Follows the training bar until the job settles; returns every value it showed. */
  async function barValues(on: Page, shotWhileMoving?: string): Promise<number[]> {
    const seen: number[] = [];
    const deadline = Date.now() + TRAIN_MS;
    for (;;) {
      const { value, settled } = await on.evaluate<{ value: number; settled: boolean }>(`({
        value: document.querySelector('#job-progress').value,
        settled: /is enrolled|failed/.test(document.querySelector('#job-state').textContent),
      })`);
      if (seen.at(-1) !== value) seen.push(value);
      if (shotWhileMoving && value > 0 && value < 95) {
        await screenshot(on, shotWhileMoving);
        shotWhileMoving = undefined;
      }
      if (settled) return seen;
      assert.ok(Date.now() < deadline, 'the training never settled');
      await on.waitForTimeout(100);
    }
  }

  it('moves the bar photo by photo, and refuses a text file and a photo with no face by name, each on one line', async () => {
    await page.goto(`${base}/people`);
    await page.locator('#people-empty:not([hidden])').waitFor();
    await page.fill('#person-name', 'Sheldon');
    await page.setInputFiles('#photos', [
      facePhoto('sheldon/sheldon1.png'),
      facePhoto('sheldon/sheldon2.png'),
      facePhoto('sheldon/sheldon3.png'),
      facePhoto('sheldon/sheldon4.png'),
      facePhoto('none/fruits.jpg'),
      notes,
    ]);
    await page.click('#enroll button[type=submit]');
    const values = await barValues(page, 'people-training-progress');
    const between = values.filter((v) => v > 0 && v < 100);
    assert.ok(between.length >= 2, `the bar went ${values.join(' → ')}: it should move as photos are read`);
    const state = page.locator('#job-state');
    assert.equal(
      await state.innerText(),
      'Sheldon is enrolled: 4 photo(s) accepted, 2 refused.',
      'the text file is counted with the refused photos',
    );
    assert.equal(await state.getAttribute('class'), 'ok');
    assert.equal(await page.locator('#job-progress').getAttribute('data-state'), 'done');
    assert.deepEqual(await page.locator('#job-refusals li').allInnerTexts(), [
      'notes.txt: not a JPEG, PNG or WebP image',
      'fruits.jpg: no human face was found in the photo',
    ]);
    await page.locator('#people [data-person="Sheldon"][data-state="recognisable"]').waitFor();
  });

  it('shows a training where no photo could be used as a failure, in red, right under the button', async () => {
    await page.fill('#person-name', 'Fruit Bowl');
    await page.setInputFiles('#photos', [facePhoto('none/fruits.jpg'), facePhoto('none/white.png')]);
    await page.click('#enroll button[type=submit]');
    await barValues(page);
    const state = page.locator('#job-state');
    assert.equal(await state.innerText(), 'Enrolling Fruit Bowl failed: no photo could be used.');
    assert.equal(await state.getAttribute('class'), 'error');
    assert.equal(await page.locator('#job-progress').getAttribute('data-state'), 'failed');
    // The bar itself is drawn in the danger colour (light theme: #b42318), not the accent blue.
    const bar = await sharp(await page.locator('#job-progress').screenshot())
      .raw()
      .toBuffer({ resolveWithObject: true });
    const middle =
      (Math.floor(bar.info.height / 2) * bar.info.width + Math.floor(bar.info.width / 2)) * bar.info.channels;
    const [red, green, blue] = [...bar.data.subarray(middle, middle + 3)] as [number, number, number];
    assert.ok(red > 150 && green < 80 && blue < 80, `the failed bar is rgb(${red}, ${green}, ${blue})`);
    // One line per photo, each with its reason; the summary is not repeated as a line.
    assert.deepEqual(await page.locator('#job-refusals li').allInnerTexts(), [
      'fruits.jpg: no human face was found in the photo',
      'white.png: no human face was found in the photo',
    ]);
    const gap = await page.evaluate<number>(`
      document.querySelector('#job').getBoundingClientRect().top -
      document.querySelector('#enroll button[type=submit]').getBoundingClientRect().bottom`);
    assert.ok(gap >= 0 && gap < 32, `the outcome is ${gap} px below the button`);
    await screenshot(page, 'people-training-failed');
    await page.locator('#people [data-person="Fruit Bowl"][data-state="not-recognisable"]').waitFor();
  });

  it('shows the gallery: a face per person, photo counts and states, and a search by name', async () => {
    await page.goto(`${base}/people`);
    const sheldon = page.locator('#people [data-person="Sheldon"]');
    await sheldon.waitFor();
    await untilInPage(
      page,
      `document.querySelector('[data-person="Sheldon"] img.portrait')?.naturalWidth === 256`,
    );
    assert.match(await sheldon.innerText(), /Sheldon\s+5 photos\s+Recognisable/);
    const fruit = page.locator('#people [data-person="Fruit Bowl"]');
    assert.match(await fruit.innerText(), /Fruit Bowl\s+2 photos\s+Not recognisable yet/);
    assert.equal(await fruit.locator('img').count(), 0, 'no face to show: initials instead');
    assert.equal(await fruit.locator('.portrait').innerText(), 'FB');
    assert.equal(await page.locator('#people-count').innerText(), '(2)');

    await page.fill('#people-search', 'shel');
    assert.deepEqual(await page.locator('#people .person-card .name').allInnerTexts(), ['Sheldon']);
    await page.fill('#people-search', 'nobody');
    assert.equal(await page.locator('#people .person-card').count(), 0);
    assert.match(await page.locator('#people-no-match').innerText(), /Nobody enrolled is called “nobody”/);
    await page.fill('#people-search', '');
    assert.equal(await page.locator('#people .person-card').count(), 2);
  });

  it("opens a person's page with each photo, what training made of it, and why a photo was refused", async () => {
    await page.goto(`${base}/people`);
    await Promise.all([
      page.waitForURL(/\/people\/[^/]+$/),
      page.locator('#people [data-person="Sheldon"] a').click(),
    ]);
    await page.locator('#person-photos .photo-card').nth(4).waitFor();
    assert.equal(await page.locator('#person-title').innerText(), 'Sheldon');
    assert.equal(await page.locator('#person-state').innerText(), 'Recognisable');
    assert.match(await page.locator('#person-summary').innerText(), /^5 photos, 4 used for recognition/);
    assert.equal(await page.locator('#person-hint').isHidden(), true);
    const fruits = page.locator('#person-photos [data-photo="fruits.jpg"]');
    assert.match(await fruits.innerText(), /Refused\s+fruits\.jpg\s+no human face was found in the photo/);
    const used = page.locator('#person-photos [data-photo="sheldon1.png"]');
    assert.match(await used.innerText(), /Used\s+sheldon1\.png\s+Face \d+ px/);
    await untilInPage(
      page,
      "[...document.querySelectorAll('#person-photos img')].every((img) => img.naturalWidth > 0)",
    );
  });

  it('removes a photo after a confirmation, and the gallery follows', async () => {
    const sheldon = await store.getPersonByName('Sheldon');
    assert.ok(sheldon);
    const versionBefore = await store.getGalleryVersion();
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await page.locator('#person-photos [data-photo="sheldon4.png"] button.danger').click();
    await page.locator('#person-photos [data-photo="sheldon4.png"]').waitFor({ state: 'detached' });
    assert.equal(question, 'Remove sheldon4.png?');
    assert.match(await page.locator('#person-summary').innerText(), /^4 photos, 3 used for recognition/);
    const photos = await store.listPhotos(sheldon.id);
    assert.deepEqual(photos.map((p) => p.fileName).sort(), [
      'fruits.jpg',
      'sheldon1.png',
      'sheldon2.png',
      'sheldon3.png',
    ]);
    assert.equal((await store.listDescriptors(sheldon.id)).length, 3);
    assert.ok((await store.getGalleryVersion()) > versionBefore, 'the gallery version moved');
  });

  it("adds a photo by upload on the person's page, to that person", async () => {
    await page.setInputFiles('#add-photos-files', [facePhoto('sheldon/sheldon5.png')]);
    await page.click('#add-photos button[type=submit]');
    await barValues(page);
    assert.equal(await page.locator('#job-state').innerText(), 'Sheldon is enrolled: 1 photo(s) accepted.');
    await page.locator('#person-photos [data-photo="sheldon5.png"].status-accepted').waitFor();
    assert.match(await page.locator('#person-summary').innerText(), /^5 photos, 4 used for recognition/);
  });

  it('screenshots the gallery and a person, wide and on a phone, light and dark, with no serious accessibility problem', async () => {
    const sheldonUrl = page.url();
    for (const [size, viewport] of [
      ['wide', { width: 1280, height: 900 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const themed = await rollcall.browser.newContext({ viewport, colorScheme, timezoneId: 'UTC' });
        try {
          const on = await themed.newPage();
          on.setDefaultTimeout(SEE_MS);
          await rollcall.signIn(on, ADMIN);
          const suffix = colorScheme === 'light' ? '' : '-dark';
          for (const [name, url, ready] of [
            ['people-gallery', `${base}/people`, '#people .person-card img.portrait'],
            ['person-page', sheldonUrl, '#person-photos .photo-card img'],
          ] as const) {
            await on.goto(url);
            await on.locator(ready).first().waitFor();
            await untilInPage(
              on,
              '[...document.images].every((img) => img.complete && img.naturalWidth > 0)',
            );
            await assertNoSidewaysScroll(on, `${name} ${size} ${colorScheme}`);
            await screenshot(on, `${name}-${size}${suffix}`);
            assert.deepEqual(await seriousAxeViolations(on), [], `${name} ${size} ${colorScheme}`);
          }
        } finally {
          await themed.close();
        }
      }
    }
  });

  it('says a person cannot be recognised yet, and a clear photo from the webcam makes them recognisable', async () => {
    await context.grantPermissions(['camera'], { origin: base });
    const fruit = await store.getPersonByName('Fruit Bowl');
    assert.ok(fruit);
    await page.goto(`${base}/people/${fruit.id}`);
    const hint = page.locator('#person-hint');
    await hint.waitFor();
    assert.match(await hint.innerText(), /Not recognisable yet.*Add a clear photo of their face/s);
    assert.equal(await page.locator('#person-state').innerText(), 'Not recognisable yet');
    await page.locator('.webcam summary').click();
    await page.click('#camera-start');
    await page.locator('#camera-state').filter({ hasText: 'Camera on' }).waitFor();
    await page.click('#camera-shoot');
    await page.locator('#camera-state').filter({ hasText: '1 photo(s) taken' }).waitFor();
    await page.click('#camera-enroll');
    await barValues(page);
    assert.equal(
      await page.locator('#job-state').innerText(),
      'Fruit Bowl is enrolled: 1 photo(s) accepted.',
    );
    await page.locator('#person-state', { hasText: 'Recognisable' }).waitFor();
    assert.equal(await hint.isHidden(), true);
    assert.equal((await store.listDescriptors(fruit.id)).length, 1);
  });

  it('deletes the person from their page after a confirmation, back to the gallery', async () => {
    await page.click('#person-delete');
    const dialog = page.locator('dialog.people-dialog');
    assert.equal(await dialog.locator('h2').innerText(), 'Delete Fruit Bowl?');
    await Promise.all([page.waitForURL(`${base}/people`), dialog.locator('button[type=submit]').click()]);
    await page.locator('#people [data-person="Sheldon"]').waitFor();
    assert.deepEqual(await page.locator('#people .person-card .name').allInnerTexts(), ['Sheldon']);
    await until(async () => (await store.getPersonByName('Fruit Bowl')) === null);
  });
});
