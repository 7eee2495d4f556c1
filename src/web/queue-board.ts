/**
 * Bull Board (`/admin/queues`), for operators, served without a request off this web node: Rollcall
 * runs on school and office LANs with no internet, and promises no cloud.
 *
 * - Its page (`@bull-board/ui` `dist/index.ejs`) links Google Fonts: {@link withoutExternalLinks}
 *   drops every `<link>` and `<script>` that points at another host from the HTML it sends (the
 *   stylesheet falls back to the system font by itself), and the board's own CSP allows fonts and
 *   styles from this host only, so a later release that adds one is refused by the browser too.
 * - Its documentation link (to GitHub) is hidden, and its menu gets a link back to Rollcall.
 * - A failed job's stack trace (file paths of the server) is left out of its answers; the failure
 *   reason stays, and the board shows that instead. The trace is in the worker's log.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { JobsPort } from './types.js';

/** Where Bull Board is mounted; its page's `<base href>` and API calls use it. */
export const QUEUE_BOARD_PATH = '/admin/queues';

/** Matches `<link …>` and `<script …></script>` elements whose `href`/`src` is an absolute URL. */
const EXTERNAL_ELEMENT =
  /<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?\/\/[^>]*>\s*|<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?\/\/[^>]*>\s*<\/script>\s*/gi;

/** The HTML without elements that would load something from another host. */
export function withoutExternalLinks(page: string): string {
  return page.replace(EXTERNAL_ELEMENT, '');
}

/** Every `stacktrace` in a Bull Board answer emptied (the UI then shows the job's `failedReason`). */
function withoutStackTraces<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutStackTraces) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === 'stacktrace' && Array.isArray(inner) ? [] : withoutStackTraces(inner),
    ]),
  ) as T;
}

/**
 * Rewrites the pages Bull Board renders (HTML strings through `res.send`); its JSON answers set
 * their content type first and pass untouched.
 */
const offlinePage: RequestHandler = (_req, res, next) => {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    const type = res.get('content-type');
    const html = type === undefined || type.includes('text/html');
    return send(typeof body === 'string' && html ? withoutExternalLinks(body) : body);
  };
  next();
};

/**
 * The board's CSP: helmet's defaults (as for every page) with fonts and styles from this host only;
 * helmet's defaults allow them from any `https:` host.
 */
function boardPolicy(secure: boolean): RequestHandler {
  return helmet.contentSecurityPolicy({
    directives: {
      fontSrc: ["'self'", 'data:'],
      // The board's React components set inline styles.
      styleSrc: ["'self'", "'unsafe-inline'"],
      upgradeInsecureRequests: secure ? [] : null,
    },
  });
}

/**
 * Bull Board over the job queue, as handlers to mount at {@link QUEUE_BOARD_PATH} after the
 * caller's own checks (sign-in, role, origin). The last handler is Bull Board's Express app.
 */
export function createQueueBoard(
  jobs: JobsPort,
  options: {
    secure: boolean;
    /** More queues to show, e.g. the webhook deliveries'. */ more?: readonly JobsPort['queue'][];
  },
): RequestHandler[] {
  const board = new ExpressAdapter();
  board.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: [jobs.queue, ...(options.more ?? [])].map((queue) => new BullMQAdapter(queue)),
    serverAdapter: board,
    options: {
      uiConfig: {
        boardTitle: 'Rollcall jobs',
        hideDocsLink: true,
        miscLinks: [{ text: 'Back to Rollcall', url: '/' }],
      },
      handlerHooks: {
        after: (_context, result) => ({ ...result, body: withoutStackTraces(result.body) }),
      },
    },
  });
  return [boardPolicy(options.secure), offlinePage, board.getRouter() as RequestHandler];
}
