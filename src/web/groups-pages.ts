/**
 * The Groups pages: `/groups`, every group with its sessions in words and today's "N of M present",
 * and `/groups/:id`, a group's roster board for a day (who is present, late, gone early, absent or
 * excused), with the administrators' management of the group below it. The server renders each
 * frame; `frontend/pages/groups.ts` and `frontend/pages/roster.ts` fill them from `/api/v1/groups`.
 * The session form takes its defaults and weekdays from core (`SESSION_DEFAULTS`, `WEEKDAYS`), so
 * the browser never holds a second copy of them: the script resets the form to these values.
 */
import { SESSION_DEFAULTS, WEEKDAYS, type Weekday } from '../core/index.js';
import { GROUPS_IDS as GROUPS, ROSTER_IDS as ROSTER } from './page-ids.js';
import { appPage, html, type Html, type Viewer } from './pages.js';

/** A week as a timetable shows it: Monday first. */
const WEEK: readonly Weekday[] = [...WEEKDAYS.slice(1), ...WEEKDAYS.slice(0, 1)];
const DAY_NAMES: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

export function groupsPage(viewer: Viewer): string {
  const admin = viewer.role === 'admin';
  return appPage({
    title: 'Groups',
    viewer,
    current: '/groups',
    script: 'groups',
    body: html`<h1>Groups</h1>
      <p class="muted groups-intro">
        A group is a class, a team or a shift: the people expected together, and when — its sessions. Its
        roster board shows, session by session, who is present, late, gone early or not there yet.
      </p>
      <p id="${GROUPS.error}" class="error" role="alert" hidden></p>
      <ul id="${GROUPS.list}" class="group-cards" aria-label="Groups"></ul>
      <p id="${GROUPS.empty}" class="empty" hidden>
        No group yet.
        ${
          admin
            ? 'Create one below, then add its members and when it meets.'
            : 'An administrator creates groups, with their members and when they meet.'
        }
      </p>
      ${admin ? adminCards() : html``}`,
  });
}

function adminCards(): Html {
  return html`<div class="groups-admin">
    <section aria-labelledby="group-create-title">
      <div class="card-head"><h2 id="group-create-title">New group</h2></div>
      <form id="${GROUPS.create}">
        <label for="${GROUPS.createName}">Name</label
        ><input id="${GROUPS.createName}" name="name" required maxlength="200" autocomplete="off" />
        <label for="${GROUPS.createRate}">Minimum attendance, % (optional)</label
        ><input
          id="${GROUPS.createRate}"
          name="minAttendance"
          type="number"
          min="0"
          max="100"
          step="1"
          inputmode="numeric"
          aria-describedby="group-create-rate-help"
        />
        <p id="group-create-rate-help" class="muted field-help">
          Members who attend less than this share of their sessions are flagged.
        </p>
        <label for="${GROUPS.createNotes}">Notes (optional)</label
        ><textarea id="${GROUPS.createNotes}" name="notes" rows="2" maxlength="2000"></textarea>
        <button type="submit">Create group</button>
      </form>
      <p id="${GROUPS.createState}" role="status"></p>
    </section>
    <section aria-labelledby="camera-roles-title">
      <div class="card-head">
        <h2 id="camera-roles-title">Cameras</h2>
        <a href="/nodes">Nodes</a>
      </div>
      <p class="muted field-help">Say what each camera sees, so the rosters know arrivals from departures.</p>
      <dl class="role-help">
        <div>
          <dt>Entry</dt>
          <dd>It faces people coming in: a sighting there is an arrival, never a departure.</dd>
        </div>
        <div>
          <dt>Exit</dt>
          <dd>It faces people going out: the last sighting there is when they left.</dd>
        </div>
        <div>
          <dt>Both ways</dt>
          <dd>
            It watches a room, or a door both ways: the first sighting is the arrival, the last the departure.
            A camera nobody tagged here takes the role its node's configuration gives it, if any, else both
            ways.
          </dd>
        </div>
      </dl>
      <ul id="${GROUPS.cameras}" class="camera-roles"></ul>
      <p id="${GROUPS.camerasEmpty}" class="empty" hidden>
        No camera has reported yet. Cameras appear here once a recognition node reports them.
      </p>
      <p id="${GROUPS.camerasState}" role="status" class="muted"></p>
    </section>
  </div>`;
}

