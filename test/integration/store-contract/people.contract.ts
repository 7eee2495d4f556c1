/**
 * The `PeopleRepository` contract: people, photos, descriptors and the gallery, as every adapter must keep them.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe } from 'node:test';
import { ErrorCode } from '../../../src/core/index.js';
import type { Store } from '../../../src/store/index.js';
import {
  bytes,
  descriptor,
  makeEvent,
  rejectsWithCode,
  UTC,
  contractIt,
  type StoreContractOptions,
} from './support.js';

export function peopleContract(
  name: string,
  create: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  const it = contractIt(options);
  describe(`PeopleRepository contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    async function person(personName: string): Promise<string> {
      return (await store.createPerson({ name: personName })).person.id;
    }

    describe('people', () => {
      it('creates, finds, lists and renames people', async () => {
        const created = await store.createPerson({ name: 'Ada Lovelace', notes: 'maths' });
        const ada = created.person;
        assert.equal(ada.notes, 'maths');
        assert.equal(ada.externalId, null);
        assert.equal(ada.createdAt, ada.updatedAt);
        assert.deepEqual(await store.getPerson(ada.id), ada);
        assert.deepEqual(await store.getPersonByName('ada lovelace'), ada);
        assert.equal(await store.getPersonByName('Grace'), null);
        assert.equal((await store.createPerson({ name: 'Grace Hopper' })).person.notes, '');

        await assert.rejects(
          store.updatePerson('missing', { notes: '' }),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        await assert.rejects(store.createPerson({ name: '' }), rejectsWithCode(ErrorCode.StoreInvalid));
        await assert.rejects(
          store.createPerson({ name: 'ok', notes: 'x'.repeat(4001) }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );

        const renamed = await store.updatePerson(ada.id, { name: 'Ada King' });
        assert.equal(renamed.person.name, 'Ada King');
        assert.equal(renamed.person.notes, 'maths');
        assert.ok(renamed.galleryVersion > created.galleryVersion);
        const notesOnly = await store.updatePerson(ada.id, { notes: 'countess' });
        assert.equal(notesOnly.person.name, 'Ada King');

        const all = await store.listPeople();
        assert.deepEqual(
          all.items.map((p) => p.name),
          ['Ada King', 'Grace Hopper'],
        );
        assert.equal(all.nextOffset, null);
        const first = await store.listPeople({ limit: 1 });
        assert.equal(first.items.length, 1);
        assert.equal(first.nextOffset, 1);
      });

      it('keeps two people of one name as two records, told apart by id and external id', async () => {
        const first = (await store.createPerson({ name: 'Mark Smith', externalId: 'S-1' })).person;
        const second = (await store.createPerson({ name: 'mark smith' })).person;
        assert.notEqual(first.id, second.id);
        assert.equal(second.externalId, null);
        assert.deepEqual(
          (await store.findPeopleByName('MARK SMITH')).map((p) => p.id),
          [first.id, second.id],
          'every namesake, earliest enrolled first',
        );
        assert.equal((await store.getPersonByName('Mark Smith'))?.id, first.id, 'the earliest');
        assert.deepEqual(await store.findPeopleByName('Nobody'), []);
        const all = (await store.listPeople()).items;
        assert.equal(all.length, 2);

        // A rename onto a name in use is no conflict either.
        const grace = (await store.createPerson({ name: 'Grace' })).person;
        assert.equal((await store.updatePerson(grace.id, { name: 'Mark Smith' })).person.name, 'Mark Smith');
        assert.equal((await store.findPeopleByName('Mark Smith')).length, 3);

        // Erasing one namesake leaves the other whole.
        await store.deletePerson(first.id);
        assert.deepEqual(
          (await store.findPeopleByName('Mark Smith')).map((p) => p.id),
          [second.id, grace.id],
        );
      });

      it('holds external ids unique: a clash is a conflict, a cleared one is free again', async () => {
        const ada = (await store.createPerson({ name: 'Ada', externalId: ' S-100 ' })).person;
        assert.equal(ada.externalId, 'S-100', 'trimmed');
        assert.deepEqual(await store.getPersonByExternalId('S-100'), ada);
        assert.equal(await store.getPersonByExternalId('s-100'), null, 'compared exactly');
        const before = await store.getGalleryVersion();
        await assert.rejects(
          store.createPerson({ name: 'Bob', externalId: 'S-100' }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        assert.equal(await store.getPersonByName('Bob'), null, 'nothing stored');
        assert.equal(await store.getGalleryVersion(), before);

        const bob = (await store.createPerson({ name: 'Bob', externalId: 'S-200' })).person;
        const cy = (await store.createPerson({ name: 'Cy' })).person;
        const dee = (await store.createPerson({ name: 'Dee', externalId: null })).person;
        assert.equal(dee.externalId, null, 'many people may have none');
        await assert.rejects(
          store.updatePerson(bob.id, { externalId: 'S-100' }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        assert.equal((await store.getPerson(bob.id))?.externalId, 'S-200');
        // Setting one's own id again is no clash; clearing frees it for someone else.
        assert.equal((await store.updatePerson(ada.id, { externalId: 'S-100' })).person.externalId, 'S-100');
        const cleared = await store.updatePerson(ada.id, { externalId: null });
        assert.equal(cleared.person.externalId, null);
        assert.equal(cleared.person.name, 'Ada');
        assert.equal((await store.updatePerson(cy.id, { externalId: 'S-100' })).person.externalId, 'S-100');
        // A rename leaves the external id alone.
        assert.equal((await store.updatePerson(cy.id, { name: 'Cyril' })).person.externalId, 'S-100');

        for (const externalId of ['', '   ', 'x'.repeat(101), 'a\nb', 7]) {
          await assert.rejects(
            store.createPerson({ name: 'Eve', externalId: externalId as string }),
            rejectsWithCode(ErrorCode.StoreInvalid),
          );
        }
        // A deleted person's external id is free for whoever comes next.
        await store.deletePerson(bob.id);
        assert.equal(
          (await store.createPerson({ name: 'Bob', externalId: 'S-200' })).person.externalId,
          'S-200',
        );
      });
    });

    describe('photos, descriptors and the gallery', () => {
      it('stores photo bytes and quality, and descriptors bit for bit', async () => {
        const id = await person('Ada');
        const photoBytes = bytes(5000, 7);
        const photo = await store.addPhoto({ personId: id, fileName: 'ada-1.jpg', bytes: photoBytes });
        assert.equal(photo.byteLength, 5000);
        assert.equal(photo.quality, null);
        assert.deepEqual(await store.getPhoto(photo.id), photo);
        assert.deepEqual(await store.getPhotoBytes(photo.id), photoBytes);
        assert.equal(await store.getPhotoBytes('missing'), null);
        assert.equal(await store.getPhoto('missing'), null);

        const quality = { faces: 1, faceSize: 180, sharpness: 0.82, warnings: ['dim'] };
        assert.deepEqual((await store.setPhotoQuality(photo.id, quality)).quality, quality);
        assert.deepEqual(
          (await store.listPhotos(id)).map((p) => p.quality),
          [quality],
        );

        const d1 = descriptor(1);
        const d2 = descriptor(2);
        await store.setPhotoDescriptors(photo.id, 'face-api', [d1, d2]);
        const stored = await store.listDescriptors(id);
        assert.equal(stored.length, 2);
        assert.deepEqual(
          stored.map((s) => s.descriptor),
          [d1, d2],
        );
        assert.ok(stored.every((s) => s.photoId === photo.id && s.personId === id && s.model === 'face-api'));
      });

      it('keeps the descriptors of each model apart: written, replaced and read by model', async () => {
        const ada = await person('Ada');
        const bob = await person('Bob');
        const a1 = await store.addPhoto({ personId: ada, fileName: 'a1.jpg', bytes: bytes(10) });
        const b1 = await store.addPhoto({ personId: bob, fileName: 'b1.jpg', bytes: bytes(10) });
        await store.setPhotoDescriptors(a1.id, 'face-api', [descriptor(1)]);
        await store.setPhotoDescriptors(b1.id, 'face-api', [descriptor(2)]);
        const last = await store.setPhotoDescriptors(a1.id, 'fr-feature', [descriptor(3, 512)]);

        assert.deepEqual(
          (await store.listDescriptors(ada)).map((d) => [d.model, d.descriptor.length]),
          [
            ['face-api', 128],
            ['fr-feature', 512],
          ],
        );
        const fr = await store.listDescriptors(ada, 'fr-feature');
        assert.deepEqual(
          fr.map((d) => d.descriptor),
          [descriptor(3, 512)],
        );
        assert.equal(fr[0]?.model, 'fr-feature');

        assert.deepEqual(await store.getGallery('fr-feature'), {
          galleryVersion: last.galleryVersion,
          model: 'fr-feature',
          people: [{ personId: ada, name: 'Ada', descriptors: [descriptor(3, 512)] }],
        });
        assert.deepEqual(
          (await store.getGallery('face-api')).people.map((p) => [p.name, p.descriptors]),
          [
            ['Ada', [descriptor(1)]],
            ['Bob', [descriptor(2)]],
          ],
        );

        // Replacing one model's descriptors of a photo leaves the other model's alone.
        await store.setPhotoDescriptors(a1.id, 'face-api', [descriptor(4)]);
        assert.deepEqual(
          (await store.listDescriptors(ada, 'fr-feature')).map((d) => d.descriptor),
          [descriptor(3, 512)],
        );
        assert.deepEqual(
          (await store.listDescriptors(ada, 'face-api')).map((d) => d.descriptor),
          [descriptor(4)],
        );
        await store.setPhotoDescriptors(a1.id, 'fr-feature', []);
        assert.deepEqual(await store.listDescriptors(ada, 'fr-feature'), []);
        assert.equal((await store.listDescriptors(ada)).length, 1);

        // Erasing the photo or the person takes every model's descriptors.
        await store.setPhotoDescriptors(a1.id, 'fr-feature', [descriptor(3, 512)]);
        const deleted = await store.deletePerson(ada);
        assert.equal(deleted.descriptors, 2);
        assert.deepEqual((await store.getGallery('fr-feature')).people, []);
      });

      it('refuses a descriptor of the wrong length for its model, and an unknown model', async () => {
        const id = await person('Ada');
        const photo = await store.addPhoto({ personId: id, fileName: 'a.jpg', bytes: bytes(10) });
        await assert.rejects(
          store.setPhotoDescriptors(photo.id, 'fr-feature', [descriptor(1)]),
          rejectsWithCode(ErrorCode.DescriptorInvalid),
        );
        await assert.rejects(
          store.setPhotoDescriptors(photo.id, 'face-api', [descriptor(1, 512)]),
          rejectsWithCode(ErrorCode.DescriptorInvalid),
        );
        const unknownModel = 'dlib' as unknown as 'face-api';
        await assert.rejects(
          store.setPhotoDescriptors(photo.id, unknownModel, [descriptor(1)]),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        await assert.rejects(store.getGallery(unknownModel), rejectsWithCode(ErrorCode.StoreInvalid));
        await assert.rejects(
          store.listDescriptors(id, unknownModel),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        await assert.rejects(
          store.listPhotosLackingDescriptors(unknownModel),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        assert.deepEqual(await store.listDescriptors(id), [], 'a refused write leaves nothing behind');
      });

      it('lists the accepted photos that lack descriptors of a model, for re-embedding', async () => {
        const ada = await person('Ada');
        const bob = await person('Bob');
        const a1 = await store.addPhoto({ personId: ada, fileName: 'a1.jpg', bytes: bytes(10) });
        const a2 = await store.addPhoto({ personId: ada, fileName: 'a2.jpg', bytes: bytes(10) });
        const refused = await store.addPhoto({ personId: ada, fileName: 'blurry.jpg', bytes: bytes(10) });
        const b1 = await store.addPhoto({ personId: bob, fileName: 'b1.jpg', bytes: bytes(10) });
        await store.setPhotoDescriptors(a1.id, 'face-api', [descriptor(1)]);
        await store.setPhotoDescriptors(a2.id, 'face-api', [descriptor(2)]);
        await store.setPhotoDescriptors(b1.id, 'face-api', [descriptor(3)]);
        await store.setPhotoDescriptors(b1.id, 'fr-feature', [descriptor(3, 512)]);

        // Photos added within one millisecond share a creation time, and ties fall in id order:
        // the order between a1 and a2 is not fixed, what the pages hold together is.
        const lacking = await store.listPhotosLackingDescriptors('fr-feature');
        assert.deepEqual(
          lacking.items.map((p) => p.id).sort(),
          [a1.id, a2.id].sort(),
          'photos with face-api descriptors only; the refused photo and the done one are left out',
        );
        assert.equal(lacking.nextOffset, null);
        assert.ok(!lacking.items.some((p) => p.id === refused.id));
        const firstItem = lacking.items[0];
        assert.ok(firstItem);
        assert.deepEqual(firstItem, await store.getPhoto(firstItem.id));
        assert.deepEqual((await store.listPhotosLackingDescriptors('face-api')).items, []);

        const first = await store.listPhotosLackingDescriptors('fr-feature', { limit: 1 });
        assert.equal(first.items.length, 1);
        assert.equal(first.nextOffset, 1);
        const second = await store.listPhotosLackingDescriptors('fr-feature', { limit: 1, offset: 1 });
        assert.equal(second.nextOffset, null);
        assert.deepEqual(
          [...first.items, ...second.items].map((p) => p.id).sort(),
          [a1.id, a2.id].sort(),
          'the two pages hold both photos, each once',
        );

        await store.setPhotoDescriptors(a1.id, 'fr-feature', [descriptor(1, 512)]);
        assert.deepEqual(
          (await store.listPhotosLackingDescriptors('fr-feature')).items.map((p) => p.id),
          [a2.id],
        );
      });

      it('writes descriptors without a version bump when asked, and bumps the version alone', async () => {
        const id = await person('Ada');
        const photo = await store.addPhoto({ personId: id, fileName: 'a.jpg', bytes: bytes(10) });
        const before = await store.getGalleryVersion();
        const quiet = await store.setPhotoDescriptors(photo.id, 'fr-feature', [descriptor(1, 512)], {
          bumpGallery: false,
        });
        assert.equal(quiet.galleryVersion, before);
        assert.equal(await store.getGalleryVersion(), before);
        assert.equal((await store.listDescriptors(id, 'fr-feature')).length, 1);
        const bumped = await store.bumpGalleryVersion();
        assert.equal(bumped.galleryVersion, before + 1);
        assert.equal((await store.getGallery('fr-feature')).galleryVersion, before + 1);
      });

      it("replaces a photo's descriptors, so a retried training job leaves no duplicates", async () => {
        const id = await person('Ada');
        const photo = await store.addPhoto({ personId: id, fileName: 'a.jpg', bytes: bytes(10) });
        await store.setPhotoDescriptors(photo.id, 'face-api', [descriptor(1)]);
        await store.setPhotoDescriptors(photo.id, 'face-api', [descriptor(1)]);
        await Promise.all([
          store.setPhotoDescriptors(photo.id, 'face-api', [descriptor(1)]),
          store.setPhotoDescriptors(photo.id, 'face-api', [descriptor(1)]),
        ]);
        assert.equal((await store.listDescriptors(id)).length, 1);
        await store.setPhotoDescriptors(photo.id, 'face-api', []);
        assert.equal((await store.listDescriptors(id)).length, 0);
      });

      it("reads the whole gallery with its version and drops a deleted photo's descriptors", async () => {
        const ada = await person('Ada');
        const bob = await person('Bob');
        await person('Nobody Enrolled');
        const a1 = await store.addPhoto({ personId: ada, fileName: 'a1.jpg', bytes: bytes(10) });
        const a2 = await store.addPhoto({ personId: ada, fileName: 'a2.jpg', bytes: bytes(10) });
        const b1 = await store.addPhoto({ personId: bob, fileName: 'b1.jpg', bytes: bytes(10) });
        await store.setPhotoDescriptors(a1.id, 'face-api', [descriptor(1)]);
        await store.setPhotoDescriptors(a2.id, 'face-api', [descriptor(2)]);
        const last = await store.setPhotoDescriptors(b1.id, 'face-api', [descriptor(3)]);

        const gallery = await store.getGallery('face-api');
        assert.equal(gallery.galleryVersion, last.galleryVersion);
        assert.equal(gallery.model, 'face-api');
        assert.deepEqual(gallery.people, [
          { personId: ada, name: 'Ada', descriptors: [descriptor(1), descriptor(2)] },
          { personId: bob, name: 'Bob', descriptors: [descriptor(3)] },
        ]);

        const deleted = await store.deletePhoto(a1.id);
        assert.ok(deleted.galleryVersion > last.galleryVersion);
        assert.deepEqual(
          (await store.listDescriptors(ada)).map((d) => d.photoId),
          [a2.id],
        );
        assert.deepEqual(
          (await store.listPhotos(ada)).map((p) => p.id),
          [a2.id],
        );
        await assert.rejects(store.deletePhoto(a1.id), rejectsWithCode(ErrorCode.StoreNotFound));
      });

      it('validates photos and descriptors', async () => {
        const id = await person('Ada');
        await assert.rejects(
          store.addPhoto({ personId: 'missing', fileName: 'a.jpg', bytes: bytes(10) }),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        for (const fileName of ['', '../a.jpg', 'dir/a.jpg', 'c:\\a.jpg', '..']) {
          await assert.rejects(
            store.addPhoto({ personId: id, fileName, bytes: bytes(10) }),
            rejectsWithCode(ErrorCode.StoreInvalid),
            fileName,
          );
        }
        await assert.rejects(
          store.addPhoto({ personId: id, fileName: 'a.jpg', bytes: new Uint8Array(0) }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        await assert.rejects(
          store.addPhoto({ personId: id, fileName: 'a.jpg', bytes: bytes(10), quality: { bad: Number.NaN } }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        const photo = await store.addPhoto({ personId: id, fileName: 'a.jpg', bytes: bytes(10) });
        await assert.rejects(
          store.setPhotoDescriptors(photo.id, 'face-api', [new Float32Array(127)]),
          rejectsWithCode(ErrorCode.DescriptorInvalid),
        );
        const nan = descriptor(1);
        nan[5] = Number.NaN;
        await assert.rejects(
          store.setPhotoDescriptors(photo.id, 'face-api', [nan]),
          rejectsWithCode(ErrorCode.DescriptorInvalid),
        );
        await assert.rejects(
          store.setPhotoDescriptors('missing', 'face-api', [descriptor(1)]),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        await assert.rejects(
          store.setPhotoQuality('missing', null),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        assert.deepEqual(await store.listDescriptors(id), [], 'a refused write leaves nothing behind');
      });

      it('increases the gallery version on every person and descriptor change, and only then', async () => {
        const versions: number[] = [await store.getGalleryVersion()];
        const created = await store.createPerson({ name: 'Ada' });
        versions.push(created.galleryVersion);
        versions.push((await store.updatePerson(created.person.id, { notes: 'x' })).galleryVersion);
        const photo = await store.addPhoto({
          personId: created.person.id,
          fileName: 'a.jpg',
          bytes: bytes(10),
        });
        assert.equal(
          await store.getGalleryVersion(),
          versions.at(-1),
          'a photo without descriptors changes nothing',
        );
        versions.push(
          (await store.setPhotoDescriptors(photo.id, 'face-api', [descriptor(1)])).galleryVersion,
        );
        versions.push((await store.deletePhoto(photo.id)).galleryVersion);
        versions.push((await store.deletePerson(created.person.id)).galleryVersion);
        await store.setSetting('site.name', 'HQ');
        await store.insertEventOnce(makeEvent({ type: 'unknown', personId: null }));
        versions.push(await store.getGalleryVersion());
        assert.deepEqual(
          versions,
          [0, 1, 2, 3, 4, 5, 5],
          'strictly increasing with each gallery change, unchanged by others',
        );
      });
    });

    describe('deleting a person', () => {
      async function enrolledWithHistory() {
        const ada = await person('Ada');
        const bob = await person('Bob');
        const photo = await store.addPhoto({ personId: ada, fileName: 'a.jpg', bytes: bytes(100) });
        await store.setPhotoDescriptors(photo.id, 'face-api', [descriptor(1)]);
        const bobPhoto = await store.addPhoto({ personId: bob, fileName: 'b.jpg', bytes: bytes(100) });
        await store.setPhotoDescriptors(bobPhoto.id, 'face-api', [descriptor(2)]);
        const seen = makeEvent({ personId: ada, at: '2025-03-10T08:00:00.000Z' });
        await store.recordAttendance(seen, UTC);
        const bobSeen = makeEvent({ personId: bob, at: '2025-03-10T08:00:00.000Z' });
        await store.recordAttendance(bobSeen, UTC);
        const unknown = makeEvent({ type: 'unknown', personId: null, at: '2025-03-09T08:00:00.000Z' });
        const face = (await store.recordUnknownFace(unknown)).face;
        await store.assignUnknownFace(face.id, ada);
        await store.correctAttendance({
          personId: ada,
          day: '2025-03-10',
          by: 'admin',
          reason: 'stayed late',
          change: { firstSeen: '2025-03-10T08:00:00.000Z', lastSeen: '2025-03-10T19:00:00.000Z' },
        });
        return { ada, bob, photo, seen, bobSeen, unknown, face };
      }

      it('erases everything biometric and keeps attendance anonymised by default', async () => {
        const { ada, bob, photo, seen, bobSeen, unknown, face } = await enrolledWithHistory();
        const before = await store.getGalleryVersion();

        const deleted = await store.deletePerson(ada);
        assert.deepEqual(deleted, {
          descriptors: 1,
          photos: 1,
          eventCrops: 2,
          unknownFaces: 1,
          attendance: 1,
          anonymisedAs: 'Deleted person #1',
          galleryVersion: before + 1,
        });
        assert.equal(await store.getPerson(ada), null);
        assert.deepEqual(await store.listPhotos(ada), []);
        assert.equal(await store.getPhotoBytes(photo.id), null);
        assert.deepEqual(await store.listDescriptors(ada), []);
        assert.equal(await store.getEventCrop(seen.id), null);
        assert.equal(await store.getEventCrop(unknown.id), null);
        assert.equal((await store.getEvent(seen.id))?.hasCrop, false, 'the event stays in the audit trail');
        assert.equal(await store.getUnknownFace(face.id), null);
        assert.deepEqual(
          (await store.getGallery('face-api')).people.map((p) => p.name),
          ['Bob'],
        );

        const kept = await store.getAttendance(ada, '2025-03-10');
        assert.equal(kept?.personName, 'Deleted person #1', 'history keeps the id, not the name');
        const [correction, ...more] = (await store.listCorrections({ personId: ada })).items;
        assert.equal(more.length, 0);
        assert.equal(correction?.after?.personName, 'Deleted person #1', 'nor in the snapshots');

        // Bob is untouched.
        assert.ok(await store.getEventCrop(bobSeen.id));
        assert.equal((await store.listDescriptors(bob)).length, 1);

        // An event for Ada delivered late: stored for audit, without her face, no attendance.
        const lateEvent = makeEvent({ personId: ada, at: '2025-03-11T08:00:00.000Z' });
        const late = await store.recordAttendance(lateEvent, UTC);
        assert.deepEqual(late, { inserted: true, attendance: null });
        assert.equal(await store.getEventCrop(lateEvent.id), null);
        assert.equal(await store.getAttendance(ada, '2025-03-11'), null);
        const audit = makeEvent({ personId: ada });
        assert.equal(await store.insertEventOnce(audit), true);
        assert.equal(await store.getEventCrop(audit.id), null);

        await assert.rejects(store.deletePerson(ada), rejectsWithCode(ErrorCode.StoreNotFound));
        // Ada enrolled again is a new record: her kept history stays the deleted person's.
        const again = (await store.createPerson({ name: 'Ada' })).person;
        assert.notEqual(again.id, ada);
        await store.recordAttendance(makeEvent({ personId: again.id, at: '2025-03-10T12:00:00.000Z' }), UTC);
        const day = (await store.listAttendance({ from: '2025-03-10' })).items;
        assert.deepEqual(
          day.map((r) => [r.personId, r.personName]).sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
          [
            [again.id, 'Ada'],
            [bob, 'Bob'],
            [ada, 'Deleted person #1'],
          ],
        );
        // Numbers go on counting and are never given twice.
        assert.equal((await store.deletePerson(again.id)).anonymisedAs, 'Deleted person #2');
        assert.equal((await store.getAttendance(ada, '2025-03-10'))?.personName, 'Deleted person #1');
        assert.equal((await store.deletePerson(bob, { eraseAttendance: true })).anonymisedAs, null);
        const carl = (await store.createPerson({ name: 'Carl' })).person;
        assert.equal((await store.deletePerson(carl.id)).anonymisedAs, 'Deleted person #3');
      });

      it('erases attendance and its corrections too when asked', async () => {
        const { ada, bob } = await enrolledWithHistory();
        const deleted = await store.deletePerson(ada, { eraseAttendance: true });
        assert.equal(deleted.attendance, 1);
        assert.equal(deleted.anonymisedAs, null);
        assert.equal(await store.getAttendance(ada, '2025-03-10'), null);
        assert.deepEqual((await store.listAttendance({ from: '2025-03-10', personId: ada })).items, []);
        assert.equal((await store.listCorrections({ personId: ada })).items.length, 0);
        assert.ok(await store.getAttendance(bob, '2025-03-10'));
      });
    });
  });
}
