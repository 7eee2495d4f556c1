/**
 * The Webhooks page: every hook with its URL, events and state, buttons to switch it off or on,
 * send it a test event and delete it, and its delivery log (status code or error, attempt, when
 * it is tried again). The form adds a hook; the API's refusal of a field is shown under that
 * field. A new hook's secret is shown once, with a copy button, until the administrator says it is
 * copied; the page never has it again.
 */
import type {
  WebhookCreatedAnswer,
  WebhookDeliveriesAnswer,
  WebhookDeliveryView,
  WebhookTestAnswer,
  WebhookView,
} from '../../api-views.js';
import { WEBHOOKS_IDS as ID } from '../../page-ids.js';
import { allPages, api, json } from '../lib/api.js';
import { byId, el, errorText, showError } from '../lib/dom.js';
import { formatDate, formatTime } from '../lib/time.js';

const list = byId(ID.list, HTMLUListElement);
const form = byId(ID.create, HTMLFormElement);
const urlInput = byId(ID.url, HTMLInputElement);
const secretBox = byId(ID.secretBox, HTMLElement);
/** How many log lines a hook shows; the newest. */
const LOG_LINES = 20;

// ---- times: the only formatting this page does ----

/** An instant on the site's clock, to the second: "Mon 5 Jan 2026, 09:00:15 UTC". */
function when(iso: string): string {
  return `${formatDate(iso)}, ${formatTime(iso, { seconds: true })}`;
}

// ---- the list ----

async function load(): Promise<void> {
  try {
    const hooks = await allPages<'webhooks', WebhookView>('/api/v1/webhooks', 'webhooks');
    list.replaceChildren(...hooks.map(hookCard));
    byId(ID.empty, HTMLElement).hidden = hooks.length > 0;
    showError(ID.error, null);
    await Promise.all(hooks.map((hook) => loadLog(hook.id)));
  } catch (error) {
    showError(ID.error, error);
  }
}

function hookCard(hook: WebhookView): HTMLLIElement {
  const titleId = `hook-${hook.id}-title`;
  const state = el(
    'span',
    { class: `badge ${hook.active ? 'state-recognisable' : 'state-not-recognisable'}` },
    hook.active ? 'On' : 'Off',
  );
  const note = el('p', { role: 'status', class: 'muted hook-state' });
  const toggle = el('button', { type: 'button', class: 'small' }, hook.active ? 'Turn off' : 'Turn on');
  toggle.setAttribute('aria-describedby', titleId);
  const test = el('button', { type: 'button', class: 'small' }, 'Send a test event');
  test.setAttribute('aria-describedby', titleId);
  const remove = el('button', { type: 'button', class: 'small danger' }, 'Delete');
  remove.setAttribute('aria-describedby', titleId);
  const busy = (button: HTMLButtonElement, work: () => Promise<void>): void => {
    button.disabled = true;
    void work()
      .catch((error: unknown) => {
        note.textContent = errorText(error);
      })
      .finally(() => {
        button.disabled = false;
      });
  };
  toggle.addEventListener('click', () => {
    busy(toggle, async () => {
      await api(`/api/v1/webhooks/${encodeURIComponent(hook.id)}`, json('PATCH', { active: !hook.active }));
      await load();
    });
  });
  test.addEventListener('click', () => {
    busy(test, async () => {
      note.textContent = 'Sending…';
      const { delivery } = await api<WebhookTestAnswer>(
        `/api/v1/webhooks/${encodeURIComponent(hook.id)}/test`,
        json('POST', {}),
      );
      note.textContent = `Test event: ${outcome(delivery)}.`;
      await loadLog(hook.id);
    });
  });
  remove.addEventListener('click', () => {
    if (!confirm(`Delete the webhook to ${hook.url}? Its delivery log goes with it.`)) return;
    busy(remove, async () => {
      await api(`/api/v1/webhooks/${encodeURIComponent(hook.id)}`, { method: 'DELETE' });
      await load();
    });
  });
  const log = el('tbody');
  const logEmpty = el('p', { class: 'muted', hidden: '' }, 'No delivery yet.');
  return el(
    'li',
    { class: 'card webhook', 'data-hook': hook.id },
    el('div', { class: 'card-head' }, el('h2', { id: titleId, class: 'hook-url' }, hook.url), state),
    hook.description === '' ? '' : el('p', {}, hook.description),
    el(
      'ul',
      { class: 'chips', 'aria-label': 'Events' },
      ...hook.events.map((e) => el('li', { class: 'chip' }, e)),
    ),
    el('div', { class: 'hook-actions' }, toggle, test, remove),
    note,
    el(
      'details',
      { class: 'hook-log' },
      el('summary', {}, 'Delivery log'),
      el(
        'div',
        { class: 'table-wrap', role: 'region', 'aria-label': `Delivery log of ${hook.url}`, tabindex: '0' },
        el(
          'table',
          { 'data-log': hook.id },
          el('caption', { class: 'visually-hidden' }, `Deliveries to ${hook.url}, newest first`),
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              ...['Result', 'When', 'Event', 'Attempt', 'Next try'].map((h) => el('th', { scope: 'col' }, h)),
            ),
          ),
          log,
        ),
      ),
      logEmpty,
    ),
  );
}

