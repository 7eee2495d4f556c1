/**
 * `/api/v1/unknown-faces`: review of faces nobody could name (admin only). Assigning one enrolls its
 * crop for a person and answers the training job to follow; dismissing one closes it. A face goes
 * to someone enrolled (`personId`, or a `name` exactly one person has), or to a new person only
 * with `createPerson: true`: a mistyped name is refused (422 `PERSON_NAME_UNKNOWN`), a shared one
 * asks for the id (409 `PERSON_NAME_AMBIGUOUS`).
 */
import { Router } from 'express';
import type { AssignAnswer, UnknownFacesAnswer } from './api-views.js';
import { fields, invalid, nameField, optionalString, routeId, STORE_ID } from './body.js';
import { parseChoice, parsePage } from './query.js';
import type { UnknownFacesPort } from './types.js';
import { sniffImageType } from './uploads.js';

export function createUnknownFacesRouter(deps: { unknownFaces: UnknownFacesPort }): Router {
  const router = Router();

  router.get('/unknown-faces', async (req, res) => {
    const status = parseChoice(req.query, 'status', ['open', 'assigned', 'dismissed'] as const);
    const page = await deps.unknownFaces.list({ ...parsePage(req.query), ...(status ? { status } : {}) });
    res.json({ faces: page.items, nextOffset: page.nextOffset } satisfies UnknownFacesAnswer);
  });

  router.get('/unknown-faces/:id/crop.jpg', async (req, res) => {
    const crop = await deps.unknownFaces.crop(routeId(req, STORE_ID));
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
    const createPerson = body.createPerson;
    if (createPerson !== undefined && typeof createPerson !== 'boolean') {
      throw invalid('createPerson: must be true or false');
    }
    if (createPerson === true && personId !== undefined) {
      throw invalid('createPerson: a new person needs a name, not a personId');
    }
    const target =
      personId !== undefined ? { personId } : { name: nameField(body), createPerson: createPerson === true };
    const { face, person, jobId } = await deps.unknownFaces.assign(id, target);
    res
      .status(202)
      .location(`/api/v1/jobs/${encodeURIComponent(jobId)}`)
      .json({ face: { ...face, assignedPersonName: person.name }, person, jobId } satisfies AssignAnswer);
  });

  router.post('/unknown-faces/:id/dismiss', async (req, res) => {
    const face = await deps.unknownFaces.dismiss(routeId(req, STORE_ID));
    res.json({ face: { ...face, assignedPersonName: null } });
  });

  return router;
}
