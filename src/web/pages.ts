/**
 * Server-rendered pages: the shared layout (a top bar whose navigation hides admin pages from
 * viewers and folds into a menu on phones), sign-in, one-time setup and the home page. Every value
 * that reaches the HTML goes through {@link escapeHtml}; there is no inline script or style (scripts
 * are bundled modules and the one stylesheet is `/assets/rollcall.css`, see `frontend/styles.css`),
 * so the default CSP holds.
 */
import type { UserRole } from '../store/index.js';
import { HOME_IDS as HOME, type PageScript } from './page-ids.js';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** A template tag that escapes every interpolated value unless it is already {@link Html}. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function html(strings: TemplateStringsArray, ...values: (string | number | Html | Html[])[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    const parts = Array.isArray(value) ? value : [value];
    out += parts.map((part) => (part instanceof Html ? part.text : escapeHtml(String(part)))).join('');
    out += strings[i + 1] ?? '';
  });
  return new Html(out);
}

/** Who is looking at a page with navigation, and which entry is current. */
export interface Viewer {
  name: string;
  role: UserRole;
  csrfToken: string;
  /** The attendance time zone (IANA), which the page's times are shown in (`lib/time.ts`). */
  timeZone?: string;
}

/** The pages in the navigation; `admin` ones are not shown to viewers (and refuse them). */
export const NAV_PAGES = [
  { path: '/live', label: 'Live', admin: false },
  { path: '/attendance', label: 'Attendance', admin: false },
  { path: '/groups', label: 'Groups', admin: false },
  { path: '/people', label: 'People', admin: true },
  { path: '/unknown-faces', label: 'Unknown faces', admin: true },
  { path: '/nodes', label: 'Nodes', admin: true },
  { path: '/settings', label: 'Settings', admin: true },
  { path: '/users', label: 'Users', admin: true },
  { path: '/jobs', label: 'Jobs', admin: true },
  { path: '/webhooks', label: 'Webhooks', admin: true },
] as const;

