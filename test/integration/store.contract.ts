/**
 * The `Store` contract: what every adapter must do, run against each one (SQLite always, others
 * where their server is available). Each test gets a fresh, empty store from `create`.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it as nodeIt } from 'node:test';
import {
  decideUnknownFaceOnce,
  ErrorCode,
  firstAccountOnly,
  isRollcallError,
  keepAnAdmin,
  RollcallError,
  type AccountsRule,
  type RecognitionEvent,
} from '../../src/core/index.js';
import type { JsonValue, Store } from '../../src/store/index.js';

export function rejectsWithCode(code: ErrorCode): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isRollcallError(error, code), `expected ${code}, got ${String(error)}`);
    return true;
  };
}

/** A descriptor whose values depend on `seed`, so round trips can be compared exactly. */
export function descriptor(seed: number, length = 128): Float32Array {
  const d = new Float32Array(length);
  for (let i = 0; i < d.length; i++) d[i] = Math.sin(seed * 1000 + i) / 3;
  return d;
}

export function bytes(length: number, seed = 1): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

let eventSeq = 0;
export function makeEvent(overrides: Partial<RecognitionEvent> = {}): RecognitionEvent {
  eventSeq += 1;
  return {
    id: `node-a:${eventSeq}:${Math.random().toString(36).slice(2)}`,
    type: 'recognized',
    nodeId: 'node-a',
    cameraId: 'video0',
    trackId: `video0-${eventSeq}`,
    personId: null,
    distance: 0.31,
    thresholds: { match: 0.55, unknown: 0.6 },
    votes: 3,
    at: '2025-03-10T08:00:00.000Z',
    box: { x: 10, y: 20, width: 80, height: 96 },
    frameWidth: 640,
    frameHeight: 480,
    crop: bytes(64, eventSeq),
    model: 'tiny+frn',
    backend: 'wasm',
    ...overrides,
  };
}

const UTC = { timeZone: 'UTC', cooldownS: 0 };

export interface StoreContractOptions {
  /**
   * Why this adapter cannot be checked here: every test is still registered, reported as skipped
   * with this reason, so the gap shows in the test summary instead of vanishing.
   */
  skip?: string;
}

