/**
 * The signed-in pages: People (upload or webcam), Attendance (with corrections), Nodes and Live. The
 * server renders the frame of each page; its script (`frontend/pages/NAME.ts`, served as
 * `/assets/NAME.js`) fills it from the REST API or the live socket, writing data only through
 * `textContent` and attributes, never as HTML. The ids the scripts look for come from `page-ids.ts`.
 */
import {
  ATTENDANCE_IDS as ATTENDANCE,
  LIVE_IDS as LIVE,
  NODES_IDS as NODES,
  PEOPLE_IDS as PEOPLE,
  PERSON_IDS as PERSON,
} from './page-ids.js';
import { appPage, html, type Html, type Viewer } from './pages.js';

/** The webcam's controls, the same on the People page and a person's page. */
function webcamPanel(ids: typeof PEOPLE | typeof PERSON, sendLabel: string, hint: string): Html {
  return html`<details class="webcam">
    <summary>Or take photos with this computer's camera</summary>
    <p class="muted">${hint}</p>
    <div class="row">
      <button type="button" id="${ids.cameraStart}">Start camera</button>
      <button type="button" id="${ids.cameraShoot}" disabled>Take photo</button>
      <button type="button" id="${ids.cameraEnroll}" disabled>${sendLabel}</button>
    </div>
    <p id="${ids.cameraState}" role="status"></p>
    <video id="${ids.cameraVideo}" autoplay playsinline muted hidden></video>
    <div id="${ids.cameraShots}" class="shots"></div>
  </details>`;
}

/** Where the training job is followed: right under the buttons that start it. */
function trainingBox(ids: typeof PEOPLE | typeof PERSON): Html {
  return html`<div id="${ids.job}" class="training" hidden>
    <p id="${ids.jobState}" role="status"></p>
    <progress id="${ids.jobProgress}" max="100" value="0" aria-label="Training progress"></progress>
    <ul id="${ids.jobRefusals}" class="notes"></ul>
  </div>`;
}

const PHOTO_TYPES = 'image/jpeg,image/png,image/webp';

export function peoplePage(viewer: Viewer): string {
  return appPage({
    title: 'People',
    viewer,
    current: '/people',
    script: 'people',
    body: html`<h1>People</h1>
      <div class="people-layout">
        <section class="enroll-panel" aria-labelledby="enroll-title">
          <h2 id="enroll-title">Enroll a person</h2>
          <form id="${PEOPLE.enroll}">
            <label for="${PEOPLE.personName}">Name</label
            ><input id="${PEOPLE.personName}" name="name" required maxlength="200" autocomplete="off" />
            <label for="${PEOPLE.externalId}"
              >Student or staff number <span class="muted">(optional)</span></label
            ><input id="${PEOPLE.externalId}" name="externalId" maxlength="100" autocomplete="off" />
            <label for="${PEOPLE.photos}">Photos (several, one face each: JPEG, PNG or WebP)</label
            ><input
              id="${PEOPLE.photos}"
              name="photos"
              type="file"
              accept="${PHOTO_TYPES}"
              multiple
              required
            />
            <button type="submit">Enroll</button>
          </form>
          ${trainingBox(PEOPLE)}
          ${webcamPanel(
            PEOPLE,
            'Enroll with these photos',
            'Enter the name above, then take a few photos: look at the camera, then slightly left and right.',
          )}
        </section>
        <section class="gallery" aria-labelledby="gallery-title">
          <div class="gallery-head">
            <h2 id="gallery-title">Enrolled <span id="${PEOPLE.count}" class="muted"></span></h2>
            <input
              id="${PEOPLE.search}"
              type="search"
              placeholder="Find by name or number"
              aria-label="Find a person by name or student or staff number"
              autocomplete="off"
            />
          </div>
          <p id="${PEOPLE.error}" class="error" role="alert" hidden></p>
          <ul id="${PEOPLE.list}" class="people-grid" aria-label="Enrolled people"></ul>
          <p id="${PEOPLE.empty}" class="muted" hidden>Nobody is enrolled yet.</p>
          <p id="${PEOPLE.noMatch}" class="muted" role="status" hidden></p>
        </section>
      </div>`,
  });
}

