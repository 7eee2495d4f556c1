/**
 * `/api/v1/people` (admin only): the gallery (or everyone of one name), one person with their
 * photos, the photos' thumbnails, enrolling a new person (always new: names may repeat), adding
 * photos (by id), changing a name or external id, and erasing a photo or a person (their
 * attendance erased or kept anonymised). Uploads are parsed here; a file that is not a usable
 * photo is answered in `refused`, the rest are trained.
 */
import { Router } from 'express';
import { DEFAULT_ATTENDANCE_ON_DELETE } from '../services/index.js';
import type {
  PeopleAnswer,
  PersonAnswer,
  PersonRemovedAnswer,
  PersonUpdatedAnswer,
  PhotoRemovedAnswer,
  UploadAnswer,
} from './api-views.js';
import { STORE_ID, fields, invalid, nameField, routeId } from './body.js';
import { parseChoice, parsePage, single } from './query.js';
import type { EnrollmentPort, PeoplePort } from './types.js';
import { photoReceiver, type UploadLimits } from './uploads.js';

export interface PeopleRoutesDeps {
  people: PeoplePort;
  enrollment: EnrollmentPort;
  uploads: UploadLimits;
}

/**
 * `externalId` from a form or JSON body: undefined when absent, null when sent empty or null (no
 * external id), else trimmed text.
 */
function externalIdField(body: unknown): string | null | undefined {
  const raw =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>).externalId : undefined;
  if (raw === undefined) return undefined;
  if (raw === null) return null;
  if (typeof raw !== 'string') throw invalid('externalId: give it once, as plain text');
  if (raw.trim() === '') return null;
  return nameField({ externalId: raw }, 'externalId', 'the external id');
}

export function createPeopleRouter(deps: PeopleRoutesDeps): Router {
  const router = Router();
  const receivePhotos = photoReceiver(deps.uploads);

  const accepted = (res: import('express').Response, answer: UploadAnswer): void => {
    res
      .status(202)
      .location(`/api/v1/jobs/${encodeURIComponent(answer.jobId)}`)
      .json(answer);
  };

  router.post('/people', async (req, res) => {
    const { photos, refused } = await receivePhotos(req, res);
    const name = nameField(req.body);
    const externalId = externalIdField(req.body) ?? null;
    const { person, jobId } = await deps.enrollment.enroll(
      { name, externalId },
      photos.map(({ fileName, bytes }) => ({ fileName, bytes })),
    );
    accepted(res, { person, jobId, refused });
  });

  router.get('/people', async (req, res) => {
    const name = single(req.query, 'name');
    if (name !== undefined) {
      // Everyone of this name, on one page: the "is this one of them?" question before enrolling.
      const people = await deps.people.named(nameField({ name }));
      res.json({ people, nextOffset: null } satisfies PeopleAnswer);
      return;
    }
    const page = await deps.people.list(parsePage(req.query));
    res.json({ people: page.items, nextOffset: page.nextOffset } satisfies PeopleAnswer);
  });

  router.patch('/people/:id', async (req, res) => {
    const id = routeId(req, STORE_ID);
    const body = fields(req.body);
    const name = body.name === undefined ? undefined : nameField(body);
    const externalId = externalIdField(body);
    if (name === undefined && externalId === undefined) {
      throw invalid('name or externalId: say what to change');
    }
    const person = await deps.enrollment.update(id, {
      ...(name === undefined ? {} : { name }),
      ...(externalId === undefined ? {} : { externalId }),
    });
    res.json({ person } satisfies PersonUpdatedAnswer);
  });

  router.get('/people/:id', async (req, res) => {
    res.json({ person: await deps.people.get(routeId(req, STORE_ID)) } satisfies PersonAnswer);
  });

  router.post('/people/:id/photos', async (req, res) => {
    const id = routeId(req, STORE_ID);
    const { photos, refused } = await receivePhotos(req, res);
    const { person, jobId } = await deps.enrollment.addPhotosTo(
      id,
      photos.map(({ fileName, bytes }) => ({ fileName, bytes })),
    );
    accepted(res, { person, jobId, refused });
  });

  router.get('/people/:id/photos/:photoId/thumbnail.jpg', async (req, res) => {
    const thumbnail = await deps.people.thumbnail(routeId(req, STORE_ID), routeId(req, STORE_ID, 'photoId'));
    // Revalidated each time, answered 304 while unchanged; private: it is someone's face.
    res.set({ ETag: thumbnail.etag, 'Cache-Control': 'private, no-cache' });
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.type('image/jpeg').send(await thumbnail.render());
  });

  router.delete('/people/:id/photos/:photoId', async (req, res) => {
    const personId = routeId(req, STORE_ID);
    const id = routeId(req, STORE_ID, 'photoId');
    const { galleryVersion } = await deps.enrollment.removePhoto(personId, id);
    res.json({ id, personId, erased: true, galleryVersion } satisfies PhotoRemovedAnswer);
  });

  router.delete('/people/:id', async (req, res) => {
    const id = routeId(req, STORE_ID);
    const attendance =
      parseChoice(req.query, 'attendance', ['erase', 'anonymise'] as const) ?? DEFAULT_ATTENDANCE_ON_DELETE;
    const removed = await deps.enrollment.remove(id, attendance);
    res.json({
      id,
      erased: true,
      galleryVersion: removed.galleryVersion,
      attendance: removed.attendance,
      attendanceRecords: removed.attendanceRecords,
      anonymisedAs: removed.anonymisedAs,
    } satisfies PersonRemovedAnswer);
  });

  return router;
}
