/**
 * Unknown faces and their review in SQLite: each face is a recognition event (its crop) plus its
 * review state.
 */
import type { UnknownFaceDecision, UnknownFaceStatus } from '../../core/index.js';
import type { CheckedPage, UnknownFacesAdapter } from '../adapter.js';
import type { ReceivedEvent, RecordUnknownFaceResult, UnknownFace, UnknownFaceRule } from '../store.js';
import { conflict, notFound } from '../validate.js';
import { insertEvent } from './attendance.sqlite.js';
import { asBytes, type SqliteConnection } from './connection.sqlite.js';

interface UnknownFaceRow {
  id: string;
  event_id: string;
  at: string;
  camera_id: string;
  node_id: string;
  status: UnknownFace['status'];
  assigned_person_id: string | null;
  decided_at: string | null;
  has_crop: number;
  unconfirmed: number;
  candidate_person_id: string | null;
  candidate_name: string | null;
  candidate_distance: number | null;
}

const UNKNOWN_COLUMNS = `u.id, u.event_id, u.at, u.camera_id, u.node_id, u.status, u.assigned_person_id,
  u.decided_at, e.crop IS NOT NULL AS has_crop, u.unconfirmed, u.candidate_person_id, u.candidate_distance,
  (SELECT name FROM people WHERE id = u.candidate_person_id) AS candidate_name`;

const toUnknownFace = (r: UnknownFaceRow): UnknownFace => ({
  id: r.id,
  eventId: r.event_id,
  at: r.at,
  cameraId: r.camera_id,
  nodeId: r.node_id,
  hasCrop: r.has_crop !== 0,
  status: r.status,
  assignedPersonId: r.assigned_person_id,
  decidedAt: r.decided_at,
  unconfirmed: r.unconfirmed !== 0,
  candidate:
    r.candidate_person_id !== null && r.candidate_name !== null && r.candidate_distance !== null
      ? { personId: r.candidate_person_id, name: r.candidate_name, distance: r.candidate_distance }
      : null,
});

export class SqliteUnknownFaces implements UnknownFacesAdapter {
  constructor(private readonly db: SqliteConnection) {}

  recordUnknownFace(event: ReceivedEvent): RecordUnknownFaceResult {
    return this.db.write((): RecordUnknownFaceResult => {
      const inserted = insertEvent(this.db, event, true);
      if (inserted) {
        // A candidate erased (or never known here) before the event arrived is not kept.
        const candidate = event.candidate ?? null;
        const candidateKnown = candidate !== null && this.db.personExists(candidate.personId);
        this.db
          .sql(
            `INSERT INTO unknown_faces (id, event_id, at, camera_id, node_id, status, unconfirmed,
             candidate_person_id, candidate_distance)
             VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?)`,
          )
          .run(
            this.db.newId(),
            event.id,
            event.at,
            event.cameraId,
            event.nodeId,
            event.unconfirmed === true ? 1 : 0,
            candidateKnown ? candidate.personId : null,
            candidateKnown ? candidate.distance : null,
          );
      }
      const row = this.db
        .sql(
          `SELECT ${UNKNOWN_COLUMNS} FROM unknown_faces u JOIN events e ON e.id = u.event_id WHERE u.event_id = ?`,
        )
        .get(event.id) as UnknownFaceRow | undefined;
      // The event was stored before, through insertEventOnce, without a face to review.
      if (!row) throw conflict(`event ${event.id} is already stored and is not an open unknown face`);
      return { inserted, face: toUnknownFace(row) };
    });
  }

  private unknownFace(id: string): UnknownFaceRow | undefined {
    return this.db
      .sql(`SELECT ${UNKNOWN_COLUMNS} FROM unknown_faces u JOIN events e ON e.id = u.event_id WHERE u.id = ?`)
      .get(id) as UnknownFaceRow | undefined;
  }

  getUnknownFace(id: string): UnknownFace | null {
    const row = this.unknownFace(id);
    return row ? toUnknownFace(row) : null;
  }

  getUnknownFaceCrop(id: string): Uint8Array | null {
    const row = this.db
      .sql('SELECT e.crop FROM unknown_faces u JOIN events e ON e.id = u.event_id WHERE u.id = ?')
      .get(id) as { crop: Buffer | null } | undefined;
    return asBytes(row?.crop);
  }

  listUnknownFaces(status: UnknownFaceStatus | null, { limit, offset }: CheckedPage): UnknownFace[] {
    const rows = this.db
      .sql(
        `SELECT ${UNKNOWN_COLUMNS} FROM unknown_faces u JOIN events e ON e.id = u.event_id
         WHERE @status IS NULL OR u.status = @status ORDER BY u.at DESC, u.id DESC LIMIT @limit OFFSET @offset`,
      )
      .all({ status, limit: limit + 1, offset }) as UnknownFaceRow[];
    return rows.map(toUnknownFace);
  }

  decideUnknownFace(id: string, decision: UnknownFaceDecision, rule: UnknownFaceRule): UnknownFace {
    return this.db.write(() => {
      const row = this.unknownFace(id);
      if (!row) throw notFound(`no unknown face with id ${id}`);
      if (rule(toUnknownFace(row), decision) === 'unchanged') return toUnknownFace(row);
      const personId = decision.status === 'assigned' ? decision.personId : null;
      if (personId !== null && !this.db.personExists(personId))
        throw notFound(`no person with id ${personId}`);
      this.db
        .sql('UPDATE unknown_faces SET status = ?, assigned_person_id = ?, decided_at = ? WHERE id = ?')
        .run(decision.status, personId, decision.status === 'open' ? null : this.db.nowIso(), id);
      return toUnknownFace(this.unknownFace(id) as UnknownFaceRow);
    });
  }
}
