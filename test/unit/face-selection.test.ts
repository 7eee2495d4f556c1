import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ENROLLMENT_GATES,
  primaryFace,
  selectEnrollmentFace,
  type CandidateFace,
  type EnrollmentSelection,
} from '../../src/core/index.js';

function face(size: number, score = 0.99, quality: Partial<CandidateFace['quality']> = {}): CandidateFace {
  return {
    box: { width: size, height: size },
    score,
    quality: { sizePx: size, score, sharpness: 200, frontality: 0.9, ...quality },
  };
}

describe('primaryFace', () => {
  it('is undefined with no faces', () => {
    assert.equal(primaryFace<CandidateFace>([]), undefined);
  });

  it('prefers the largest, surest face', () => {
    const small = face(50);
    const large = face(150, 0.9);
    const unsure = face(160, 0.1);
    assert.equal(primaryFace([small, large, unsure]), large);
  });
});

/** The refusal, after asserting that the selection was refused. */
function refusal(result: EnrollmentSelection<CandidateFace>) {
  assert.ok(!result.ok, 'expected the photo to be refused');
  return result;
}

describe('selectEnrollmentFace', () => {
  it('accepts one clear face', () => {
    const only = face(140);
    assert.deepEqual(selectEnrollmentFace([only], ENROLLMENT_GATES), { ok: true, face: only });
  });

  it('refuses a photo without a face', () => {
    assert.equal(refusal(selectEnrollmentFace([], ENROLLMENT_GATES)).reason, 'no_face');
  });

  it('refuses two comparable faces and says how many', () => {
    const result = refusal(selectEnrollmentFace([face(140), face(120)], ENROLLMENT_GATES));
    assert.equal(result.reason, 'several_faces');
    assert.match(result.message, /2 faces/);
  });

  it('ignores a small face in the background', () => {
    const main = face(200);
    const result = selectEnrollmentFace([face(40), main], ENROLLMENT_GATES);
    assert.deepEqual(result, { ok: true, face: main });
  });

  it('ignores a face as large as the main one that the detector is unsure of', () => {
    const main = face(140);
    const unsure = face(130, ENROLLMENT_GATES.minScore - 0.1);
    assert.deepEqual(selectEnrollmentFace([unsure, main], ENROLLMENT_GATES), { ok: true, face: main });
    const sure = face(130, ENROLLMENT_GATES.minScore);
    assert.equal(refusal(selectEnrollmentFace([sure, main], ENROLLMENT_GATES)).reason, 'several_faces');
  });

  it('refuses a blurred face with a reason a person understands', () => {
    const result = refusal(selectEnrollmentFace([face(140, 0.99, { sharpness: 2 })], ENROLLMENT_GATES));
    assert.equal(result.reason, 'poor_quality');
    assert.match(result.message, /blurred/);
  });

  it('says "no human face" first and alone when the detector is unsure it found a face (an animal)', () => {
    // What a dog's head gives: found, but not surely a face, and blurred and turned as a face.
    const dog = face(140, ENROLLMENT_GATES.minScore - 0.1, { sharpness: 3, frontality: 0.05 });
    const result = refusal(selectEnrollmentFace([dog], ENROLLMENT_GATES));
    assert.equal(result.reason, 'no_face');
    assert.deepEqual(result.reasons, [
      'no human face was found in the photo (the detector is only 40% sure that what it found is a face)',
    ]);
    assert.deepEqual(
      result.problems.map((p) => p.code),
      ['low_confidence', 'turned_away', 'blurred'],
      'the measures are still all there for whoever needs them',
    );
    assert.equal(
      refusal(selectEnrollmentFace([], ENROLLMENT_GATES)).message,
      'no human face was found in the photo',
    );
  });

  it('gives every reason of a poor face, one each, the ones a person can fix first and blur last', () => {
    const poor = face(30, 0.99, { sharpness: 2, frontality: 0.05 });
    const result = refusal(selectEnrollmentFace([poor], ENROLLMENT_GATES));
    assert.equal(result.reasons.length, 3);
    assert.match(result.reasons[0] ?? '', /30 px across/);
    assert.match(result.reasons[1] ?? '', /turned too far/);
    assert.match(result.reasons[2] ?? '', /blurred/);
    assert.equal(result.message, result.reasons.join('; '));
  });
});
