/**
 * The administrators' pages: Unknown faces, Settings and Users. As in `app-pages.ts`, the server
 * renders the frame and the page's script (`frontend/pages/NAME.ts`) fills it from the REST API; the
 * ids both use come from `page-ids.ts`.
 */
import { SETTING_LABELS } from '../services/index.js';
import { MIN_PASSWORD_LENGTH } from '../shared/index.js';
import { SETTINGS_IDS as SETTINGS, UNKNOWN_FACES_IDS as FACES, USERS_IDS as USERS } from './page-ids.js';
import { appPage, html, type Html, type Viewer } from './pages.js';

export function unknownFacesPage(viewer: Viewer): string {
  return appPage({
    title: 'Unknown faces',
    viewer,
    current: '/unknown-faces',
    script: 'unknown-faces',
    body: html`<h1>Unknown faces</h1>
      <p class="muted">
        Faces the cameras saw but could not name, newest first. Assign one to a person (it becomes one of
        their photos and they are trained again) or dismiss it.
      </p>
      <form id="${FACES.filter}" class="row">
        <div>
          <label for="${FACES.status}">Show</label>
          <select id="${FACES.status}" name="status">
            <option value="open" selected>To review</option>
            <option value="assigned">Assigned</option>
            <option value="dismissed">Dismissed</option>
          </select>
        </div>
      </form>
      <datalist id="${FACES.peopleNames}"></datalist>
      <p id="${FACES.error}" class="error" role="alert" hidden></p>
      <div id="${FACES.faces}" class="faces"></div>
      <p id="${FACES.empty}" class="muted" hidden>Nothing here.</p>`,
  });
}

/**
 * The time zones this server accepts (`Intl.supportedValuesOf`, what the settings' check allows), as
 * `<optgroup>`s by region: a `<select>` finds a city as its name is typed. UTC first: the runtime
 * lists it under no region.
 */
function timeZoneOptions(): Html[] {
  const regions = new Map<string, Html[]>();
  for (const zone of Intl.supportedValuesOf('timeZone')) {
    const [region = zone, ...place] = zone.split('/');
    // The city first, so typing its name finds it; the region still shows once chosen.
    const label = place.length === 0 ? zone : `${place.join(' / ').replaceAll('_', ' ')} (${region})`;
    const options = regions.get(region) ?? [];
    options.push(html`<option value="${zone}">${label}</option>`);
    regions.set(region, options);
  }
  return [
    html`<option value="UTC">UTC (no daylight saving)</option>`,
    ...[...regions].map(([region, options]) => html`<optgroup label="${region}">${options}</optgroup>`),
  ];
}

export function settingsPage(viewer: Viewer): string {
  const label = SETTING_LABELS;
  return appPage({
    title: 'Settings',
    viewer,
    current: '/settings',
    script: 'settings',
    body: html`<h1>Settings</h1>
      <form id="${SETTINGS.form}" class="settings">
        <fieldset>
          <legend>Recognition (sent to every recognition node)</legend>
          <label for="${SETTINGS.strangerRatePercent}"
            >${label.strangerRateTarget}: name a stranger at most this often (% of the faces of people who are
            not enrolled)</label
          >
          <input
            id="${SETTINGS.strangerRatePercent}"
            name="strangerRatePercent"
            type="number"
            step="0.01"
            min="0.01"
            max="50"
            required
            aria-describedby="${SETTINGS.strangerRateHelp} ${SETTINGS.calibration}"
          />
          <p id="${SETTINGS.strangerRateHelp}" class="muted hint">
            Each recognition node sets its match distance from its own gallery to keep this rate. Lower
            (0.1%): fewer strangers, and fewer people taken for someone else, are marked present, but enrolled
            people with poor photos are left unknown more often. Higher (5%): more people named on the first
            try, and more strangers too. 1% suits a school or an office.
          </p>
          <p id="${SETTINGS.calibration}" role="status"></p>
          <details id="${SETTINGS.manualThresholds}">
            <summary>Set the distances by hand instead (experts)</summary>
            <p class="muted">
              Distances are in the units of the face model in use; leave both empty to keep them calibrated
              from the stranger rate above.
            </p>
            <label for="${SETTINGS.matchThreshold}"
              >${label.matchThreshold}: a face closer than this to a person is that person</label
            >
            <input
              id="${SETTINGS.matchThreshold}"
              name="matchThreshold"
              type="number"
              step="0.01"
              min="0.1"
              max="1.5"
              aria-describedby="${SETTINGS.matchHelp}"
            />
            <p id="${SETTINGS.matchHelp}" class="muted hint">
              Higher: more people named at once, but more strangers and look-alikes named as someone. Lower:
              fewer wrong names, more enrolled people left unknown.
            </p>
            <label for="${SETTINGS.unknownThreshold}"
              >${label.unknownThreshold}: a face at least this far from everyone is unknown (not below the
              match distance)</label
            >
            <input
              id="${SETTINGS.unknownThreshold}"
              name="unknownThreshold"
              type="number"
              step="0.01"
              min="0.1"
              max="1.5"
              aria-describedby="${SETTINGS.unknownHelp}"
            />
            <p id="${SETTINGS.unknownHelp}" class="muted hint">
              Faces between the two distances are uncertain: never marked present, and listed under Unknown
              faces with the person they look like. Higher: a wider uncertain band, more faces to review with
              a hint. Equal to the match distance: no uncertain band.
            </p>
          </details>
          <label for="${SETTINGS.consensusFrames}">${label.consensusFrames} before a face is named</label>
          <input
            id="${SETTINGS.consensusFrames}"
            name="consensusFrames"
            type="number"
            step="1"
            min="1"
            max="100"
            required
            aria-describedby="${SETTINGS.consensusHelp}"
          />
          <p id="${SETTINGS.consensusHelp}" class="muted hint">
            More: fewer wrong names from a single bad frame, but a person must stay in view a little longer.
          </p>
          <label for="${SETTINGS.sightingIntervalS}"
            >${label.sightingIntervalS} of someone who stays in view</label
          >
          <input
            id="${SETTINGS.sightingIntervalS}"
            name="sightingIntervalS"
            type="number"
            step="1"
            min="1"
            max="86400"
            required
          />
        </fieldset>
        <fieldset>
          <legend>Attendance and privacy</legend>
          <label for="${SETTINGS.timeZone}"
            >${label.timeZone} that decides which day attendance belongs to</label
          >
          <select id="${SETTINGS.timeZone}" name="timeZone" required>
            ${timeZoneOptions()}
          </select>
          <label for="${SETTINGS.retentionDays}"
            >${label.retentionDays} (of events, and of unknown faces nobody reviewed)</label
          >
          <input
            id="${SETTINGS.retentionDays}"
            name="retentionDays"
            type="number"
            step="1"
            min="1"
            max="3650"
            required
          />
        </fieldset>
        <button type="submit">Save</button>
        <button type="button" id="${SETTINGS.reset}">Reset to defaults</button>
      </form>
      <p id="${SETTINGS.state}" role="status"></p>`,
  });
}

