import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { folderPerson } from '../../src/cli/enroll-folders.js';

describe('folderPerson', () => {
  it('reads an external id in brackets after the name, and nothing else as one', () => {
    assert.deepEqual(folderPerson('Mark Smith [S-1042]'), { name: 'Mark Smith', externalId: 'S-1042' });
    assert.deepEqual(folderPerson('Mark Smith[ 7 ]'), { name: 'Mark Smith', externalId: '7' });
    assert.deepEqual(folderPerson('Mark Smith'), { name: 'Mark Smith', externalId: null });
    // Brackets that hold nothing, or that stand alone, are part of the name.
    assert.deepEqual(folderPerson('Mark Smith []'), { name: 'Mark Smith []', externalId: null });
    assert.deepEqual(folderPerson('[S-1]'), { name: '[S-1]', externalId: null });
    assert.deepEqual(folderPerson('A [b] c'), { name: 'A [b] c', externalId: null });
  });
});
