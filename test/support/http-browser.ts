/** HTTP as a browser does it: a cookie jar, form pages with their CSRF field, signing in. */
import assert from 'node:assert/strict';

/** fetch with a cookie jar, as a browser keeps its session cookie. */
export class Browser {
  readonly jar = new Map<string, string>();
  constructor(readonly base: string) {}

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0) headers.set('cookie', this.cookieHeader());
    const res = await fetch(this.base + url, { redirect: 'manual', ...init, headers });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** The jar as a `Cookie` header, e.g. for a WebSocket upgrade. */
  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** The `_csrf` hidden field of a form page. */
  async formToken(url: string): Promise<string> {
    const res = await this.fetch(url);
    assert.equal(res.status, 200, `${url} answered ${res.status}`);
    const match = /name="_csrf" value="([^"]+)"/.exec(await res.text());
    assert.ok(match?.[1], `no CSRF field on ${url}`);
    return match[1];
  }

  postForm(url: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(url, { method: 'POST', body: new URLSearchParams(fields) });
  }

  /** Signs in through the form; returns the session's CSRF token for API calls. */
  async signIn(name: string, password: string): Promise<string> {
    const _csrf = await this.formToken('/login');
    const res = await this.postForm('/login', { name, password, _csrf });
    assert.equal(res.status, 303, `sign-in as ${name} answered ${res.status}`);
    assert.equal(res.headers.get('location'), '/');
    const session = await this.fetch('/api/v1/session');
    const body = (await session.json()) as { csrfToken: string };
    return body.csrfToken;
  }
}
