/**
 * Server-rendered pages: sign-in, one-time setup, and the dashboard placeholder. Every value that
 * reaches the HTML goes through {@link escapeHtml}; there is no inline script, so the default CSP holds.
 */
import type { UserRole } from '../store/index.js';

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
nav{display:flex;gap:1rem;align-items:center}nav form{margin-left:auto}`;

function page(title: string, body: Html, csrfToken?: string): string {
  return `<!doctype html>${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title} · Rollcall</title>
        ${csrfToken === undefined ? '' : html`<meta name="csrf-token" content="${csrfToken}" />`}
        <style>
          ${new Html(STYLE)}
        </style>
      </head>
      <body>
        ${body}
      </body>
    </html>`.text
  }`;
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
        <button type="submit">Create administrator</button>
      </form>`,
  );
}

/** The pages that replace this placeholder next. */
export const COMING_PAGES = [
  'Live view',
  'People',
  'Attendance',
  'Unknown faces',
  'Nodes',
  'Settings',
  'Users',
];

export function dashboardPage(options: { name: string; role: UserRole; csrfToken: string }): string {
  const admin = options.role === 'admin';
  return page(
    'Dashboard',
    html`<nav>
        <strong>Rollcall</strong>${admin ? html`<a href="/admin/queues">Job queues</a>` : ''}
        <span>${options.name} (${options.role})</span>
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value="${options.csrfToken}" /><button type="submit">
            Sign out
          </button>
        </form>
      </nav>
      <h1>Dashboard</h1>
      <p>
        The pages below are coming next; until then the REST API under <code>/api/v1</code> serves everything.
      </p>
      <ul>
        ${COMING_PAGES.map((name) => html`<li>${name}</li>`)}
      </ul>`,
    options.csrfToken,
  );
}

export function errorPage(status: number, message: string): string {
  return page(
    `Error ${status}`,
    html`<h1>Error ${status}</h1>
      <p>${message}</p>
      <p><a href="/">Back to Rollcall</a></p>`,
  );
}
