/**
 * `/api/v1/people` (admin only): the gallery, one person with their photos, the photos' thumbnails,
 * enrolling (by name) and adding photos (by id), and erasing a photo or a person. Uploads are
 * parsed here; a file that is not a usable photo is answered in `refused`, the rest are trained.
 */
import { Router } from 'express';
import type { PeopleAnswer, PersonAnswer, PhotoRemovedAnswer, UploadAnswer } from './api-views.js';
import { STORE_ID, nameField, routeId } from './body.js';
import { parsePage } from './query.js';
import type { EnrollmentPort, PeoplePort } from './types.js';
import { photoReceiver, type UploadLimits } from './uploads.js';

export interface PeopleRoutesDeps {
  people: PeoplePort;
  enrollment: EnrollmentPort;
  uploads: UploadLimits;
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
    const { person, jobId } = await deps.enrollment.enroll(
      name,
      photos.map(({ fileName, bytes }) => ({ fileName, bytes })),
    );
    accepted(res, { person, jobId, refused });
  });

  router.get('/people', async (req, res) => {
    const page = await deps.people.list(parsePage(req.query));
    res.json({ people: page.items, nextOffset: page.nextOffset } satisfies PeopleAnswer);
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
    const { galleryVersion } = await deps.enrollment.remove(id);
    res.json({ id, erased: true, galleryVersion });
  });

  return router;
}
