/**
 * The Jobs page in Chromium against real recognition and web nodes (`startBrowserRollcall`): empty
 * until someone is enrolled; then Sheldon (good photos) and Fruity (a photo with no face) enrolled
 * on the People page show as one job done and one failed with its reason; Retry runs the failed
 * one again and the page follows it until it fails again, for the same reason. Screenshots
 * `jobs-*` go to `test/artifacts/`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import type { JobAnswer } from '../../src/web/api-views.js';
import { screenshot } from '../support/browser.js';
import {
  ADMIN,
  SEE_MS,
  seriousAxeViolations,
  startBrowserRollcall,
  untilInPage,
  type BrowserRollcall,
  assertNoSidewaysScroll,
} from '../support/browser-rollcall.js';
import { facePhoto } from '../support/faces.js';

describe('the Jobs page in Chromium', () => {
  let rollcall: BrowserRollcall;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    rollcall = await startBrowserRollcall();
    context = await rollcall.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(SEE_MS);
    await rollcall.signIn(page, ADMIN);
  });

  after(() => rollcall.close());

  const card = (name: string) =>
    page.locator('#jobs li.job', { has: page.locator('.job-title', { hasText: name }) });

  it('is in the navigation after Users, links the job queues, and says jobs appear once people are enrolled', async () => {
    const nav = await page.locator('nav .nav-links').innerText();
    assert.match(nav, /Users[\s\S]*Jobs/);
    assert.doesNotMatch(nav, /Job queues/, "the operators' board is linked from the Jobs page, not the bar");
    await page.goto(`${rollcall.base}/jobs`);
    const empty = page.locator('#jobs-empty');
    await empty.waitFor();
    assert.match(
      await empty.innerText(),
      /^No jobs yet\. A training job appears here each time someone is enrolled/,
    );
    assert.equal(await page.locator('#jobs li').count(), 0);
    assert.equal(await page.locator('#jobs-more').isHidden(), true);
  });

  it('shows Sheldon trained and Fruity failed, with the reason in plain words and Retry on the failed one only', async () => {
    for (const [name, photos] of [
      ['Sheldon', ['sheldon/sheldon1.png', 'sheldon/sheldon2.png', 'sheldon/sheldon3.png']],
      ['Fruity', ['none/fruits.jpg']],
    ] as const) {
      await page.goto(`${rollcall.base}/people`);
      await page.fill('#person-name', name);
      await page.setInputFiles('#photos', photos.map(facePhoto));
      await page.click('#enroll button[type=submit]');
      await page
        .locator('#job-state')
        .filter({ hasText: /is enrolled|failed/ })
        .waitFor({ timeout: 120_000 });
    }

    await page.goto(`${rollcall.base}/jobs`);
    const sheldon = card('Sheldon');
    const fruity = card('Fruity');
    await fruity.waitFor();
    // Newest first.
    assert.deepEqual(await page.locator('#jobs .job-title').allInnerTexts(), ['Fruity', 'Sheldon']);

    assert.equal(await sheldon.getAttribute('data-state'), 'completed');
    assert.equal(await sheldon.locator('.job-state').innerText(), 'Done');
    assert.equal(await sheldon.locator('.job-kind').innerText(), 'Training · 3 photos');
    assert.equal(await sheldon.locator('.job-result').innerText(), '3 photos accepted.');
    assert.equal(
      await sheldon.locator('progress').getAttribute('aria-label'),
      'Progress of the training of Sheldon',
    );
    assert.equal(await sheldon.locator('progress').getAttribute('value'), '100');
    assert.equal(await sheldon.locator('button.retry').count(), 0);
    const person = await rollcall.store.getPersonByName('Sheldon');
    assert.equal(await sheldon.locator('.job-title a').getAttribute('href'), `/people/${person?.id}`);
    const times = await sheldon.locator('.job-times').innerText();
    assert.match(times, /Queued\s+\d\d:\d\d:\d\d UTC/);
    assert.match(times, /Finished\s+\d\d:\d\d:\d\d UTC/);

    assert.equal(await fruity.getAttribute('data-state'), 'failed');
    assert.equal(await fruity.locator('.job-state').innerText(), 'Failed');
    assert.equal(
      await fruity.locator('.job-failure p').innerText(),
      'Failed: No photo of Fruity could be used.',
    );
    const reasons = await fruity.locator('.job-failure li').allInnerTexts();
    assert.equal(reasons.length, 1);
    assert.match(reasons[0] ?? '', /^fruits\.jpg: \S/);
    assert.doesNotMatch(await fruity.innerText(), /\bat .*\.js:\d+|Error:/, 'no stack trace');
    assert.equal(
      await fruity.locator('button.retry').getAttribute('aria-label'),
      'Retry the training of Fruity',
    );
    assert.equal(await page.locator('#jobs-summary').innerText(), '2 jobs: 1 failed, 1 done.');

    // The filter, with its counts; the address keeps it.
    assert.equal(await page.locator('#jobs-state option[value="failed"]').innerText(), 'Failed (1)');
    await page.selectOption('#jobs-state', 'failed');
    await sheldon.waitFor({ state: 'detached' });
    assert.deepEqual(await page.locator('#jobs .job-title').allInnerTexts(), ['Fruity']);
    assert.match(page.url(), /\/jobs\?state=failed$/);
    await page.selectOption('#jobs-state', 'active');
    await page.locator('#jobs-empty', { hasText: 'No job is running.' }).waitFor();
    await page.reload();
    assert.equal(await page.inputValue('#jobs-state'), 'active');
    await page.selectOption('#jobs-state', '');
    await sheldon.waitFor();
  });

  it('runs the failed job again on Retry and follows it until it fails again, for the same reason', async () => {
    const fruity = card('Fruity');
    const before = await fruity.innerText();
    const finished = await fruity.locator('.job-times time').last().getAttribute('datetime');
    const reason = await fruity.locator('.job-failure li').innerText();
    const id = await fruity.getAttribute('data-job');
    assert.ok(id && finished);
    // Each state and bar the card shows from now on, as the page renders it.
    await page.evaluate(`(() => {
      window.seen = [];
      const record = () => {
        const card = document.querySelector('#jobs li.job[data-job="${id}"]');
        const last = window.seen.at(-1);
        const now = card && { state: card.dataset.state, percent: card.querySelector('progress').value };
        if (now && (!last || last.state !== now.state || last.percent !== now.percent)) window.seen.push(now);
      };
      new MutationObserver(record).observe(document.getElementById('jobs'), { childList: true, subtree: true, attributes: true });
    })()`);

    await fruity.locator('button.retry').click();
    await page.locator('#jobs-summary', { hasText: 'The training of Fruity runs again.' }).waitFor();
    await screenshot(page, 'jobs-retrying');
    assert.equal(
      await page.evaluate('document.activeElement?.textContent'),
      'Fruity',
      'focus stays on the job retried',
    );
    // Failed again, a run later.
    await untilInPage(
      page,
      `(() => {
        const card = document.querySelector('#jobs li.job[data-job="${id}"]');
        const times = card?.querySelectorAll('.job-times time');
        return card?.dataset.state === 'failed' && times?.[times.length - 1]?.getAttribute('datetime') !== '${finished}';
      })()`,
      120_000,
    );
    const seen = await page.evaluate<{ state: string; percent: number }[]>('window.seen');
    assert.ok(
      seen.some((s) => s.state === 'waiting' || s.state === 'active'),
      `the card showed the job waiting or running again: ${JSON.stringify(seen)}`,
    );
    const first = seen.findIndex((s) => s.state !== 'failed');
    assert.equal(seen[first]?.percent, 0, `the bar started again from 0: ${JSON.stringify(seen)}`);
    assert.deepEqual(seen.at(-1), { state: 'failed', percent: 100 }, 'and moved to the end');
    assert.equal(await fruity.locator('.job-failure li').innerText(), reason, 'the same reason');
    assert.equal(
      await fruity.locator('.job-failure p').innerText(),
      'Failed: No photo of Fruity could be used.',
    );
    assert.equal(await fruity.locator('button.retry').isVisible(), true, 'Retry is offered again');
    assert.notEqual(await fruity.innerText(), before);
    const job = (await (
      await page.request.get(`${rollcall.base}/api/v1/jobs/${encodeURIComponent(id)}`)
    ).json()) as JobAnswer;
    assert.equal(job.state, 'failed');
    assert.ok(job.finishedAt !== null && job.finishedAt > finished);
  });

  it('fits a phone and a wide screen, light and dark, with no accessibility problem', async () => {
    for (const [size, viewport] of [
      ['wide', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
      ['small', { width: 360, height: 740 }],
    ] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const themed = await rollcall.browser.newContext({ viewport, colorScheme, timezoneId: 'UTC' });
        try {
          const on = await themed.newPage();
          on.setDefaultTimeout(SEE_MS);
          const errors: string[] = [];
          on.on('console', (message) => {
            if (message.type() === 'error') errors.push(message.text());
          });
          await rollcall.signIn(on, ADMIN);
          await on.goto(`${rollcall.base}/jobs`);
          await on.locator('#jobs li.job[data-state="failed"]').waitFor();
          await assertNoSidewaysScroll(on, `${size} ${colorScheme}`);
          const name = `jobs-${size}${colorScheme === 'dark' ? '-dark' : ''}`;
          await screenshot(on, name);
          assert.deepEqual(await seriousAxeViolations(on), [], name);
          assert.deepEqual(errors, [], name);
        } finally {
          await themed.close();
        }
      }
    }
  });
});
