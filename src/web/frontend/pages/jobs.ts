/**
 * Jobs: the training and gallery jobs, newest first, filtered by state, older ones behind "Show
 * more". Each shows its state in words and colour, a progress bar that follows it while it runs,
 * when it was queued, started and finished, its outcome (photos accepted and refused, look-alike
 * warnings) or why it failed, and Retry when it failed. Jobs not yet settled are followed each
 * second through `GET /api/v1/jobs/:id`; the list is read again when one changes state, and every
 * 10 seconds for new jobs.
 */
import type {
  JobAnswer,
  JobListItem,
  JobRetryAnswer,
  JobsAnswer,
  JobState,
  ListedJobState,
  TrainingResult,
} from '../../api-views.js';
import { JOBS_IDS as ID } from '../../page-ids.js';
import { api } from '../lib/api.js';
import { byId, el, errorText, showError } from '../lib/dom.js';
import { formatDate, formatDateTime, formatTime } from '../lib/time.js';

/** Jobs a page of the list holds. */
const PAGE = 20;
const FOLLOW_MS = 1000;
const RELOAD_MS = 10_000;

/** Each state in words, and the class that colours it (`.job-state.waiting` and so on). */
const STATES: Record<JobState, { label: string; tone: ListedJobState }> = {
  waiting: { label: 'Waiting', tone: 'waiting' },
  prioritized: { label: 'Waiting', tone: 'waiting' },
  'waiting-children': { label: 'Waiting', tone: 'waiting' },
  active: { label: 'Running', tone: 'active' },
  delayed: { label: 'Trying again soon', tone: 'delayed' },
  completed: { label: 'Done', tone: 'completed' },
  failed: { label: 'Failed', tone: 'failed' },
  unknown: { label: 'Gone', tone: 'waiting' },
};

/** What the list says when a filter leaves nothing. */
const NOTHING: Record<ListedJobState, string> = {
  failed: 'No job has failed.',
  active: 'No job is running.',
  waiting: 'No job is waiting to run.',
  delayed: 'No job is waiting to try again.',
  completed: 'No job has finished.',
};

const list = byId(ID.list, HTMLOListElement);
const filter = byId(ID.state, HTMLSelectElement);
const more = byId(ID.more, HTMLButtonElement);
const empty = byId(ID.empty, HTMLElement);
const summary = byId(ID.summary, HTMLElement);
const NO_JOBS = empty.textContent;

let jobs: JobListItem[] = [];
let nextOffset: number | null = null;
let lastLoad = 0;
/** Each list read takes the next number; an answer older than the newest one shown is dropped. */
let reads = 0;
let shownRead = 0;
/** The rendered card of each job, and what it was rendered from (to leave unchanged ones alone). */
const cards = new Map<string, { card: HTMLLIElement; from: string }>();

const settled = (state: JobState): boolean =>
  state === 'completed' || state === 'failed' || state === 'unknown';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The job's progress, as the training job reports it: a percentage, or an object with `percent`
 * (and, per photo, `done` of `total`).
 */
function progressOf(progress: unknown): { percent: number; done?: number; total?: number } {
  const clamp = (n: number): number => Math.min(100, Math.max(0, Math.round(n)));
  if (typeof progress === 'number' && Number.isFinite(progress)) return { percent: clamp(progress) };
  if (typeof progress === 'object' && progress !== null) {
    const { percent, done, total } = progress as Record<string, unknown>;
    if (typeof percent === 'number' && Number.isFinite(percent)) {
      return typeof done === 'number' && typeof total === 'number'
        ? { percent: clamp(percent), done, total }
        : { percent: clamp(percent) };
    }
  }
  return { percent: 0 };
}

/** A time of day for today, a date and time for other days (on the site's clock). */
function when(iso: string): string {
  return formatDate(iso) === formatDate(new Date().toISOString())
    ? formatTime(iso, { seconds: true })
    : formatDateTime(iso);
}

