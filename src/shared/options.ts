/**
 * The one way to check constructor options: defaults first, then overrides, then every rule checked
 * and every bad option listed in one error, each naming its owner, under the owner's room's code.
 */
import { ErrorCode, RollcallError } from '../core/index.js';

/** How a bad value is shown: strings quoted, other plain values as they print, objects by type. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || ['number', 'boolean', 'bigint', 'undefined'].includes(typeof value)) {
    return String(value);
  }
  return typeof value;
}

/**
 * Collects the bad options of one owner (e.g. `BridgeServer`), then {@link OptionChecks.throwIfAny}
 * throws them all at once: `BridgeServer: option port must be … (got 70000); BridgeServer: option
 * heartbeatMs must be … (got 0)`.
 */
export class OptionChecks {
  readonly #problems: string[] = [];

  /**
   * @param owner what the options configure, named in every problem
   * @param code the error code of the owner's room (`SOURCE_INVALID` for a frame source)
   */
  constructor(
    readonly owner: string,
    readonly code: ErrorCode = ErrorCode.UsageInvalid,
  ) {}

  /** Records `option rule (got value)` unless `ok`. */
  require(ok: boolean, option: string, rule: string, value: unknown): this {
    if (!ok) this.#problems.push(`${this.owner}: option ${option} ${rule} (got ${shown(value)})`);
    return this;
  }

  /** As {@link OptionChecks.require}, never showing the value (a secret). */
  requireHidden(ok: boolean, option: string, rule: string): this {
    if (!ok) this.#problems.push(`${this.owner}: option ${option} ${rule}`);
    return this;
  }

  /** Each of `keys` of `options` must be an integer of at least `min`. */
  integers<T extends object>(options: T, keys: readonly (keyof T & string)[], min = 1): this {
    for (const key of keys) {
      const value = options[key];
      const rule = min === 1 ? 'must be a positive integer' : `must be an integer of at least ${min}`;
      this.require(Number.isInteger(value) && (value as number) >= min, key, rule, value);
    }
    return this;
  }

  get ok(): boolean {
    return this.#problems.length === 0;
  }

  /** @throws RollcallError with the owner's code, naming every bad option, when there is one. */
  throwIfAny(): void {
    if (this.#problems.length > 0) throw new RollcallError(this.code, this.#problems.join('; '));
  }
}
