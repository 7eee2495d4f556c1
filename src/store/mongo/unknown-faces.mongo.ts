/**
 * Unknown faces and their review in MongoDB: each face points at its recognition event (its
 * crop).
 */
import type { UnknownFaceDecision, UnknownFaceStatus } from '../../core/index.js';
import type { CheckedPage, UnknownFacesAdapter } from '../adapter.js';
import type { ReceivedEvent, RecordUnknownFaceResult, UnknownFace, UnknownFaceRule } from '../store.js';
import { conflict, notFound } from '../validate.js';
import { insertEvent } from './attendance.mongo.js';
import { asBytes, type MongoConnection } from './connection.mongo.js';
import type { Session, UnknownFaceDoc } from './documents.mongo.js';

/** `names`: the names of the candidates, by person id (see `candidateNames`). */
const toUnknownFace = (
  d: UnknownFaceDoc,
  hasCrop: boolean,
  names: ReadonlyMap<string, string>,
): UnknownFace => {
  const name = d.candidatePersonId ? names.get(d.candidatePersonId) : undefined;
  return {
    id: d._id,
    eventId: d.eventId,
    at: d.at,
    cameraId: d.cameraId,
    nodeId: d.nodeId,
    hasCrop,
    status: d.status,
    assignedPersonId: d.assignedPersonId,
    decidedAt: d.decidedAt,
    unconfirmed: d.unconfirmed ?? false,
    candidate:
      d.candidatePersonId && name !== undefined && typeof d.candidateDistance === 'number'
        ? { personId: d.candidatePersonId, name, distance: d.candidateDistance }
        : null,
  };
};

export class MongoUnknownFaces implements UnknownFacesAdapter {
  constructor(private readonly db: MongoConnection) {}

  private async hasCrop(eventId: string, session?: Session): Promise<boolean> {
    const found = await this.db.events.countDocuments(
      { _id: eventId, crop: { $ne: null } },
      session ? { session, limit: 1 } : { limit: 1 },
    );
    return found > 0;
  }

  /** The names of the candidates of `faces` (people erased since are simply missing). */
  private async candidateNames(
    faces: readonly UnknownFaceDoc[],
    session?: Session,
  ): Promise<Map<string, string>> {
    const ids = [...new Set(faces.flatMap((f) => (f.candidatePersonId ? [f.candidatePersonId] : [])))];
    if (ids.length === 0) return new Map();
    const people = await this.db.people
      .find({ _id: { $in: ids } }, { session, projection: { name: 1 } })
      .toArray();
    return new Map(people.map((p) => [p._id, p.name]));
  }

  recordUnknownFace(event: ReceivedEvent): Promise<RecordUnknownFaceResult> {
    return this.db.write(async (session): Promise<RecordUnknownFaceResult> => {
      const inserted = await insertEvent(this.db, event, true, session);
      if (inserted) {
        // A candidate erased (or never known here) before the event arrived is not kept.
        const candidate = event.candidate ?? null;
        const known = candidate !== null && (await this.db.personExists(candidate.personId, session));
        await this.db.unknownFaces.insertOne(
          {
            _id: this.db.newId(),
            eventId: event.id,
            at: event.at,
            cameraId: event.cameraId,
            nodeId: event.nodeId,
            status: 'open',
            assignedPersonId: null,
            decidedAt: null,
            unconfirmed: event.unconfirmed === true,
            candidatePersonId: known ? candidate.personId : null,
            candidateDistance: known ? candidate.distance : null,
          },
          { session },
        );
      }
      const face = await this.db.unknownFaces.findOne({ eventId: event.id }, { session });
      // The event was stored before, through insertEventOnce, without a face to review.
      if (!face) throw conflict(`event ${event.id} is already stored and is not an open unknown face`);
      return {
        inserted,
        face: toUnknownFace(
          face,
          await this.hasCrop(face.eventId, session),
          await this.candidateNames([face], session),
        ),
      };
    });
  }

  async getUnknownFace(id: string): Promise<UnknownFace | null> {
    const face = await this.db.unknownFaces.findOne({ _id: id });
    return face
      ? toUnknownFace(face, await this.hasCrop(face.eventId), await this.candidateNames([face]))
      : null;
  }

  async getUnknownFaceCrop(id: string): Promise<Uint8Array | null> {
    const face = await this.db.unknownFaces.findOne({ _id: id });
    if (!face) return null;
    const event = await this.db.events.findOne({ _id: face.eventId }, { projection: { crop: 1 } });
    return asBytes(event?.crop);
  }

  async listUnknownFaces(
    status: UnknownFaceStatus | null,
    { limit, offset }: CheckedPage,
  ): Promise<UnknownFace[]> {
    const docs = await this.db.unknownFaces
      .find(status === null ? {} : { status })
      .sort({ at: -1, _id: -1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    const withCrop = new Set(
      await this.db.events.distinct('_id', { _id: { $in: docs.map((d) => d.eventId) }, crop: { $ne: null } }),
    );
    const names = await this.candidateNames(docs);
    return docs.map((d) => toUnknownFace(d, withCrop.has(d.eventId), names));
  }

  /**
   * Two decisions on one face both write its document, so the later transaction conflicts and is
   * retried, and its rule then sees the first decision.
   */
  decideUnknownFace(id: string, decision: UnknownFaceDecision, rule: UnknownFaceRule): Promise<UnknownFace> {
    return this.db.write(async (session) => {
      const face = await this.db.unknownFaces.findOne({ _id: id }, { session });
      if (!face) throw notFound(`no unknown face with id ${id}`);
      const hasCrop = await this.hasCrop(face.eventId, session);
      const names = await this.candidateNames([face], session);
      if (rule(toUnknownFace(face, hasCrop, names), decision) === 'unchanged') {
        return toUnknownFace(face, hasCrop, names);
      }
      const personId = decision.status === 'assigned' ? decision.personId : null;
      if (personId !== null && !(await this.db.personExists(personId, session))) {
        throw notFound(`no person with id ${personId}`);
      }
      const next: UnknownFaceDoc = {
        ...face,
        status: decision.status,
        assignedPersonId: personId,
        decidedAt: decision.status === 'open' ? null : this.db.nowIso(),
      };
      await this.db.unknownFaces.replaceOne({ _id: id }, next, { session });
      return toUnknownFace(next, hasCrop, names);
    });
  }
}
