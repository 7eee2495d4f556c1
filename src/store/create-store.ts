/**
 * Picks the store the configuration asks for: MongoDB when `MONGODB_URI` is set, else SQLite under
 * `DATA_DIR`. The CLI and the server both call this, so they always open the same store.
 */
import { MongoStore } from './mongo/mongo.store.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite.store.js';
import type { Store } from './store.js';

export interface StoreConfig {
  /** Where the SQLite file lives (`DATA_DIR`). */
  dataDir: string;
  /** Selects MongoDB when set (`MONGODB_URI`). @defaultValue undefined (SQLite) */
  mongodbUri?: string | undefined;
}

/** Options beyond the config, for tests: SQLite's (clock, ids, limits) and MongoDB's server wait. */
export type StoreOverrides = Omit<SqliteStoreOptions, 'dataDir'> & {
  /** How long MongoDB may take to answer before opening fails. @defaultValue 10000 */
  serverSelectionTimeoutMs?: number;
};

/**
 * Opens the configured store: MongoDB for a `mongodbUri`, never a silent fall back to SQLite,
 * which would split the data between two stores.
 *
 * @throws RollcallError `STORE_UNAVAILABLE` when the store cannot be opened (for MongoDB: no
 *   server answered within `serverSelectionTimeoutMs`).
 */
export async function createStore(config: StoreConfig, overrides: StoreOverrides = {}): Promise<Store> {
  const { serverSelectionTimeoutMs, ...sqlite } = overrides;
  if (config.mongodbUri !== undefined && config.mongodbUri !== '') {
    const { maxPhotoBytes, maxCropBytes, now, newId } = sqlite;
    return MongoStore.open({
      uri: config.mongodbUri,
      serverSelectionTimeoutMs,
      maxPhotoBytes,
      maxCropBytes,
      now,
      newId,
    });
  }
  return SqliteStore.open({ ...sqlite, dataDir: config.dataDir });
}
