/**
 * The SQLite schema, as numbered migrations applied in order at open (see `migrate`). A migration
 * is never edited once released; a change is a new migration at the end.
 */
import type { Database } from 'better-sqlite3';
import { ErrorCode, RollcallError } from '../core/index.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description:
      'users, tokens, people, photos, descriptors, gallery, events, attendance, unknown faces, nodes, settings',
    // STRICT tables refuse a value of the wrong type instead of storing it silently. Names compare
    // with NOCASE so `Alice` and `alice` cannot both exist. Attendance and corrections have no
    // foreign key to people on purpose: history outlives a deleted person (see README.md).
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name TEXT NOT NULL COLLATE NOCASE,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        revoked INTEGER NOT NULL DEFAULT 0,
        UNIQUE (user_id, name)
      ) STRICT;

      CREATE TABLE people (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE,
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      -- bytes last: listing photos reads the row's first page and skips the overflow chain.
      CREATE TABLE photos (
        id TEXT PRIMARY KEY,
        person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        file_name TEXT NOT NULL,
        byte_length INTEGER NOT NULL,
        quality TEXT NOT NULL DEFAULT 'null',
        created_at TEXT NOT NULL,
        bytes BLOB NOT NULL
      ) STRICT;
      CREATE INDEX photos_by_person ON photos (person_id, created_at);

      -- 128 float32 little-endian = 512 bytes.
      CREATE TABLE descriptors (
        id TEXT PRIMARY KEY,
        person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        photo_id TEXT NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        descriptor BLOB NOT NULL CHECK (length(descriptor) = 512)
      ) STRICT;
      CREATE INDEX descriptors_by_person ON descriptors (person_id, created_at);
      CREATE INDEX descriptors_by_photo ON descriptors (photo_id);

      CREATE TABLE gallery (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
      ) STRICT;
      INSERT INTO gallery (id, version) VALUES (1, 0);

      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (type IN ('recognized', 'sighting', 'unknown')),
        node_id TEXT NOT NULL,
        camera_id TEXT NOT NULL,
        track_id TEXT NOT NULL,
        person_id TEXT,
        distance REAL,
        thresholds TEXT NOT NULL,
        votes INTEGER,
        at TEXT NOT NULL,
        box TEXT NOT NULL,
        frame_width INTEGER NOT NULL,
        frame_height INTEGER NOT NULL,
        model TEXT NOT NULL,
        backend TEXT NOT NULL,
        received_at TEXT NOT NULL,
        crop BLOB
      ) STRICT;
      CREATE INDEX events_by_at ON events (at, id);
      CREATE INDEX events_by_person ON events (person_id, at);

      CREATE TABLE attendance (
        person_id TEXT NOT NULL,
        day TEXT NOT NULL,
        person_name TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        first_camera_id TEXT NOT NULL,
        last_camera_id TEXT NOT NULL,
        node_id TEXT NOT NULL,
        event_count INTEGER NOT NULL,
        corrected INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (person_id, day)
      ) STRICT;
      CREATE INDEX attendance_by_day ON attendance (day, first_seen);

      CREATE TABLE attendance_corrections (
        id TEXT PRIMARY KEY,
        person_id TEXT NOT NULL,
        day TEXT NOT NULL,
        by_whom TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL,
        before TEXT,
        after TEXT
      ) STRICT;
      CREATE INDEX corrections_by_person ON attendance_corrections (person_id, day);
      CREATE INDEX corrections_by_day ON attendance_corrections (day, at);

      -- The crop stays on the event row; an unknown face points at it.
      CREATE TABLE unknown_faces (
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE REFERENCES events (id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        camera_id TEXT NOT NULL,
        node_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'dismissed')),
        assigned_person_id TEXT REFERENCES people (id) ON DELETE CASCADE,
        decided_at TEXT
      ) STRICT;
      CREATE INDEX unknown_faces_by_status ON unknown_faces (status, at);

      CREATE TABLE nodes (
        id TEXT PRIMARY KEY,
        last_seen TEXT NOT NULL,
        status TEXT NOT NULL
      ) STRICT;

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description:
      'descriptors name their model (fr-feature 512 values, face-api 128); existing ones are face-api',
    // SQLite cannot change a CHECK in place, so the table is rebuilt: copied in rowid order (the
    // gallery's tie-break), then swapped. Nothing references descriptors, so the drop cascades
    // nowhere. The length check follows the model, so a row can never hold another model's size;
    // a new model is a new migration anyway, because its length has to be written here.
    sql: `
      CREATE TABLE descriptors_v2 (
        id TEXT PRIMARY KEY,
        person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        photo_id TEXT NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        model TEXT NOT NULL CHECK (model IN ('fr-feature', 'face-api')),
        created_at TEXT NOT NULL,
        descriptor BLOB NOT NULL CHECK (
          length(descriptor) = CASE model WHEN 'fr-feature' THEN 2048 WHEN 'face-api' THEN 512 END
        )
      ) STRICT;
      INSERT INTO descriptors_v2 (id, person_id, photo_id, model, created_at, descriptor)
        SELECT id, person_id, photo_id, 'face-api', created_at, descriptor FROM descriptors ORDER BY rowid;
      DROP TABLE descriptors;
      ALTER TABLE descriptors_v2 RENAME TO descriptors;
      CREATE INDEX descriptors_by_person ON descriptors (person_id, model, created_at);
      CREATE INDEX descriptors_by_photo ON descriptors (photo_id, model);
      CREATE INDEX descriptors_by_model ON descriptors (model, person_id);
    `,
  },
  {
    version: 3,
    description: 'unknown faces keep whether the camera held them back, and who they came nearest to',
    // A candidate is a reference, not evidence: erasing the person clears it (the erasure plan does
    // so explicitly; the foreign key is the backstop).
    sql: `
      ALTER TABLE unknown_faces ADD COLUMN unconfirmed INTEGER NOT NULL DEFAULT 0 CHECK (unconfirmed IN (0, 1));
      ALTER TABLE unknown_faces ADD COLUMN candidate_person_id TEXT REFERENCES people (id) ON DELETE SET NULL;
      ALTER TABLE unknown_faces ADD COLUMN candidate_distance REAL;
    `,
  },
  {
    version: 4,
    description: 'groups, their members and recurring sessions, and excused sessions',
    // "groups" is an SQL keyword, hence person_groups. A session's definition is JSON (core
    // GroupSession, checked at the store's edge); its start is a column so lists sort in SQL.
    // Excuses are attendance history: no foreign key to people, erased with attendance.
    sql: `
      CREATE TABLE person_groups (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE,
        notes TEXT NOT NULL DEFAULT '',
        min_attendance_rate REAL CHECK (min_attendance_rate BETWEEN 0 AND 1),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE group_members (
        group_id TEXT NOT NULL REFERENCES person_groups (id) ON DELETE CASCADE,
        person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        added_at TEXT NOT NULL,
        PRIMARY KEY (group_id, person_id)
      ) STRICT;
      CREATE INDEX group_members_by_person ON group_members (person_id);

      CREATE TABLE group_sessions (
        id TEXT PRIMARY KEY,
        group_id TEXT NOT NULL REFERENCES person_groups (id) ON DELETE CASCADE,
        start_time TEXT NOT NULL,
        definition TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX group_sessions_by_group ON group_sessions (group_id, start_time);

      CREATE TABLE session_excuses (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES group_sessions (id) ON DELETE CASCADE,
        person_id TEXT NOT NULL,
        day TEXT NOT NULL,
        reason TEXT NOT NULL,
        by_whom TEXT NOT NULL,
        at TEXT NOT NULL,
        UNIQUE (session_id, person_id, day)
      ) STRICT;
      CREATE INDEX session_excuses_by_day ON session_excuses (day, person_id);
    `,
  },
  {
    version: 5,
    description: "webhooks, the events claimed for them, and each hook's delivery log",
    // A hook's events are a JSON array of type names. An event's id is the store's guarantee that
    // it is delivered once (the primary key is the claim); its data stays JSON text, sent as it was
    // made. Delivery rows are ordered by rowid (insertion), which pruning to the newest N keeps.
    sql: `
      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE webhook_events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        created_at TEXT NOT NULL,
        data TEXT NOT NULL,
        dispatched_at TEXT
      ) STRICT;
      CREATE INDEX webhook_events_by_created ON webhook_events (created_at);
      CREATE INDEX webhook_events_undispatched ON webhook_events (created_at) WHERE dispatched_at IS NULL;

      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        hook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        event_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status_code INTEGER,
        error TEXT,
        duration_ms INTEGER NOT NULL,
        at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (hook_id);
    `,
  },
  {
    version: 6,
    description: "events keep the node's own clock reading when the web node corrected their time",
    // Null for every event before (their `at` is the node's reading) and for nodes with sound clocks.
    sql: `
      ALTER TABLE events ADD COLUMN node_at TEXT;
    `,
  },
  {
    version: 7,
    description:
      'people are records: names may repeat, an optional unique external id; deleted people numbered',
    // SQLite cannot drop a UNIQUE in place, so people is rebuilt: copied in rowid order, then
    // swapped. Photos, descriptors, unknown faces and group members reference people by name of
    // table; `migrate` runs with foreign keys off, so dropping the old table cascades nowhere, and
    // checks every reference before it commits. deleted_people numbers the anonymised deletions
    // ("Deleted person #N"); its rows are never deleted, so a number is never given twice.
    sql: `
      CREATE TABLE people_v7 (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE,
        external_id TEXT UNIQUE,
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      INSERT INTO people_v7 (id, name, external_id, notes, created_at, updated_at)
        SELECT id, name, NULL, notes, created_at, updated_at FROM people ORDER BY rowid;
      DROP TABLE people;
      ALTER TABLE people_v7 RENAME TO people;
      CREATE INDEX people_by_name ON people (name, created_at);

      CREATE TABLE deleted_people (
        number INTEGER PRIMARY KEY,
        person_id TEXT NOT NULL UNIQUE,
        deleted_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 8,
    description: "attendance keeps its visits and each camera's times, and counts every sighting",
    // Visits and camera times are JSON text; null on the records before, whose earlier sightings
    // are not known to them (their time present shows as unknown). Those records counted a
    // sighting only at a cooldown from both check-in and check-out, so someone in view all day
    // showed 1: their count is redone from the audit trail, every recognition of the person
    // between the record's first and last seen, unless retention pruned those events (the larger
    // count stays) or someone corrected the record by hand (its times are not the sightings').
    sql: `
      ALTER TABLE attendance ADD COLUMN visits TEXT;
      ALTER TABLE attendance ADD COLUMN cameras TEXT;
      UPDATE attendance SET event_count = max(event_count, (
        SELECT count(*) FROM events
         WHERE events.person_id = attendance.person_id AND events.type IN ('recognized', 'sighting')
           AND events.at >= attendance.first_seen AND events.at <= attendance.last_seen))
       WHERE corrected = 0;
    `,
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * Brings the database to {@link SCHEMA_VERSION} in one IMMEDIATE transaction, so two processes
 * opening the same file (the server and a CLI command) cannot both migrate: the second waits on
 * the write lock, then finds nothing to do. A database from a newer build is refused untouched.
 *
 * @returns the versions applied, oldest first.
 * @throws RollcallError `STORE_SCHEMA_TOO_NEW` when the file's version is above {@link SCHEMA_VERSION}.
 */
export function migrate(db: Database, now: () => Date, migrations = MIGRATIONS): number[] {
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  // A migration that rebuilds a table (SQLite's way to change a constraint) drops it, and with
  // foreign keys on, the drop would cascade to every row that references it. So migrations run with
  // foreign keys off (the pragma cannot change inside a transaction), and the references are
  // checked before commit instead: a migration that broke one is rolled back.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) === 1;
  if (foreignKeys) db.pragma('foreign_keys = OFF');
  try {
    return migrateInTransaction(db, now, migrations, latest);
  } finally {
    if (foreignKeys) db.pragma('foreign_keys = ON');
  }
}

function migrateInTransaction(
  db: Database,
  now: () => Date,
  migrations: readonly Migration[],
  latest: number,
): number[] {
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      description TEXT NOT NULL,
      applied_at TEXT NOT NULL
    ) STRICT`);
    const row = db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as {
      version: number | null;
    };
    const current = row.version ?? 0;
    if (current > latest) {
      throw new RollcallError(
        ErrorCode.StoreSchemaTooNew,
        `the database is at schema version ${current}, newer than this Rollcall's ${latest}; ` +
          'upgrade Rollcall or restore a backup made by this version',
      );
    }
    const insert = db.prepare(
      'INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)',
    );
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      insert.run(migration.version, migration.description, now().toISOString());
      applied.push(migration.version);
    }
    const broken =
      applied.length === 0 ? [] : (db.pragma('foreign_key_check') as { table: string; parent: string }[]);
    if (broken.length > 0) {
      const first = broken[0];
      throw new RollcallError(
        ErrorCode.StoreUnavailable,
        `migrating the database broke ${broken.length} reference(s), first ${first?.table} → ${first?.parent}; nothing was changed`,
      );
    }
    return applied;
  });
  return run.immediate();
}
