/**
 * The contract between the server and the pages' scripts, without a browser: every id a script looks
 * for is on the page that loads it, each page loads its script as a module and the one stylesheet,
 * and a frame the live feed encodes is the frame the Live page decodes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { settingsPage, unknownFacesPage, usersPage } from '../../src/web/admin-pages.js';
import { attendancePage, livePage, nodesPage, peoplePage, personPage } from '../../src/web/app-pages.js';
import { groupsPage, rosterPage } from '../../src/web/groups-pages.js';
import { jobsPage } from '../../src/web/jobs-page.js';
import { webhooksPage } from '../../src/web/webhooks-page.js';
import { encodeLiveFrame } from '../../src/web/live-feed.js';
import { decodeLiveFrame, type LiveFrameHeader } from '../../src/web/live-protocol.js';
import {
  ATTENDANCE_IDS,
  GROUPS_IDS,
  HOME_IDS,
  JOBS_IDS,
  LIVE_IDS,
  NODES_IDS,
  PAGE_SCRIPTS,
  PEOPLE_IDS,
  PERSON_IDS,
  ROSTER_IDS,
  SETTINGS_IDS,
  UNKNOWN_FACES_IDS,
  USERS_IDS,
  WEBHOOKS_IDS,
  type PageScript,
} from '../../src/web/page-ids.js';
import { errorPage, homePage, loginPage, type Viewer } from '../../src/web/pages.js';

const admin: Viewer = { name: 'Ada', role: 'admin', csrfToken: 'token' };
const pages: Record<PageScript, [html: string, ids: Record<string, string>]> = {
  people: [peoplePage(admin), PEOPLE_IDS],
  person: [personPage(admin, 'p1'), PERSON_IDS],
  attendance: [attendancePage(admin, '2026-11-30'), ATTENDANCE_IDS],
  nodes: [nodesPage(admin), NODES_IDS],
  live: [livePage(admin), LIVE_IDS],
  'unknown-faces': [unknownFacesPage(admin), UNKNOWN_FACES_IDS],
  settings: [settingsPage(admin), SETTINGS_IDS],
  users: [usersPage(admin), USERS_IDS],
  home: [homePage(admin), HOME_IDS],
  jobs: [jobsPage(admin), JOBS_IDS],
  groups: [groupsPage(admin), GROUPS_IDS],
  roster: [rosterPage(admin, { id: 'g1', name: 'Class 5E' }, '2026-11-30'), ROSTER_IDS],
  webhooks: [webhooksPage(admin), WEBHOOKS_IDS],
};

describe('pages and their scripts', () => {
  it('puts every id a script looks for on its page, once', () => {
    assert.deepEqual(Object.keys(pages).sort(), [...PAGE_SCRIPTS].sort());
    for (const [script, [html, ids]] of Object.entries(pages)) {
      for (const id of Object.values(ids)) {
        assert.equal(html.split(`id="${id}"`).length - 1, 1, `${script}: #${id}`);
      }
    }
  });

  it('loads each page script as a module from /assets', () => {
    for (const [script, [html]] of Object.entries(pages)) {
      assert.ok(html.includes(`<script type="module" src="/assets/${script}.js"></script>`), script);
    }
  });

  it('links the one stylesheet and the favicon, with no inline style (the CSP needs none)', () => {
    const all = [...Object.values(pages).map(([html]) => html), loginPage({ csrfToken: 't' })];
    all.push(errorPage(404, 'no such page'));
    for (const html of all) {
      assert.ok(html.includes('<link rel="stylesheet" href="/assets/rollcall.css" />'));
      assert.ok(html.includes('<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />'));
      assert.doesNotMatch(html, /<style|\sstyle=/);
    }
  });

  it('decodes the frame the live feed encodes', () => {
    const header: LiveFrameHeader = {
      type: 'frame',
      key: '127.0.0.1:7000|door',
      address: '127.0.0.1:7000',
      nodeId: 'node-1',
      metadata: {
        cameraId: 'door',
        seq: 7,
        capturedAt: 1_700_000_000_000,
        width: 640,
        height: 360,
        faces: [
          {
            trackId: 't1',
            box: { x: 1, y: 2, width: 30, height: 40 },
            state: 'named',
            personId: 'p1',
            distance: 0.3,
          },
        ],
        latencyMs: 42,
      },
      names: { p1: 'Zoë' },
      inView: [{ personId: 'p1', name: 'Zoë', since: 1_699_999_990_000 }],
    };
    const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]);
    const message = encodeLiveFrame(header, jpeg);
    // A copy, as the browser receives it: a fresh ArrayBuffer holding the message alone.
    const buffer = new Uint8Array(message).buffer;
    const decoded = decodeLiveFrame(buffer);
    assert.deepEqual(decoded.header, header);
    assert.deepEqual([...decoded.jpeg], [...jpeg]);
    assert.throws(() => decodeLiveFrame(buffer.slice(0, 10)), /header cut short/);
  });
});
