/**
 * Server-rendered pages: the shared layout (navigation that hides admin pages from viewers),
 * sign-in, one-time setup and the dashboard. Every value that reaches the HTML goes through
 * {@link escapeHtml}; there is no inline script (scripts are bundled modules served from `/assets`), so the default
 * CSP holds.
 */
import type { UserRole } from '../store/index.js';
import type { PageScript } from './page-ids.js';

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

const STYLE = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.8rem 0 .2rem}input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}
button{margin-top:1rem;font-size:1rem;padding:.5rem 1.2rem}.error{color:#a00;background:#fee;padding:.5rem}
nav{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}nav form{margin-left:auto}nav form button{margin:0}
body.wide{max-width:72rem;margin-top:1rem}nav a[aria-current=page]{font-weight:bold;text-decoration:none}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd}
.muted{color:#777}.offline{color:#a00;font-weight:bold}.ok{color:#070}.warning{color:#7a4a00;background:#fff4d6;padding:.5rem}.row{display:flex;gap:1rem;align-items:end;flex-wrap:wrap}
.row label{margin:0}.row input{width:auto}.row button{margin:0}progress{width:100%}
.cams{display:grid;grid-template-columns:repeat(auto-fill,minmax(32rem,1fr));gap:1rem}
.cam{border:1px solid #ccc;padding:.5rem;margin:0}#chart svg{max-width:48rem;display:block}.cam canvas{width:100%;background:#111;display:block}
button.danger{background:#a00;color:#fff;border:0;margin:0;padding:.3rem .8rem}
.faces{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:1rem}
.face{border:1px solid #ccc;padding:.5rem}.face img{width:100%;max-height:14rem;object-fit:contain;background:#111}
.face form{display:flex;gap:.3rem}.face form input{flex:1}.face button{margin:.3rem 0 0}.face .candidate{color:#7a4a00;background:#fff4d6;padding:.3rem;margin:.3rem 0 0}
.shots{display:flex;gap:.5rem;flex-wrap:wrap}.shots img{height:6rem}#camera-video{max-width:24rem;display:block}
select{font-size:1rem;padding:.3rem}fieldset{margin:1rem 0}td select,td button{margin:0 .2rem}`;

/** Who is looking at a page with navigation, and which entry is current. */
export interface Viewer {
  name: string;
  role: UserRole;
  csrfToken: string;
}

/** The pages in the navigation; `admin` ones are not shown to viewers (and refuse them). */
export const NAV_PAGES = [
  { path: '/live', label: 'Live', admin: false },
  { path: '/attendance', label: 'Attendance', admin: false },
  { path: '/people', label: 'People', admin: true },
  { path: '/unknown-faces', label: 'Unknown faces', admin: true },
  { path: '/nodes', label: 'Nodes', admin: true },
  { path: '/settings', label: 'Settings', admin: true },
  { path: '/users', label: 'Users', admin: true },
  { path: '/admin/queues', label: 'Job queues', admin: true },
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
        <style>
          ${new Html(STYLE)}
        </style>
        ${options.script === undefined ? '' : html`<script type="module" src="/assets/${options.script}.js"></script>`}
      </head>
      <body class="${viewer === undefined ? '' : 'wide'}">
        ${viewer === undefined ? '' : navigation(viewer, options.current)} ${body}
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
  return html`<nav>
    <a href="/"><strong>Rollcall</strong></a
    >${links}
    <span class="muted">${viewer.name} (${viewer.role})</span>
    <form method="post" action="/logout">
      <input type="hidden" name="_csrf" value="${viewer.csrfToken}" /><button type="submit">Sign out</button>
    </form>
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
    html`<h1>Rollcall</h1>
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
    html`<h1>Rollcall</h1>
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

export function dashboardPage(viewer: Viewer): string {
  const pages = NAV_PAGES.filter((entry) => !entry.admin || viewer.role === 'admin');
  return appPage({
    title: 'Dashboard',
    viewer,
    current: '/',
    body: html`<h1>Dashboard</h1>
      <ul>
        ${pages.map((entry) => html`<li><a href="${entry.path}">${entry.label}</a></li>`)}
      </ul>
      <p class="muted">The REST API under <code>/api/v1</code> serves everything these pages show.</p>`,
  });
}

export function errorPage(status: number, message: string): string {
  return page(
    `Error ${status}`,
    html`<h1>Error ${status}</h1>
      <p>${message}</p>
      <p><a href="/">Back to Rollcall</a></p>`,
  );
}
