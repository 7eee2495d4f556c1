/**
 * People as records in Chromium, on Rollcall assembled as `rollcall start` assembles it: enrolling
 * a name someone has asks "is this them, or a new person?" (photos go to the one chosen, by id),
 * external ids shown on the cards and edited on the person's page, an unknown face given a new name
 * only once confirmed, and the delete dialog that erases attendance or keeps it anonymised.
 * Screenshots at 1280 and 390 px go to `test/artifacts/`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import type { Person, Store } from '../../src/store/index.js';
import { screenshot } from '../support/browser.js';
import {
  ADMIN,
  SEE_MS,
  seriousAxeViolations,
  startBrowserRollcall,
  until,
  type BrowserRollcall,
  assertNoSidewaysScroll,
} from '../support/browser-rollcall.js';
import { facePhoto } from '../support/faces.js';
import { makeEvent, UTC } from './store-contract/support.js';

const PHONE = { width: 390, height: 844 };

describe('people as records in Chromium', () => {
  let rollcall: BrowserRollcall;
  let store: Store;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let mark: Person;

  before(async () => {
    rollcall = await startBrowserRollcall();
    ({ store, base } = rollcall);
    context = await rollcall.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(SEE_MS);
    await rollcall.signIn(page, ADMIN);
    mark = (await store.createPerson({ name: 'Mark Zuckerberg', externalId: 'S-1001' })).person;
    await store.addPhoto({
      personId: mark.id,
      fileName: 'mark.png',
      bytes: await readFile(facePhoto('raj/raj1.png')),
    });
  });

  after(() => rollcall.close());

  /** Fills the enroll form with a name (and external id) and one photo, and submits it. */
  async function enroll(on: Page, name: string, externalId = ''): Promise<void> {
    await on.goto(`${base}/people`);
    await on.locator('#people .person-card').first().waitFor();
    await on.fill('#person-name', name);
    await on.fill('#person-external-id', externalId);
    await on.setInputFiles('#photos', facePhoto('raj/raj2.png'));
    await on.click('#enroll button[type=submit]');
  }

  it('asks "is this Mark Zuckerberg or a new person?": the photos go to the one chosen', async () => {
    await enroll(page, 'mark zuckerberg');
    const dialog = page.locator('dialog.people-dialog');
    await dialog.waitFor();
    assert.equal(await dialog.locator('h2').innerText(), 'Is this mark zuckerberg?');
    const choice = dialog.locator(`button.namesake[data-person-id="${mark.id}"]`);
    assert.match(
      await choice.innerText(),
      /Yes, this Mark Zuckerberg\s+external id S-1001 · enrolled .* · 1 photo/,
    );
    // Their face (initials until training has found it) stands beside what tells them apart.
    assert.equal(await choice.locator('img, .initials').count(), 1);
    assert.deepEqual(await seriousAxeViolations(page), []);
    await screenshot(page, 'people-records-namesake-1280');

    await choice.click();
    await dialog.waitFor({ state: 'detached' });
    await until(async () => (await store.listPhotos(mark.id)).length === 2);
    assert.equal((await store.findPeopleByName('Mark Zuckerberg')).length, 1, 'no one new');

    // The same question on a phone, answered "a new person" with their own student number.
    const phone = await rollcall.newContext(PHONE);
    try {
      const small = await phone.newPage();
      small.setDefaultTimeout(SEE_MS);
      await rollcall.signIn(small, ADMIN);
      await enroll(small, 'Mark Zuckerberg', 'S-1002');
      const question = small.locator('dialog.people-dialog');
      await question.waitFor();
      await assertNoSidewaysScroll(small, '390 px');
      await screenshot(small, 'people-records-namesake-390');
      await question.locator('button.namesake-new').click();
      await until(async () => (await store.findPeopleByName('Mark Zuckerberg')).length === 2);
      const [, second] = await store.findPeopleByName('Mark Zuckerberg');
      assert.equal(second?.externalId, 'S-1002');
      assert.equal((await store.listPhotos(mark.id)).length, 2, 'the first Mark got nothing');
      // Both cards, each with its external id.
      await small.goto(`${base}/people`);
      const cards = small.locator('#people [data-person="Mark Zuckerberg"] .external-id');
      await cards.nth(1).waitFor();
      assert.deepEqual((await cards.allInnerTexts()).sort(), ['S-1001', 'S-1002']);
      await screenshot(small, 'people-records-gallery-390');
    } finally {
      await phone.close();
    }
  });

  it('asks before an unknown face makes a new person of a name nobody has', async () => {
    const crop = await sharp(facePhoto('penny/penny1.png')).jpeg().toBuffer();
    const { face } = await store.recordUnknownFace(
      makeEvent({ type: 'unknown', personId: null, at: new Date().toISOString(), crop }),
    );
    await page.goto(`${base}/unknown-faces`);
    const card = page.locator(`figure.face[data-face="${face.id}"]`);
    await card.locator('input[name=name]').fill('Elon Musc');
    await card.locator('button[type=submit]').click();
    const question = card.locator('.assign-question');
    assert.equal(
      await question.locator('p').innerText(),
      'No one is called “Elon Musc”. Enroll a new person with this face?',
    );
    assert.deepEqual(await store.findPeopleByName('Elon Musc'), [], 'nothing before the answer');
    await screenshot(page, 'people-records-unknown-face-1280');
    await question.locator('button.confirm-new').click();
    await until(async () => (await store.findPeopleByName('Elon Musc')).length === 1);
    const [created] = await store.findPeopleByName('Elon Musc');
    assert.equal((await store.getUnknownFace(face.id))?.assignedPersonId, created?.id);
  });

  it('edits the external id on the person page, and deletes keeping attendance anonymised or erasing it', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const elon = (await store.createPerson({ name: 'Elon Musk' })).person;
    await store.recordAttendance(makeEvent({ personId: elon.id, at: new Date().toISOString() }), UTC);
    await page.goto(`${base}/people/${elon.id}`);
    await page.locator('#person-title', { hasText: 'Elon Musk' }).waitFor();
    await page.fill('#person-external-id-input', 'E-42');
    await page.locator('#person-external-id button').click();
    await page.locator('#person-external-id [role=status]', { hasText: 'Saved.' }).waitFor();
    assert.equal((await store.getPerson(elon.id))?.externalId, 'E-42');
    // Someone else's number is refused, in words.
    await page.fill('#person-external-id-input', 'S-1001');
    await page.locator('#person-external-id button').click();
    await page.locator('#person-external-id [role=status]', { hasText: /S-1001.*Mark Zuckerberg/ }).waitFor();
    assert.equal((await store.getPerson(elon.id))?.externalId, 'E-42');

    await page.click('#person-delete');
    const dialog = page.locator('dialog.people-dialog');
    assert.equal(await dialog.locator('h2').innerText(), 'Delete Elon Musk?');
    assert.equal(await dialog.locator('#delete-anonymise').isChecked(), true, 'keeping is the default');
    assert.match(await dialog.innerText(), /Keep as anonymous records.*Deleted person #/s);
    assert.match(await dialog.innerText(), /Erase everything.*corrections and excused sessions/s);
    assert.deepEqual(await seriousAxeViolations(page), []);
    await screenshot(page, 'people-records-delete-1280');
    // Cancel deletes nothing.
    await dialog.locator('button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.ok(await store.getPerson(elon.id));

    await page.click('#person-delete');
    await Promise.all([page.waitForURL(`${base}/people`), dialog.locator('button[type=submit]').click()]);
    assert.equal(await store.getPerson(elon.id), null);
    const kept = await store.getAttendance(elon.id, today);
    assert.match(kept?.personName ?? '', /^Deleted person #\d+$/);

    // Erasing, on a phone.
    const erin = (await store.createPerson({ name: 'Erin Erased' })).person;
    await store.recordAttendance(makeEvent({ personId: erin.id, at: new Date().toISOString() }), UTC);
    const phone = await rollcall.newContext(PHONE);
    try {
      const small = await phone.newPage();
      small.setDefaultTimeout(SEE_MS);
      await rollcall.signIn(small, ADMIN);
      await small.goto(`${base}/people/${erin.id}`);
      await small.locator('#person-title', { hasText: 'Erin Erased' }).waitFor();
      await small.click('#person-delete');
      const question = small.locator('dialog.people-dialog');
      await question.locator('label[for=delete-erase]').click();
      await assertNoSidewaysScroll(small, '390 px');
      await screenshot(small, 'people-records-delete-390');
      await Promise.all([
        small.waitForURL(`${base}/people`),
        question.locator('button[type=submit]').click(),
      ]);
    } finally {
      await phone.close();
    }
    assert.equal(await store.getPerson(erin.id), null);
    assert.equal(await store.getAttendance(erin.id, today), null, 'erased');
  });
});