export function usersPage(viewer: Viewer): string {
  return appPage({
    title: 'Users',
    viewer,
    current: '/users',
    script: 'users',
    body: html`<h1>Users</h1>
      <p id="${USERS.error}" class="error" role="alert" hidden></p>
      <div class="table-wrap" role="region" aria-label="Users" tabindex="0">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Created</th>
              <th>API tokens</th>
              <th></th>
            </tr>
          </thead>
          <tbody id="${USERS.list}" data-me="${viewer.name}"></tbody>
        </table>
      </div>
      <section id="${USERS.reset}" hidden>
        <h2>Reset the password of <span id="${USERS.resetWho}"></span></h2>
        <form id="${USERS.resetForm}" class="row">
          <div>
            <label for="${USERS.resetPassword}"
              >New password (at least ${MIN_PASSWORD_LENGTH} characters)</label
            ><input
              id="${USERS.resetPassword}"
              name="password"
              type="password"
              autocomplete="new-password"
              minlength="${MIN_PASSWORD_LENGTH}"
              required
            />
          </div>
          <div>
            <label for="${USERS.resetConfirm}">New password again</label
            ><input
              id="${USERS.resetConfirm}"
              name="confirm"
              type="password"
              autocomplete="new-password"
              minlength="${MIN_PASSWORD_LENGTH}"
              required
            />
          </div>
          <button type="submit">Set password</button>
          <button id="${USERS.resetCancel}" type="button">Cancel</button>
        </form>
      </section>
      <p id="${USERS.resetState}" role="status"></p>
      <section>
        <h2>New API token</h2>
        <p class="muted">
          A token lets a script use the REST API as a user (<code>Authorization: Bearer TOKEN</code>), with
          that user's role. Revoke it above when it is no longer needed.
        </p>
        <form id="${USERS.token}" class="row">
          <div>
            <label for="${USERS.tokenUser}">For</label>
            <select id="${USERS.tokenUser}" name="user" required></select>
          </div>
          <div>
            <label for="${USERS.tokenName}">Label (what it is for)</label
            ><input id="${USERS.tokenName}" name="name" required maxlength="200" placeholder="door kiosk" />
          </div>
          <button type="submit">Create token</button>
        </form>
        <p id="${USERS.tokenState}" role="status"></p>
        <div id="${USERS.newToken}" class="new-token" hidden>
          <p class="warning" role="alert">
            Copy this token now: it will not be shown again. Rollcall keeps only a fingerprint of it; if it is
            lost, revoke it and create another.
          </p>
          <div class="row">
            <input
              id="${USERS.newTokenSecret}"
              aria-label="the new token"
              readonly
              size="50"
              autocomplete="off"
              spellcheck="false"
            />
            <button id="${USERS.newTokenCopy}" type="button">Copy</button>
            <button id="${USERS.newTokenDone}" type="button">Done, hide it</button>
          </div>
          <p id="${USERS.newTokenState}" role="status"></p>
        </div>
      </section>
      <section>
        <h2>Add a user</h2>
        <form id="${USERS.add}" class="row">
          <div>
            <label for="${USERS.newName}">Name</label
            ><input id="${USERS.newName}" name="name" required maxlength="200" />
          </div>
          <div>
            <label for="${USERS.newPassword}">Password (at least ${MIN_PASSWORD_LENGTH} characters)</label
            ><input
              id="${USERS.newPassword}"
              name="password"
              type="password"
              autocomplete="new-password"
              minlength="${MIN_PASSWORD_LENGTH}"
              required
            />
          </div>
          <div>
            <label for="${USERS.newRole}">Role</label>
            <select id="${USERS.newRole}" name="role">
              <option value="viewer" selected>viewer (attendance and live view)</option>
              <option value="admin">admin (everything)</option>
            </select>
          </div>
          <button type="submit">Add</button>
        </form>
        <p id="${USERS.addState}" role="status"></p>
      </section>`,
  });
}
