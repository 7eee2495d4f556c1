/**
 * The Cameras card on the Groups page in Chromium, against real recognition and web nodes: the
 * node's camera `door` declares itself an entry in CAMERA_SOURCES, and the card says so ("from
 * the camera's configuration"), as it does for a camera a node declared earlier and no node
 * reports now. The administrator overrides the door to both ways, then hands it back to its
 * configuration; the page, the API and the store agree at each step. Screenshots
 * `camera-roles-*` (1280 and 390 px, light and dark) go to `test/artifacts/`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import type { JsonValue } from '../../src/store/index.js';
import { CAMERA_DECLARED_ROLES_KEY, CAMERA_ROLES_KEY } from '../../src/services/index.js';
import type { CameraRolesAnswer } from '../../src/web/api-views.js';
import { screenshot } from '../support/browser.js';
import {
  ADMIN,
  SEE_MS,
  assertFitsAndAccessible,
  startBrowserRollcall,
  until,
  type BrowserRollcall,
} from '../support/browser-rollcall.js';

describe("the Cameras card: a role from the camera's configuration", () => {
  let rollcall: BrowserRollcall;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    rollcall = await startBrowserRollcall({ cameraRole: 'entry' });
    // A camera a node declared an exit before going offline: kept, so past days read the same.
    await rollcall.store.updateSetting(CAMERA_DECLARED_ROLES_KEY, (saved) => ({
      ...(typeof saved === 'object' && saved !== null && !Array.isArray(saved) ? saved : {}),
      gate: 'exit',
    }));
    context = await rollcall.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(SEE_MS);
    await rollcall.signIn(page, ADMIN);
  });

  after(async () => {
    await context.close();
    await rollcall.close();
  });

  const door = (): ReturnType<Page['locator']> => page.locator('#camera-roles li[data-camera="door"]');
  const gate = (): ReturnType<Page['locator']> => page.locator('#camera-roles li[data-camera="gate"]');

  async function rolesAnswer(): Promise<CameraRolesAnswer> {
    return (await (
      await page.request.get(`${rollcall.base}/api/v1/cameras/roles`)
    ).json()) as CameraRolesAnswer;
  }

  async function tags(): Promise<JsonValue | undefined> {
    return (await rollcall.store.getSetting(CAMERA_ROLES_KEY))?.value;
  }

  async function shot(name: string): Promise<void> {
    // Full-page shots from the top: scrolled, the sticky top bar would be drawn mid-page.
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, name);
  }

  it("shows each declared role as the camera's own, at 1280 and 390 px, light and dark", async () => {
    // The node's first STATUS may come after the page: the card reads the cameras every 10 s.
    await until(async () => Object.keys((await rolesAnswer()).roles).includes('door'), SEE_MS);
    await page.goto(`${rollcall.base}/groups`);
    await door().locator('.camera-role-source').waitFor();
    assert.match(await door().innerText(), /door\s+camera-pc · online\s+from the camera's configuration/);
    assert.equal(await door().locator('select').inputValue(), 'configured');
    assert.equal(await door().locator('select option:checked').innerText(), 'From its configuration (entry)');
    assert.match(
      await gate().innerText(),
      /gate\s+not reported by any node now\s+from the camera's configuration/,
    );
    assert.equal(await gate().locator('select option:checked').innerText(), 'From its configuration (exit)');
    // Each choice is a labelled control, reached from the keyboard.
    await page.locator('#camera-roles-title').scrollIntoViewIfNeeded();
    await door().locator('label').click();
    assert.equal(await page.evaluate('document.activeElement.dataset.camera'), 'door');

    await assertFitsAndAccessible(page, 'cameras card, wide');
    await shot('camera-roles-wide');
    await page.setViewportSize({ width: 390, height: 844 });
    await assertFitsAndAccessible(page, 'cameras card, phone');
    await shot('camera-roles-phone');
    await page.emulateMedia({ colorScheme: 'dark' });
    await assertFitsAndAccessible(page, 'cameras card, phone, dark');
    await shot('camera-roles-phone-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('lets the administrator override the declared role with both ways, then hand it back', async () => {
    const select = door().locator('select');
    await select.selectOption('both');
    await page.locator('#camera-roles-state', { hasText: 'Saved: door is both ways' }).waitFor();
    assert.equal(
      await door().locator('.camera-role-source').innerText(),
      'set here, over its configuration (entry)',
    );
    assert.deepEqual(await tags(), { door: 'both' });
    const overridden = await rolesAnswer();
    assert.deepEqual(overridden.roles, { gate: 'exit' }, 'door sees both ways now');
    assert.deepEqual(
      overridden.cameras.find((c) => c.cameraId === 'door'),
      { cameraId: 'door', role: 'both', source: 'admin', tag: 'both', declared: 'entry' },
    );
    await assertFitsAndAccessible(page, 'cameras card, overridden');
    await shot('camera-roles-overridden');

    await select.selectOption('configured');
    await page
      .locator('#camera-roles-state', { hasText: 'Saved: door follows its configuration, entry' })
      .waitFor();
    assert.equal(await door().locator('.camera-role-source').innerText(), "from the camera's configuration");
    assert.deepEqual(await tags(), {});
    assert.deepEqual((await rolesAnswer()).roles, { door: 'entry', gate: 'exit' });

    // Read afresh, the page shows what was saved.
    await page.reload();
    await door().locator('select').waitFor();
    assert.equal(await door().locator('select').inputValue(), 'configured');
  });
});
