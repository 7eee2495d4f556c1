/**
 * `/api/v1/unknown-faces`: review of faces nobody could name (admin only). Assigning one enrolls its
 * crop for a person and answers the training job to follow; dismissing one closes it.
 */
import { Router } from 'express';
import { ErrorCode, RollcallError } from '../core/index.js';
import type { Store, UnknownFace } from '../store/index.js';
import { fields, invalid, nameField, optionalString, routeId, STORE_ID } from './body.js';
import { parseChoice, parsePage } from './query.js';
import type { UnknownFacesPort } from './types.js';
import { sniffImageType } from './uploads.js';

export function createUnknownFacesRouter(deps: { store: Store; unknownFaces: UnknownFacesPort }): Router {
  const { store } = deps;
  const router = Router();

  /** The face with the name of the person it was assigned to, for the review list. */
  async function faceView(face: UnknownFace, names: Map<string, string | null>) {
    const id = face.assignedPersonId;
    if (id !== null && !names.has(id)) names.set(id, (await store.getPerson(id))?.name ?? null);
    return { ...face, assignedPersonName: id === null ? null : (names.get(id) ?? null) };
  }

  router.get('/unknown-faces', async (req, res) => {
    const status = parseChoice(req.query, 'status', ['open', 'assigned', 'dismissed'] as const);
    const page = await store.listUnknownFaces({ ...parsePage(req.query), ...(status ? { status } : {}) });
    const names = new Map<string, string | null>();
    const faces = [];
    for (const face of page.items) faces.push(await faceView(face, names));
    res.json({ faces, nextOffset: page.nextOffset });
  });

  router.get('/unknown-faces/:id/crop.jpg', async (req, res) => {
    const id = routeId(req, STORE_ID);
    const crop = await store.getUnknownFaceCrop(id);
    if (!crop) throw new RollcallError(ErrorCode.NotFound, `no picture for unknown face ${id}`);
    // Crops come from the nodes as JPEG; the type is still read from the bytes, never assumed.
    res
      .type(sniffImageType(crop) ?? 'application/octet-stream')
      .set('Cache-Control', 'private, max-age=3600')
      .send(Buffer.from(crop));
  });

  router.post('/unknown-faces/:id/assign', async (req, res) => {
    const id = routeId(req, STORE_ID);
    const body = fields(req.body);
    const personId = optionalString(body, 'personId');
    if (personId !== undefined && body.name !== undefined) {
      throw invalid('give either personId (someone enrolled) or name (a new person), not both');
    }
    if (personId === undefined && body.name === undefined) {
      throw invalid('personId or name: say whom this face belongs to');
    }
    if (personId !== undefined && !STORE_ID.test(personId)) throw invalid('personId: not a valid id');
    const target = personId !== undefined ? { personId } : { name: nameField(body) };
    const { face, person, jobId } = await deps.unknownFaces.assign(id, target);
    res
      .status(202)
      .location(`/api/v1/jobs/${encodeURIComponent(jobId)}`)
      .json({ face: { ...face, assignedPersonName: person.name }, person, jobId });
  });

  router.post('/unknown-faces/:id/dismiss', async (req, res) => {
    const face = await deps.unknownFaces.dismiss(routeId(req, STORE_ID));
    res.json({ face: { ...face, assignedPersonName: null } });
  });

  return router;
}
