import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { erasureSteps } from '../../src/core/index.js';

describe('erasureSteps', () => {
  it('always erases everything biometric, crops before the faces that hold them; attendance only when asked', () => {
    assert.deepEqual(erasureSteps(), ['descriptors', 'photos', 'eventCrops', 'unknownFaces']);
    assert.deepEqual(erasureSteps({ eraseAttendance: false }), erasureSteps());
    assert.deepEqual(erasureSteps({ eraseAttendance: true }), [...erasureSteps(), 'attendance']);
  });
});
