/**
 * Debian's Chromium driven by playwright-core, for tests of the pages; screenshots go to
 * `test/artifacts/` (git-ignored).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `test/artifacts/`, found from the compiled file (dist/test/support) or the source (test/support). */
export const ARTIFACTS_DIR = fileURLToPath(
  new URL(import.meta.url.includes('/dist/') ? '../../../test/artifacts/' : '../artifacts/', import.meta.url),
);

/** @param extraArgs - more Chromium switches, e.g. a fake camera for webcam enrollment. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}

/** Saves a full-page screenshot as `test/artifacts/NAME.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