export function storeContract(
  name: string,
  create: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  const { skip } = options;
  // Skipped tests run no hooks, so `create` is never called for an adapter that cannot be reached.
  const it = (title: string, fn: () => Promise<void>): void => {
    void nodeIt(title, skip === undefined ? {} : { skip }, fn);
  };
  describe(`Store contract: ${name}`, () => {
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

    describe('users', () => {
      it('creates, finds, lists, updates and deletes users', async () => {
        const alice = await store.createUser({ name: '  Alice ', role: 'admin', passwordHash: 'scrypt$abc' });
        assert.equal(alice.name, 'Alice');
        assert.equal(alice.role, 'admin');
        assert.equal(alice.disabled, false);
        assert.ok(!Number.isNaN(Date.parse(alice.createdAt)));
        assert.deepEqual(await store.getUser(alice.id), alice);
        assert.deepEqual(await store.getUserByName('alice'), alice, 'names compare without case');
        assert.equal(await store.getUser('missing'), null);

        const bob = await store.createUser({ name: 'Bob', role: 'viewer', passwordHash: 'h2' });
        const page1 = await store.listUsers({ limit: 1 });
        assert.deepEqual(
          page1.items.map((u) => u.name),
          ['Alice'],
        );
        assert.equal(page1.nextOffset, 1);
        const page2 = await store.listUsers({ limit: 1, offset: 1 });
        assert.deepEqual(
          page2.items.map((u) => u.name),
          ['Bob'],
        );
        assert.equal(page2.nextOffset, null);

        const updated = await store.updateUser(bob.id, { role: 'admin', disabled: true, passwordHash: 'h3' });
        assert.deepEqual(updated, { ...bob, role: 'admin', disabled: true, passwordHash: 'h3' });
        assert.deepEqual(await store.updateUser(bob.id, {}), updated);

        await store.deleteUser(bob.id);
        assert.equal(await store.getUser(bob.id), null);
        await assert.rejects(store.deleteUser(bob.id), rejectsWithCode(ErrorCode.StoreNotFound));
        await assert.rejects(
          store.updateUser(bob.id, { role: 'viewer' }),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
      });

      it('runs an accounts rule inside the write: a refused change writes nothing', async () => {
        const seen: { before: string[]; after: string[] }[] = [];
        const record: AccountsRule = ({ before, after }) => {
          seen.push({
            before: before.map((u) => `${u.name}:${u.role}`).sort(),
            after: after.map((u) => `${u.name}:${u.role}`).sort(),
          });
        };
        const ada = await store.createUser(
          { name: 'Ada', role: 'admin', passwordHash: 'h' },
          { rule: record },
        );
        await assert.rejects(
          store.createUser({ name: 'Bob', role: 'admin', passwordHash: 'h' }, { rule: firstAccountOnly }),
          rejectsWithCode(ErrorCode.SetupDone),
        );
        assert.equal(await store.getUserByName('Bob'), null);
        const bob = await store.createUser({ name: 'Bob', role: 'admin', passwordHash: 'h' });
        await store.updateUser(bob.id, { role: 'viewer' }, { rule: record });
        await assert.rejects(
          store.updateUser(ada.id, { role: 'viewer' }, { rule: keepAnAdmin('making Ada a viewer') }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        await assert.rejects(
          store.updateUser(ada.id, { disabled: true }, { rule: keepAnAdmin('disabling Ada') }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        await assert.rejects(
          store.deleteUser(ada.id, { rule: keepAnAdmin('deleting Ada') }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        assert.deepEqual(await store.getUser(ada.id), ada, 'refused changes wrote nothing');
        await store.deleteUser(bob.id, { rule: record });
        assert.deepEqual(seen, [
          { before: [], after: ['Ada:admin'] },
          { before: ['Ada:admin', 'Bob:admin'], after: ['Ada:admin', 'Bob:viewer'] },
          { before: ['Ada:admin', 'Bob:viewer'], after: ['Ada:admin'] },
        ]);
        await assert.rejects(
          store.deleteUser(bob.id, { rule: record }),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
      });

      it('refuses a duplicate name, whatever its case', async () => {
        await store.createUser({ name: 'alice', role: 'viewer', passwordHash: 'h' });
        await assert.rejects(
          store.createUser({ name: 'ALICE', role: 'admin', passwordHash: 'h' }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
      });

      it('refuses bad input with STORE_INVALID', async () => {
        const bad = [
          { name: '', role: 'admin', passwordHash: 'h' },
          { name: '   ', role: 'admin', passwordHash: 'h' },
          { name: 'x'.repeat(201), role: 'admin', passwordHash: 'h' },
          { name: 'a\nb', role: 'admin', passwordHash: 'h' },
          { name: 'ok', role: 'root', passwordHash: 'h' },
          { name: 'ok', role: 'admin', passwordHash: '' },
          { name: 'ok', role: 'admin', passwordHash: 'has space' },
        ];
        for (const user of bad) {
          await assert.rejects(
            store.createUser(user as Parameters<Store['createUser']>[0]),
            rejectsWithCode(ErrorCode.StoreInvalid),
            JSON.stringify(user),
          );
        }
        await assert.rejects(store.getUser('../etc'), rejectsWithCode(ErrorCode.StoreInvalid));
        await assert.rejects(store.listUsers({ limit: 0 }), rejectsWithCode(ErrorCode.StoreInvalid));
        await assert.rejects(store.listUsers({ limit: 1001 }), rejectsWithCode(ErrorCode.StoreInvalid));
        await assert.rejects(store.listUsers({ offset: -1 }), rejectsWithCode(ErrorCode.StoreInvalid));
        assert.equal((await store.listUsers()).items.length, 0);
      });
    });

    describe('API tokens', () => {
      it('stores hashes, finds them, touches, revokes, and goes with its user', async () => {
        const user = await store.createUser({ name: 'ci-bot', role: 'viewer', passwordHash: 'h' });
        const token = await store.createApiToken({ userId: user.id, name: 'ci', tokenHash: 'sha256:aa' });
        assert.equal(token.revoked, false);
        assert.equal(token.lastUsedAt, null);
        assert.deepEqual(await store.findApiTokenByHash('sha256:aa'), token);
        assert.equal(await store.findApiTokenByHash('sha256:bb'), null);

        await store.touchApiToken(token.id, '2025-03-10T09:00:00+01:00');
        const touched = await store.findApiTokenByHash('sha256:aa');
        assert.equal(touched?.lastUsedAt, '2025-03-10T08:00:00.000Z');

        await assert.rejects(
          store.createApiToken({ userId: user.id, name: 'CI', tokenHash: 'sha256:cc' }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        await assert.rejects(
          store.createApiToken({ userId: user.id, name: 'other', tokenHash: 'sha256:aa' }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        await assert.rejects(
          store.createApiToken({ userId: 'nobody', name: 'x', tokenHash: 'sha256:dd' }),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        const second = await store.createApiToken({ userId: user.id, name: 'kiosk', tokenHash: 'sha256:ee' });
        assert.deepEqual((await store.listApiTokens(user.id)).map((t) => t.name).sort(), ['ci', 'kiosk']);

        const revoked = await store.revokeApiToken(token.id);
        assert.equal(revoked.revoked, true);
        assert.equal((await store.revokeApiToken(token.id)).revoked, true, 'revoking twice is harmless');
        assert.equal((await store.findApiTokenByHash('sha256:aa'))?.revoked, true);
        await assert.rejects(store.revokeApiToken('missing'), rejectsWithCode(ErrorCode.StoreNotFound));
        await assert.rejects(
          store.touchApiToken('missing', '2025-01-01T00:00:00Z'),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        await assert.rejects(
          store.touchApiToken(second.id, 'yesterday'),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );

        await store.deleteUser(user.id);
        assert.equal(await store.findApiTokenByHash('sha256:ee'), null);
        assert.deepEqual(await store.listApiTokens(user.id), []);
      });
    });

    describe('people', () => {
      it('creates, finds, lists, renames and refuses duplicates', async () => {
        const created = await store.createPerson({ name: 'Ada Lovelace', notes: 'maths' });
        const ada = created.person;
        assert.equal(ada.notes, 'maths');
        assert.equal(ada.createdAt, ada.updatedAt);
        assert.deepEqual(await store.getPerson(ada.id), ada);
        assert.deepEqual(await store.getPersonByName('ada lovelace'), ada);
        assert.equal(await store.getPersonByName('Grace'), null);
        assert.equal((await store.createPerson({ name: 'Grace Hopper' })).person.notes, '');

        await assert.rejects(
          store.createPerson({ name: 'ADA LOVELACE' }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        await assert.rejects(
          store.updatePerson(ada.id, { name: 'grace hopper' }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
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

    describe('recognition events', () => {
      it('stores each event once, with its crop, and returns whether it was new', async () => {
        const id = await person('Ada');
        const event = makeEvent({ personId: id });
        assert.equal(await store.insertEventOnce(event), true);
        assert.equal(await store.insertEventOnce(event), false);
        assert.equal(await store.insertEventOnce({ ...event, cameraId: 'other' }), false, 'the id decides');
        const stored = await store.getEvent(event.id);
        assert.ok(stored);
        const { crop, ...rest } = event;
        assert.deepEqual({ ...stored, receivedAt: '' }, { ...rest, hasCrop: true, receivedAt: '' });
        assert.deepEqual(await store.getEventCrop(event.id), crop);
        assert.equal(await store.getEvent('missing'), null);
        assert.equal(await store.getEventCrop('missing'), null);

        const sighting = makeEvent({ type: 'sighting', personId: id, crop: null });
        assert.equal(await store.insertEventOnce(sighting), true);
        assert.equal((await store.getEvent(sighting.id))?.hasCrop, false);
        assert.equal(await store.getEventCrop(sighting.id), null);
      });

      it('lists events by time range, person and type, with paging', async () => {
        const ada = await person('Ada');
        const times = ['2025-03-10T07:00:00.000Z', '2025-03-10T08:00:00.000Z', '2025-03-10T09:00:00.000Z'];
        const events = times.map((at) => makeEvent({ personId: ada, at }));
        const unknown = makeEvent({ type: 'unknown', personId: null, at: '2025-03-10T08:30:00.000Z' });
        for (const e of [...events].reverse()) await store.insertEventOnce(e);
        await store.insertEventOnce(unknown);

        const all = await store.listEvents();
        assert.deepEqual(
          all.items.map((e) => e.at),
          [times[0], times[1], unknown.at, times[2]],
          'oldest first, whatever the arrival order',
        );
        const range = await store.listEvents({ from: times[1], to: times[2] });
        assert.deepEqual(
          range.items.map((e) => e.id),
          [events[1]?.id, unknown.id],
          'from inclusive, to exclusive',
        );
        assert.equal((await store.listEvents({ personId: ada })).items.length, 3);
        assert.deepEqual(
          (await store.listEvents({ type: 'unknown' })).items.map((e) => e.id),
          [unknown.id],
        );
        const page = await store.listEvents({ limit: 3 });
        assert.equal(page.nextOffset, 3);
        const rest = await store.listEvents({ limit: 3, offset: 3 });
        assert.deepEqual(
          rest.items.map((e) => e.at),
          [times[2]],
        );
        assert.equal(rest.nextOffset, null);
        await assert.rejects(store.listEvents({ from: 'monday' }), rejectsWithCode(ErrorCode.StoreInvalid));
      });

      it('refuses malformed events', async () => {
        const bad: Partial<RecognitionEvent>[] = [
          { id: '' },
          { id: 'x'.repeat(257) },
          { id: 'a\u0000b' },
          { type: 'waved' as RecognitionEvent['type'] },
          { nodeId: '' },
          { personId: null },
          { personId: '../../etc' },
          { at: 'not a time' },
          { distance: Number.NaN },
          { votes: 1.5 },
          { box: { x: 0, y: 0, width: Number.POSITIVE_INFINITY, height: 1 } },
          { crop: new Uint8Array(0) },
          { model: '' },
        ];
        for (const overrides of bad) {
          await assert.rejects(
            store.insertEventOnce(makeEvent({ personId: 'p1', ...overrides })),
            rejectsWithCode(ErrorCode.StoreInvalid),
            JSON.stringify(overrides),
          );
        }
        assert.equal((await store.listEvents()).items.length, 0);
      });

      it('prunes old crops but keeps the crops of faces still waiting for review', async () => {
        const id = await person('Ada');
        const old = makeEvent({ personId: id, at: '2025-01-01T00:00:00.000Z' });
        const fresh = makeEvent({ personId: id, at: '2025-03-01T00:00:00.000Z' });
        const openFace = makeEvent({ type: 'unknown', personId: null, at: '2025-01-01T00:00:00.000Z' });
        await store.insertEventOnce(old);
        await store.insertEventOnce(fresh);
        await store.recordUnknownFace(openFace);
        assert.equal(await store.pruneEventCrops('2025-02-01T00:00:00Z'), 1);
        assert.equal(await store.getEventCrop(old.id), null);
        assert.equal((await store.getEvent(old.id))?.hasCrop, false);
        assert.ok(await store.getEventCrop(fresh.id));
        assert.ok(await store.getEventCrop(openFace.id));
        assert.equal(await store.pruneEventCrops('2025-02-01T00:00:00Z'), 0);
      });
    });

    describe('attendance', () => {
      it('keeps the earliest and latest sighting of the day, whatever the arrival order', async () => {
        const id = await person('Ada');
        const at = (hm: string) => `2025-03-10T${hm}:00.000Z`;
        const noon = makeEvent({ personId: id, at: at('12:00'), cameraId: 'hall' });
        const first = await store.recordAttendance(noon, UTC);
        assert.equal(first.inserted, true);
        assert.deepEqual(first.attendance, {
          personId: id,
          day: '2025-03-10',
          personName: 'Ada',
          firstSeen: at('12:00'),
          lastSeen: at('12:00'),
          firstCameraId: 'hall',
          lastCameraId: 'hall',
          nodeId: 'node-a',
          eventCount: 1,
          corrected: false,
        });
        // The node replays its outbox: an earlier event arrives after a later one.
        await store.recordAttendance(
          makeEvent({ personId: id, at: at('17:30'), cameraId: 'exit', nodeId: 'node-b' }),
          UTC,
        );
        const late = await store.recordAttendance(
          makeEvent({ type: 'sighting', personId: id, at: at('08:05'), cameraId: 'door', crop: null }),
          UTC,
        );
        assert.equal(late.attendance?.firstSeen, at('08:05'));
        assert.equal(late.attendance.firstCameraId, 'door');
        assert.equal(late.attendance.lastSeen, at('17:30'));
        assert.equal(late.attendance.lastCameraId, 'exit');
        assert.equal(late.attendance.nodeId, 'node-b');
        assert.equal(late.attendance.eventCount, 3);
        assert.deepEqual(await store.getAttendance(id, '2025-03-10'), late.attendance);
        assert.equal(await store.getAttendance(id, '2025-03-11'), null);
        assert.equal(
          (await store.listEvents({ personId: id })).items.length,
          3,
          'every event is in the audit trail',
        );
      });

      it('is idempotent per event id under repeated and concurrent delivery', async () => {
        const id = await person('Ada');
        const events = [0, 1, 2].map((i) =>
          makeEvent({ personId: id, at: `2025-03-10T${String(8 + i).padStart(2, '0')}:00:00.000Z` }),
        );
        const deliveries = [...events, ...events, ...events].flatMap((e) => [e, e]);
        const results = await Promise.all(deliveries.map((e) => store.recordAttendance(e, UTC)));
        assert.equal(results.filter((r) => r.inserted).length, 3, 'each event counted once');
        for (const e of events) {
          assert.equal(await store.recordAttendance(e, UTC).then((r) => r.inserted), false);
          assert.equal(await store.insertEventOnce(e), false);
        }
        const record = await store.getAttendance(id, '2025-03-10');
        assert.equal(record?.eventCount, 3);
        assert.equal(record.firstSeen, '2025-03-10T08:00:00.000Z');
        assert.equal(record.lastSeen, '2025-03-10T10:00:00.000Z');
        const repeated = results.find((r) => !r.inserted);
        assert.ok(repeated?.attendance, 'a repeated delivery still reports the record');
        assert.equal((await store.listEvents()).items.length, 3);
      });

      it('counts sightings within the cooldown once', async () => {
        const id = await person('Ada');
        const rules = { timeZone: 'UTC', cooldownS: 60 };
        await store.recordAttendance(makeEvent({ personId: id, at: '2025-03-10T08:00:00.000Z' }), rules);
        await store.recordAttendance(makeEvent({ personId: id, at: '2025-03-10T08:00:10.000Z' }), rules);
        const r = await store.recordAttendance(
          makeEvent({ personId: id, at: '2025-03-10T08:05:00.000Z' }),
          rules,
        );
        assert.equal(r.attendance?.eventCount, 2);
        assert.equal(r.attendance.lastSeen, '2025-03-10T08:05:00.000Z');
      });

      it('puts each event on the local day of its time zone', async () => {
        const id = await person('Ada');
        const cases: { zone: string; at: string; day: string }[] = [
          // Berlin, winter (UTC+1): 22:59:59Z is 23:59:59 local, 23:00:00Z is the next day.
          { zone: 'Europe/Berlin', at: '2025-01-14T22:59:59.999Z', day: '2025-01-14' },
          { zone: 'Europe/Berlin', at: '2025-01-14T23:00:00.000Z', day: '2025-01-15' },
          // Berlin, the night clocks go forward (UTC+1 to UTC+2 on 2025-03-30).
          { zone: 'Europe/Berlin', at: '2025-03-30T21:59:59.000Z', day: '2025-03-30' },
          { zone: 'Europe/Berlin', at: '2025-03-30T22:00:00.000Z', day: '2025-03-31' },
          // Los Angeles (UTC-8): a UTC morning is still the previous local day.
          { zone: 'America/Los_Angeles', at: '2025-02-01T07:59:00.000Z', day: '2025-01-31' },
          { zone: 'America/Los_Angeles', at: '2025-02-01T08:00:00.000Z', day: '2025-02-01' },
          // Kiritimati (UTC+14): ahead of UTC by more than half a day.
          { zone: 'Pacific/Kiritimati', at: '2025-06-30T10:00:00.000Z', day: '2025-07-01' },
          // New year and a leap day in UTC.
          { zone: 'UTC', at: '2024-12-31T23:59:59.999Z', day: '2024-12-31' },
          { zone: 'UTC', at: '2025-01-01T00:00:00.000Z', day: '2025-01-01' },
          { zone: 'UTC', at: '2024-02-29T12:00:00.000Z', day: '2024-02-29' },
        ];
        for (const c of cases) {
          const result = await store.recordAttendance(makeEvent({ personId: id, at: c.at }), {
            timeZone: c.zone,
          });
          assert.equal(result.attendance?.day, c.day, `${c.at} in ${c.zone}`);
          assert.equal(result.attendance.eventCount, 1, `${c.at} in ${c.zone} opens its own day`);
        }
        const days = (await store.listAttendance({ from: '2024-01-01', to: '2025-12-31' })).items.map(
          (r) => r.day,
        );
        assert.deepEqual(days, [...new Set(cases.map((c) => c.day))].sort());
      });

      it('lists by day, by range and by person, with paging', async () => {
        const ada = await person('Ada');
        const bob = await person('Bob');
        const mark = (personId: string, at: string) =>
          store.recordAttendance(makeEvent({ personId, at }), UTC);
        await mark(bob, '2025-03-10T07:00:00.000Z');
        await mark(ada, '2025-03-10T09:00:00.000Z');
        await mark(ada, '2025-03-11T09:00:00.000Z');
        await mark(ada, '2025-03-13T09:00:00.000Z');

        const day = await store.listAttendance({ from: '2025-03-10' });
        assert.deepEqual(
          day.items.map((r) => r.personName),
          ['Bob', 'Ada'],
          'by check-in',
        );
        const range = await store.listAttendance({ from: '2025-03-10', to: '2025-03-12' });
        assert.deepEqual(
          range.items.map((r) => `${r.day} ${r.personName}`),
          ['2025-03-10 Bob', '2025-03-10 Ada', '2025-03-11 Ada'],
        );
        const adas = await store.listAttendance({ from: '2025-03-01', to: '2025-03-31', personId: ada });
        assert.deepEqual(
          adas.items.map((r) => r.day),
          ['2025-03-10', '2025-03-11', '2025-03-13'],
        );
        const page = await store.listAttendance({
          from: '2025-03-01',
          to: '2025-03-31',
          limit: 2,
          offset: 2,
        });
        assert.deepEqual(
          page.items.map((r) => r.day),
          ['2025-03-11', '2025-03-13'],
        );
        assert.equal(page.nextOffset, null);
        assert.equal((await store.listAttendance({ from: '2025-03-12' })).items.length, 0);

        for (const query of [
          { from: '2025-3-1' },
          { from: '2025-02-30' },
          { from: '2025-03-10', to: '2025-03-09' },
          { from: 'today' },
        ]) {
          await assert.rejects(
            store.listAttendance(query),
            rejectsWithCode(ErrorCode.StoreInvalid),
            query.from,
          );
        }
        await assert.rejects(store.getAttendance(ada, '10/03/2025'), rejectsWithCode(ErrorCode.StoreInvalid));
      });

      it('refuses unknown-face events, a bad time zone, and leaves nothing behind', async () => {
        const id = await person('Ada');
        await assert.rejects(
          store.recordAttendance(makeEvent({ type: 'unknown', personId: null }), UTC),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        const event = makeEvent({ personId: id });
        await assert.rejects(
          store.recordAttendance(event, { timeZone: 'Mars/Olympus' }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        assert.equal(await store.getEvent(event.id), null);
        assert.equal((await store.listAttendance({ from: '2025-03-10' })).items.length, 0);
      });

      it('records manual corrections with who, when, why and what changed', async () => {
        const ada = await person('Ada');
        const bob = await person('Bob');
        await store.recordAttendance(makeEvent({ personId: ada, at: '2025-03-10T08:00:00.000Z' }), UTC);

        const fixed = await store.correctAttendance({
          personId: ada,
          day: '2025-03-10',
          by: 'admin',
          reason: 'left at 17:00, exit camera was down',
          change: { firstSeen: '2025-03-10T08:00:00.000Z', lastSeen: '2025-03-10T17:00:00.000Z' },
        });
        assert.equal(fixed.by, 'admin');
        assert.equal(fixed.before?.lastSeen, '2025-03-10T08:00:00.000Z');
        assert.equal(fixed.after?.lastSeen, '2025-03-10T17:00:00.000Z');
        assert.equal(fixed.after.corrected, true);
        assert.deepEqual(await store.getAttendance(ada, '2025-03-10'), fixed.after);

        const added = await store.correctAttendance({
          personId: bob,
          day: '2025-03-10',
          by: 'admin',
          reason: 'wore a mask all day',
          change: { firstSeen: '2025-03-10T09:00:00.000Z', lastSeen: '2025-03-10T16:00:00.000Z' },
        });
        assert.equal(added.before, null);
        assert.equal(added.after?.personName, 'Bob');
        assert.equal(added.after.firstCameraId, 'manual');
        assert.equal(added.after.eventCount, 0);

        const removed = await store.correctAttendance({
          personId: bob,
          day: '2025-03-10',
          by: 'admin',
          reason: 'was on leave; a lookalike',
          change: { remove: true },
        });
        assert.equal(removed.after, null);
        assert.equal(await store.getAttendance(bob, '2025-03-10'), null);

        const all = await store.listCorrections();
        assert.deepEqual(
          all.items.map((c) => c.reason),
          ['left at 17:00, exit camera was down', 'wore a mask all day', 'was on leave; a lookalike'],
        );
        assert.equal((await store.listCorrections({ personId: bob })).items.length, 2);
        assert.equal((await store.listCorrections({ from: '2025-03-11' })).items.length, 0);

        // Later events still apply on top of a corrected record.
        const after = await store.recordAttendance(
          makeEvent({ personId: ada, at: '2025-03-10T18:00:00.000Z' }),
          UTC,
        );
        assert.equal(after.attendance?.lastSeen, '2025-03-10T18:00:00.000Z');
        assert.equal(after.attendance.corrected, true);

        const base = { personId: ada, day: '2025-03-10', by: 'admin', reason: 'r' };
        for (const change of [
          { firstSeen: '2025-03-10T17:00:00.000Z', lastSeen: '2025-03-10T08:00:00.000Z' },
          { firstSeen: '2025-06-10T08:00:00.000Z', lastSeen: '2025-06-10T09:00:00.000Z' },
          { firstSeen: 'morning', lastSeen: '2025-03-10T09:00:00.000Z' },
        ]) {
          await assert.rejects(
            store.correctAttendance({ ...base, change }),
            rejectsWithCode(ErrorCode.StoreInvalid),
          );
        }
        await assert.rejects(
          store.correctAttendance({ ...base, reason: '', change: { remove: true } }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        await assert.rejects(
          store.correctAttendance({ ...base, day: '2025-03-12', change: { remove: true } }),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        await assert.rejects(
          store.correctAttendance({
            ...base,
            personId: 'ghost',
            change: { firstSeen: '2025-03-10T08:00:00.000Z', lastSeen: '2025-03-10T09:00:00.000Z' },
          }),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        assert.equal((await store.listCorrections()).items.length, 3, 'refused corrections are not recorded');
      });
    });

    describe('unknown faces', () => {
      it('keeps a face held back as unconfirmed with its candidate, until the candidate is erased', async () => {
        const ada = await person('Ada');
        const heldBack = await store.recordUnknownFace(
          makeEvent({
            type: 'unknown',
            personId: null,
            distance: 1.05,
            unconfirmed: true,
            candidate: { personId: ada, distance: 1.05 },
          }),
        );
        assert.equal(heldBack.face.unconfirmed, true);
        assert.deepEqual(heldBack.face.candidate, { personId: ada, name: 'Ada', distance: 1.05 });
        assert.deepEqual(await store.getUnknownFace(heldBack.face.id), heldBack.face);
        const nobody = await store.recordUnknownFace(makeEvent({ type: 'unknown', personId: null }));
        assert.deepEqual([nobody.face.unconfirmed, nobody.face.candidate], [false, null]);
        // A candidate unknown here (erased before the event arrived) is not kept.
        const ghost = await store.recordUnknownFace(
          makeEvent({
            type: 'unknown',
            personId: null,
            unconfirmed: true,
            candidate: { personId: 'ghost', distance: 1.1 },
          }),
        );
        assert.deepEqual([ghost.face.unconfirmed, ghost.face.candidate], [true, null]);
        // Only an unknown event has a candidate.
        await assert.rejects(
          store.recordUnknownFace(
            makeEvent({ type: 'unknown', personId: null, candidate: { personId: ada, distance: -1 } }),
          ),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        await store.deletePerson(ada);
        const after = await store.getUnknownFace(heldBack.face.id);
        assert.deepEqual([after?.unconfirmed, after?.candidate, after?.status], [true, null, 'open']);
      });

      it('opens one face per event, lists, assigns and dismisses', async () => {
        const ada = await person('Ada');
        const e1 = makeEvent({
          type: 'unknown',
          personId: null,
          at: '2025-03-10T08:00:00.000Z',
          distance: null,
        });
        const e2 = makeEvent({ type: 'unknown', personId: null, at: '2025-03-10T09:00:00.000Z' });
        const first = await store.recordUnknownFace(e1);
        assert.equal(first.inserted, true);
        assert.equal(first.face.status, 'open');
        assert.equal(first.face.eventId, e1.id);
        assert.equal(first.face.hasCrop, true);
        const again = await Promise.all([store.recordUnknownFace(e1), store.recordUnknownFace(e1)]);
        assert.deepEqual(
          again.map((r) => [r.inserted, r.face.id]),
          [
            [false, first.face.id],
            [false, first.face.id],
          ],
        );
        const second = await store.recordUnknownFace(e2);

        const open = await store.listUnknownFaces({ status: 'open' });
        assert.deepEqual(
          open.items.map((f) => f.id),
          [second.face.id, first.face.id],
          'newest first',
        );
        assert.deepEqual(await store.getUnknownFaceCrop(first.face.id), e1.crop);
        assert.deepEqual(await store.getUnknownFace(first.face.id), first.face);
        assert.equal(await store.getUnknownFace('missing'), null);
        assert.equal(await store.getUnknownFaceCrop('missing'), null);

        const assigned = await store.assignUnknownFace(first.face.id, ada);
        assert.equal(assigned.status, 'assigned');
        assert.equal(assigned.assignedPersonId, ada);
        assert.ok(assigned.decidedAt);
        assert.deepEqual(
          await store.assignUnknownFace(first.face.id, ada),
          assigned,
          'the same decision twice',
        );
        await assert.rejects(
          store.dismissUnknownFace(first.face.id),
          rejectsWithCode(ErrorCode.StoreConflict),
        );

        await assert.rejects(
          store.assignUnknownFace(second.face.id, 'ghost'),
          rejectsWithCode(ErrorCode.StoreNotFound),
        );
        const dismissed = await store.dismissUnknownFace(second.face.id);
        assert.equal(dismissed.status, 'dismissed');
        assert.equal(dismissed.assignedPersonId, null);
        await assert.rejects(
          store.assignUnknownFace(second.face.id, ada),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        await assert.rejects(store.dismissUnknownFace('missing'), rejectsWithCode(ErrorCode.StoreNotFound));

        // With the rule that refuses a repeated decision, only the first of two equal ones wins.
        const third = (await store.recordUnknownFace(makeEvent({ type: 'unknown', personId: null }))).face;
        const once = await store.assignUnknownFace(third.id, ada, { rule: decideUnknownFaceOnce });
        await assert.rejects(
          store.assignUnknownFace(third.id, ada, { rule: decideUnknownFaceOnce }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        // Undone only while it is still that assignment.
        await assert.rejects(
          store.reopenUnknownFace(third.id, { personId: ada, decidedAt: '2000-01-01T00:00:00.000Z' }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        const reopened = await store.reopenUnknownFace(third.id, {
          personId: ada,
          decidedAt: once.decidedAt ?? '',
        });
        assert.deepEqual(
          [reopened.status, reopened.assignedPersonId, reopened.decidedAt],
          ['open', null, null],
        );
        await assert.rejects(
          store.reopenUnknownFace(third.id, { personId: ada, decidedAt: once.decidedAt ?? '' }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );
        await store.dismissUnknownFace(third.id, { rule: decideUnknownFaceOnce });
        await assert.rejects(
          store.dismissUnknownFace(third.id, { rule: decideUnknownFaceOnce }),
          rejectsWithCode(ErrorCode.StoreConflict),
        );

        assert.equal((await store.listUnknownFaces({ status: 'open' })).items.length, 0);
        assert.equal((await store.listUnknownFaces()).items.length, 3);
        assert.equal((await store.listUnknownFaces({ status: 'dismissed' })).items.length, 2);
        await assert.rejects(
          store.listUnknownFaces({ status: 'closed' as 'open' }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        await assert.rejects(
          store.recordUnknownFace(makeEvent({ personId: ada })),
          rejectsWithCode(ErrorCode.StoreInvalid),
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

      it('erases everything biometric and keeps attendance history by default', async () => {
        const { ada, bob, photo, seen, bobSeen, unknown, face } = await enrolledWithHistory();
        const before = await store.getGalleryVersion();

        const deleted = await store.deletePerson(ada);
        assert.deepEqual(deleted, {
          descriptors: 1,
          photos: 1,
          eventCrops: 2,
          unknownFaces: 1,
          attendance: 0,
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
        assert.equal(kept?.personName, 'Ada', 'history keeps the name');
        assert.equal((await store.listCorrections({ personId: ada })).items.length, 1);

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
        // The name is free again.
        assert.equal((await store.createPerson({ name: 'Ada' })).person.name, 'Ada');
      });

      it('erases attendance and its corrections too when asked', async () => {
        const { ada, bob } = await enrolledWithHistory();
        const deleted = await store.deletePerson(ada, { eraseAttendance: true });
        assert.equal(deleted.attendance, 1);
        assert.equal(await store.getAttendance(ada, '2025-03-10'), null);
        assert.equal((await store.listCorrections({ personId: ada })).items.length, 0);
        assert.ok(await store.getAttendance(bob, '2025-03-10'));
      });
    });

    describe('nodes and settings', () => {
      it('upserts and lists nodes', async () => {
        const status = { cameras: ['video0'], fps: 9.5, galleryVersion: 3, outboxDepth: 0 };
        assert.deepEqual(await store.upsertNode({ id: 'node-a', lastSeen: '2025-03-10T08:00:00Z', status }), {
          id: 'node-a',
          lastSeen: '2025-03-10T08:00:00.000Z',
          status,
        });
        await store.upsertNode({ id: 'node-b', lastSeen: '2025-03-10T08:00:01Z', status: null });
        await store.upsertNode({ id: 'node-a', lastSeen: '2025-03-10T08:01:00Z', status: { fps: 10 } });
        assert.deepEqual(await store.listNodes(), [
          { id: 'node-a', lastSeen: '2025-03-10T08:01:00.000Z', status: { fps: 10 } },
          { id: 'node-b', lastSeen: '2025-03-10T08:00:01.000Z', status: null },
        ]);
        assert.deepEqual((await store.getNode('node-b'))?.status, null);
        assert.equal(await store.getNode('node-c'), null);
        await store.deleteNode('node-b');
        assert.equal((await store.listNodes()).length, 1);
        await assert.rejects(store.deleteNode('node-b'), rejectsWithCode(ErrorCode.StoreNotFound));
        await assert.rejects(
          store.upsertNode({ id: 'bad id', lastSeen: '2025-03-10T08:00:00Z', status: null }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
        await assert.rejects(
          store.upsertNode({ id: 'n', lastSeen: '2025-03-10T08:00:00Z', status: { x: undefined } as never }),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
      });

      it('sets, reads, lists and deletes settings', async () => {
        const set = await store.setSetting('attendance.cooldownS', 60);
        assert.equal(set.value, 60);
        await store.setSetting('site', { name: 'HQ', cameras: ['door', 'exit'], open: true });
        await store.setSetting('attendance.cooldownS', 120);
        assert.equal((await store.getSetting('attendance.cooldownS'))?.value, 120);
        assert.deepEqual(
          (await store.listSettings()).map((s) => [s.key, s.value]),
          [
            ['attendance.cooldownS', 120],
            ['site', { name: 'HQ', cameras: ['door', 'exit'], open: true }],
          ],
        );
        await store.deleteSetting('site');
        assert.equal(await store.getSetting('site'), null);
        await assert.rejects(store.deleteSetting('site'), rejectsWithCode(ErrorCode.StoreNotFound));
        await assert.rejects(store.setSetting('', 1), rejectsWithCode(ErrorCode.StoreInvalid));
        await assert.rejects(
          store.setSetting('big', 'x'.repeat(300 * 1024)),
          rejectsWithCode(ErrorCode.StoreInvalid),
        );
      });
    });

    describe('updating a setting from its saved value', () => {
      it('computes the new value from the saved one in the write, and writes nothing when refused', async () => {
        const seen: unknown[] = [];
        const add = (n: number) => (saved: JsonValue | null) => {
          seen.push(saved);
          return {
            count:
              (typeof saved === 'object' && saved !== null && !Array.isArray(saved)
                ? Number(saved.count)
                : 0) + n,
          };
        };
        assert.deepEqual((await store.updateSetting('counter', add(1))).value, { count: 1 });
        // Two at once: neither loses the other's change.
        await Promise.all([store.updateSetting('counter', add(2)), store.updateSetting('counter', add(3))]);
        assert.deepEqual((await store.getSetting('counter'))?.value, { count: 6 });
        assert.deepEqual(seen[0], null);
        await assert.rejects(
          store.updateSetting('counter', () => {
            throw new RollcallError(ErrorCode.RequestInvalid, 'no');
          }),
          rejectsWithCode(ErrorCode.RequestInvalid),
        );
        assert.deepEqual((await store.getSetting('counter'))?.value, { count: 6 });
        await assert.rejects(store.updateSetting('', add(1)), rejectsWithCode(ErrorCode.StoreInvalid));
      });
    });

    it('closes idempotently and refuses calls afterwards', async () => {
      await store.close();
      await store.close();
      await assert.rejects(store.listPeople(), rejectsWithCode(ErrorCode.StoreClosed));
      await assert.rejects(store.getGalleryVersion(), rejectsWithCode(ErrorCode.StoreClosed));
    });
  });
}
