/**
 * The web room's one door: the HTTP server and app, and the session secret. Password hashing and
 * API tokens, which the CLI needs too, are in `src/shared`.
 */
export { WebServer } from './web-server.js';
export { createWebApp, type WebApp, type WebDeps, type WebOptions } from './web-app.js';
export type { EnrollmentPort, JobsPort, SessionUser } from './types.js';
export type { WebLogger } from './http-errors.js';
export {
  LIVE_SOCKET_PATH,
  type FrameFeed,
  type FrameListener,
  type FrameNode,
  type LiveFeedOptions,
} from './live-feed.js';
export type { UploadLimits } from './uploads.js';
export { SESSION_SECRET_FILE, loadSessionSecret } from './session-secret.js';