/** `/people/:id`: the frame; the script fills it from `GET /api/v1/people/:id`. */
export function personPage(viewer: Viewer, personId: string): string {
  return appPage({
    title: 'Person',
    viewer,
    current: '/people',
    script: 'person',
    body: html`<p class="back"><a href="/people">← All people</a></p>
      <div id="${PERSON.frame}" data-person-id="${personId}">
        <div class="person-head">
          <div id="${PERSON.portrait}" class="portrait"></div>
          <div class="who">
            <h1 id="${PERSON.title}">Person</h1>
            <p><span id="${PERSON.state}" class="badge"></span></p>
            <p id="${PERSON.summary}" class="muted"></p>
          </div>
          <button type="button" id="${PERSON.remove}" class="danger">Delete person</button>
        </div>
        <p id="${PERSON.error}" class="error" role="alert" hidden></p>
        <p id="${PERSON.hint}" class="warning" hidden>
          Not recognisable yet: no photo could be used. Add a clear photo of their face, looking at the
          camera.
        </p>
        <div class="person-layout">
          <section aria-labelledby="photos-title">
            <h2 id="photos-title">Photos</h2>
            <ul id="${PERSON.photos}" class="photo-grid" aria-label="Photos"></ul>
            <p id="${PERSON.photosEmpty}" class="muted" hidden>No photos.</p>
          </section>
          <section class="enroll-panel" aria-labelledby="add-title">
            <h2 id="add-title">Add photos</h2>
            <form id="${PERSON.add}">
              <label for="${PERSON.files}">Photos (one face each: JPEG, PNG or WebP)</label
              ><input
                id="${PERSON.files}"
                name="photos"
                type="file"
                accept="${PHOTO_TYPES}"
                multiple
                required
              />
              <button type="submit">Add photos</button>
            </form>
            ${trainingBox(PERSON)}
            ${webcamPanel(PERSON, 'Add these photos', 'Take a few photos: look at the camera, then slightly left and right.')}
          </section>
        </div>
      </div>`,
  });
}

export function attendancePage(viewer: Viewer, today: string): string {
  return appPage({
    title: 'Attendance',
    viewer,
    current: '/attendance',
    script: 'attendance',
    body: html`<h1>Attendance</h1>
      <form id="${ATTENDANCE.range}" class="row" data-today="${today}">
        <div>
          <label for="${ATTENDANCE.from}">From</label
          ><input id="${ATTENDANCE.from}" name="from" type="date" value="${today}" required />
        </div>
        <div>
          <label for="${ATTENDANCE.to}">To</label
          ><input id="${ATTENDANCE.to}" name="to" type="date" value="${today}" required />
        </div>
        <button type="submit">Show</button>
        <button type="button" id="${ATTENDANCE.today}">Today</button>
        <a id="${ATTENDANCE.csv}" href="/api/v1/attendance.csv?from=${today}&amp;to=${today}" download
          >Export CSV</a
        >
      </form>
      <p id="${ATTENDANCE.error}" class="error" role="alert" hidden></p>
      <h2 id="${ATTENDANCE.chartTitle}">Present per day</h2>
      <div id="${ATTENDANCE.chart}" class="card chart" aria-labelledby="${ATTENDANCE.chartTitle}"></div>
      <p id="${ATTENDANCE.zoneNote}" class="muted attendance-zone"></p>
      <div class="table-wrap" role="region" aria-label="Attendance records" tabindex="0">
        <table class="attendance-records">
          <thead>
            <tr>
              <th id="${ATTENDANCE.dayHead}" hidden>Day</th>
              <th>Person</th>
              <th title="The first time any camera saw the person that day">First seen</th>
              <th title="The latest sighting; “in view now” while a camera still sees the person">
                Last seen
              </th>
              <th id="${ATTENDANCE.checkInHead}" title="The first sighting at an entry camera" hidden>
                Check-in
              </th>
              <th
                id="${ATTENDANCE.checkOutHead}"
                title="The last sighting at an exit camera, once out of view"
                hidden
              >
                Check-out
              </th>
              <th title="Time in view: sightings less than a minute apart count the time between them">
                Time present
              </th>
              <th title="Stays in view: a gap of a minute or more starts a new visit">Visits</th>
              <th title="Every recognition; a person in view is re-reported every few seconds">Sightings</th>
              <th>Camera</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody id="${ATTENDANCE.records}"></tbody>
        </table>
      </div>
      <p id="${ATTENDANCE.recordsEmpty}" class="muted" hidden>Nobody was seen in this period.</p>
      <details class="attendance-legend">
        <summary>What the columns mean</summary>
        <dl>
          <dt>First seen, Last seen</dt>
          <dd>
            The first and the latest time any camera recognised the person that day. While a camera still sees
            them, Last seen says “in view now”.
          </dd>
          <dt>Check-in, Check-out</dt>
          <dd>
            Shown when cameras are tagged entry or exit (on the Groups page): check-in is the first sighting
            at an entry camera, check-out the last at an exit camera once the person is out of view. An
            untagged camera counts both ways.
          </dd>
          <dt>Time present</dt>
          <dd>
            The time the person was in view: sightings less than a minute apart count the time between them; a
            longer gap is time away. “—” when it is not known (records from before this was counted, or made
            by hand).
          </dd>
          <dt>Visits</dt>
          <dd>How many separate stays in view: a gap of a minute or more starts a new one.</dd>
          <dt>Sightings</dt>
          <dd>Every recognition of the person; someone in view is re-reported every few seconds.</dd>
        </dl>
      </details>
      <h2>Corrections</h2>
      <div class="table-wrap" role="region" aria-label="Corrections" tabindex="0">
        <table>
          <thead>
            <tr>
              <th>Day</th>
              <th>Person</th>
              <th>Change</th>
              <th>Reason</th>
              <th>By</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody id="${ATTENDANCE.corrections}"></tbody>
        </table>
      </div>
      <p id="${ATTENDANCE.correctionsEmpty}" class="muted" hidden>No record in this period was corrected.</p>
      ${viewer.role === 'admin' ? correctionForm(today) : html``}`,
  });
}