function subject(job: JobListItem): string {
  if (job.kind === 'gallery') return `the gallery update for ${job.model ?? 'a face model'}`;
  return `the training of ${job.person?.name ?? 'a deleted person'}`;
}

function title(job: JobListItem): HTMLHeadingElement {
  const heading = el('h2', { class: 'job-title', tabindex: '-1' });
  if (job.kind === 'gallery') {
    heading.append(`Gallery update: ${job.model ?? 'a face model'}`);
  } else if (job.person !== null && job.person.name !== null) {
    // The person's own page (`/people/:id`).
    heading.append(el('a', { href: `/people/${encodeURIComponent(job.person.id)}` }, job.person.name));
  } else {
    heading.append(el('span', { class: 'muted' }, 'A deleted person'));
  }
  return heading;
}

function kindLine(job: JobListItem): string {
  if (job.kind === 'gallery')
    return 'Describes every photo again for the recognition nodes of this face model';
  return job.photoCount === null ? 'Training' : `Training · ${plural(job.photoCount, 'photo')}`;
}

function progressLine(job: JobListItem): HTMLElement {
  const reported = progressOf(job.progress);
  // A job done is done, whatever it last reported.
  const { percent, done, total } = job.state === 'completed' ? { ...reported, percent: 100 } : reported;
  const bar = el('progress', { max: '100', 'aria-label': `Progress of ${subject(job)}` });
  bar.value = percent;
  const words =
    done !== undefined && total !== undefined ? `${done} of ${total} photos · ${percent}%` : `${percent}%`;
  return el('div', { class: 'job-progress' }, bar, el('span', { class: 'job-percent' }, words));
}

function times(job: JobListItem): HTMLDListElement {
  const item = (term: string, iso: string | null, text?: string): HTMLElement =>
    el(
      'div',
      {},
      el('dt', {}, term),
      el('dd', {}, iso === null ? (text ?? '—') : el('time', { datetime: iso }, when(iso))),
    );
  const list = el('dl', { class: 'job-times' }, item('Queued', job.queuedAt));
  if (job.startedAt !== null) list.append(item('Started', job.startedAt));
  if (settled(job.state)) list.append(item('Finished', job.finishedAt));
  if (job.attemptsMade > 1 || job.state === 'delayed') {
    const next = job.state === 'delayed' ? job.attemptsMade + 1 : job.attemptsMade;
    list.append(item('Try', null, `${next} of ${job.attemptsAllowed}`));
  }
  return list;
}

function notes(items: { kind: 'warning' | 'error'; text: string }[]): HTMLUListElement[] {
  return items.length === 0
    ? []
    : [el('ul', { class: 'notes' }, ...items.map((n) => el('li', { class: n.kind }, n.text)))];
}

/** What the job did or why it did not, in words. */
function outcome(job: JobListItem): HTMLElement[] {
  if (job.state === 'failed' || job.state === 'delayed') {
    const failure = job.failure ?? { message: 'No reason was given', reasons: [] };
    const headline =
      job.state === 'failed'
        ? `Failed: ${failure.message}.`
        : `The last try failed: ${failure.message}. It tries again in a moment, on its own.`;
    // One box: the headline, then the reason for each photo.
    const box = el(
      'div',
      { class: `${job.state === 'failed' ? 'error' : 'warning'} job-failure` },
      el('p', {}, headline),
    );
    if (failure.reasons.length > 0)
      box.append(el('ul', {}, ...failure.reasons.map((text) => el('li', {}, text))));
    return [box];
  }
  if (job.state !== 'completed') return [];
  if (job.kind === 'gallery') {
    const result = (job.result ?? {}) as {
      photos?: number;
      embedded?: number;
      refused?: TrainingResult['refused'];
    };
    const refused = result.refused ?? [];
    const photos = result.photos ?? 0;
    const text =
      photos === 0
        ? 'Nothing to do: every photo already had descriptors of this model.'
        : `${result.embedded ?? 0} of ${plural(photos, 'photo')} described${refused.length > 0 ? `, ${refused.length} could not be` : ''}.`;
    return [
      el('p', { class: 'ok job-result' }, text),
      ...notes(refused.map((r) => ({ kind: 'error', text: r.reason }))),
    ];
  }
  const result = (job.result ?? {}) as Partial<TrainingResult>;
  const accepted = (result.accepted ?? []).length;
  const refused = result.refused ?? [];
  const lookalikes = result.lookalikes ?? [];
  return [
    el(
      'p',
      { class: 'ok job-result' },
      `${plural(accepted, 'photo')} accepted${refused.length > 0 ? `, ${refused.length} refused` : ''}.`,
    ),
    ...notes([
      ...lookalikes.map((l) => ({ kind: 'warning' as const, text: `Warning: ${l.message}.` })),
      ...refused.map((r) => ({ kind: 'error' as const, text: r.reason })),
    ]),
  ];
}