function page(
  title: string,
  body: Html,
  options: { viewer?: Viewer; current?: string; script?: PageScript } = {},
): string {
  const { viewer } = options;
  return `<!doctype html>${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title} · Rollcall</title>
        ${viewer === undefined ? '' : html`<meta name="csrf-token" content="${viewer.csrfToken}" />`}
        ${viewer?.timeZone === undefined ? '' : html`<meta name="time-zone" content="${viewer.timeZone}" />`}
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/rollcall.css" />
        ${options.script === undefined ? '' : html`<script type="module" src="/assets/${options.script}.js"></script>`}
      </head>
      <body class="${viewer === undefined ? 'auth' : 'app'}">
        ${viewer === undefined ? '' : navigation(viewer, options.current)}
        <main class="content">${body}</main>
      </body>
    </html>`.text
  }`;
}

function navigation(viewer: Viewer, current: string | undefined): Html {
  const links = NAV_PAGES.filter((entry) => !entry.admin || viewer.role === 'admin').map((entry) =>
    entry.path === current
      ? html`<a href="${entry.path}" aria-current="page">${entry.label}</a>`
      : html`<a href="${entry.path}">${entry.label}</a>`,
  );
  // On a phone the links fold behind the menu toggle (a <details>: no script); the stylesheet
  // shows the links that follow it when it is open, and always on wide screens.
  return html`<nav class="topbar" aria-label="Main">
    <a class="brand" href="/"><img src="/assets/favicon.svg" alt="" width="24" height="24" />Rollcall</a>
    <details class="menu">
      <summary>Menu</summary>
    </details>
    <div class="nav-links">
      ${links}
      <span class="nav-user muted">${viewer.name} (${viewer.role})</span>
      <form method="post" action="/logout">
        <input type="hidden" name="_csrf" value="${viewer.csrfToken}" /><button type="submit">
          Sign out
        </button>
      </form>
    </div>
  </nav>`;
}

/** A signed-in page: the shared layout with navigation, the body, and at most one script of ours. */
export function appPage(options: {
  title: string;
  viewer: Viewer;
  current: string;
  body: Html;
  script?: PageScript;
}): string {
  return page(options.title, options.body, {
    viewer: options.viewer,
    current: options.current,
    ...(options.script === undefined ? {} : { script: options.script }),
  });
}

function errorBox(error: string | undefined): Html {
  return error === undefined ? html`` : html`<p class="error" role="alert">${error}</p>`;
}

export function loginPage(options: { csrfToken: string; error?: string; name?: string }): string {
  return page(
    'Sign in',
    html`<h1><img src="/assets/favicon.svg" alt="" width="32" height="32" />Rollcall</h1>
      <h2>Sign in</h2>
      ${errorBox(options.error)}
      <form method="post" action="/login">
        <input type="hidden" name="_csrf" value="${options.csrfToken}" />
        <label for="name">Name</label
        ><input id="name" name="name" autocomplete="username" required value="${options.name ?? ''}" />
        <label for="password">Password</label
        ><input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>`,
  );
}

export function setupPage(options: {
  csrfToken: string;
  minPasswordLength: number;
  error?: string;
  name?: string;
}): string {
  return page(
    'Set up',
    html`<h1><img src="/assets/favicon.svg" alt="" width="32" height="32" />Rollcall</h1>
      <h2>Create the first administrator</h2>
      <p>
        No account exists yet. The account you create here can do everything; this page closes once it exists.
      </p>
      ${errorBox(options.error)}
      <form method="post" action="/setup">
        <input type="hidden" name="_csrf" value="${options.csrfToken}" />
        <label for="name">Name</label
        ><input id="name" name="name" autocomplete="username" required value="${options.name ?? ''}" />
        <label for="password">Password (at least ${options.minPasswordLength} characters)</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          minlength="${options.minPasswordLength}"
          required
        />
        <label for="confirm">Password again</label>
        <input
          id="confirm"
          name="confirm"
          type="password"
          autocomplete="new-password"
          minlength="${options.minPasswordLength}"
          required
        />
        <button type="submit">Create administrator</button>
      </form>`,
  );
}

/**
 * The home page, "today at a glance": who is present, who arrived in the last hour, the cameras;
 * for administrators also the faces waiting for review and, on a first run, a checklist. The
 * server renders the frame (the administrators' parts only for them); `frontend/pages/home.ts`
 * fills it from `GET /api/v1/overview` and keeps it fresh.
 */
export function homePage(viewer: Viewer): string {
  const admin = viewer.role === 'admin';
  return appPage({
    title: 'Home',
    viewer,
    current: '/',
    script: 'home',
    body: html`<div class="page-head">
        <div>
          <h1>Today</h1>
          <p id="${HOME.day}" class="muted"></p>
        </div>
        <p id="${HOME.updated}" class="muted updated">Loading…</p>
      </div>
      <p id="${HOME.error}" class="error" role="alert" hidden></p>
      ${admin ? checklistFrame() : html``}
      <div class="home-stats">
        <section class="stat" aria-labelledby="home-present-title">
          <h2 id="home-present-title" class="stat-label">Present today</h2>
          <p class="stat-value">
            <span id="${HOME.present}">–</span> <span id="${HOME.presentOf}" class="stat-of"></span>
          </p>
          <progress
            id="${HOME.presentBar}"
            max="1"
            value="0"
            aria-labelledby="home-present-title"
            hidden
          ></progress>
          <p id="${HOME.presenceNote}" class="muted stat-note"></p>
        </section>
        <section class="stat" aria-labelledby="home-cameras-stat-title">
          <h2 id="home-cameras-stat-title" class="stat-label">Cameras online</h2>
          <p class="stat-value"><span id="${HOME.camerasOnline}">–</span></p>
          <p id="${HOME.camerasNote}" class="muted stat-note"></p>
        </section>
        ${
          admin
            ? html`<section class="stat" aria-labelledby="home-review-stat-title">
                <h2 id="home-review-stat-title" class="stat-label">Faces to review</h2>
                <p class="stat-value"><span id="${HOME.reviewPending}">–</span></p>
                <p id="${HOME.reviewNote}" class="muted stat-note"></p>
              </section>`
            : html``
        }
      </div>
      <div class="home-grid">
        <section class="home-arrivals" aria-labelledby="home-arrivals-title">
          <div class="card-head">
            <h2 id="home-arrivals-title">
              Arrivals in the last hour <span id="${HOME.arrivalsCount}" class="count"></span>
            </h2>
            <a href="/attendance">Today's attendance</a>
          </div>
          <ul id="${HOME.arrivals}" class="arrivals"></ul>
          <p id="${HOME.arrivalsEmpty}" class="empty" hidden></p>
        </section>
        <div class="home-side">
          <section aria-labelledby="home-cameras-title">
            <div class="card-head">
              <h2 id="home-cameras-title">Cameras</h2>
              <span class="card-links"
                ><a href="/live">Live view</a>${admin ? html` <a href="/nodes">Nodes</a>` : html``}</span
              >
            </div>
            <ul id="${HOME.cameras}" class="home-cameras"></ul>
            <p id="${HOME.camerasEmpty}" class="empty" hidden></p>
          </section>
          ${admin ? reviewFrame() : html``}
        </div>
      </div>`,
  });
}

/** A first run's steps, shown while one is undone (the script hides the card once all are done). */
function checklistFrame(): Html {
  return html`<section
    id="${HOME.checklist}"
    class="home-checklist"
    aria-labelledby="home-checklist-title"
    hidden
  >
    <div class="card-head">
      <h2 id="home-checklist-title">Get Rollcall ready</h2>
      <span id="${HOME.checklistCount}" class="muted"></span>
    </div>
    <ol id="${HOME.checklistSteps}" class="checklist"></ol>
  </section>`;
}

function reviewFrame(): Html {
  return html`<section aria-labelledby="home-review-title">
    <div class="card-head">
      <h2 id="home-review-title">Unknown faces</h2>
      <a href="/unknown-faces">Review</a>
    </div>
    <ul id="${HOME.reviewFaces}" class="review-faces"></ul>
    <p id="${HOME.reviewEmpty}" class="empty" hidden>No face is waiting for review.</p>
  </section>`;
}

export function errorPage(status: number, message: string): string {
  return page(
    `Error ${status}`,
    html`<h1>Error ${status}</h1>
      <p>${message}</p>
      <p><a href="/">Back to Rollcall</a></p>`,
  );
}
