/**
 * The Live page in Chromium, on two real recognition nodes and a web node: the first node's camera
 * plays a 10 fps video of a group photo with Sheldon in it, the second's a folder of photos. The
 * page shows a tile per camera, names Sheldon in a box once he is enrolled and lists him "in view
 * now", puts a camera on the full screen and back, keeps up with the camera's rate and measures
 * how late the frames are drawn (the figures are printed as a `LIVE {...}` line), and marks a tile
 * offline when its node stops. Cameras without a `name` are titled `node / id`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { quantile } from '../../src/web/live-latency.js';
import {
  LIVE_SOCKET_PATH,
  type LiveFrameHeader,
  type LiveStatusMessage,
} from '../../src/web/live-protocol.js';
import { screenshot } from '../support/browser.js';
import {
  ADMIN,
  SEE_MS,
  seriousAxeViolations,
  startBrowserRollcall,
  untilInPage,
  until,
  type BrowserRollcall,
  assertNoSidewaysScroll,
} from '../support/browser-rollcall.js';
import { makeClip } from '../support/clips.js';
import { facePhoto } from '../support/faces.js';

const DOOR = 'figure.cam[data-camera$="|door"]';
const HALL = 'figure.cam[data-camera$="|hall"]';
/** The camera's rate: makeClip's clips and ffmpeg sources run at 10 fps. */
const CAMERA_FPS = 10;