function card(job: JobListItem): HTMLLIElement {
  const { label, tone } = STATES[job.state];
  const item = el(
    'li',
    { class: 'job', 'data-job': job.id, 'data-state': job.state },
    el(
      'div',
      { class: 'job-head' },
      el('div', { class: 'job-name' }, title(job), el('p', { class: 'muted job-kind' }, kindLine(job))),
      el('span', { class: `job-state ${tone}` }, label),
    ),
    progressLine(job),
    times(job),
    ...outcome(job),
  );
  if (job.retryable) {
    const retry = el(
      'button',
      { type: 'button', class: 'retry', 'aria-label': `Retry ${subject(job)}` },
      'Retry',
    );
    retry.addEventListener('click', () => {
      void runAgain(job, retry);
    });
    item.append(retry);
  }
  return item;
}

/** What in a card can hold focus. */
const FOCUSABLE = ['.job-title a', '.job-title', 'button.retry'];

/** Shows `jobs`, replacing only the cards whose job changed, so focus and scrolling stay put. */
function render(): void {
  const wanted = new Set(jobs.map((j) => j.id));
  for (const [id, { card: old }] of cards) {
    if (!wanted.has(id)) {
      old.remove();
      cards.delete(id);
    }
  }
  jobs.forEach((job, index) => {
    const from = JSON.stringify(job);
    let shown = cards.get(job.id);
    if (shown?.from !== from) {
      const fresh = card(job);
      // Focus in the old card moves to its like in the new one (the title when Retry is gone).
      const focused = FOCUSABLE.find((selector) => document.activeElement?.matches(`li.job ${selector}`));
      const hadFocus = focused !== undefined && shown?.card.contains(document.activeElement) === true;
      shown?.card.replaceWith(fresh);
      if (hadFocus)
        (
          fresh.querySelector<HTMLElement>(focused) ?? fresh.querySelector<HTMLElement>('.job-title')
        )?.focus();
      shown = { card: fresh, from };
      cards.set(job.id, shown);
    }
    if (list.children[index] !== shown.card) list.insertBefore(shown.card, list.children[index] ?? null);
  });
  const state = filter.value as ListedJobState | '';
  empty.textContent = state === '' ? NO_JOBS : NOTHING[state];
  empty.hidden = jobs.length > 0;
  more.hidden = nextOffset === null;
}

function describe(counts: JobsAnswer['counts']): void {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  for (const option of filter.options) {
    const value = option.value as ListedJobState | '';
    const label = value === '' ? 'All jobs' : STATES[value].label;
    option.textContent = `${label} (${value === '' ? total : counts[value]})`;
  }
  const parts = [
    counts.active > 0 ? `${counts.active} running` : '',
    counts.waiting > 0 ? `${counts.waiting} waiting` : '',
    counts.delayed > 0 ? `${counts.delayed} trying again soon` : '',
    counts.failed > 0 ? `${counts.failed} failed` : '',
    counts.completed > 0 ? `${counts.completed} done` : '',
  ].filter((p) => p !== '');
  const text = total === 0 ? '' : `${plural(total, 'job')}: ${parts.join(', ')}.`;
  // A status region speaks each change: only a real one.
  if (summary.textContent !== text) summary.textContent = text;
}