/**
 * The roster board of one group; `name` is the group's, for the title until the script fills in
 * more; `today` (in the attendance zone) sets the report's first range: this month so far.
 */
export function rosterPage(viewer: Viewer, group: { id: string; name: string }, today: string): string {
  const admin = viewer.role === 'admin';
  return appPage({
    title: group.name,
    viewer,
    current: '/groups',
    script: 'roster',
    body: html`<p class="crumbs"><a href="/groups">Groups</a></p>
      <div
        id="${ROSTER.board}"
        class="page-head"
        data-group="${group.id}"
        data-admin="${admin ? 'yes' : 'no'}"
      >
        <div>
          <h1 id="${ROSTER.title}">${group.name}</h1>
          <p id="${ROSTER.dayText}" class="muted"></p>
        </div>
        <p id="${ROSTER.updated}" class="muted updated">Loading…</p>
      </div>
      <form id="${ROSTER.toolbar}" class="roster-toolbar" aria-label="Day and filters">
        <div class="roster-days">
          <button type="button" id="${ROSTER.previous}" aria-label="Previous day">‹</button>
          <div>
            <label for="${ROSTER.day}">Day</label
            ><input id="${ROSTER.day}" name="date" type="date" required />
          </div>
          <button type="button" id="${ROSTER.next}" aria-label="Next day">›</button>
          <button type="button" id="${ROSTER.today}">Today</button>
        </div>
        <div>
          <label for="${ROSTER.search}">Find a member</label
          ><input id="${ROSTER.search}" name="search" type="search" autocomplete="off" placeholder="Name" />
        </div>
        <div>
          <label for="${ROSTER.status}">Show</label>
          <select id="${ROSTER.status}" name="status">
            <option value="" selected>Everyone</option>
            <option value="expected">Not arrived yet</option>
            <option value="absent">Absent</option>
            <option value="late">Late</option>
            <option value="left-early">Left early</option>
            <option value="present">Present</option>
            <option value="excused">Excused</option>
          </select>
        </div>
      </form>
      <p id="${ROSTER.error}" class="error" role="alert" hidden></p>
      <div id="${ROSTER.sessions}" class="roster-sessions"></div>
      <p id="${ROSTER.none}" class="empty" hidden></p>
      ${reportFrame(today)} ${admin ? manageFrame() : html``}`,
  });
}

/**
 * The attendance report over a range of days: the range (this month by default, presets for this
 * week and this month), who is under the group's minimum, the counts and rate per member, and the
 * same report as CSV and XLSX files. `roster/report.ts` fills it and keeps the links on the range.
 */
function reportFrame(today: string): Html {
  return html`<section id="${ROSTER.report}" class="group-report" aria-labelledby="report-title">
    <div class="card-head">
      <h2 id="report-title">Attendance report</h2>
      <p id="${ROSTER.reportRangeText}" class="muted report-range-text"></p>
    </div>
    <form id="${ROSTER.reportRange}" class="report-range" aria-label="Report range">
      <div>
        <label for="${ROSTER.reportFrom}">From</label
        ><input id="${ROSTER.reportFrom}" name="from" type="date" required value="${today.slice(0, 8)}01" />
      </div>
      <div>
        <label for="${ROSTER.reportTo}">To</label
        ><input id="${ROSTER.reportTo}" name="to" type="date" required value="${today}" />
      </div>
      <div class="report-presets">
        <button type="button" id="${ROSTER.reportWeek}" class="small">This week</button>
        <button type="button" id="${ROSTER.reportMonth}" class="small">This month</button>
        <button type="submit" class="small">Show</button>
      </div>
    </form>
    <p id="${ROSTER.reportError}" class="error" role="alert" hidden></p>
    <div id="${ROSTER.reportBelow}" class="warning report-below" hidden></div>
    <p id="${ROSTER.reportMinimum}" class="muted report-minimum"></p>
    <p class="report-downloads">
      <a id="${ROSTER.reportCsv}" class="button-link" href="#" download>Download CSV</a>
      <a id="${ROSTER.reportXlsx}" class="button-link" href="#" download>Download Excel (XLSX)</a>
      <span class="muted">a line per member and session; the Excel file adds the summary</span>
    </p>
    <div class="table-wrap" role="region" aria-label="Counts per member" tabindex="0">
      <table id="${ROSTER.reportTable}">
        <caption class="visually-hidden">
          Sessions per member over the range
        </caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Present</th>
            <th scope="col">Late</th>
            <th scope="col">Left early</th>
            <th scope="col">Absent</th>
            <th scope="col">Excused</th>
            <th scope="col">Rate</th>
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>
    <p id="${ROSTER.reportEmpty}" class="empty" hidden></p>
  </section>`;
}

