/**
 * The Webhooks page (`/webhooks`, admin only): the URLs that receive Rollcall's events, each with
 * its events, on or off, a test event, and its delivery log; a form adds one, and its secret is
 * shown this once with how a receiver checks a delivery's signature. The server renders the frame
 * (the events and their meanings, the header names and the tolerance, from core and shared, so the
 * page never says other names than the deliveries carry); `frontend/pages/webhooks.ts` fills it
 * from `/api/v1/webhooks`.
 */
import { WEBHOOK_EVENT_DESCRIPTIONS, WEBHOOK_EVENT_TYPES, WEBHOOK_HEADERS } from '../core/index.js';
import { WEBHOOK_TOLERANCE_S } from '../shared/webhook-signature.js';
import { WEBHOOKS_IDS as HOOKS } from './page-ids.js';
import { appPage, html, type Html, type Viewer } from './pages.js';

export function webhooksPage(viewer: Viewer): string {
  return appPage({
    title: 'Webhooks',
    viewer,
    current: '/webhooks',
    script: 'webhooks',
    body: html`<h1>Webhooks</h1>
      <p class="muted">
        A webhook sends an event to another system's URL as it happens: an arrival, a late arrival, an
        absence, an unknown face. Each delivery is signed with the webhook's secret, and tried again for about
        an hour until the receiver answers 2xx.
      </p>
      <p id="${HOOKS.error}" class="error" role="alert" hidden></p>
      ${secretBox()}
      <ul id="${HOOKS.list}" class="webhook-list" aria-label="Webhooks"></ul>
      <p id="${HOOKS.empty}" class="empty" hidden>No webhook yet. Add one below to send events elsewhere.</p>
      ${createForm()}`,
  });
}

function createForm(): Html {
  return html`<section aria-labelledby="webhook-create-title">
    <h2 id="webhook-create-title">Add a webhook</h2>
    <form id="${HOOKS.create}" novalidate>
      <label for="${HOOKS.url}">URL that receives the events</label
      ><input
        id="${HOOKS.url}"
        name="url"
        type="url"
        inputmode="url"
        required
        autocomplete="off"
        placeholder="https://example.org/hooks/rollcall"
        aria-describedby="${HOOKS.urlError}"
      />
      <p id="${HOOKS.urlError}" class="field-error" hidden></p>
      <label for="${HOOKS.description}">Description (optional)</label
      ><input id="${HOOKS.description}" name="description" maxlength="500" autocomplete="off" />
      <fieldset id="${HOOKS.events}" class="webhook-events" aria-describedby="${HOOKS.eventsError}">
        <legend>Events</legend>
        ${WEBHOOK_EVENT_TYPES.map(
          (type) =>
            html`<label class="check"
              ><input type="checkbox" name="events" value="${type}" checked /><span
                ><code>${type}</code> <span class="muted">${WEBHOOK_EVENT_DESCRIPTIONS[type]}</span></span
              ></label
            >`,
        )}
        <p id="${HOOKS.eventsError}" class="field-error" hidden></p>
      </fieldset>
      <button type="submit">Add webhook</button>
    </form>
    <p id="${HOOKS.createState}" role="status" class="muted"></p>
  </section>`;
}

/** The new secret, shown once, and how to check a delivery with it. */
function secretBox(): Html {
  const h = WEBHOOK_HEADERS;
  return html`<section
    id="${HOOKS.secretBox}"
    class="webhook-secret"
    aria-labelledby="webhook-secret-title"
    tabindex="-1"
    hidden
  >
    <h2 id="webhook-secret-title">Copy the secret now</h2>
    <p>
      The secret of <strong id="${HOOKS.secretFor}"></strong> is shown only this once. Keep it in the
      receiver's configuration; if it is lost, replace it.
    </p>
    <div class="secret-row">
      <code id="${HOOKS.secret}" class="secret"></code>
      <button type="button" id="${HOOKS.copySecret}" class="small">Copy secret</button>
      <span id="${HOOKS.copyState}" role="status" class="muted"></span>
    </div>
    <h3>Checking a delivery</h3>
    <ol class="verify-steps">
      <li>
        Read the <code>${h.timestamp}</code> header (Unix seconds) and refuse the request when it is more than
        ${String(WEBHOOK_TOLERANCE_S)} s from your clock.
      </li>
      <li>
        Compute the HMAC-SHA256, keyed with the secret, of the timestamp, a dot, and the raw request body:
        <code>TIMESTAMP.BODY</code>.
      </li>
      <li>
        Compare it, in constant time, with the hex after <code>sha256=</code> in the
        <code>${h.signature}</code>
        header. Parse the body only when they match.
      </li>
      <li>
        <code>${h.delivery}</code> is the same on every attempt: keep each event once. <code>${h.event}</code>
        names its type.
      </li>
    </ol>
    <pre
      class="verify-code"
      tabindex="0"
      aria-label="Checking a delivery in Node.js"
    ><code>const expected = crypto.createHmac('sha256', secret)
  .update(\`\${req.headers['${h.timestamp.toLowerCase()}']}.\`).update(rawBody).digest('hex');
const ok = crypto.timingSafeEqual(Buffer.from(expected),
  Buffer.from(req.headers['${h.signature.toLowerCase()}'].slice('sha256='.length)));</code></pre>
    <button type="button" id="${HOOKS.secretDone}">I have copied it</button>
  </section>`;
}
