/**
 * Picks the store the configuration asks for: MongoDB when `MONGODB_URI` is set, else SQLite under
 * `DATA_DIR`. The CLI and the server both call this, so they always open the same store.
 */
import { ErrorCode, RollcallError } from '../core/index.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite.store.js';
import type { Store } from './store.js';

export interface StoreConfig {
  /** Where the SQLite file lives (`DATA_DIR`). */
  dataDir: string;
  /** Selects MongoDB when set (`MONGODB_URI`). @defaultValue undefined (SQLite) */
  mongodbUri?: string | undefined;
}

/**
 * Opens the configured store.
 *
 * @param overrides SQLite options beyond the config (clock, id generator, limits), for tests.
 * @throws RollcallError `STORE_UNAVAILABLE` for a `mongodbUri`: the MongoDB adapter is not built
 *   yet, and silently falling back to SQLite would split the data between two stores.
 */
export async function createStore(
  config: StoreConfig,
  overrides: Omit<SqliteStoreOptions, 'dataDir'> = {},
): Promise<Store> {
  if (config.mongodbUri !== undefined && config.mongodbUri !== '') {
    throw new RollcallError(
      ErrorCode.StoreUnavailable,
      'MONGODB_URI is set, but the MongoDB store is not available in this version of Rollcall; ' +
        'unset MONGODB_URI to use the SQLite store under DATA_DIR',
    );
  }
  return SqliteStore.open({ ...overrides, dataDir: config.dataDir });
}
