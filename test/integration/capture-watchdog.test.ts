import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createFrameSource,
  FfmpegFrameSource,
  type Frame,
  type RestartInfo,
  type SupervisedFrameSource,
} from '../../src/capture/index.js';
import { ErrorCode, isRollcallError } from '../../src/core/index.js';
import { makeClip } from '../support/clips.js';
import { facePhoto } from '../support/faces.js';
import { processExists } from '../support/processes.js';

/** The ffmpeg child the watchdog is running right now. */
function ffmpegPid(source: SupervisedFrameSource): number {
  const inner = source.current;
  assert.ok(inner instanceof FfmpegFrameSource, 'an ffmpeg source is running');
  assert.ok(inner.pid !== undefined);
  return inner.pid;
}

/** Resolves with the first frame for which `test` holds, failing after `timeoutMs`. */
function frameWhere(
  source: SupervisedFrameSource,
  test: (frame: Frame) => boolean,
  timeoutMs = 10_000,
): Promise<Frame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      source.off('frame', onFrame);
      reject(new Error(`no matching frame within ${timeoutMs} ms`));
    }, timeoutMs);
    const onFrame = (frame: Frame): void => {
      if (!test(frame)) return;
      clearTimeout(timer);
      source.off('frame', onFrame);
      resolve(frame);
    };
    source.on('frame', onFrame);
  });
}

describe('the capture watchdog around real ffmpeg', () => {
  let clip: string;
  const running: SupervisedFrameSource[] = [];

  before(async () => {
    clip = await makeClip([facePhoto('group/bbt4.jpg'), facePhoto('penny/penny1.png')], {
      secondsPerPhoto: 0.5,
      width: 320,
      height: 240,
    });
  });

  after(async () => {
    await Promise.all(running.map((source) => source.close()));
    await rm(path.dirname(clip), { recursive: true, force: true });
  });

  it('brings the camera back after ffmpeg is killed, with seq still counting up', async () => {
    const source = createFrameSource(clip, {
      width: 160,
      height: 120,
      watchdog: { initialBackoffMs: 100 },
    });
    running.push(source);
    const restarts: RestartInfo[] = [];
    source.on('restarted', (info) => restarts.push(info));
    const seqs: number[] = [];
    source.on('frame', (frame) => seqs.push(frame.seq));
    const firstFrame = frameWhere(source, () => true);
    await source.start();
    await firstFrame;
    const killedPid = ffmpegPid(source);

    const killedAt = Date.now();
    process.kill(killedPid, 'SIGKILL');
    const resumed = await frameWhere(source, (frame) => frame.capturedAt > killedAt && source.restarts > 0);
    assert.ok(source.restarts >= 1);
    assert.equal(restarts[0]?.attempt, 1);
    assert.match(restarts[0].reason, /killed by SIGKILL/);
    assert.ok(isRollcallError(restarts[0].error, ErrorCode.SourceFailed));
    assert.equal(resumed.cameraId, 'clip');
    assert.equal(resumed.image.data.length, 160 * 120 * 3);

    assert.ok(resumed.seq > 0, 'seq did not start again at 0');
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i),
      'one unbroken count across the restart',
    );

    const newPid = ffmpegPid(source);
    assert.notEqual(newPid, killedPid);
    assert.equal(processExists(killedPid), false);
    await source.close();
    assert.equal(processExists(newPid), false, 'close() leaves no ffmpeg running');
    assert.equal(source.current, undefined);
  });

  it('restarts a source that stalls (ffmpeg frozen with SIGSTOP) and kills the frozen one', async () => {
    const source = createFrameSource(clip, {
      width: 160,
      height: 120,
      watchdog: { stallTimeoutMs: 800, initialBackoffMs: 100 },
    });
    running.push(source);
    const firstFrame = frameWhere(source, () => true);
    await source.start();
    await firstFrame;
    const frozenPid = ffmpegPid(source);

    const frozenAt = Date.now();
    process.kill(frozenPid, 'SIGSTOP');
    const resumed = await frameWhere(source, (frame) => frame.capturedAt > frozenAt && source.restarts > 0);
    assert.equal(source.stalls, 1);
    assert.equal(source.restarts, 1);
    assert.ok(resumed.capturedAt - frozenAt >= 800, 'not before the stall timeout');
    assert.equal(processExists(frozenPid), false, 'the frozen ffmpeg was killed');
    await source.close();
  });

  it('fails start() at once with the reason when the camera does not exist', async () => {
    const source = createFrameSource('/dev/video99');
    assert.equal(source.cameraId, 'video99');
    await assert.rejects(
      source.start(),
      (error) => isRollcallError(error, ErrorCode.CameraNotFound) && /ls \/dev\/video\*/.test(error.message),
    );
    assert.equal(source.restarts, 0);
    await source.close();
  });

  it('refuses a CAMERA_SOURCE it cannot read before starting anything', () => {
    assert.throws(
      () => createFrameSource('not a camera at all'),
      (error) => isRollcallError(error, ErrorCode.SourceInvalid) && /dir:PATH/.test(error.message),
    );
    assert.throws(
      () => createFrameSource(clip, { width: 0 }),
      (error) => isRollcallError(error, ErrorCode.SourceInvalid) && /option width/.test(error.message),
    );
  });
});
