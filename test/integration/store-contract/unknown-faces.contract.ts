/**
 * The `UnknownFacesRepository` contract: unknown faces and their review, as every adapter must keep them.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe } from 'node:test';
import { decideUnknownFaceOnce, ErrorCode } from '../../../src/core/index.js';
import type { Store } from '../../../src/store/index.js';
import { makeEvent, rejectsWithCode, contractIt, type StoreContractOptions } from './support.js';

export function unknownFacesContract(
  name: string,
  create: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  const it = contractIt(options);
  describe(`UnknownFacesRepository contract: ${name}`, () => {
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
  });
}
