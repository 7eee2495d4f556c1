/**
 * Building blocks every room may use, one shape of each: the clock, backoff, option checks, the
 * password and API-token hashing the web node and the CLI both need, and webhook signatures. It
 * depends on `core` (errors) and Node only; unlike `core` it is not pure (timers, crypto), which is
 * why it is a room of its own.
 */
export { sleep, steadyNow, stoppedClock, systemClock, type Cancel, type Clock } from './clock.js';
export { backoffDelayMs, type BackoffOptions } from './backoff.js';
export { OptionChecks } from './options.js';
export {
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
  verifyPassword,
  UNUSABLE_HASH,
  type ScryptParams,
} from './passwords.js';
export { API_TOKEN_PREFIX, generateApiToken, hashApiToken, isApiTokenShaped } from './api-tokens.js';
export {
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  WEBHOOK_SECRET_PREFIX,
  WEBHOOK_TOLERANCE_S,
  type VerificationResult,
  type WebhookVerification,
} from './webhook-signature.js';