/** "200 in 35 ms", or what went wrong. */
function outcome(delivery: WebhookDeliveryView): string {
  if (delivery.ok) return `answered ${String(delivery.statusCode)} in ${delivery.durationMs} ms`;
  if (delivery.statusCode !== null) return `answered ${delivery.statusCode}: failed`;
  return `failed: ${delivery.error ?? 'no answer'}`;
}

function nextTry(delivery: WebhookDeliveryView): string {
  if (delivery.nextRetryAt !== null) return `about ${when(delivery.nextRetryAt)}`;
  if (delivery.gaveUp) return 'none: gave up';
  return '—';
}

async function loadLog(hookId: string): Promise<void> {
  const table = list.querySelector(`table[data-log="${CSS.escape(hookId)}"]`);
  if (!(table instanceof HTMLTableElement)) return;
  const { deliveries } = await api<WebhookDeliveriesAnswer>(
    `/api/v1/webhooks/${encodeURIComponent(hookId)}/deliveries?limit=${LOG_LINES}`,
  );
  const body = table.tBodies[0];
  body?.replaceChildren(
    ...deliveries.map((d) =>
      el(
        'tr',
        { class: d.ok ? 'delivery-ok' : 'delivery-failed' },
        el('td', { class: 'reason' }, el('strong', {}, d.ok ? '✓ ' : '✗ '), outcome(d)),
        el('td', {}, when(d.at)),
        el('td', {}, d.eventType),
        el('td', {}, String(d.attempt)),
        el('td', {}, nextTry(d)),
      ),
    ),
  );
  const empty = table.closest('details')?.querySelector('p');
  if (empty) empty.hidden = deliveries.length > 0;
  const summary = table.closest('details')?.querySelector('summary');
  if (summary)
    summary.textContent = `Delivery log (${deliveries.length === LOG_LINES ? `last ${LOG_LINES}` : deliveries.length})`;
}

// ---- adding one ----

function fieldError(id: string, input: HTMLElement, message: string | null): void {
  const box = byId(id, HTMLElement);
  box.textContent = message ?? '';
  box.hidden = message === null;
  if (message === null) input.removeAttribute('aria-invalid');
  else input.setAttribute('aria-invalid', 'true');
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const events = Array.from(form.querySelectorAll<HTMLInputElement>('input[name=events]:checked')).map(
    (box) => box.value,
  );
  const eventsBox = byId(ID.events, HTMLElement);
  fieldError(ID.urlError, urlInput, null);
  fieldError(ID.eventsError, eventsBox, null);
  const state = byId(ID.createState, HTMLElement);
  const button = form.querySelector('button[type=submit]');
  if (button instanceof HTMLButtonElement) button.disabled = true;
  state.textContent = 'Adding…';
  void (async () => {
    try {
      const description = byId(ID.description, HTMLInputElement).value.trim();
      const created = await api<WebhookCreatedAnswer>(
        '/api/v1/webhooks',
        json('POST', { url: urlInput.value.trim(), events, ...(description === '' ? {} : { description }) }),
      );
      state.textContent = `Added the webhook to ${created.webhook.url}.`;
      form.reset();
      showSecret(created);
      await load();
    } catch (error) {
      state.textContent = '';
      // The API names the field first ("url: …"); the message goes under that field.
      const message = errorText(error);
      const [field, ...rest] = message.split(': ');
      if (field === 'url') {
        fieldError(ID.urlError, urlInput, rest.join(': '));
        urlInput.focus();
      } else if (field === 'events') fieldError(ID.eventsError, eventsBox, rest.join(': '));
      else showError(ID.error, error);
    } finally {
      if (button instanceof HTMLButtonElement) button.disabled = false;
    }
  })();
});

// ---- the secret, once ----

function showSecret(created: WebhookCreatedAnswer): void {
  byId(ID.secretFor, HTMLElement).textContent = created.webhook.url;
  byId(ID.secret, HTMLElement).textContent = created.secret;
  byId(ID.copyState, HTMLElement).textContent = '';
  secretBox.hidden = false;
  secretBox.focus();
}

byId(ID.copySecret, HTMLButtonElement).addEventListener('click', () => {
  const secret = byId(ID.secret, HTMLElement);
  const state = byId(ID.copyState, HTMLElement);
  const copy = async (): Promise<void> => {
    await navigator.clipboard.writeText(secret.textContent);
  };
  copy()
    .then(() => {
      state.textContent = 'Copied.';
    })
    .catch(() => {
      // No clipboard (a plain-http address): select the text for Ctrl+C instead.
      getSelection()?.selectAllChildren(secret);
      state.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
    });
});

byId(ID.secretDone, HTMLButtonElement).addEventListener('click', () => {
  // Gone from the page: a reload or a look over the shoulder shows nothing.
  byId(ID.secret, HTMLElement).textContent = '';
  secretBox.hidden = true;
  urlInput.focus();
});

void load();
