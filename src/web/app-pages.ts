/**
 * The signed-in pages: People, Attendance, Nodes and Live. The server renders the frame of each
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
          </tr>
        </thead>
        <tbody id="records"></tbody>
      </table>
      <p id="records-empty" class="muted" hidden>Nobody was seen in this period.</p>`,
  });
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
