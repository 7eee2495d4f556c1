/**
 * Rollcall for the browser tests: a recognition node (a folder camera named `door` showing a
 * group photo with Sheldon in it) and a web node (SQLite, a private Redis, the training worker,
 * bridge clients, the web server with its live feed), assembled in this process exactly as
 * `rollcall start` assembles them, plus Debian's Chromium with a fake webcam that shows Howard.
 * An admin and a viewer exist; nobody is enrolled. Each browser test file starts its own. Options
 * play a video instead of the photo folder, or add a second recognition node with its own camera.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../src/cli/logger.js';
import { startRecognitionNode, type Room } from '../../src/cli/recognition-node.js';
import { startWebNode } from '../../src/cli/web-node.js';
import type { CameraRole } from '../../src/core/index.js';
import { hashPassword } from '../../src/shared/index.js';
import { createStore, type Store } from '../../src/store/index.js';
import { launchChromium } from './browser.js';
import { facePhoto } from './faces.js';
import { freePort } from './net.js';
import { tempDir } from './temp.js';

const run = promisify(execFile);

export const SECRET = 'a-test-bridge-secret-of-some-length';
export const ADMIN = { name: 'Ada Admin', password: 'correct horse battery' };
export const VIEWER = { name: 'Vic Viewer', password: 'viewer password 1' };
/** Browser steps wait at most this long for what the user should see. */
export const SEE_MS = 30_000;

