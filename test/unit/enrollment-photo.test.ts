import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  personState,
  portraitCrop,
  portraitPhoto,
  readPhotoVerdict,
  type PhotoVerdict,
} from '../../src/core/index.js';

const quality = { sizePx: 120, score: 0.98, sharpness: 80, frontality: 0.9 };

describe('readPhotoVerdict', () => {
  it('is pending before training, whatever else the record holds', () => {
    for (const record of [null, {}, 'x', 3, [], { accepted: 'yes' }]) {
      assert.equal(readPhotoVerdict(record).status, 'pending', JSON.stringify(record));
    }
  });

  it('reads an accepted photo with its measures, face box and look-alike', () => {
    const verdict = readPhotoVerdict({
      accepted: true,
      ...quality,
      box: { x: 10, y: 20, width: 100, height: 120 },
      lookalike: { name: 'Howard', distance: 0.41 },
    });
    assert.deepEqual(verdict, {
      status: 'accepted',
      reasons: [],
      quality,
      box: { x: 10, y: 20, width: 100, height: 120 },
      lookalike: { name: 'Howard', distance: 0.41 },
    });
  });

  it('reads an accepted photo stored before boxes were kept, and ignores a malformed box', () => {
    assert.equal(readPhotoVerdict({ accepted: true, ...quality }).box, null);
    assert.equal(readPhotoVerdict({ accepted: true, box: { x: 1, y: 1, width: 0, height: 5 } }).box, null);
  });

  it("reads a refusal's reasons, or splits the one line of records written before them", () => {
    assert.deepEqual(readPhotoVerdict({ accepted: false, reason: 'a; b', reasons: ['a', 'b'] }).reasons, [
      'a',
      'b',
    ]);
    assert.deepEqual(readPhotoVerdict({ accepted: false, reason: 'too small; blurred' }).reasons, [
      'too small',
      'blurred',
    ]);
    assert.deepEqual(readPhotoVerdict({ accepted: false }).reasons, ['refused by training']);
  });
});

describe('personState', () => {
  it('is recognisable with one accepted photo, training while photos wait, else not recognisable', () => {
    assert.equal(personState(['refused', 'accepted', 'pending']), 'recognisable');
    assert.equal(personState(['refused', 'pending']), 'training');
    assert.equal(personState(['refused', 'refused']), 'not-recognisable');
    assert.equal(personState([]), 'not-recognisable');
  });
});

describe('portraitPhoto', () => {
  const photo = (id: string, verdict: Partial<PhotoVerdict>): { id: string; verdict: PhotoVerdict } => ({
    id,
    verdict: {
      status: 'accepted',
      reasons: [],
      quality: null,
      box: null,
      lookalike: null,
      ...verdict,
    },
  });

  it('takes the accepted photo with the largest face, the first on a tie', () => {
    const photos = [
      photo('refused', { status: 'refused', box: { x: 0, y: 0, width: 900, height: 900 } }),
      photo('small', { box: { x: 0, y: 0, width: 80, height: 90 } }),
      photo('large', { box: { x: 0, y: 0, width: 200, height: 220 } }),
      photo('as-large', { box: { x: 5, y: 5, width: 200, height: 220 } }),
      photo('no-box', {}),
    ];
    assert.equal(portraitPhoto(photos)?.id, 'large');
    assert.equal(portraitPhoto([photo('no-box', {})]), undefined);
  });
});

describe('portraitCrop', () => {
  it('cuts a square around the face with a margin, centred on it', () => {
    assert.deepEqual(portraitCrop({ x: 100, y: 100, width: 100, height: 100 }, 1000, 1000), {
      x: 65,
      y: 65,
      width: 170,
      height: 170,
    });
  });

  it('stays inside the image at its edges, and is never larger than it', () => {
    assert.deepEqual(portraitCrop({ x: -10, y: 5, width: 100, height: 100 }, 400, 300), {
      x: 0,
      y: 0,
      width: 170,
      height: 170,
    });
    assert.deepEqual(portraitCrop({ x: 0, y: 0, width: 150, height: 150 }, 150, 150), {
      x: 0,
      y: 0,
      width: 150,
      height: 150,
    });
  });
});
