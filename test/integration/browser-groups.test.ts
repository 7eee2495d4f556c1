/**
 * Groups and the roster board in Chromium against real recognition and web nodes
 * (`startBrowserRollcall`: a folder camera `door` showing a group photo with Sheldon in it). An
 * administrator creates a group, adds Sheldon, Penny and Raj (people without photos yet), a
 * session covering now and one that overlaps it (refused, the reason beside the form), tags the
 * door as an entry; the board, left open, shows Sheldon arriving once his photos are added in another
 * tab, while Penny and Raj stay "not arrived", without losing the focus or redrawing their rows.
 * Penny is excused; the search and the status filter narrow the members; a viewer sees the board
 * but nothing to change it with. Screenshots `groups-*` and `roster-*` go to `test/artifacts/`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { WEEKDAYS } from '../../src/core/index.js';
import type { RosterAnswer } from '../../src/web/api-views.js';
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

/** `HH:MM` of minutes since midnight. */
const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

describe('Groups and the roster board in Chromium', () => {
  let rollcall: BrowserRollcall;
  let context: BrowserContext;
  let page: Page;
  const ids: Record<'Sheldon' | 'Penny' | 'Raj', string> = { Sheldon: '', Penny: '', Raj: '' };
  let groupId = '';
  /** The session covering now (UTC, the fixture's zone), in minutes since midnight. */
  let start = 0;
  let end = 0;
  let weekday: (typeof WEEKDAYS)[number] = 'mon';

  before(async () => {
    // A session cannot run past midnight: near it, wait for the new day.
    const minute = (): number => new Date().getUTCHours() * 60 + new Date().getUTCMinutes();
    while (minute() >= 23 * 60 + 50) await new Promise((resolve) => setTimeout(resolve, 10_000));
    rollcall = await startBrowserRollcall();
    context = await rollcall.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(SEE_MS);
    page.on('dialog', (dialog) => void dialog.accept());
    await rollcall.signIn(page, ADMIN);
    // People enrolled by name only: the cameras cannot name them (yet).
    for (const name of ['Sheldon', 'Penny', 'Raj'] as const)
      ids[name] = (await rollcall.store.createPerson({ name })).person.id;
    const now = new Date();
    weekday = WEEKDAYS[now.getUTCDay()] ?? 'mon';
    start = Math.max(0, minute() - 10);
    end = Math.min(23 * 60 + 59, minute() + 90);
  });

  after(() => rollcall.close());

  const member = (name: keyof typeof ids): string => `.roster-session .member[data-person="${ids[name]}"]`;
  const shownMembers = (on: Page = page): Promise<string[]> =>
    on.locator('.roster-session .member:visible .member-name').allInnerTexts();

  /** A full-page screenshot from the top, so the sticky bar sits where it belongs. */
  async function shot(on: Page, name: string): Promise<void> {
    await on.evaluate('window.scrollTo(0, 0)');
    await screenshot(on, name);
  }

  it('puts Groups after Attendance for everyone, and the top bar fits in one row from 1024 px', async () => {
    const nav = await page.locator('nav .nav-links').innerText();
    assert.match(nav, /Live[\s\S]*Attendance[\s\S]*Groups[\s\S]*People[\s\S]*Jobs[\s\S]*Ada Admin/);
    assert.doesNotMatch(nav, /Job queues/, 'Bull Board is linked from the Jobs page instead');
    for (const width of [1024, 1100, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(`${rollcall.base}/groups`);
      const bar = await page.evaluate<{
        height: number;
        overflow: number;
        right: number;
        width: number;
      }>(`(() => {
        const nav = document.querySelector('nav.topbar');
        const links = document.querySelector('.nav-links');
        const last = links.lastElementChild.getBoundingClientRect();
        return { height: nav.getBoundingClientRect().height, overflow: links.scrollWidth - links.clientWidth,
                 right: last.right, width: window.innerWidth };
      })()`);
      assert.ok(bar.height < 80, `${width} px: the top bar is ${bar.height} px high`);
      assert.ok(bar.overflow <= 0, `${width} px: the links overflow by ${bar.overflow} px`);
      assert.ok(bar.right <= bar.width, `${width} px: Sign out ends at ${bar.right} px`);
      assert.equal(await page.locator('nav a[href="/groups"]').isVisible(), true);
      assert.equal(await page.locator('nav details.menu summary').isVisible(), false);
      await shot(page, `groups-nav-${width}`);
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('nav details.menu summary').click();
    await page.locator('nav a[href="/groups"]').waitFor();
    assert.match(await page.locator('nav').innerText(), /Attendance[\s\S]*Groups[\s\S]*Jobs[\s\S]*Ada Admin/);
    await shot(page, 'groups-nav-390');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${rollcall.base}/jobs`);
    await page.locator('main a[href="/admin/queues"]', { hasText: 'Job queues' }).waitFor();
  });

  it('explains what a group is for while there is none, and an admin creates one', async () => {
    await page.goto(`${rollcall.base}/groups`);
    const empty = page.locator('#groups-empty');
    await empty.waitFor();
    assert.match(await empty.innerText(), /^No group yet\. Create one below/);
    assert.match(await page.locator('main').innerText(), /A group is a class, a team or a shift/);
    await assertFitsAndAccessible(page, 'groups, empty');
    await page.fill('#group-create-name', 'Physics 101');
    await page.fill('#group-create-rate', '80');
    await page.fill('#group-create-notes', 'Room 4B, Dr. Hofstadter');
    await Promise.all([
      page.waitForURL(/\/groups\/[^/?]+$/),
      page.click('#group-create button[type=submit]'),
    ]);
    groupId = new URL(page.url()).pathname.split('/').pop() ?? '';
    const group = await rollcall.store.getGroup(groupId);
    assert.equal(group?.name, 'Physics 101');
    assert.equal(group.minAttendanceRate, 0.8);
    assert.equal(await page.locator('#roster-title').innerText(), 'Physics 101');
    await page.locator('#roster-none', { hasText: 'This group has no sessions yet' }).waitFor();
    assert.equal(await page.inputValue('#group-name'), 'Physics 101');
    assert.equal(await page.inputValue('#group-rate'), '80');
  });

  it('adds members from a searchable list of the people enrolled', async () => {
    await page.locator('#people-candidates li').nth(2).waitFor();
    await page.fill('#people-search', 'she');
    assert.deepEqual(await page.locator('#people-candidates label').allInnerTexts(), ['Sheldon']);
    await page.check('#people-candidates input');
    await page.fill('#people-search', '');
    assert.deepEqual(await page.locator('#people-candidates label').allInnerTexts(), [
      'Penny',
      'Raj',
      'Sheldon',
    ]);
    assert.equal(
      await page.locator('#people-candidates input:checked').count(),
      1,
      'the choice survives the search',
    );
    await page.check('#people-candidates li:has-text("Penny") input');
    await page.check('#people-candidates li:has-text("Raj") input');
    assert.equal(await page.locator('#add-members').innerText(), 'Add 3 people');
    await page.click('#add-members');
    await page.locator('#group-members-state', { hasText: '3 people added.' }).waitFor();
    assert.deepEqual(await page.locator('#group-members li > span').allInnerTexts(), [
      'Penny',
      'Raj',
      'Sheldon',
    ]);
    assert.equal(await page.locator('#group-members-count').innerText(), '3');
    assert.match(await page.locator('#people-candidates-note').innerText(), /Everyone enrolled is a member/);
  });

  it('adds a session covering now; one that overlaps it or ends before it starts is refused beside the form', async () => {
    await page.click('#new-session');
    await page.check(`#session-form input[name=weekdays][value=${weekday}]`);
    await page.fill('#session-start', hhmm(start));
    await page.fill('#session-end', hhmm(end));
    await page.fill('#session-late-grace', '30');
    assert.equal(await page.inputValue('#session-check-in-window'), '60', 'the defaults of core');
    await page.click('#session-form button[type=submit]');
    await page.locator('#group-sessions li').first().waitFor();
    assert.equal(await page.locator('#session-form').isHidden(), true);
    assert.match(
      await page.locator('#group-sessions li strong').innerText(),
      new RegExp(`^\\w{3} ${hhmm(start)}–${hhmm(end)}, late after 30 min$`),
    );
    // The board has the session now: everyone expected.
    const card = page.locator('.roster-session');
    await card.waitFor();
    assert.equal(await card.locator('.roster-big').innerText(), '0 of 3 present');
    assert.equal(await card.locator('.session-state').innerText(), `Running until ${hhmm(end)}`);
    assert.deepEqual(await card.locator('.chips li').allInnerTexts(), ['3 not arrived yet']);
    assert.deepEqual(
      await card.locator('.status-group[data-status="expected"] .member-name').allInnerTexts(),
      ['Penny', 'Raj', 'Sheldon'],
    );

    // Ends before it starts: the field is named in the form's words and marked.
    await page.click('#new-session');
    await page.check(`#session-form input[name=weekdays][value=${weekday}]`);
    await page.fill('#session-start', '10:00');
    await page.fill('#session-end', '09:00');
    await page.click('#session-form button[type=submit]');
    const error = page.locator('#session-error');
    await error.waitFor();
    assert.equal(
      await error.innerText(),
      'Not saved. Ends: the session ends (09:00) before it starts (10:00).',
    );
    assert.equal(await page.getAttribute('#session-end', 'aria-invalid'), 'true');

    // Overlapping the first: 409, with the two sessions named as the form names days.
    const day = weekday.charAt(0).toUpperCase() + weekday.slice(1);
    await page.fill('#session-start', hhmm(Math.max(0, start + 5)));
    await page.fill('#session-end', hhmm(start + 15));
    await page.click('#session-form button[type=submit]');
    await page.locator('#session-error', { hasText: 'overlaps' }).waitFor();
    assert.equal(
      await error.innerText(),
      `Not saved. The session ${day} ${hhmm(start + 5)}–${hhmm(start + 15)} overlaps the group's session ${day} ${hhmm(start)}–${hhmm(end)}; a member cannot be in both.`,
    );
    assert.equal(await page.getAttribute('#session-end', 'aria-invalid'), 'true');
    await assertFitsAndAccessible(page, 'roster with the session form');
    await shot(page, 'roster-manage-wide');
    await page.click('#session-cancel');
    assert.equal(await page.locator('#session-form').isHidden(), true);
    assert.equal((await rollcall.store.listGroupSessions(groupId)).length, 1, 'nothing refused was saved');
  });

  it('tags the door camera as an entry on the Groups page, and shows the group with its session today', async () => {
    await page.goto(`${rollcall.base}/groups`);
    const door = page.locator('#camera-roles li[data-camera="door"]');
    await door.waitFor();
    assert.match(await door.innerText(), /door\s+camera-pc · online/);
    assert.equal(await door.locator('select').inputValue(), 'both');
    await door.locator('select').selectOption('entry');
    await page.locator('#camera-roles-state', { hasText: 'Saved: door is entry' }).waitFor();
    const roles: unknown = await (await page.request.get(`${rollcall.base}/api/v1/cameras/roles`)).json();
    assert.deepEqual(roles, {
      roles: { door: 'entry' },
      cameras: [{ cameraId: 'door', role: 'entry', source: 'admin', tag: 'entry', declared: null }],
    });

    const card = page.locator('#groups li.group-card', { hasText: 'Physics 101' });
    await card.locator('.group-today').waitFor();
    assert.equal(await card.locator('.group-members').innerText(), '3 members');
    assert.match(
      await card.locator('.group-sessions').innerText(),
      new RegExp(`${hhmm(start)}–${hhmm(end)}, late after 30 min`),
    );
    assert.match(await card.locator('.group-today').innerText(), /0 of 3 present/);
    await assertFitsAndAccessible(page, 'groups, wide');
    await shot(page, 'groups-wide');
    await page.setViewportSize({ width: 390, height: 844 });
    await assertFitsAndAccessible(page, 'groups, phone');
    await shot(page, 'groups-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('shows Sheldon arriving live once the door camera names him, the others still not arrived, the focus and rows kept', async () => {
    await page.goto(`${rollcall.base}/groups/${groupId}`);
    await page.locator(member('Raj')).waitFor();
    assert.equal(await page.getAttribute(member('Sheldon'), 'data-status'), 'expected');
    await page.locator(`${member('Raj')} button.excuse`).focus();
    await page.evaluate(`window.rajRow = document.querySelector('${member('Raj')}')`);
    const updated = await page.locator('#roster-updated').innerText();
    assert.match(updated, /^Live · updated \d\d:\d\d:\d\d UTC$/);

    // Enrolled in another tab: the board is not reloaded.
    const people = await context.newPage();
    await people.goto(`${rollcall.base}/people`);
    await people.fill('#person-name', 'Sheldon');
    await people.setInputFiles(
      '#photos',
      ['sheldon/sheldon1.png', 'sheldon/sheldon2.png', 'sheldon/sheldon3.png'].map(facePhoto),
    );
    await people.click('#enroll button[type=submit]');
    // Sheldon is already a member (with no photo yet): the page asks whether these are his photos.
    await people.locator(`dialog button.namesake[data-person-id="${ids.Sheldon}"]`).click();
    await people.locator('#job-state', { hasText: /is enrolled/ }).waitFor({ timeout: 120_000 });
    await people.close();

    await untilInPage(
      page,
      `['present', 'late'].includes(document.querySelector('${member('Sheldon')}')?.dataset.status)`,
      180_000,
    );
    assert.equal(await page.locator('.roster-big').innerText(), '1 of 3 present');
    assert.equal(
      await page.getAttribute(member('Sheldon'), 'data-status'),
      'present',
      'within the 30 min grace',
    );
    assert.deepEqual(
      await page.locator('.status-group[data-status="expected"] .member-name').allInnerTexts(),
      ['Penny', 'Raj'],
    );
    assert.equal(
      await page.evaluate(
        `window.rajRow === document.querySelector('${member('Raj')}') && document.activeElement === window.rajRow.querySelector('button.excuse')`,
      ),
      true,
      "Raj's row was kept, and the focus on his Excuse button",
    );
    assert.notEqual(
      await page.locator('#roster-updated').innerText(),
      updated,
      'the board refreshed on its own',
    );
    // The arrival in the attendance zone (UTC here), as the API has it.
    const roster = (await (
      await page.request.get(`${rollcall.base}/api/v1/groups/${groupId}/roster`)
    ).json()) as RosterAnswer;
    const sheldon = roster.sessions[0]?.entries.find((e) => e.person.id === ids.Sheldon);
    assert.ok(sheldon?.arrivedAt);
    assert.match(
      await page.locator(`${member('Sheldon')} .member-detail`).innerText(),
      new RegExp(`^Arrived ${sheldon.arrivedAt.slice(11, 16)} UTC · still here · \\d+ min present$`),
    );
  });

  it('excuses Penny with a reason, and narrows the members by name and by status', async () => {
    await page.locator(`${member('Penny')} button.excuse`).click();
    const dialog = page.locator('#excuse');
    await dialog.waitFor();
    assert.match(
      await page.locator('#excuse-who').innerText(),
      new RegExp(`^Penny, ${hhmm(start)}–${hhmm(end)} on `),
    );
    await page.fill('#excuse-reason', 'dentist');
    await page.click('#excuse-form button[type=submit]');
    await dialog.waitFor({ state: 'hidden' });
    await page
      .locator(`.status-group[data-status="excused"] ${member('Penny').replace('.roster-session ', '')}`)
      .waitFor();
    assert.equal(
      await page.locator(`${member('Penny')} .member-excuse`).innerText(),
      'Excused: dentist (by Ada Admin)',
    );
    assert.equal(await page.locator(`${member('Penny')} button.excuse`).isHidden(), true);
    assert.equal(
      await page.evaluate(`document.activeElement === document.querySelector('${member('Penny')}')`),
      true,
    );
    assert.deepEqual(await page.locator('.roster-session .chips li').allInnerTexts(), [
      '1 excused',
      '1 not arrived yet',
    ]);
    const excuses = await rollcall.store.listSessionExcuses({ from: new Date().toISOString().slice(0, 10) });
    assert.deepEqual(
      excuses.items.map((e) => [e.personId, e.reason, e.by]),
      [[ids.Penny, 'dentist', ADMIN.name]],
    );

    await page.fill('#roster-search', 'ra');
    assert.deepEqual(await shownMembers(), ['Raj']);
    await page.fill('#roster-search', 'zz');
    await page.locator('.roster-session > .empty', { hasText: 'No member matches.' }).waitFor();
    await page.fill('#roster-search', '');
    await page.selectOption('#roster-status', 'present');
    assert.deepEqual(await shownMembers(), ['Sheldon']);
    await page.selectOption('#roster-status', '');
    assert.deepEqual(await shownMembers(), ['Raj', 'Sheldon', 'Penny']);

    await assertFitsAndAccessible(page, 'roster, wide');
    await shot(page, 'roster-wide');
    await page.setViewportSize({ width: 390, height: 844 });
    await assertFitsAndAccessible(page, 'roster, phone');
    await shot(page, 'roster-phone');
    await page.emulateMedia({ colorScheme: 'dark' });
    await assertFitsAndAccessible(page, 'roster, phone, dark');
    await shot(page, 'roster-phone-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 360, height: 740 });
    await assertFitsAndAccessible(page, 'roster, 360 px');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('moves through the days: no session on the next one, and back to today', async () => {
    await page.click('#roster-next');
    const none = page.locator('#roster-none');
    await none.waitFor();
    assert.match(
      await none.innerText(),
      /^No session of this group runs on \w{3} \d{1,2} \w{3} \d{4}\. Its sessions: \w{3} \d\d:\d\d–/,
    );
    assert.match(page.url(), /\?date=\d{4}-\d\d-\d\d$/);
    assert.equal(await page.locator('.roster-session').count(), 0);
    assert.equal(await page.locator('#roster-updated').innerText(), 'Not today: the board does not refresh');
    await page.click('#roster-today');
    await page.locator('.roster-session').waitFor();
    assert.doesNotMatch(page.url(), /date=/);
    assert.equal(await page.locator('#roster-today').isDisabled(), true);
  });

  it('shows a viewer the groups and the board, and nothing to change them with', async () => {
    const viewerContext = await rollcall.newContext({ width: 390, height: 844 });
    try {
      const viewer = await viewerContext.newPage();
      viewer.setDefaultTimeout(SEE_MS);
      await rollcall.signIn(viewer, VIEWER);
      await viewer.goto(`${rollcall.base}/groups`);
      const card = viewer.locator('#groups li.group-card', { hasText: 'Physics 101' });
      await card.locator('.group-today').waitFor();
      assert.match(await card.locator('.group-today').innerText(), /1 of 3 present/);
      assert.equal(await viewer.locator('#group-create, #camera-roles').count(), 0);
      assert.match(await viewer.locator('#groups-empty').innerText(), /An administrator creates groups/);
      await assertFitsAndAccessible(viewer, 'viewer groups');
      await card.locator('a.group-link').click();
      await viewer.locator(member('Sheldon')).waitFor();
      assert.equal(await viewer.getAttribute(member('Sheldon'), 'data-status'), 'present');
      assert.equal(await viewer.locator('button.excuse').count(), 0);
      assert.equal(await viewer.locator('#roster-manage, #excuse, #session-form').count(), 0);
      assert.equal(
        await viewer.locator(`${member('Penny')} .member-excuse`).innerText(),
        'Excused: dentist (by Ada Admin)',
      );
      await assertFitsAndAccessible(viewer, 'viewer roster');
      await shot(viewer, 'roster-viewer-phone');
    } finally {
      await viewerContext.close();
    }
  });
});
