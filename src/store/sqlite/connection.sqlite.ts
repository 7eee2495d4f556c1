/**
 * The one better-sqlite3 connection every SQLite repository works on: compiled statements, the
 * write transaction, the clock and ids, and the reads several repositories make inside their
 * writes (the gallery version, whether a person exists). One connection, so a transaction of one
 * repository may touch another's tables (deleting a person erases their photos and attendance).
 */
import type Database from 'better-sqlite3';
import type { StoreOptions } from '../store-options.js';

export class SqliteConnection {
  /**
   * Compiled statements by SQL text: better-sqlite3 compiles on every `prepare`, and events arrive
   * many a second.
   */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly database: Database.Database,
    private readonly options: Pick<Required<StoreOptions>, 'now' | 'newId'>,
  ) {}

  sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.database.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** A write transaction that takes the lock up front, so read-then-write cannot race another connection. */
  write<T>(fn: () => T): T {
    return this.database.transaction(fn).immediate();
  }

  /** A read transaction: every statement in `fn` reads one snapshot. */
  read<T>(fn: () => T): T {
    return this.database.transaction(fn)();
  }

  nowIso(): string {
    return this.options.now().toISOString();
  }

  newId(): string {
    return this.options.newId();
  }

  galleryVersion(): number {
    return (this.sql('SELECT version FROM gallery WHERE id = 1').get() as { version: number }).version;
  }

  bumpGallery(): number {
    const row = this.sql('UPDATE gallery SET version = version + 1 WHERE id = 1 RETURNING version').get() as {
      version: number;
    };
    return row.version;
  }

  personExists(id: string): boolean {
    return this.sql('SELECT 1 FROM people WHERE id = ?').get(id) !== undefined;
  }
}

/** better-sqlite3 binds Buffers; this views a Uint8Array as one without copying. */
export const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
/** Callers get plain Uint8Arrays (what the interface promises), viewing the Buffer SQLite returned. */
export const asBytes = (buffer: Buffer | null | undefined): Uint8Array | null =>
  buffer ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : null;
