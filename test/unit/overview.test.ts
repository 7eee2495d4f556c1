/** The home page's rules: arrivals, the cameras' state, the first-run checklist, and the day's edge. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MANUAL_SOURCE } from '../../src/core/index.js';
import {
  OverviewService,
  arrivalsSince,
  cameraStates,
  firstRunChecklist,
  type OverviewDeps,
} from '../../src/services/index.js';
import type { NodeView } from '../../src/services/views.js';
import { stoppedClock } from '../../src/shared/index.js';
import type { AttendanceQuery, StoredAttendance } from '../../src/store/index.js';
import { HOME_IDS } from '../../src/web/page-ids.js';
import { homePage } from '../../src/web/pages.js';

function record(personId: string, day: string, firstSeen: string, camera = 'door'): StoredAttendance {
  return {
    personId,
    personName: personId,
    day,
    firstSeen,
    lastSeen: firstSeen,
    firstCameraId: camera,
    lastCameraId: camera,
    nodeId: camera === MANUAL_SOURCE ? MANUAL_SOURCE : 'gate-pc',
    eventCount: 1,
    visits: null,
    cameras: null,
    corrected: camera === MANUAL_SOURCE,
  };
}

describe('arrivalsSince', () => {
  it('keeps check-ins by camera from the window on, newest first', () => {
    const records = [
      record('a', '2025-03-10', '2025-03-10T07:59:59.999Z'),
      record('b', '2025-03-10', '2025-03-10T08:00:00.000Z'),
      record('c', '2025-03-10', '2025-03-10T08:30:00.000Z', MANUAL_SOURCE),
      record('d', '2025-03-10', '2025-03-10T08:45:00.000Z'),
      // A node whose clock runs ahead still shows its arrival.
      record('e', '2025-03-10', '2025-03-10T09:00:05.000Z'),
    ];
    assert.deepEqual(
      arrivalsSince(records, '2025-03-10T08:00:00.000Z').map((r) => r.personId),
      ['e', 'd', 'b'],
    );
  });
});

describe('cameraStates', () => {
  it('counts a camera online only while its node is connected', () => {
    const view = (connected: boolean, online: boolean): NodeView => ({
      address: 'h:1',
      nodeId: 'n',
      connected,
      lastHeartbeatAt: null,
      fps: 0,
      cameras: [{ cameraId: 'c', fps: 5, latencyP95Ms: null, online }],
      galleryVersion: null,
      descriptorModel: null,
      outboxDepth: null,
      uptimeS: null,
      clockSkewMs: null,
      clockSkewed: false,
    });
    assert.deepEqual(
      [view(true, true), view(false, true), view(true, false)]
        .flatMap((n) => cameraStates([n]))
        .map((c) => c.online),
      [true, false, false],
    );
  });
});

describe('firstRunChecklist', () => {
  it('lists the steps while one is undone, and is gone once all are done', () => {
    assert.deepEqual(firstRunChecklist({ recognisable: 0, camerasOnline: 0, eventsReceived: false }), [
      { step: 'administrator', done: true },
      { step: 'enroll', done: false },
      { step: 'camera', done: false },
    ]);
    assert.equal(
      firstRunChecklist({ recognisable: 1, camerasOnline: 0, eventsReceived: false })?.find(
        (s) => s.step === 'camera',
      )?.done,
      false,
    );
    assert.equal(firstRunChecklist({ recognisable: 1, camerasOnline: 1, eventsReceived: false }), null);
    // A camera off at night does not bring the checklist back once faces have come in.
    assert.equal(firstRunChecklist({ recognisable: 1, camerasOnline: 0, eventsReceived: true }), null);
  });
});

describe('OverviewService', () => {
  it('reads yesterday too when the hour crosses midnight, but counts only today present and enrolled', async () => {
    const asked: AttendanceQuery[] = [];
    const store: OverviewDeps['store'] = {
      getGalleryVersion: () => Promise.resolve(1),
      getGallery: (model) => Promise.resolve({ galleryVersion: 1, model, people: [] }),
      listPeople: () =>
        Promise.resolve({
          items: ['late', 'early'].map((id) => ({
            id,
            name: id,
            externalId: null,
            notes: '',
            createdAt: '2025-03-01T00:00:00.000Z',
            updatedAt: '2025-03-01T00:00:00.000Z',
          })),
          nextOffset: null,
        }),
      listAttendance: (query) => {
        asked.push(query);
        return Promise.resolve({
          items: [
            record('late', '2025-03-09', '2025-03-09T23:50:00.000Z'),
            record('early', '2025-03-10', '2025-03-10T00:10:00.000Z'),
            // Deleted since, kept as an anonymous record: there today, but not out of the enrolled.
            record('gone', '2025-03-10', '2025-03-10T00:05:00.000Z'),
          ],
          nextOffset: null,
        });
      },
      listEvents: () => Promise.resolve({ items: [], nextOffset: null }),
      listUnknownFaces: () => Promise.reject(new Error('a viewer never reads the review')),
    };
    const service = new OverviewService({
      store,
      nodes: { list: () => [] },
      clock: stoppedClock(Date.parse('2025-03-10T00:20:00.000Z')),
      timeZone: () => 'UTC',
    });
    const answer = await service.overview('viewer');
    assert.deepEqual(
      asked.map((q) => [q.from, q.to]),
      [['2025-03-09', '2025-03-10']],
    );
    assert.equal(answer.presence.present, 1);
    assert.deepEqual(
      answer.arrivals.items.map((a) => [a.person.id, a.eventId]),
      [
        ['early', null],
        ['gone', null],
        ['late', null],
      ],
    );
  });

  it('counts the people once per gallery version', async () => {
    let version = 1;
    let galleryReads = 0;
    const store: OverviewDeps['store'] = {
      getGalleryVersion: () => Promise.resolve(version),
      getGallery: (model) => {
        galleryReads += 1;
        return Promise.resolve({
          galleryVersion: version,
          model,
          people: [{ personId: 'p', name: 'P', descriptors: [] }],
        });
      },
      listPeople: () => Promise.resolve({ items: [], nextOffset: null }),
      listAttendance: () => Promise.resolve({ items: [], nextOffset: null }),
      listEvents: () => Promise.resolve({ items: [], nextOffset: null }),
      listUnknownFaces: () => Promise.resolve({ items: [], nextOffset: null }),
    };
    const service = new OverviewService({
      store,
      nodes: { list: () => [] },
      clock: stoppedClock(0),
      timeZone: () => 'UTC',
    });
    for (let i = 0; i < 3; i++) assert.equal((await service.overview('admin')).presence.recognisable, 1);
    assert.equal(galleryReads, 2, 'one read per face model, once');
    version = 2;
    await service.overview('admin');
    assert.equal(galleryReads, 4);
  });
});

describe('the home page frame', () => {
  it("renders the administrators' parts for administrators only", () => {
    const ids = (html: string) => [...html.matchAll(/id="([^"]+)"/g)].map((m) => m[1]);
    const adminIds = ids(homePage({ name: 'Ada', role: 'admin', csrfToken: 't' }));
    const viewerIds = ids(homePage({ name: 'Vic', role: 'viewer', csrfToken: 't' }));
    const adminOnly: string[] = [
      HOME_IDS.checklist,
      HOME_IDS.checklistSteps,
      HOME_IDS.checklistCount,
      HOME_IDS.reviewFaces,
      HOME_IDS.reviewEmpty,
      HOME_IDS.reviewPending,
      HOME_IDS.reviewNote,
    ];
    for (const id of Object.values(HOME_IDS)) assert.ok(adminIds.includes(id), `admin page has #${id}`);
    for (const id of Object.values(HOME_IDS)) {
      assert.equal(viewerIds.includes(id), !adminOnly.includes(id), `viewer page and #${id}`);
    }
    assert.doesNotMatch(
      homePage({ name: 'Vic', role: 'viewer', csrfToken: 't' }),
      /href="\/nodes"|href="\/unknown-faces"/,
    );
  });
});
