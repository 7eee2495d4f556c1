import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FfmpegFrameSource, type Frame, type FfmpegFrameSourceOptions } from '../../src/capture/index.js';
import { ErrorCode, isRollcallError } from '../../src/core/index.js';
import { makeClip } from '../support/clips.js';
import { facePhoto } from '../support/faces.js';
import { processExists } from '../support/processes.js';

/** True while a process with this id exists (a zombie counts: it has not been reaped). */

function nextFrame(source: FfmpegFrameSource): Promise<Frame> {
  return once(source, 'frame').then(([frame]) => frame as Frame);
}

/** Starts, gathers frames for `ms` after the first, closes; start() must resolve. */
async function gather(
  options: FfmpegFrameSourceOptions,
  until: (frames: Frame[]) => boolean,
): Promise<Frame[]> {
  const source = new FfmpegFrameSource(options);
  const frames: Frame[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  source.on('frame', (frame) => {
    frames.push(frame);
    if (until(frames)) done();
  });
  try {
    await source.start();
    await finished;
  } finally {
    await source.close();
  }
  assert.equal(processExists(source.pid), false, 'close() leaves no ffmpeg behind');
  return frames;
}

async function startError(options: FfmpegFrameSourceOptions): Promise<unknown> {
  const source = new FfmpegFrameSource(options);
  try {
    await source.start();
  } catch (error) {
    if (source.pid !== undefined) assert.equal(processExists(source.pid), false, 'the failed ffmpeg is gone');
    return error;
  } finally {
    await source.close();
  }
  assert.fail('start() should have rejected');
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('FfmpegFrameSource (real ffmpeg)', () => {
  /** 1 s at 10 fps: 5 frames of a group photo, then 5 of a face. */
  let clip: string;
  let server: Server;
  let baseUrl: string;

  before(async () => {
    clip = await makeClip([facePhoto('group/bbt4.jpg'), facePhoto('amy/amy1.png')], {
      secondsPerPhoto: 0.5,
      fps: 10,
      width: 320,
      height: 240,
    });
    server = createServer((request, response) => {
      if (request.url === '/clip.mp4') {
        response.writeHead(200, { 'content-type': 'video/mp4' });
        createReadStream(clip).pipe(response);
      } else if (request.url === '/silent') {
        // Accepts and never answers: the first-frame timeout must end the wait.
      } else {
        response.writeHead(404).end('not here');
      }
    });
    baseUrl = await listen(server);
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(path.dirname(clip), { recursive: true, force: true });
  });

  it('plays a file as fixed-size grey-padded frames at its own pace, looping past the end', async () => {
    const started = Date.now();
    const frames = await gather({ input: clip, cameraId: 'file', width: 400, height: 200, fps: 10 }, (f) => {
      const first = f[0];
      return first !== undefined && (f.at(-1)?.capturedAt ?? 0) - first.capturedAt >= 2500;
    });
    const seconds = ((frames.at(-1)?.capturedAt ?? 0) - (frames[0]?.capturedAt ?? 0)) / 1000;
    assert.ok(frames.length > 10, `${frames.length} frames: more than the 1 s clip holds, so it looped`);
    assert.ok(
      frames.length >= 15 && frames.length <= 35,
      `${frames.length} frames in ${seconds} s is about 10 fps`,
    );
    assert.ok(Date.now() - started < 6000);
    assert.deepEqual(
      frames.map((f) => f.seq),
      frames.map((_, i) => i),
    );
    for (const frame of frames) {
      assert.equal(frame.cameraId, 'file');
      assert.equal(frame.image.width, 400);
      assert.equal(frame.image.height, 200);
      assert.equal(frame.image.data.length, 400 * 200 * 3);
      assert.equal(frame.image.data.buffer.byteLength, 400 * 200 * 3, 'each frame owns its buffer');
    }
    const frame = frames[0];
    assert.ok(frame);
    const pixel = (x: number, y: number): number[] => {
      const at = (y * 400 + x) * 3;
      return [...frame.image.data.subarray(at, at + 3)];
    };
    // 4:3 into 400×200: the picture is 267 px wide in the middle, grey bars either side.
    for (const value of [...pixel(5, 100), ...pixel(395, 100)])
      assert.ok(Math.abs(value - 128) <= 3, `${value}`);
    const centre = frame.image.data.subarray((100 * 400 + 100) * 3, (100 * 400 + 300) * 3);
    assert.ok(
      centre.some((v) => Math.abs(v - 128) > 40),
      'the middle shows the photo, not padding',
    );
  });

  it('decodes as fast as it can with realtime: false', async () => {
    const started = Date.now();
    const frames = await gather({ input: clip, cameraId: 'fast', realtime: false }, (f) => f.length >= 60);
    const ms = Date.now() - started;
    assert.ok(frames.length >= 60);
    assert.ok(ms < 4000, `60 frames took ${ms} ms; in real time they take 6 s`);
  });

  it('with loop: false ends after the last frame, without an error', async () => {
    const source = new FfmpegFrameSource({ input: clip, cameraId: 'once', loop: false, realtime: false });
    const frames: Frame[] = [];
    const errors: Error[] = [];
    source.on('frame', (frame) => frames.push(frame));
    source.on('error', (error) => errors.push(error));
    const ended = once(source, 'ended');
    await source.start();
    await ended;
    await source.close();
    assert.equal(frames.length, 10);
    assert.deepEqual(errors, []);
  });

  it('reads an HTTP stream', async () => {
    const frames = await gather(
      { input: `${baseUrl}/clip.mp4`, cameraId: 'http', width: 160, height: 120 },
      (f) => f.length >= 3,
    );
    assert.equal(frames[0]?.image.data.length, 160 * 120 * 3);
  });

  it('reports ffmpeg killed under it as an error, then ended', async () => {
    const source = new FfmpegFrameSource({ input: clip, cameraId: 'killed', width: 160, height: 120 });
    const events: string[] = [];
    let failure: unknown;
    source.on('error', (error) => {
      events.push('error');
      failure = error;
    });
    // Not events.once(): it rejects when 'error' comes first, which is what this test expects.
    const ended = new Promise<void>((resolve) =>
      source.once('ended', () => {
        events.push('ended');
        resolve();
      }),
    );
    const first = nextFrame(source);
    await source.start();
    await first;
    assert.ok(source.pid !== undefined && processExists(source.pid));
    process.kill(source.pid, 'SIGKILL');
    await ended;
    assert.deepEqual(events, ['error', 'ended']);
    assert.ok(isRollcallError(failure, ErrorCode.SourceFailed));
    assert.match(failure.message, /killed by SIGKILL/);
    assert.equal(processExists(source.pid), false);
    await source.close();
  });

  it('close() stops ffmpeg, leaves no process, and can be called again', async () => {
    const source = new FfmpegFrameSource({ input: clip, cameraId: 'close', width: 160, height: 120 });
    await source.start();
    await source.close();
    assert.equal(processExists(source.pid), false);
    await source.close();
  });

  it('close() before the first frame rejects start() and leaves no process', async () => {
    const source = new FfmpegFrameSource({ input: `${baseUrl}/silent`, cameraId: 'early' });
    const rejected = assert.rejects(source.start(), (error) =>
      isRollcallError(error, ErrorCode.SourceFailed),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await source.close();
    await rejected;
    assert.equal(processExists(source.pid), false);
  });

  describe('start() rejects with one coded reason that says the fix', () => {
    it('a missing camera → CAMERA_NOT_FOUND', async () => {
      const error = await startError({ input: '/dev/video99', cameraId: 'cam' });
      assert.ok(isRollcallError(error, ErrorCode.CameraNotFound), String(error));
      assert.match(error.message, /\/dev\/video99 not found/);
      assert.match(error.message, /ls \/dev\/video\*/);
      assert.match(error.message, /CAMERA_SOURCE/);
    });

    it('a refused RTSP connection → STREAM_UNREACHABLE', async () => {
      const error = await startError({ input: 'rtsp://127.0.0.1:1/nothing', cameraId: 'cam' });
      assert.ok(isRollcallError(error, ErrorCode.StreamUnreachable), String(error));
      assert.match(error.message, /rtsp:\/\/127\.0\.0\.1:1\/nothing: connection refused; check the URL/);
    });

    it('an HTTP 404 → STREAM_UNREACHABLE', async () => {
      const error = await startError({ input: `${baseUrl}/missing.mp4`, cameraId: 'cam' });
      assert.ok(isRollcallError(error, ErrorCode.StreamUnreachable), String(error));
      assert.match(error.message, /404/);
    });

    it('a server that never answers → STREAM_UNREACHABLE after startTimeoutMs', async () => {
      const started = Date.now();
      const error = await startError({ input: `${baseUrl}/silent`, cameraId: 'cam', startTimeoutMs: 1000 });
      assert.ok(isRollcallError(error, ErrorCode.StreamUnreachable), String(error));
      assert.match(error.message, /no frame within 1 s/);
      assert.ok(Date.now() - started < 5000);
    });

    it('no ffmpeg → FFMPEG_MISSING', async () => {
      const error = await startError({ input: clip, cameraId: 'cam', ffmpegPath: '/nonexistent/ffmpeg' });
      assert.ok(isRollcallError(error, ErrorCode.FfmpegMissing), String(error));
      assert.match(error.message, /apt-get install ffmpeg \(or set CAMERA_SOURCE=demo\)/);
    });

    it('a missing or non-video file → SOURCE_INVALID', async () => {
      const missing = await startError({ input: path.join(path.dirname(clip), 'none.mp4'), cameraId: 'cam' });
      assert.ok(isRollcallError(missing, ErrorCode.SourceInvalid), String(missing));
      assert.match(missing.message, /does not exist/);
      const notes = path.join(path.dirname(clip), 'notes.txt');
      await writeFile(notes, 'not a video\n');
      const text = await startError({ input: notes, cameraId: 'cam' });
      assert.ok(isRollcallError(text, ErrorCode.SourceInvalid), String(text));
      assert.match(text.message, /not a video ffmpeg can read/);
    });
  });
});