function query(offset: number, limit: number): string {
  const state = filter.value;
  return `/api/v1/jobs?offset=${offset}&limit=${limit}${state === '' ? '' : `&state=${encodeURIComponent(state)}`}`;
}

/** Reads the list again from the top: `limit` jobs, by default as many as are shown (at least a page). */
async function reload(limit = Math.min(1000, Math.max(PAGE, jobs.length))): Promise<void> {
  const read = ++reads;
  const page = await api<JobsAnswer>(query(0, limit));
  lastLoad = Date.now();
  if (read < shownRead) return;
  shownRead = read;
  jobs = page.jobs;
  nextOffset = page.nextOffset;
  describe(page.counts);
  render();
  showError(ID.error, null);
}

/** Follows the jobs not yet settled; reads the list again when one changes state. */
async function follow(): Promise<void> {
  let changed = false;
  for (const job of jobs.filter((j) => !settled(j.state))) {
    let now: JobAnswer;
    try {
      now = await api<JobAnswer>(`/api/v1/jobs/${encodeURIComponent(job.id)}`);
    } catch {
      // Gone (its person was deleted): the list read says so.
      changed = true;
      continue;
    }
    if (now.state !== job.state) changed = true;
    else Object.assign(job, now);
  }
  if (changed) await reload();
  else render();
}

async function tick(): Promise<void> {
  try {
    if (document.visibilityState === 'visible') {
      if (Date.now() - lastLoad >= RELOAD_MS) await reload();
      else await follow();
    }
  } catch (error) {
    showError(ID.error, error);
  } finally {
    setTimeout(() => void tick(), FOLLOW_MS);
  }
}

async function runAgain(job: JobListItem, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    const answer = await api<JobRetryAnswer>(`/api/v1/jobs/${encodeURIComponent(job.id)}/retry`, {
      method: 'POST',
    });
    const at = jobs.findIndex((j) => j.id === job.id);
    if (at >= 0) jobs[at] = answer.job;
    render();
    summary.textContent = `${capitalised(subject(answer.job))} runs again.`;
    cards.get(job.id)?.card.querySelector<HTMLElement>('.job-title')?.focus();
    showError(ID.error, null);
  } catch (error) {
    button.disabled = false;
    showError(ID.error, new Error(`Could not retry ${subject(job)}: ${errorText(error)}`));
  }
}

filter.addEventListener('change', () => {
  const url = new URL(location.href);
  if (filter.value === '') url.searchParams.delete('state');
  else url.searchParams.set('state', filter.value);
  history.replaceState(null, '', url);
  // The jobs shown stay until the new list replaces them: no flash of an empty list.
  void reload(PAGE).catch((error: unknown) => {
    showError(ID.error, error);
  });
});

more.addEventListener('click', () => {
  const offset = nextOffset;
  if (offset === null) return;
  more.disabled = true;
  void (async () => {
    try {
      const page = await api<JobsAnswer>(query(offset, PAGE));
      // Jobs queued since the first page push the older ones down: each is shown once.
      const known = new Set(jobs.map((j) => j.id));
      jobs.push(...page.jobs.filter((j) => !known.has(j.id)));
      nextOffset = page.nextOffset;
      describe(page.counts);
      render();
      showError(ID.error, null);
    } catch (error) {
      showError(ID.error, error);
    } finally {
      more.disabled = false;
    }
  })();
});

// A link may ask for one state: /jobs?state=failed.
const asked = new URLSearchParams(location.search).get('state');
if (asked !== null && [...filter.options].some((o) => o.value === asked)) filter.value = asked;
void tick();