function minutesField(id: string, name: string, label: string, value: number | null, help: string): Html {
  return html`<div>
    <label for="${id}">${label}</label
    ><input
      id="${id}"
      name="${name}"
      type="number"
      min="0"
      max="1440"
      step="1"
      inputmode="numeric"
      value="${value === null ? '' : String(value)}"
      aria-describedby="${id}-help"
    />
    <p id="${id}-help" class="muted field-help">${help}</p>
  </div>`;
}

/** The administrators' part: members, sessions, the group itself, and the excuse dialog. */
function manageFrame(): Html {
  const d = SESSION_DEFAULTS;
  return html`<h2 id="${ROSTER.manage}" class="manage-title">Manage this group</h2>
    <div class="manage-grid">
      <section aria-labelledby="manage-members-title">
        <div class="card-head">
          <h3 id="manage-members-title">Members <span id="${ROSTER.memberCount}" class="count"></span></h3>
        </div>
        <ul id="${ROSTER.members}" class="member-list"></ul>
        <p id="${ROSTER.membersEmpty}" class="empty" hidden>No members yet: add people below.</p>
        <h4>Add people</h4>
        <label for="${ROSTER.peopleSearch}">Find people enrolled</label
        ><input id="${ROSTER.peopleSearch}" type="search" autocomplete="off" placeholder="Name" />
        <ul id="${ROSTER.candidates}" class="candidates" aria-label="People to add"></ul>
        <p id="${ROSTER.candidatesNote}" class="muted field-help"></p>
        <button type="button" id="${ROSTER.addMembers}" disabled>Add selected</button>
        <p id="${ROSTER.membersState}" role="status" class="muted"></p>
      </section>
      <section aria-labelledby="manage-sessions-title">
        <div class="card-head">
          <h3 id="manage-sessions-title">Sessions</h3>
          <button type="button" id="${ROSTER.newSession}" class="small">Add a session</button>
        </div>
        <ul id="${ROSTER.sessionList}" class="session-list"></ul>
        <p id="${ROSTER.sessionsEmpty}" class="empty" hidden>
          No sessions yet: add when the group meets, so its roster knows whom to expect.
        </p>
        <p id="${ROSTER.sessionsState}" role="status" class="muted"></p>
        <form
          id="${ROSTER.sessionForm}"
          class="session-form"
          aria-labelledby="${ROSTER.sessionFormTitle}"
          hidden
        >
          <h4 id="${ROSTER.sessionFormTitle}">New session</h4>
          <fieldset class="weekdays">
            <legend>Days</legend>
            ${WEEK.map(
              (day) =>
                html`<label class="check"
                  ><input type="checkbox" name="weekdays" value="${day}" /><abbr title="${DAY_NAMES[day]}"
                    >${DAY_NAMES[day].slice(0, 3)}</abbr
                  ></label
                >`,
            )}
          </fieldset>
          <div class="form-grid">
            <div>
              <label for="${ROSTER.sessionStart}">Starts</label
              ><input id="${ROSTER.sessionStart}" name="start" type="time" required />
            </div>
            <div>
              <label for="${ROSTER.sessionEnd}">Ends</label
              ><input id="${ROSTER.sessionEnd}" name="end" type="time" required />
            </div>
            ${minutesField(
              ROSTER.lateGrace,
              'lateGraceMin',
              'Late after (min)',
              d.lateGraceMin,
              'Arriving up to this long after the start is on time.',
            )}
            ${minutesField(
              ROSTER.earlyExitGrace,
              'earlyExitGraceMin',
              'Early-exit grace (min)',
              d.earlyExitGraceMin,
              'Leaving up to this long before the end is not leaving early.',
            )}
            ${minutesField(
              ROSTER.absentBelow,
              'absentBelowMin',
              'Absent below (min)',
              d.absentBelowMin,
              'Less time present than this counts as absent. Empty: any time counts.',
            )}
            ${minutesField(
              ROSTER.checkInWindow,
              'checkInWindowMin',
              'Check-in opens (min before)',
              d.checkInWindowMin,
              'Sightings this long before the start count as arriving.',
            )}
            ${minutesField(
              ROSTER.checkOutWindow,
              'checkOutWindowMin',
              'Check-out closes (min after)',
              d.checkOutWindowMin,
              'Sightings this long after the end count as leaving.',
            )}
          </div>
          <fieldset class="session-cameras">
            <legend>Cameras that count</legend>
            <label class="check"
              ><input type="checkbox" id="${ROSTER.everyCamera}" name="everyCamera" checked />Every
              camera</label
            >
            <div id="${ROSTER.sessionCameras}" class="camera-choices"></div>
          </fieldset>
          <div class="form-grid">
            <div>
              <label for="${ROSTER.sessionFrom}">First day (optional)</label
              ><input id="${ROSTER.sessionFrom}" name="from" type="date" />
            </div>
            <div>
              <label for="${ROSTER.sessionTo}">Last day (optional)</label
              ><input id="${ROSTER.sessionTo}" name="to" type="date" />
            </div>
          </div>
          <div class="holidays">
            <div class="row">
              <div>
                <label for="${ROSTER.holidayDay}">Holidays: days it does not run</label
                ><input id="${ROSTER.holidayDay}" type="date" />
              </div>
              <button type="button" id="${ROSTER.holidayAdd}">Add holiday</button>
            </div>
            <ul id="${ROSTER.holidays}" class="holiday-list" aria-label="Holidays"></ul>
          </div>
          <p id="${ROSTER.sessionError}" class="error" role="alert" hidden></p>
          <div class="form-actions">
            <button type="submit">Save session</button>
            <button type="button" id="${ROSTER.sessionCancel}">Cancel</button>
          </div>
        </form>
      </section>
      <section aria-labelledby="manage-group-title">
        <h3 id="manage-group-title">Group</h3>
        <form id="${ROSTER.groupForm}">
          <label for="${ROSTER.groupName}">Name</label
          ><input id="${ROSTER.groupName}" name="name" required maxlength="200" autocomplete="off" />
          <label for="${ROSTER.groupRate}">Minimum attendance, % (optional)</label
          ><input id="${ROSTER.groupRate}" name="minAttendance" type="number" min="0" max="100" step="1" />
          <label for="${ROSTER.groupNotes}">Notes</label
          ><textarea id="${ROSTER.groupNotes}" name="notes" rows="2" maxlength="2000"></textarea>
          <div class="form-actions">
            <button type="submit">Save</button>
            <button type="button" id="${ROSTER.deleteGroup}" class="danger">Delete group</button>
          </div>
        </form>
        <p id="${ROSTER.groupState}" role="status" class="muted"></p>
      </section>
    </div>
    <dialog id="${ROSTER.excuse}" aria-labelledby="excuse-title">
      <form id="${ROSTER.excuseForm}" method="dialog">
        <h2 id="excuse-title">Excuse</h2>
        <p id="${ROSTER.excuseWho}"></p>
        <label for="${ROSTER.excuseReason}">Reason</label
        ><input id="${ROSTER.excuseReason}" name="reason" required maxlength="500" autocomplete="off" />
        <p id="${ROSTER.excuseState}" class="error" role="alert" hidden></p>
        <div class="form-actions">
          <button type="submit">Excuse</button>
          <button type="button" id="${ROSTER.excuseCancel}">Cancel</button>
        </div>
      </form>
    </dialog>`;
}
