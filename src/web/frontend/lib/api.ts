/**
 * The REST API as the pages call it: same-origin, the session's CSRF token on every change, the
 * server's `{ code, message }` turned into an `Error` with its message, sign-in on a 401.
 */
import type { JobAnswer, Paged } from '../../api-views.js';

const CSRF = document.querySelector('meta[name=csrf-token]')?.getAttribute('content') ?? '';

/**
 * Calls `path` and answers its JSON body, typed as the caller says: the answer types are the
 * routes' own (`api-views.ts`), which the routes check their answers against.
 */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  if (init.method && init.method !== 'GET') headers.set('x-csrf-token', CSRF);
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  if (!res.ok) {
    let message = `the server answered ${res.status}`;
    try {
      const body = (await res.json()) as { message?: unknown };
      if (typeof body.message === 'string') message = body.message;
    } catch {
      // Not JSON: the status says enough.
    }
    if (res.status === 401) location.assign('/login');
    throw new Error(message);
  }
  return (await res.json()) as T;
}

/** A JSON request body with its content type. */
export function json(method: string, body: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** Every item of a paged list: `path` with its own query (if any); `key` names the list in each page. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- K ties `key` to the page's list
export async function allPages<K extends string, T>(path: string, key: K): Promise<T[]> {
  const items: T[] = [];
  const join = path.includes('?') ? '&' : '?';
  for (let offset: number | null = 0; offset !== null;) {
    const page: Paged<K, T> = await api<Paged<K, T>>(`${path}${join}limit=200&offset=${offset}`);
    items.push(...page[key]);
    offset = page.nextOffset;
  }
  return items;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls a training job until it settles; `onProgress` sees every state on the way. */
export async function watchJob(jobId: string, onProgress: (job: JobAnswer) => void): Promise<JobAnswer> {
  for (;;) {
    const job = await api<JobAnswer>(`/api/v1/jobs/${encodeURIComponent(jobId)}`);
    onProgress(job);
    if (job.state === 'completed' || job.state === 'failed') return job;
    await sleep(500);
  }
}
