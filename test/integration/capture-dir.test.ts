import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  createDemoFrameSource,
  createFrameSource,
  demoPhotoDir,
  DirFrameSource,
  type Frame,
  type FrameSource,
} from '../../src/capture/index.js';
import { ErrorCode, isRollcallError } from '../../src/core/index.js';
import { facePhoto } from '../support/faces.js';
import { tempDir } from '../support/temp.js';

/** Starts the source, takes `count` frames, closes it. */
async function take(source: FrameSource, count: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  let done!: () => void;
  const enough = new Promise<void>((resolve) => (done = resolve));
  source.on('frame', (frame) => {
    frames.push(frame);
    if (frames.length === count) done();
  });
  try {
    await source.start();
    await enough;
  } finally {
    await source.close();
  }
  return frames;
}

/** A folder with two photos (150×150 amy, then a wide group photo), a hidden file, a text file and a subfolder. */
async function photoFolder(): Promise<string> {
  const dir = await tempDir('capture');
  await symlink(facePhoto('amy/amy1.png'), path.join(dir, 'photo2.png'));
  await symlink(facePhoto('group/bbt4.jpg'), path.join(dir, 'photo10.jpg'));
  await symlink(facePhoto('raj/raj1.png'), path.join(dir, '.hidden.png'));
  await writeFile(path.join(dir, 'notes.txt'), 'not an image');
  await mkdir(path.join(dir, 'sub'));
  return dir;
}

describe('DirFrameSource', () => {
  it('loops over the photos in name order, skipping hidden files, folders and non-images', async () => {
    const dir = await photoFolder();
    const source = new DirFrameSource({ dir, cameraId: 'door', fps: 20 });
    const started = Date.now();
    const frames = await take(source, 5);
    const elapsed = Date.now() - started;
    assert.deepEqual(
      frames.map((f) => f.image.width === 150),
      [true, false, true, false, true],
      'photo2 before photo10, then round again',
    );
    assert.deepEqual(
      frames.map((f) => [f.cameraId, f.seq]),
      [0, 1, 2, 3, 4].map((seq) => ['door', seq]),
    );
    assert.ok(elapsed >= 150, `5 frames at 20 fps took ${elapsed} ms`);
    assert.deepEqual(
      source.skipped.map((s) => path.basename(s.file)),
      ['notes.txt'],
    );
    assert.match(source.skipped[0]?.reason ?? '', /not an image/);
  });

  it('gives every frame its own copy of the pixels, so a consumer may transfer them', async () => {
    const dir = await photoFolder();
    const frames = await take(new DirFrameSource({ dir, cameraId: 'door', fps: 50 }), 3);
    const [first, , third] = frames;
    assert.ok(first && third);
    const pixels = Uint8Array.from(first.image.data);
    assert.notEqual(first.image.data.buffer, third.image.data.buffer);
    structuredClone(first.image.data, { transfer: [first.image.data.buffer as ArrayBuffer] });
    assert.equal(first.image.data.byteLength, 0, 'the first frame was detached');
    assert.deepEqual(third.image.data, pixels, 'the same photo later is intact');
  });

  it('keeps looping correctly when the cache holds fewer images than the folder', async () => {
    const dir = await photoFolder();
    const frames = await take(new DirFrameSource({ dir, cameraId: 'door', fps: 50, maxCachedImages: 1 }), 4);
    assert.deepEqual(
      frames.map((f) => f.image.width === 150),
      [true, false, true, false],
    );
  });

  it('rejects start() with SOURCE_INVALID naming the folder when no image decodes', async () => {
    const dir = await tempDir('capture');
    await writeFile(path.join(dir, 'a.jpg'), 'not really a jpeg');
    const source = new DirFrameSource({ dir, cameraId: 'door' });
    await assert.rejects(
      source.start(),
      (error) =>
        isRollcallError(error, ErrorCode.SourceInvalid) &&
        error.message.includes(`no image in ${dir} can be decoded`) &&
        error.message.includes('a.jpg'),
    );
    await source.close();
    const missing = new DirFrameSource({ dir: path.join(dir, 'nope'), cameraId: 'door' });
    await assert.rejects(missing.start(), (error) => isRollcallError(error, ErrorCode.SourceInvalid));
  });

  it('is what CAMERA_SOURCE=dir:PATH makes, named after the folder', async () => {
    const dir = await photoFolder();
    const source = createFrameSource(`dir:${dir}`, { fps: 20 });
    assert.equal(source.cameraId, path.basename(dir));
    const frames = await take(source, 2);
    assert.equal(frames[1]?.cameraId, path.basename(dir));
  });
});

describe('demo source', () => {
  it('plays the sample photos shipped in @vladmandic/face-api', async () => {
    assert.ok(existsSync(path.join(demoPhotoDir(), 'sample1.jpg')));
    const frames = await take(createDemoFrameSource({ fps: 20 }), 7);
    assert.equal(frames[0]?.cameraId, 'demo');
    for (const frame of frames) {
      assert.ok(Math.max(frame.image.width, frame.image.height) <= 1280);
      assert.equal(frame.image.data.length, frame.image.width * frame.image.height * 3);
    }
    assert.deepEqual(frames[6]?.image.data, frames[0].image.data, 'six samples, then round again');
  });

  it('is what CAMERA_SOURCE=demo makes', async () => {
    const source = createFrameSource('demo', { fps: 20 });
    assert.equal(source.cameraId, 'demo');
    assert.match(source.description, /demo photos/);
    const frames = await take(source, 1);
    assert.equal(frames.length, 1);
  });
});
