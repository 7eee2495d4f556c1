/**
 * The web room's one door: the HTTP server and app, and what the CLI needs for accounts
 * (password hashing, API tokens, the session secret).
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
export {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  hashPassword,
  passwordProblem,
  verifyPassword,
  type ScryptParams,
} from './passwords.js';
export { API_TOKEN_PREFIX, generateApiToken, hashApiToken } from './tokens.js';
export { SESSION_SECRET_FILE, loadSessionSecret } from './session-secret.js';
