import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { isRollcallError } from '../../src/core/index.js';
import { decodeImage, FaceApiEngine, readImageFile } from '../../src/engine/index.js';
import { facePhoto } from '../support/faces.js';

/** A PNG whose header claims `width`×`height` but whose data is a few bytes: a decompression bomb. */
function pngHeaderClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decodeImage', () => {
  it('decodes an 8-bit grayscale PNG to RGB', async () => {
    const image = await readImageFile(facePhoto('amy/amy1.png'));
    assert.deepEqual([image.width, image.height, image.data.length], [150, 150, 150 * 150 * 3]);
    assert.equal(image.data[0], image.data[1], 'grey stays grey in every channel');
  });

  it('applies EXIF orientation so the face is upright', async () => {
    const original = await readFile(facePhoto('stock_emotions_a/stock-emotions-a-1.jpg'));
    const meta = await sharp(original).metadata();
    // Pixels stored rotated, with an EXIF tag telling viewers to turn them back: as phones save photos.
    const sideways = await sharp(original).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const image = await decodeImage(sideways);
    assert.deepEqual([image.width, image.height], [meta.width, meta.height]);
    const engine = await FaceApiEngine.create();
    const faces = await engine.detect(image, { detector: 'ssd' });
    assert.equal(faces.length, 1);
    assert.ok((faces[0]?.score ?? 0) > 0.9);
  });

  it('flattens transparency onto grey', async () => {
    const withAlpha = await sharp({
      create: { width: 4, height: 4, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const image = await decodeImage(withAlpha);
    assert.equal(image.data.length, 4 * 4 * 3);
    assert.deepEqual([...image.data.subarray(0, 3)], [128, 128, 128]);
  });

  it('scales very large photos down and still finds the face', async () => {
    const original = await readFile(facePhoto('vlado/person-vlado.jpg'));
    const huge = await sharp(original).resize({ width: 5000 }).jpeg().toBuffer();
    const image = await decodeImage(huge);
    assert.equal(Math.max(image.width, image.height), 2048);
    const engine = await FaceApiEngine.create();
    assert.equal((await engine.detect(image, { detector: 'ssd' })).length, 1);
  });

  const refusals: [string, () => Promise<Buffer>, string][] = [
    ['an empty file', () => Promise.resolve(Buffer.alloc(0)), 'IMAGE_EMPTY'],
    [
      'text named like a photo',
      () => Promise.resolve(Buffer.from('this is not a JPEG at all')),
      'IMAGE_UNSUPPORTED',
    ],
    [
      'random bytes',
      () => Promise.resolve(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))),
      'IMAGE_UNSUPPORTED',
    ],
    [
      'a truncated JPEG',
      async () => {
        const bytes = await readFile(facePhoto('stock_emotions_a/stock-emotions-a-1.jpg'));
        return bytes.subarray(0, Math.floor(bytes.length / 2));
      },
      'IMAGE_CORRUPT',
    ],
    [
      'a 30000×30000 decompression bomb',
      () => Promise.resolve(pngHeaderClaiming(30_000, 30_000)),
      'IMAGE_TOO_LARGE',
    ],
  ];
  for (const [what, make, code] of refusals) {
    it(`refuses ${what} with ${code}, naming the file`, async () => {
      await assert.rejects(decodeImage(await make(), { name: 'upload.jpg' }), (error: unknown) => {
        assert.ok(isRollcallError(error), String(error));
        assert.equal(error.code, code, error.message);
        assert.match(error.message, /^upload\.jpg: /);
        return true;
      });
    });
  }

  it('names a missing file', async () => {
    await assert.rejects(
      readImageFile('/nonexistent/photo.jpg'),
      (error: unknown) =>
        isRollcallError(error, 'IMAGE_UNREADABLE') && error.message.includes('/nonexistent/photo.jpg'),
    );
  });
});