/** Waits until `check` holds, for store changes that follow a click. */
export async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, 'the change never arrived');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Waits until the expression holds in the page. Not `page.waitForFunction`: once its first check
 * fails it polls inside the page with eval, which the pages' CSP (no 'unsafe-eval') refuses; each
 * `page.evaluate` here goes through the DevTools protocol instead. (An expression string: these
 * tests compile without the DOM's types.)
 */
export async function untilInPage(page: Page, expression: string, timeoutMs = SEE_MS): Promise<void> {
  await until(async () => (await page.evaluate(expression)) === true, timeoutMs);
}

export interface BrowserRollcall {
  /** `http://127.0.0.1:PORT` of the web node. */
  base: string;
  /** A second connection to the web node's database, to seed and check what the pages did. */
  store: Store;
  browser: Browser;
  /** A new browser window at a laptop's size (1280×900), in UTC. */
  newContext(viewport?: { width: number; height: number }): Promise<BrowserContext>;
  /** Signs `user` in on `page` through the sign-in form; lands on the home page. */
  signIn(page: Page, user: { name: string; password: string }): Promise<void>;
  /** The second recognition node, when {@link BrowserRollcallOptions.secondNode} asked for one. */
  secondNode: SecondNode | undefined;
  close(): Promise<void>;
}

/** A second recognition node in this process, which the web node also connects to. */
export interface SecondNode {
  nodeId: string;
  /** `HOST:PORT` of its bridge, as the web node names it. */
  address: string;
  /** Stops it as a shutdown would (its web-node connection drops); idempotent. */
  stop(): Promise<void>;
}

export interface BrowserRollcallOptions {
  /** Photos the folder camera shows in turn. @defaultValue the group photo `group/bbt3.jpg` */
  cameraPhotos?: string[];
  /**
   * A video file the first node's camera plays instead of the photo folder (through ffmpeg, at
   * the file's own speed, 10 fps), e.g. one made with `makeClip` for a camera as fast as a real one.
   */
  cameraVideo?: string;
  /**
   * A second recognition node (its own data folder, bridge port and folder camera `cameraId`,
   * one engine thread) listed with the first in the web node's `RECOGNITION_SERVERS`.
   */
  secondNode?: { nodeId: string; cameraId: string; cameraPhotos: string[] };
  /** The attendance role the first node's camera `door` declares (`CAMERA_SOURCES` `role`). */
  cameraRole?: CameraRole;
  /**
   * The first node's cameras as `CAMERA_SOURCES` declares them, each a folder camera showing its
   * photos, instead of the one `door` camera (`cameraPhotos`, `cameraVideo`, `cameraRole` are then
   * unused).
   */
  cameras?: { id: string; name?: string; role?: CameraRole; photos: string[] }[];
}

/** Starts the node, the web node and Chromium; `close()` stops them in reverse. */
export async function startBrowserRollcall(options: BrowserRollcallOptions = {}): Promise<BrowserRollcall> {
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.reverse()) {
      try {
        await closer();
      } catch {
        // Keep closing the rest; the test's own assertions say what went wrong.
      }
    }
  };
  try {
    const dataDir = await tempDir('browser');
    const cameraFolder = async (id: string, photos: string[]): Promise<string> => {
      const folder = path.join(await tempDir('browser-frames'), id);
      await mkdir(folder);
      for (const photo of photos) await symlink(facePhoto(photo), path.join(folder, path.basename(photo)));
      return folder;
    };
    const door = await cameraFolder('door', options.cameraPhotos ?? ['group/bbt3.jpg']);
    const nodePort = await freePort();
    const second = options.secondNode && {
      ...options.secondNode,
      port: await freePort(),
      folder: await cameraFolder(options.secondNode.cameraId, options.secondNode.cameraPhotos),
    };
    const cameras =
      options.cameras &&
      (await Promise.all(
        options.cameras.map(async ({ photos, ...camera }) => ({
          ...camera,
          source: `dir:${await cameraFolder(camera.id, photos)}`,
        })),
      ));
    const config = loadConfig({
      DATA_DIR: dataDir,
      ...(cameras
        ? { CAMERA_SOURCES: JSON.stringify(cameras) }
        : options.cameraRole === undefined
          ? { CAMERA_SOURCE: options.cameraVideo ?? `dir:${door}` }
          : {
              CAMERA_SOURCES: JSON.stringify([
                { id: 'door', source: options.cameraVideo ?? `dir:${door}`, role: options.cameraRole },
              ]),
            }),
      RECOGNITION_SERVER_PORT: String(nodePort),
      ...(second ? { RECOGNITION_SERVERS: `127.0.0.1:${nodePort},127.0.0.1:${second.port}` } : {}),
      WEB_PORT: String(await freePort()),
      BRIDGE_SECRET: SECRET,
      NODE_ID: 'camera-pc',
      TIMEZONE: 'UTC',
      WORKER_THREADS: '2',
    });
    const rooms: Room[] = [];
    closers.push(async () => {
      for (const room of rooms.reverse()) await room.close();
    });
    const quiet = createLogger('fatal', false);
    const node = await startRecognitionNode(config, quiet, { listenHost: '127.0.0.1' }, rooms);
    let secondNode: SecondNode | undefined;
    if (second) {
      const secondRooms: Room[] = [];
      let stopped: Promise<void> | undefined;
      const stop = (): Promise<void> =>
        (stopped ??= (async () => {
          for (const room of secondRooms.reverse()) await room.close();
        })());
      closers.push(stop);
      const secondConfig = loadConfig({
        DATA_DIR: await tempDir('browser-second-node'),
        CAMERA_SOURCE: `dir:${second.folder}`,
        RECOGNITION_SERVER_PORT: String(second.port),
        HEALTH_PORT: String(await freePort()),
        BRIDGE_SECRET: SECRET,
        NODE_ID: second.nodeId,
        TIMEZONE: 'UTC',
        WORKER_THREADS: '1',
      });
      await startRecognitionNode(secondConfig, quiet, { listenHost: '127.0.0.1' }, secondRooms);
      secondNode = { nodeId: second.nodeId, address: `127.0.0.1:${second.port}`, stop };
    }
    await startWebNode(config, quiet, rooms, node);
    const base = `http://127.0.0.1:${config.webPort}`;
    const store = await createStore({ dataDir });
    closers.push(() => store.close());
    for (const [user, role] of [
      [ADMIN, 'admin'],
      [VIEWER, 'viewer'],
    ] as const) {
      await store.createUser({ name: user.name, role, passwordHash: await hashPassword(user.password) });
    }

    // A fake camera that shows a face photo: Chromium plays a .y4m file made from it by ffmpeg.
    const video = path.join(await tempDir('browser-webcam'), 'howard.y4m');
    await run('ffmpeg', [
      '-loglevel',
      'error',
      '-loop',
      '1',
      '-i',
      facePhoto('howard/howard1.png'),
      '-t',
      '2',
      '-pix_fmt',
      'yuv420p',
      '-vf',
      'scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2',
      video,
    ]);
    const browser = await launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ]);
    closers.push(() => browser.close());
    return {
      base,
      store,
      browser,
      newContext: (viewport = { width: 1280, height: 900 }) =>
        browser.newContext({ viewport, timezoneId: 'UTC' }),
      signIn: async (page, user) => {
        await page.goto(`${base}/login`);
        await page.fill('#name', user.name);
        await page.fill('#password', user.password);
        await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
      },
      secondNode,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** One accessibility problem axe-core found, with the elements it found it on. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

let axeSource: Promise<string> | undefined;

/**
 * Runs axe-core in the page (WCAG 2.1 A and AA rules) and returns the serious and critical
 * violations. The script goes in through the DevTools protocol (`page.evaluate`), which the pages'
 * CSP does not govern, so the page is checked with its real policy in force.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(await axeSource);
  const violations = await page.evaluate<AxeViolation[]>(`
    axe
      .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
      .then((result) =>
        result.violations.map((v) => ({
          id: v.id,
          impact: v.impact ?? null,
          help: v.help,
          targets: v.nodes.map((node) => node.target.join(' ')),
        })),
      )`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Fails when the page scrolls sideways: wider than its window, as a phone would show it. */
export async function assertNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  );
  assert.ok(
    scrollWidth <= innerWidth,
    `${what}: the page is ${scrollWidth} px wide in a ${innerWidth} px window`,
  );
}

/** No sideways scrolling and no serious or critical accessibility problem. */
export async function assertFitsAndAccessible(page: Page, what: string): Promise<void> {
  await assertNoSidewaysScroll(page, what);
  assert.deepEqual(await seriousAxeViolations(page), [], `${what}: serious accessibility problems`);
}
