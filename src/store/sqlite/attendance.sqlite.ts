/**
 * Recognition events, attendance records and their corrections in SQLite.
 */
import {
  correctRecord,
  recordSighting,
  type CameraSeen,
  type RecognitionEvent,
  type Visit,
} from '../../core/index.js';
import type {
  AttendanceAdapter,
  AttendanceFilter,
  CheckedPage,
  CorrectionFilter,
  EventFilter,
  Sighting,
} from '../adapter.js';
import type {
  AttendanceCorrection,
  ReceivedEvent,
  RecordAttendanceResult,
  StoredAttendance,
  StoredEvent,
} from '../store.js';
import type { CheckedCorrection } from '../validate.js';
import { asBuffer, asBytes, type SqliteConnection } from './connection.sqlite.js';

interface EventRow {
  id: string;
  type: RecognitionEvent['type'];
  node_id: string;
  camera_id: string;
  track_id: string;
  person_id: string | null;
  distance: number | null;
  thresholds: string;
  votes: number | null;
  at: string;
  box: string;
  frame_width: number;
  frame_height: number;
  model: string;
  backend: string;
  received_at: string;
  node_at: string | null;
  has_crop: number;
}

interface AttendanceRow {
  person_id: string;
  day: string;
  person_name: string;
  first_seen: string;
  last_seen: string;
  first_camera_id: string;
  last_camera_id: string;
  node_id: string;
  event_count: number;
  corrected: number;
  visits: string | null;
  cameras: string | null;
}

interface CorrectionRow {
  id: string;
  person_id: string;
  day: string;
  by_whom: string;
  reason: string;
  at: string;
  before: string | null;
  after: string | null;
}

const EVENT_COLUMNS = `id, type, node_id, camera_id, track_id, person_id, distance, thresholds, votes, at, box,
  frame_width, frame_height, model, backend, received_at, node_at, crop IS NOT NULL AS has_crop`;

const toEvent = (r: EventRow): StoredEvent => ({
  id: r.id,
  type: r.type,
  nodeId: r.node_id,
  cameraId: r.camera_id,
  trackId: r.track_id,
  personId: r.person_id,
  distance: r.distance,
  thresholds: JSON.parse(r.thresholds) as StoredEvent['thresholds'],
  votes: r.votes,
  at: r.at,
  box: JSON.parse(r.box) as StoredEvent['box'],
  frameWidth: r.frame_width,
  frameHeight: r.frame_height,
  model: r.model,
  backend: r.backend,
  hasCrop: r.has_crop !== 0,
  receivedAt: r.received_at,
  ...(r.node_at === null ? {} : { nodeAt: r.node_at }),
});

const toAttendance = (r: AttendanceRow): StoredAttendance => ({
  personId: r.person_id,
  day: r.day,
  personName: r.person_name,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  firstCameraId: r.first_camera_id,
  lastCameraId: r.last_camera_id,
  nodeId: r.node_id,
  eventCount: r.event_count,
  visits: r.visits === null ? null : (JSON.parse(r.visits) as Visit[]),
  cameras: r.cameras === null ? null : (JSON.parse(r.cameras) as Record<string, CameraSeen>),
  corrected: r.corrected !== 0,
});

const toCorrection = (r: CorrectionRow): AttendanceCorrection => ({
  id: r.id,
  personId: r.person_id,
  day: r.day,
  by: r.by_whom,
  reason: r.reason,
  at: r.at,
  before: r.before === null ? null : (JSON.parse(r.before) as StoredAttendance),
  after: r.after === null ? null : (JSON.parse(r.after) as StoredAttendance),
});

