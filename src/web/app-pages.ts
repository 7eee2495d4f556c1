/**
 * The signed-in pages: People (upload or webcam), Attendance (with corrections), Nodes and Live. The server renders the frame of each
 * page; its script (`/assets/NAME.js`, see `client-scripts.ts`) fills it from the REST API or the
 * live socket, writing data only through `textContent` and attributes, never as HTML.
 */
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
        <form id="enroll">
          <label for="person-name">Name</label><input id="person-name" name="name" required maxlength="200" />
          <label for="photos">Photos (several, one face each: JPEG, PNG or WebP)</label
          ><input
            id="photos"
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
          <button type="button" id="camera-start">Start camera</button>
          <button type="button" id="camera-shoot" disabled>Take photo</button>
          <button type="button" id="camera-enroll" disabled>Enroll with these photos</button>
        </div>
        <p id="camera-state" role="status"></p>
        <video id="camera-video" autoplay playsinline muted hidden></video>
        <div id="camera-shots" class="shots"></div>
        <div id="job" hidden>
          <p id="job-state" role="status"></p>
          <progress id="job-progress" max="100" value="0"></progress>
          <ul id="job-refusals"></ul>
        </div>
      </section>
      <section>
        <h2>Enrolled</h2>
        <p id="people-error" class="error" role="alert" hidden></p>
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Enrolled</th>
              <th></th>
            </tr>
          </thead>
          <tbody id="people"></tbody>
        </table>
        <p id="people-empty" class="muted" hidden>Nobody is enrolled yet.</p>
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
      <form id="range" class="row" data-today="${today}">
        <div>
          <label for="from">From</label><input id="from" name="from" type="date" value="${today}" required />
        </div>
        <div><label for="to">To</label><input id="to" name="to" type="date" value="${today}" required /></div>
        <button type="submit">Show</button>
        <button type="button" id="today">Today</button>
        <a id="csv" href="/api/v1/attendance.csv?from=${today}&amp;to=${today}" download>Export CSV</a>
      </form>
      <p id="attendance-error" class="error" role="alert" hidden></p>
      <h2 id="chart-title">Present per day</h2>
      <div id="chart" aria-labelledby="chart-title"></div>
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
        <tbody id="records"></tbody>
      </table>
      <p id="records-empty" class="muted" hidden>Nobody was seen in this period.</p>
      <h2>Corrections</h2>
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
        <tbody id="corrections"></tbody>
      </table>
      <p id="corrections-empty" class="muted" hidden>No record in this period was corrected.</p>
      ${viewer.role === 'admin' ? correctionForm(today) : html``}`,
  });
}

/** Administrators mark someone present or absent by hand, with the reason kept beside the record. */
function correctionForm(today: string) {
  return html`<section>
    <h2>Correct a day</h2>
    <form id="correct" class="row">
      <div>
        <label for="correct-person">Person</label
        ><select id="correct-person" name="personId" required></select>
      </div>
      <div>
        <label for="correct-day">Day</label
        ><input id="correct-day" name="day" type="date" value="${today}" required />
      </div>
      <div>
        <label for="correct-present">Was</label>
        <select id="correct-present" name="present">
          <option value="true">present</option>
          <option value="false">absent</option>
        </select>
      </div>
      <div>
        <label for="correct-in">Check-in</label
        ><input id="correct-in" name="checkIn" type="time" value="09:00" />
      </div>
      <div>
        <label for="correct-out">Check-out</label
        ><input id="correct-out" name="checkOut" type="time" value="17:00" />
      </div>
      <div>
        <label for="correct-reason">Reason</label
        ><input id="correct-reason" name="reason" required maxlength="500" />
      </div>
      <button type="submit">Save correction</button>
    </form>
    <p id="correct-state" role="status"></p>
  </section>`;
}

export function nodesPage(viewer: Viewer): string {
  return appPage({
    title: 'Nodes',
    viewer,
    current: '/nodes',
    script: 'nodes',
    body: html`<h1>Recognition nodes</h1>
      <p id="nodes-error" class="error" role="alert" hidden></p>
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
          </tr>
        </thead>
        <tbody id="nodes"></tbody>
      </table>
      <p id="nodes-empty" class="muted" hidden>No recognition node is configured (RECOGNITION_SERVERS).</p>
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
      <p id="live-state" class="muted" role="status">Connecting…</p>
      <div id="cams" class="cams"></div>
      <p id="cams-empty" class="muted" hidden>No camera has reported yet.</p>`,
  });
}
