/**
 * Password hashing lives in `src/shared` (the CLI hashes passwords too, without the web room). This
 * name stays because the account routes import it; new code imports `../shared/index.js`.
 */
export { hashPassword, MIN_PASSWORD_LENGTH, passwordProblem } from '../shared/index.js';
