/**
 * The Live page in Chromium on a recognition node with two named cameras (CAMERA_SOURCES `name`
 * and `role`): each tile is titled with its camera's name, the node and camera id muted beneath it,
 * an "entry" or "exit" badge, and its capture-to-screen latency beside its view rate; and the page
 * reads well from a phone to a laptop, light and dark, with nothing for axe.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshot } from '../support/browser.js';
import {
  ADMIN,
  SEE_MS,
  assertFitsAndAccessible,
  startBrowserRollcall,
  untilInPage,
  type BrowserRollcall,
} from '../support/browser-rollcall.js';

const DOOR = 'figure.cam[data-camera$="|door"]';
const HALL = 'figure.cam[data-camera$="|hall"]';

describe('the Live page names cameras as their node declares them', () => {
  let rollcall: BrowserRollcall;

  before(async () => {
    rollcall = await startBrowserRollcall({
      cameras: [
        { id: 'door', name: 'Front door', role: 'entry', photos: ['group/bbt3.jpg'] },
        { id: 'hall', name: 'Main hall', role: 'exit', photos: ['group/bbt4.jpg'] },
      ],
    });
  });

  after(() => rollcall.close());

  async function openLive(page: Page): Promise<void> {
    page.setDefaultTimeout(SEE_MS);
    await rollcall.signIn(page, ADMIN);
    await page.goto(`${rollcall.base}/live`);
    await page.locator(`${DOOR}[data-state="live"]`).waitFor();
    await page.locator(`${HALL}[data-state="live"]`).waitFor();
    // Named once the node's status has reached the page (a frame alone carries no name).
    await untilInPage(
      page,
      `document.querySelector('${HALL} .cam-title strong').textContent === 'Main hall'`,
    );
  }

  it("titles each tile with the camera's name, its node and id beneath, and its role", async () => {
    const context = await rollcall.newContext();
    try {
      const page = await context.newPage();
      await openLive(page);
      assert.equal(await page.locator(`${DOOR} .cam-title strong`).innerText(), 'Front door');
      assert.match(
        await page.locator(`${DOOR} figcaption`).innerText(),
        /^Front door\s+entry\s+live\s+camera-pc \/ door$/,
      );
      assert.match(
        await page.locator(`${HALL} figcaption`).innerText(),
        /^Main hall\s+exit\s+live\s+camera-pc \/ hall$/,
      );
      assert.equal(await page.locator(`${DOOR} .cam-id`).isVisible(), true);
      assert.equal(
        await page.locator(`${DOOR} button.cam-fullscreen`).getAttribute('aria-label'),
        'Full screen: Front door',
      );
      assert.equal(
        await page.locator(`${HALL} canvas`).getAttribute('aria-label'),
        'Main hall: live picture',
      );
      assert.match((await page.locator(`${DOOR} .cam-role`).getAttribute('title')) ?? '', /Entry camera/);
    } finally {
      await context.close();
    }
  });

  it('shows each camera its latency from capture to screen beside its view rate', async () => {
    const context = await rollcall.newContext();
    try {
      const page = await context.newPage();
      await openLive(page);
      for (const camera of [DOOR, HALL]) {
        await page.locator(`${camera}[data-latency-p95-ms]`).waitFor();
        const figures = await page.evaluate<Record<string, string>>(
          `({ ...document.querySelector('${camera}').dataset })`,
        );
        const p50 = Number(figures.latencyP50Ms);
        const p95 = Number(figures.latencyP95Ms);
        assert.ok(p50 > 0 && p95 >= p50 && p95 < 2000, `${camera}: ${JSON.stringify(figures)}`);
        assert.ok(Number(figures.drawnFps) > 0, `${camera}: ${JSON.stringify(figures)}`);
        assert.match(await page.locator(`${camera} .cam-info`).innerText(), /^view [\d.]+ fps · p95 \d+ ms/);
      }
    } finally {
      await context.close();
    }
  });

  it('reads well from a phone to a laptop, light and dark, with nothing for axe', async () => {
    for (const { name, viewport } of [
      { name: 'wide', viewport: { width: 1280, height: 900 } },
      { name: 'phone', viewport: { width: 390, height: 844 } },
      { name: 'small', viewport: { width: 360, height: 740 } },
    ]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const context = await rollcall.browser.newContext({ viewport, colorScheme, timezoneId: 'UTC' });
        try {
          const page = await context.newPage();
          await openLive(page);
          await page.locator(`${DOOR}[data-latency-p95-ms]`).waitFor();
          await page.locator(`${HALL}[data-latency-p95-ms]`).waitFor();
          await assertFitsAndAccessible(page, `${name} ${colorScheme}`);
          // The names and badges fit their tiles: nothing of them is cut off.
          const cut = await page.evaluate<string[]>(
            `[...document.querySelectorAll('.cam-title-line, .cam-id')]
              .filter((line) => line.scrollWidth > line.clientWidth + 1)
              .map((line) => line.textContent)`,
          );
          assert.deepEqual(cut, [], `${name} ${colorScheme}: cut off`);
          await screenshot(page, `live-names-${name}${colorScheme === 'dark' ? '-dark' : ''}`);
        } finally {
          await context.close();
        }
      }
    }
  });
});
