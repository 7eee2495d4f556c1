import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  activeAdmins,
  decideUnknownFace,
  decideUnknownFaceOnce,
  ErrorCode,
  firstAccountOnly,
  isRollcallError,
  keepAnAdmin,
  type AccountState,
  type UnknownFaceState,
} from '../../src/core/index.js';

const admin = (id: string, disabled = false): AccountState => ({ id, name: id, role: 'admin', disabled });
const viewer = (id: string): AccountState => ({ id, name: id, role: 'viewer', disabled: false });

function throwsCode(code: ErrorCode, message?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isRollcallError(error, code), `expected ${code}, got ${String(error)}`);
    if (message) assert.match(error.message, message);
    return true;
  };
}

describe('keepAnAdmin', () => {
  const rule = keepAnAdmin('making Ada a viewer');

  it('refuses a change that leaves no administrator able to sign in', () => {
    assert.throws(
      () => {
        rule({ before: [admin('ada'), viewer('bob')], after: [viewer('ada'), viewer('bob')] });
      },
      throwsCode(
        ErrorCode.StoreConflict,
        /^making Ada a viewer would leave Rollcall without an administrator/,
      ),
    );
    assert.throws(() => {
      rule({ before: [admin('ada')], after: [admin('ada', true)] });
    }, throwsCode(ErrorCode.StoreConflict));
    assert.throws(() => {
      rule({ before: [admin('ada')], after: [] });
    }, throwsCode(ErrorCode.StoreConflict));
  });

  it('allows any change that leaves one, and changes where there was none to keep', () => {
    rule({ before: [admin('ada'), admin('bob')], after: [viewer('ada'), admin('bob')] });
    rule({ before: [viewer('ada')], after: [] });
    rule({ before: [], after: [viewer('ada')] });
    assert.equal(activeAdmins([admin('a'), admin('b', true), viewer('c')]), 1);
  });
});

describe('firstAccountOnly', () => {
  it('allows the first account and refuses once any exists', () => {
    firstAccountOnly({ before: [], after: [admin('ada')] });
    assert.throws(() => {
      firstAccountOnly({ before: [viewer('bob')], after: [viewer('bob'), admin('ada')] });
    }, throwsCode(ErrorCode.SetupDone));
  });
});

describe('decideUnknownFace', () => {
  const open: UnknownFaceState = { id: 'f', status: 'open', assignedPersonId: null, decidedAt: null };
  const assigned: UnknownFaceState = {
    id: 'f',
    status: 'assigned',
    assignedPersonId: 'ada',
    decidedAt: '2025-03-10T08:00:00.000Z',
  };
  const dismissed: UnknownFaceState = { ...open, status: 'dismissed', decidedAt: '2025-03-10T08:00:00.000Z' };

  it('decides an open face once', () => {
    assert.equal(decideUnknownFace(open, { status: 'assigned', personId: 'ada' }), 'write');
    assert.equal(decideUnknownFace(open, { status: 'dismissed' }), 'write');
    assert.throws(
      () => decideUnknownFace(assigned, { status: 'assigned', personId: 'bob' }),
      throwsCode(ErrorCode.StoreConflict, /already assigned/),
    );
    assert.throws(
      () => decideUnknownFace(assigned, { status: 'dismissed' }),
      throwsCode(ErrorCode.StoreConflict),
    );
    assert.throws(
      () => decideUnknownFace(dismissed, { status: 'assigned', personId: 'ada' }),
      throwsCode(ErrorCode.StoreConflict, /already dismissed/),
    );
  });

  it('answers a repeated decision unchanged, or refuses it when asked to decide once', () => {
    assert.equal(decideUnknownFace(assigned, { status: 'assigned', personId: 'ada' }), 'unchanged');
    assert.equal(decideUnknownFace(dismissed, { status: 'dismissed' }), 'unchanged');
    assert.throws(
      () => decideUnknownFaceOnce(assigned, { status: 'assigned', personId: 'ada' }),
      throwsCode(ErrorCode.StoreConflict),
    );
    assert.throws(
      () => decideUnknownFaceOnce(dismissed, { status: 'dismissed' }),
      throwsCode(ErrorCode.StoreConflict),
    );
    assert.equal(decideUnknownFaceOnce(open, { status: 'dismissed' }), 'write');
  });

  it('undoes an assignment only while it is still that assignment', () => {
    const undo = { personId: 'ada', decidedAt: '2025-03-10T08:00:00.000Z' };
    assert.equal(decideUnknownFace(assigned, { status: 'open', undo }), 'write');
    for (const face of [open, dismissed, { ...assigned, decidedAt: '2025-03-10T09:00:00.000Z' }]) {
      assert.throws(
        () => decideUnknownFace(face, { status: 'open', undo }),
        throwsCode(ErrorCode.StoreConflict),
      );
    }
  });
});
