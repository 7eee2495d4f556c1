/**
 * The store room's one door: the `Store` interface, its repositories and types, the SQLite and
 * MongoDB adapters and the factory that picks an adapter from the configuration.
 */
export * from './store.js';
export * from './repositories.js';
export type { StoreOptions } from './store-options.js';
export { createStore, type StoreConfig, type StoreOverrides } from './create-store.js';
export { MongoStore, MONGO_SCHEMA_VERSION, type MongoStoreOptions } from './mongo/mongo.store.js';
export { SqliteStore, SQLITE_FILE_NAME, type SqliteStoreOptions } from './sqlite/sqlite.store.js';
export { SCHEMA_VERSION } from './sqlite.migrations.js';
export {
  backupSqlite,
  restoreSqlite,
  type BackupOptions,
  type BackupSummary,
  type RestoreSummary,
} from './sqlite-backup.js';
export {
  MAX_EVENT_ID_LENGTH,
  MAX_HASH_LENGTH,
  MAX_JSON_BYTES,
  MAX_NAME_LENGTH,
  MAX_NOTES_LENGTH,
  MAX_TEXT_LENGTH,
} from './validate.js';
