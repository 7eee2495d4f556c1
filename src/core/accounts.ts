/**
 * Account rules that must hold however many web nodes share one store: Rollcall always keeps an
 * administrator who can sign in, and the one-time setup creates the first account only. Pure: the
 * store runs them inside the transaction of the change, over the accounts it read there, so a
 * change made by another process at the same moment is either seen or waits for this one.
 */
import { ErrorCode, RollcallError } from './errors.js';

/** What the rules need to know of an account. */
export interface AccountState {
  id: string;
  name: string;
  role: 'admin' | 'viewer';
  disabled: boolean;
}

/** Every account before a change and as it would be after it. */
export interface AccountsChange {
  before: readonly AccountState[];
  after: readonly AccountState[];
}

/** A rule over a change to the accounts; it throws to refuse the change. */
export type AccountsRule = (change: AccountsChange) => void;

/** Administrators who can sign in. */
export function activeAdmins(accounts: readonly AccountState[]): number {
  return accounts.filter((a) => a.role === 'admin' && !a.disabled).length;
}

/**
 * Refuses a change that leaves no administrator able to sign in where there was one. `action`
 * names the change for the message ("making Ada a viewer").
 *
 * @throws RollcallError `STORE_CONFLICT`
 */
export function keepAnAdmin(action: string): AccountsRule {
  return ({ before, after }) => {
    if (activeAdmins(after) === 0 && activeAdmins(before) > 0) {
      throw new RollcallError(
        ErrorCode.StoreConflict,
        `${action} would leave Rollcall without an administrator; make someone else admin first`,
      );
    }
  };
}

/**
 * The one-time setup creates the first account: refused once any account exists.
 *
 * @throws RollcallError `SETUP_DONE`
 */
export const firstAccountOnly: AccountsRule = ({ before }) => {
  if (before.length > 0) {
    throw new RollcallError(ErrorCode.SetupDone, 'Rollcall is already set up; sign in at /login');
  }
};
