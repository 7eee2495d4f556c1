/**
 * Settings in SQLite, as JSON text.
 */
import type { SettingsAdapter } from '../adapter.js';
import type { JsonValue, Setting } from '../store.js';
import type { SqliteConnection } from './connection.sqlite.js';

interface SettingRow {
  key: string;
  value: string;
  updated_at: string;
}

const toSetting = (r: SettingRow): Setting => ({
  key: r.key,
  value: JSON.parse(r.value) as JsonValue,
  updatedAt: r.updated_at,
});

export class SqliteSettings implements SettingsAdapter {
  constructor(private readonly db: SqliteConnection) {}

  getSetting(key: string): Setting | null {
    const row = this.db.sql('SELECT * FROM settings WHERE key = ?').get(key) as SettingRow | undefined;
    return row ? toSetting(row) : null;
  }

  setSetting(key: string, value: string): Setting {
    const updatedAt = this.db.nowIso();
    this.db
      .sql(
        `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(key, value, updatedAt);
    return { key, value: JSON.parse(value) as JsonValue, updatedAt };
  }

  updateSetting(key: string, change: (saved: JsonValue | null) => string): Setting {
    return this.db.write(() => {
      const row = this.db.sql('SELECT value FROM settings WHERE key = ?').get(key) as
        { value: string } | undefined;
      return this.setSetting(key, change(row === undefined ? null : (JSON.parse(row.value) as JsonValue)));
    });
  }

  listSettings(): Setting[] {
    return (this.db.sql('SELECT * FROM settings ORDER BY key').all() as SettingRow[]).map(toSetting);
  }

  deleteSetting(key: string): boolean {
    return this.db.sql('DELETE FROM settings WHERE key = ?').run(key).changes > 0;
  }
}
