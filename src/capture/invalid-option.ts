import { ErrorCode, RollcallError } from '../core/index.js';

/** The error for a bad option, naming the class, the option, the rule and the value given. */
export function invalidOption(owner: string, option: string, rule: string, value: unknown): RollcallError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new RollcallError(ErrorCode.SourceInvalid, `${owner}: option ${option} ${rule} (got ${shown})`);
}
