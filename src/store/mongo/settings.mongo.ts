/**
 * Settings in MongoDB, as JSON text.
 */
import type { SettingsAdapter } from '../adapter.js';
import type { JsonValue, Setting } from '../store.js';
import type { MongoConnection } from './connection.mongo.js';
import type { Session, SettingDoc } from './documents.mongo.js';

const toSetting = (d: SettingDoc): Setting => ({
  key: d._id,
  value: JSON.parse(d.value) as JsonValue,
  updatedAt: d.updatedAt,
});

export class MongoSettings implements SettingsAdapter {
  constructor(private readonly db: MongoConnection) {}

  async getSetting(key: string): Promise<Setting | null> {
    const doc = await this.db.settings.findOne({ _id: key });
    return doc ? toSetting(doc) : null;
  }

  private async saveSetting(key: string, value: string, session?: Session): Promise<Setting> {
    const updatedAt = this.db.nowIso();
    await this.db.settings.replaceOne(
      { _id: key },
      { value, updatedAt },
      session ? { session, upsert: true } : { upsert: true },
    );
    return { key, value: JSON.parse(value) as JsonValue, updatedAt };
  }

  setSetting(key: string, value: string): Promise<Setting> {
    return this.saveSetting(key, value);
  }

  updateSetting(key: string, change: (saved: JsonValue | null) => string): Promise<Setting> {
    // Two saves write one document: the later transaction conflicts, is retried and reads the first.
    return this.db.write(async (session) => {
      const doc = await this.db.settings.findOne({ _id: key }, { session });
      return this.saveSetting(key, change(doc ? (JSON.parse(doc.value) as JsonValue) : null), session);
    });
  }

  async listSettings(): Promise<Setting[]> {
    return (await this.db.settings.find({}).sort({ _id: 1 }).toArray()).map(toSetting);
  }

  async deleteSetting(key: string): Promise<boolean> {
    return (await this.db.settings.deleteOne({ _id: key })).deletedCount > 0;
  }
}