/** Inserts the event unless its id exists; the caller holds the transaction when it needs one. */
export function insertEvent(db: SqliteConnection, event: ReceivedEvent, keepCrop: boolean): boolean {
  const crop = keepCrop && event.crop ? asBuffer(event.crop) : null;
  return (
    db
      .sql(
        `INSERT INTO events (id, type, node_id, camera_id, track_id, person_id, distance, thresholds, votes, at,
           box, frame_width, frame_height, model, backend, received_at, node_at, crop)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
      )
      .run(
        event.id,
        event.type,
        event.nodeId,
        event.cameraId,
        event.trackId,
        event.personId,
        event.distance,
        JSON.stringify({ match: event.thresholds.match, unknown: event.thresholds.unknown }),
        event.votes,
        event.at,
        JSON.stringify({
          x: event.box.x,
          y: event.box.y,
          width: event.box.width,
          height: event.box.height,
        }),
        event.frameWidth,
        event.frameHeight,
        event.model,
        event.backend,
        db.nowIso(),
        event.nodeAt ?? null,
        crop,
      ).changes === 1
  );
}

export class SqliteAttendance implements AttendanceAdapter {
  constructor(private readonly db: SqliteConnection) {}

  insertEventOnce(event: ReceivedEvent): boolean {
    return this.db.write(() => {
      // A face of someone already erased is not stored again.
      const keepCrop = event.personId === null || this.db.personExists(event.personId);
      return insertEvent(this.db, event, keepCrop);
    });
  }

  recordAttendance({ event, personId, day, rules }: Sighting): RecordAttendanceResult {
    return this.db.write((): RecordAttendanceResult => {
      const person = this.db.sql('SELECT name FROM people WHERE id = ?').get(personId) as
        { name: string } | undefined;
      const existing = this.db
        .sql('SELECT * FROM attendance WHERE person_id = ? AND day = ?')
        .get(personId, day) as AttendanceRow | undefined;
      const inserted = insertEvent(this.db, event, person !== undefined);
      const { record, write } = recordSighting(
        existing ? toAttendance(existing) : null,
        { personName: person?.name ?? null, newEvent: inserted },
        { personId, at: event.at, cameraId: event.cameraId, nodeId: event.nodeId },
        rules,
      );
      return { inserted, attendance: write && record ? this.saveAttendance(record) : record };
    });
  }

  /** Writes a record as the core rules made it, over the one stored for its person and day. */
  private saveAttendance(record: StoredAttendance): StoredAttendance {
    const row = this.db
      .sql(
        `INSERT INTO attendance (person_id, day, person_name, first_seen, last_seen, first_camera_id,
           last_camera_id, node_id, event_count, corrected, visits, cameras)
         VALUES (@personId, @day, @personName, @firstSeen, @lastSeen, @firstCameraId, @lastCameraId,
           @nodeId, @eventCount, @corrected, @visits, @cameras)
         ON CONFLICT (person_id, day) DO UPDATE SET
           person_name = excluded.person_name, first_seen = excluded.first_seen,
           last_seen = excluded.last_seen, first_camera_id = excluded.first_camera_id,
           last_camera_id = excluded.last_camera_id, node_id = excluded.node_id,
           event_count = excluded.event_count, corrected = excluded.corrected,
           visits = excluded.visits, cameras = excluded.cameras
         RETURNING *`,
      )
      .get({
        ...record,
        corrected: record.corrected ? 1 : 0,
        visits: record.visits === null ? null : JSON.stringify(record.visits),
        cameras: record.cameras === null ? null : JSON.stringify(record.cameras),
      }) as AttendanceRow;
    return toAttendance(row);
  }

  getEvent(id: string): StoredEvent | null {
    const row = this.db.sql(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`).get(id) as
      EventRow | undefined;
    return row ? toEvent(row) : null;
  }

  getEventCrop(id: string): Uint8Array | null {
    const row = this.db.sql('SELECT crop FROM events WHERE id = ?').get(id) as
      { crop: Buffer | null } | undefined;
    return asBytes(row?.crop);
  }

  listEvents(filter: EventFilter, { limit, offset }: CheckedPage): StoredEvent[] {
    const where: string[] = [];
    const values: string[] = [];
    if (filter.from !== undefined) {
      where.push('at >= ?');
      values.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('at < ?');
      values.push(filter.to);
    }
    if (filter.personId !== undefined) {
      where.push('person_id = ?');
      values.push(filter.personId);
    }
    if (filter.type !== undefined) {
      where.push('type = ?');
      values.push(filter.type);
    }
    const rows = this.db
      .sql(
        `SELECT ${EVENT_COLUMNS} FROM events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY at, id LIMIT ? OFFSET ?`,
      )
      .all(...values, limit + 1, offset) as EventRow[];
    return rows.map(toEvent);
  }

  pruneEventCrops(before: string): number {
    return this.db
      .sql(
        `UPDATE events SET crop = NULL WHERE at < ? AND crop IS NOT NULL
         AND id NOT IN (SELECT event_id FROM unknown_faces WHERE status = 'open')`,
      )
      .run(before).changes;
  }

  getAttendance(personId: string, day: string): StoredAttendance | null {
    const row = this.db.sql('SELECT * FROM attendance WHERE person_id = ? AND day = ?').get(personId, day) as
      AttendanceRow | undefined;
    return row ? toAttendance(row) : null;
  }

  listAttendance(
    { from, to, personId }: AttendanceFilter,
    { limit, offset }: CheckedPage,
  ): StoredAttendance[] {
    const values: (string | number)[] = [from, to];
    let personFilter = '';
    if (personId !== undefined) {
      personFilter = 'AND person_id = ?';
      values.push(personId);
    }
    const rows = this.db
      .sql(
        `SELECT * FROM attendance WHERE day >= ? AND day <= ? ${personFilter}
         ORDER BY day, first_seen, person_id LIMIT ? OFFSET ?`,
      )
      .all(...values, limit + 1, offset) as AttendanceRow[];
    return rows.map(toAttendance);
  }

  correctAttendance(correction: CheckedCorrection): AttendanceCorrection {
    const { personId, day, by, reason, times } = correction;
    return this.db.write((): AttendanceCorrection => {
      const existing = this.db
        .sql('SELECT * FROM attendance WHERE person_id = ? AND day = ?')
        .get(personId, day) as AttendanceRow | undefined;
      const before = existing ? toAttendance(existing) : null;
      const person = this.db.sql('SELECT name FROM people WHERE id = ?').get(personId) as
        { name: string } | undefined;
      const next = correctRecord(before, times, { personId, day, personName: person?.name ?? null });
      let after: StoredAttendance | null = null;
      if (next === null) {
        this.db.sql('DELETE FROM attendance WHERE person_id = ? AND day = ?').run(personId, day);
      } else {
        after = this.saveAttendance(next);
      }
      const row = this.db
        .sql(
          `INSERT INTO attendance_corrections (id, person_id, day, by_whom, reason, at, before, after)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(
          this.db.newId(),
          personId,
          day,
          by,
          reason,
          this.db.nowIso(),
          before === null ? null : JSON.stringify(before),
          after === null ? null : JSON.stringify(after),
        ) as CorrectionRow;
      return toCorrection(row);
    });
  }

  listCorrections(filter: CorrectionFilter, { limit, offset }: CheckedPage): AttendanceCorrection[] {
    const where: string[] = [];
    const values: string[] = [];
    if (filter.personId !== undefined) {
      where.push('person_id = ?');
      values.push(filter.personId);
    }
    if (filter.from !== undefined) {
      where.push('day >= ?');
      values.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('day <= ?');
      values.push(filter.to);
    }
    const rows = this.db
      .sql(
        `SELECT * FROM attendance_corrections ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY at, rowid LIMIT ? OFFSET ?`,
      )
      .all(...values, limit + 1, offset) as CorrectionRow[];
    return rows.map(toCorrection);
  }
}