describe('the Live page: a grid of cameras, full screen, in view now', () => {
  let rollcall: BrowserRollcall;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    const video = await makeClip([facePhoto('group/bbt3.jpg')], {
      secondsPerPhoto: 30,
      fps: CAMERA_FPS,
      name: 'door.mp4',
    });
    rollcall = await startBrowserRollcall({
      cameraVideo: video,
      secondNode: { nodeId: 'hall-pc', cameraId: 'hall', cameraPhotos: ['group/bbt4.jpg'] },
    });
    context = await rollcall.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(SEE_MS);
    await rollcall.signIn(page, ADMIN);
  });

  after(() => rollcall.close());

  /** The session cookie of the signed-in admin, for requests the page itself does not make. */
  async function cookieHeader(): Promise<string> {
    return (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  }

  it('shows a tile for every camera of both nodes, and nobody in view before anyone is enrolled', async () => {
    await page.goto(`${rollcall.base}/live`);
    await page.locator(`${DOOR}[data-state="live"]`).waitFor();
    await page.locator(`${HALL}[data-state="live"]`).waitFor();
    assert.equal(await page.locator('figure.cam').count(), 2);
    assert.match(await page.locator(`${DOOR} figcaption`).innerText(), /camera-pc \/ door\s+live/);
    assert.match(await page.locator(`${HALL} figcaption`).innerText(), /hall-pc \/ hall\s+live/);
    // No name declared: the title is the id already, so no id line and no role badge.
    assert.equal(await page.locator(`${DOOR} .cam-id`).isVisible(), false);
    assert.equal(await page.locator(`${DOOR} .cam-role`).isVisible(), false);
    await page.locator(`${DOOR}[data-latency-p95-ms]`).waitFor();
    await untilInPage(page, `/analysis/.test(document.querySelector('${DOOR} .cam-info').textContent)`);
    assert.match(
      await page.locator(`${DOOR} div.muted`).innerText(),
      /^view [\d.]+ fps · p95 \d+ ms · analysis [\d.]+ fps( · p95 \d+ ms)?$/,
    );
    assert.equal(await page.locator('#in-view li').count(), 0);
    assert.equal(await page.locator('#in-view-empty').isVisible(), true);
    assert.equal(
      await page.locator(`${DOOR} button.cam-fullscreen`).getAttribute('aria-label'),
      'Full screen: camera-pc / door',
    );
  });

  it('names Sheldon in a box once he is enrolled, and lists him in view now with camera and time', async () => {
    const base = rollcall.base;
    const cookie = await cookieHeader();
    const session = (await (await fetch(`${base}/api/v1/session`, { headers: { cookie } })).json()) as {
      csrfToken: string;
    };
    const form = new FormData();
    form.append('name', 'Sheldon');
    for (const photo of ['sheldon/sheldon1.png', 'sheldon/sheldon2.png', 'sheldon/sheldon3.png']) {
      const bytes = await readFile(facePhoto(photo));
      form.append('photos', new Blob([bytes], { type: 'image/png' }), path.basename(photo));
    }
    const enrolled = await fetch(`${base}/api/v1/people`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': session.csrfToken },
      body: form,
    });
    assert.equal(enrolled.status, 202, await enrolled.clone().text());
    const { jobId } = (await enrolled.json()) as { jobId: string };
    await until(async () => {
      const job = (await (await fetch(`${base}/api/v1/jobs/${jobId}`, { headers: { cookie } })).json()) as {
        state: string;
      };
      assert.notEqual(job.state, 'failed', 'the training job failed');
      return job.state === 'completed';
    }, SEE_MS);

    await page.locator(`${DOOR} canvas[data-faces*="Sheldon"]`).waitFor();
    const entry = page.locator('#in-view li[data-person="Sheldon"]');
    await entry.first().waitFor();
    const text = await entry.first().innerText();
    assert.match(text, /Sheldon/);
    assert.match(text, /camera-pc \/ door/);
    assert.match(text, /since \d\d:\d\d:\d\d UTC/);
    assert.equal(await page.locator('#in-view-empty').isVisible(), false);
    // Read together: Sheldon is in the hall's photo too, and may join the list between two reads.
    const counted = await page.evaluate<[string, number]>(
      `[document.getElementById('in-view-count').textContent, document.querySelectorAll('#in-view li').length]`,
    );
    assert.equal(counted[0], String(counted[1]));
  });

  it('draws frames in the browser at the rate the camera delivers them', async () => {
    const door = page.locator(`${DOOR} canvas`);
    // Counted at the web node's socket, as a second viewer: the frames the node sent for the door.
    const socket = new WebSocket(`ws://${new URL(rollcall.base).host}${LIVE_SOCKET_PATH}`, {
      headers: { origin: rollcall.base, cookie: await cookieHeader() },
    });
    let sent = 0;
    let analysis: LiveStatusMessage['nodes'][number]['cameras'][number] | undefined;
    // Capture (on the node) to the frame's arrival here, and to its leaving the node: one machine,
    // one clock. The page cannot draw a frame before the web server has relayed it.
    const toSocketMs: number[] = [];
    const toSentMs: number[] = [];
    socket.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) {
        const status = JSON.parse(data.toString('utf8')) as LiveStatusMessage;
        for (const node of status.nodes)
          for (const camera of node.cameras) if (camera.key.endsWith('|door')) analysis = camera;
        return;
      }
      const arrivedAt = Date.now();
      const length = data.readUInt32BE(0);
      const header = JSON.parse(data.subarray(4, 4 + length).toString('utf8')) as LiveFrameHeader;
      if (!header.key.endsWith('|door')) return;
      sent++;
      toSocketMs.push(arrivedAt - header.metadata.capturedAt);
      toSentMs.push(header.metadata.latencyMs);
    });
    await new Promise((resolve) => socket.once('open', resolve));
    const seconds = 10;
    const drawnBefore = Number(await door.getAttribute('data-drawn'));
    const sentBefore = sent;
    const started = Date.now();
    await page.waitForTimeout(seconds * 1000);
    const drawn = Number(await door.getAttribute('data-drawn')) - drawnBefore;
    const elapsedS = (Date.now() - started) / 1000;
    socket.close();
    // The tile's figures and its text, read together (the page rewrites them every second).
    const tile = await page.evaluate<{ data: Record<string, string>; text: string }>(
      `(() => { const t = document.querySelector('${DOOR}');
        return { data: { ...t.dataset }, text: t.querySelector('.cam-info').textContent }; })()`,
    );
    const ms = (key: string): number => Number(tile.data[key] ?? NaN);
    const figures = {
      cameraFps: CAMERA_FPS,
      analysisFps: Number((analysis?.fps ?? 0).toFixed(1)),
      nodeSentFps: Number(((sent - sentBefore) / elapsedS).toFixed(1)),
      browserDrawnFps: Number((drawn / elapsedS).toFixed(1)),
      // The page's own figures, over its last 100 frames drawn.
      captureToBrowserP50Ms: ms('latencyP50Ms'),
      captureToBrowserP95Ms: ms('latencyP95Ms'),
      latencyFrames: ms('latencyFrames'),
      // The node's analysis, capture to result (what events are decided on), from its STATUS.
      captureToEventP50Ms: Math.round(analysis?.latencyP50Ms ?? NaN),
      captureToEventP95Ms: Math.round(analysis?.latencyP95Ms ?? NaN),
      captureToNodeSendP50Ms: Math.round(quantile(toSentMs, 0.5) ?? NaN),
      captureToWebSocketP50Ms: Math.round(quantile(toSocketMs, 0.5) ?? NaN),
      captureToWebSocketP95Ms: Math.round(quantile(toSocketMs, 0.95) ?? NaN),
      tile: tile.text,
    };
    console.log(`LIVE ${JSON.stringify(figures)}`);
    // Measured, not made up: above zero (NaN fails too), the median under the p95, below a
    // ceiling, and never earlier than the frame reached the web server. The live view holds a frame
    // at most 1 s for its analysis to catch up, so 2 s bounds the page's figure; the analysis itself
    // queues on two cores that other work shares, hence its wider bound. (Its median can be a few
    // ms: a frame without motion needs no engine call.)
    const browser = [figures.captureToBrowserP50Ms, figures.captureToBrowserP95Ms] as const;
    assert.ok(
      browser[0] > 0 && browser[1] >= browser[0] && browser[1] < 2000,
      `capture to browser: ${browser.join(', ')} ms`,
    );
    const event = [figures.captureToEventP50Ms, figures.captureToEventP95Ms] as const;
    assert.ok(
      event[0] >= 0 && event[1] > 0 && event[1] >= event[0] && event[1] < 10_000,
      `capture to event: ${event.join(', ')} ms`,
    );
    assert.ok(figures.latencyFrames >= 50, `latency over ${figures.latencyFrames} frames`);
    assert.ok(
      figures.captureToBrowserP50Ms >= figures.captureToWebSocketP50Ms - 50,
      `the page drew frames ${figures.captureToBrowserP50Ms} ms after capture, ` +
        `yet they reached the server's socket only ${figures.captureToWebSocketP50Ms} ms after it`,
    );
    assert.match(figures.tile, new RegExp(`· p95 ${figures.captureToBrowserP95Ms} ms ·`));
    // Only a floor a loaded machine keeps: the page draws what arrives, and more than analysis alone
    // would have given it before (it sent at most half the camera's frames).
    assert.ok(drawn > 0, 'no frame was drawn');
    assert.ok(
      figures.browserDrawnFps >= 0.7 * figures.nodeSentFps,
      `the page drew ${figures.browserDrawnFps} fps of the ${figures.nodeSentFps} fps that arrived`,
    );
  });

  it('puts one camera on the full screen, and leaves it with Esc', async () => {
    await page.click(`${DOOR} button.cam-fullscreen`);
    await untilInPage(page, `document.fullscreenElement?.matches('${DOOR}') === true`);
    await untilInPage(page, `document.querySelector('${DOOR}').dataset.fullscreen === 'true'`);
    const button = page.locator(`${DOOR} button.cam-fullscreen`);
    assert.equal(await button.getAttribute('aria-label'), 'Leave full screen: camera-pc / door');
    // The picture fills the screen one way and keeps its aspect the other.
    const box = await page.evaluate<{ width: number; height: number; vw: number; vh: number }>(
      `(() => { const r = document.querySelector('${DOOR} canvas').getBoundingClientRect();
        return { width: r.width, height: r.height, vw: innerWidth, vh: innerHeight }; })()`,
    );
    assert.ok(box.width >= box.vw - 1 && box.height >= box.vh * 0.7, JSON.stringify(box));
    assert.equal(
      await page.evaluate(`getComputedStyle(document.querySelector('${DOOR} canvas')).objectFit`),
      'contain',
    );
    await page.waitForTimeout(500);
    await screenshot(page, 'live-fullscreen');
    await page.keyboard.press('Escape');
    await untilInPage(page, 'document.fullscreenElement === null');
    await untilInPage(page, `document.querySelector('${DOOR}').dataset.fullscreen === 'false'`);
    assert.equal(await button.getAttribute('aria-label'), 'Full screen: camera-pc / door');
  });

  it('reads as a camera dashboard from a phone to a wide screen, light and dark, with nothing for axe', async () => {
    const sizes = [
      { name: 'wide', viewport: { width: 1280, height: 900 } },
      { name: 'phone', viewport: { width: 390, height: 844 } },
      { name: 'small', viewport: { width: 360, height: 740 } },
    ];
    for (const { name, viewport } of sizes) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const themed = await rollcall.browser.newContext({ viewport, colorScheme, timezoneId: 'UTC' });
        try {
          const on = await themed.newPage();
          on.setDefaultTimeout(SEE_MS);
          await rollcall.signIn(on, ADMIN);
          await on.goto(`${rollcall.base}/live`);
          await on.locator(`${DOOR} canvas[data-faces*="Sheldon"]`).waitFor();
          await on.locator('#in-view li[data-person="Sheldon"]').first().waitFor();
          await on.locator(`${HALL}[data-latency-p95-ms]`).waitFor();
          await assertNoSidewaysScroll(on, `${name} ${colorScheme}`);
          // Tiles side by side on a laptop, one above the other on a phone.
          const [first, second] = await Promise.all(
            [DOOR, HALL].map((tile) => on.locator(tile).boundingBox()),
          );
          assert.ok(first && second);
          if (name === 'wide') assert.equal(Math.round(first.y), Math.round(second.y), 'tiles side by side');
          else assert.ok(second.y >= first.y + first.height, 'tiles one above the other');
          await screenshot(on, `live-grid-${name}${colorScheme === 'dark' ? '-dark' : ''}`);
          assert.deepEqual(await seriousAxeViolations(on), [], `${name} ${colorScheme}`);
        } finally {
          await themed.close();
        }
      }
    }
  });

  it('marks a tile offline when its node stops, and keeps the other camera live', async () => {
    const second = rollcall.secondNode;
    assert.ok(second);
    await second.stop();
    await page.locator(`${HALL}[data-state="offline"]`).waitFor();
    assert.match(await page.locator(`${HALL} figcaption`).innerText(), /hall-pc \/ hall\s+offline/);
    assert.match(await page.locator(`${HALL} .cam-notice`).innerText(), /Offline/);
    await page.locator(`${DOOR}[data-state="live"]`).waitFor();
    await screenshot(page, 'live-grid-offline');
  });
});
