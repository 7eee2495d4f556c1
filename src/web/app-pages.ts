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
} from './page-ids.js';
import { appPage, html, type Viewer } from './pages.js';

export function peoplePage(viewer: Viewer): string {
  return appPage({
    title: 'People',
    viewer,
    current: '/people',
    script: 'people',
    body: html`<h1>People</h1>
      <section>
        <h2>Enroll a person</h2>
        <form id="${PEOPLE.enroll}">
          <label for="${PEOPLE.personName}">Name</label
          ><input id="${PEOPLE.personName}" name="name" required maxlength="200" />
          <label for="${PEOPLE.photos}">Photos (several, one face each: JPEG, PNG or WebP)</label
          ><input
            id="${PEOPLE.photos}"
            name="photos"
            type="file"
            accept="image/jpeg,image/png,image/webp"
            multiple
            required
          />
          <button type="submit">Enroll</button>
        </form>
        <h3>Or take photos with this computer's camera</h3>
        <p class="muted">
          Enter the name above, then take a few photos: look at the camera, then slightly left and right.
        </p>
        <div class="row">
          <button type="button" id="${PEOPLE.cameraStart}">Start camera</button>
          <button type="button" id="${PEOPLE.cameraShoot}" disabled>Take photo</button>
          <button type="button" id="${PEOPLE.cameraEnroll}" disabled>Enroll with these photos</button>
        </div>
        <p id="${PEOPLE.cameraState}" role="status"></p>
        <video id="${PEOPLE.cameraVideo}" autoplay playsinline muted hidden></video>
        <div id="${PEOPLE.cameraShots}" class="shots"></div>
        <div id="${PEOPLE.job}" hidden>
          <p id="${PEOPLE.jobState}" role="status"></p>
          <progress id="${PEOPLE.jobProgress}" max="100" value="0"></progress>
          <ul id="${PEOPLE.jobRefusals}" class="notes"></ul>
        </div>
      </section>
      <section>
        <h2>Enrolled</h2>
        <p id="${PEOPLE.error}" class="error" role="alert" hidden></p>
        <div class="table-wrap" role="region" aria-label="Enrolled people" tabindex="0">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Enrolled</th>
                <th></th>
              </tr>
            </thead>
            <tbody id="${PEOPLE.list}"></tbody>
          </table>
        </div>
        <p id="${PEOPLE.empty}" class="muted" hidden>Nobody is enrolled yet.</p>
      </section>`,
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
      <div class="table-wrap" role="region" aria-label="Attendance records" tabindex="0">
        <table>
          <thead>
            <tr>
              <th>Day</th>
              <th>Person</th>
              <th>Check-in</th>
              <th>Check-out</th>
              <th>Camera</th>
              <th>Sightings</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody id="${ATTENDANCE.records}"></tbody>
        </table>
      </div>
      <p id="${ATTENDANCE.recordsEmpty}" class="muted" hidden>Nobody was seen in this period.</p>
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
    body: html`<h1>Live</h1>
      <p id="${LIVE.state}" class="muted" role="status">Connecting…</p>
      <div id="${LIVE.cams}" class="cams"></div>
      <p id="${LIVE.empty}" class="muted" hidden>No camera has reported yet.</p>`,
  });
}