/** Administrators mark someone present or absent by hand, with the reason kept beside the record. */
function correctionForm(today: string) {
  return html`<section>
    <h2>Correct a day</h2>
    <form id="${ATTENDANCE.correct}" class="row">
      <div>
        <label for="${ATTENDANCE.correctPerson}">Person</label
        ><select id="${ATTENDANCE.correctPerson}" name="personId" required></select>
      </div>
      <div>
        <label for="${ATTENDANCE.correctDay}">Day</label
        ><input id="${ATTENDANCE.correctDay}" name="day" type="date" value="${today}" required />
      </div>
      <div>
        <label for="${ATTENDANCE.correctPresent}">Was</label>
        <select id="${ATTENDANCE.correctPresent}" name="present">
          <option value="true">present</option>
          <option value="false">absent</option>
        </select>
      </div>
      <div>
        <label for="${ATTENDANCE.correctIn}">Check-in</label
        ><input id="${ATTENDANCE.correctIn}" name="checkIn" type="time" value="09:00" />
      </div>
      <div>
        <label for="${ATTENDANCE.correctOut}">Check-out</label
        ><input id="${ATTENDANCE.correctOut}" name="checkOut" type="time" value="17:00" />
      </div>
      <div>
        <label for="${ATTENDANCE.correctReason}">Reason</label
        ><input id="${ATTENDANCE.correctReason}" name="reason" required maxlength="500" />
      </div>
      <button type="submit">Save correction</button>
    </form>
    <p id="${ATTENDANCE.correctState}" role="status"></p>
  </section>`;
}

export function nodesPage(viewer: Viewer): string {
  return appPage({
    title: 'Nodes',
    viewer,
    current: '/nodes',
    script: 'nodes',
    body: html`<h1>Recognition nodes</h1>
      <p id="${NODES.error}" class="error" role="alert" hidden></p>
      <div class="table-wrap" role="region" aria-label="Recognition nodes" tabindex="0">
        <table>
          <thead>
            <tr>
              <th>Node</th>
              <th>Address</th>
              <th>State</th>
              <th>FPS</th>
              <th>Cameras</th>
              <th>Gallery version</th>
              <th>Descriptors</th>
              <th>Outbox depth</th>
              <th>Last heartbeat</th>
              <th>Clock</th>
            </tr>
          </thead>
          <tbody id="${NODES.list}"></tbody>
        </table>
      </div>
      <p id="${NODES.empty}" class="muted" hidden>No recognition node is configured (RECOGNITION_SERVERS).</p>
      <p id="${NODES.clockNote}" class="warning" role="status" hidden></p>
      <p class="muted">Refreshed every 2 seconds.</p>`,
  });
}

export function livePage(viewer: Viewer): string {
  return appPage({
    title: 'Live',
    viewer,
    current: '/live',
    script: 'live',
    // The grid of cameras and, beside it on a wide screen (below on a phone), who is in view now;
    // the script adds a tile per camera as the live socket reports it.
    body: html`<div class="live">
      <div class="live-head">
        <h1>Live</h1>
        <p id="${LIVE.state}" class="muted" role="status">Connecting…</p>
      </div>
      <div class="live-layout">
        <div class="live-cams">
          <div id="${LIVE.cams}" class="cams"></div>
          <p id="${LIVE.empty}" class="muted" hidden>No camera has reported yet.</p>
        </div>
        <aside class="card in-view" aria-labelledby="in-view-title">
          <h2 id="in-view-title">In view now <span id="${LIVE.inViewCount}" class="count">0</span></h2>
          <ul id="${LIVE.inView}" class="in-view-list"></ul>
          <p id="${LIVE.inViewEmpty}" class="muted">Nobody recognised is in view.</p>
        </aside>
      </div>
    </div>`,
  });
}
