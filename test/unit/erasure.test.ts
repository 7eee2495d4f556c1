import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deletedPersonName, erasureSteps } from '../../src/core/index.js';

describe('erasureSteps', () => {
  it('always erases everything biometric, crops before the faces that hold them; attendance erased or anonymised', () => {
    const biometric = ['descriptors', 'photos', 'eventCrops', 'unknownFaces'];
    assert.deepEqual(erasureSteps(), [...biometric, 'anonymiseAttendance']);
    assert.deepEqual(erasureSteps({ eraseAttendance: false }), erasureSteps());
    assert.deepEqual(erasureSteps({ eraseAttendance: true }), [...biometric, 'attendance']);
  });

  it('names kept attendance by sequence number, never by the name it had', () => {
    assert.equal(deletedPersonName(1), 'Deleted person #1');
    assert.equal(deletedPersonName(27), 'Deleted person #27');
  });
});
