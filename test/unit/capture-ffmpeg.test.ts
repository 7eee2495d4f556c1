import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACCEPTED_CAMERA_SOURCES,
  buildFfmpegArgs,
  classifyFfmpegFailure,
  LineTail,
  parseCameraSource,
  RawFrameSlicer,
  redactUrlCredentials,
  resolveFfmpegOptions,
  type FfmpegFailure,
  type PathProbe,
} from '../../src/capture/index.js';
import { ErrorCode, isRollcallError } from '../../src/core/index.js';

function failure(overrides: Partial<FfmpegFailure> & Pick<FfmpegFailure, 'input'>): FfmpegFailure {
  const input = overrides.input;
  const kind = input.startsWith('/dev/') ? 'v4l2' : /^[a-z]+:\/\//.test(input) ? 'stream' : 'file';
  return { kind, ffmpegPath: 'ffmpeg', stderr: [], exitCode: 1, ...overrides };
}

describe('buildFfmpegArgs', () => {
  const args = (input: string, extra: Record<string, unknown> = {}): string =>
    buildFfmpegArgs(resolveFfmpegOptions({ input, cameraId: 'c', ...extra })).join(' ');

  it('reads a V4L2 camera at the requested rate into fixed-size rgb24 on stdout', () => {
    assert.equal(
      args('/dev/video0', { width: 320, height: 240, fps: 5 }),
      '-nostdin -hide_banner -loglevel error -f v4l2 -framerate 5 -i /dev/video0 ' +
        '-vf fps=5,scale=320:240:force_original_aspect_ratio=decrease,pad=320:240:(ow-iw)/2:(oh-ih)/2:color=gray ' +
        '-f rawvideo -pix_fmt rgb24 -an pipe:1',
    );
  });

  it('uses TCP for RTSP and nothing special for HTTP', () => {
    assert.match(args('rtsp://cam/stream'), / -rtsp_transport tcp -i rtsp:\/\/cam\/stream /);
    assert.match(args('rtsps://cam/stream'), / -rtsp_transport tcp -i rtsps:/);
    assert.match(args('http://cam/video.mjpg'), /-loglevel error -i http:\/\/cam\/video.mjpg /);
  });

  it('loops files in real time unless told otherwise', () => {
    assert.match(args('clip.mp4'), /-loglevel error -re -stream_loop -1 -i clip.mp4 /);
    assert.match(args('clip.mp4', { realtime: false }), /-loglevel error -stream_loop -1 -i clip.mp4 /);
    assert.match(args('clip.mp4', { loop: false }), /-loglevel error -re -i clip.mp4 /);
  });

  it('names the bad option', () => {
    for (const [option, value] of [
      ['width', 0],
      ['height', 1.5],
      ['fps', -1],
      ['startTimeoutMs', 0],
      ['input', ''],
      ['cameraId', ' '],
    ] as const) {
      assert.throws(
        () => resolveFfmpegOptions({ input: 'x.mp4', cameraId: 'c', [option]: value }),
        (error) =>
          isRollcallError(error, ErrorCode.SourceInvalid) && error.message.includes(`option ${option} `),
        option,
      );
    }
  });
});

describe('classifyFfmpegFailure', () => {
  it('says how to install ffmpeg when it cannot be spawned', () => {
    const enoent = Object.assign(new Error('spawn ffmpeg ENOENT'), { code: 'ENOENT' });
    const error = classifyFfmpegFailure(failure({ input: '/dev/video0', spawnError: enoent }));
    assert.equal(error.code, ErrorCode.FfmpegMissing);
    assert.match(
      error.message,
      /ffmpeg is not installed .*apt-get install ffmpeg \(or set CAMERA_SOURCE=demo\)/,
    );
  });

  it('tells a missing, busy or forbidden camera apart', () => {
    const cases: [string, string, RegExp][] = [
      [
        '/dev/video99: No such file or directory',
        ErrorCode.CameraNotFound,
        /camera \/dev\/video99 not found.*ls \/dev\/video\*.*CAMERA_SOURCE/,
      ],
      ['/dev/video99: Device or resource busy', ErrorCode.CameraBusy, /another application is using it/],
      ['/dev/video99: Permission denied', ErrorCode.CameraPermission, /video group/],
      [
        'ioctl(VIDIOC_G_INPUT): Inappropriate ioctl for device',
        ErrorCode.CameraNotFound,
        /not a video capture device/,
      ],
      ['ioctl(VIDIOC_DQBUF): No such device', ErrorCode.CameraNotFound, /disappeared/],
    ];
    for (const [line, code, message] of cases) {
      const error = classifyFfmpegFailure(failure({ input: '/dev/video99', stderr: [line] }));
      assert.equal(error.code, code, line);
      assert.match(error.message, message, line);
    }
  });

  it('calls a stream unreachable with the reason and what to check', () => {
    const cases: [string, RegExp][] = [
      ['rtsp://127.0.0.1:1/x: Connection refused', /connection refused/],
      ['Connection to tcp://10.0.0.9:554 failed: Connection timed out', /timed out/],
      ['http://cam/x: Server returned 404 Not Found', /404/],
      ['method DESCRIBE failed: 401 Unauthorized', /credentials/],
      ['rtsp://cam:4031/x: Invalid data found when processing input', /no video ffmpeg can read/],
      ['http://cam/x: Server returned 5XX Server Error reply', /the server answered 5XX/],
    ];
    for (const [line, reason] of cases) {
      const error = classifyFfmpegFailure(failure({ input: 'rtsp://cam:4031/x', stderr: [line] }));
      assert.equal(error.code, ErrorCode.StreamUnreachable, line);
      assert.match(error.message, reason, line);
      assert.match(error.message, /check the URL, the camera's network and its credentials/);
    }
    const silent = classifyFfmpegFailure(failure({ input: 'rtsp://cam/x', noFrameWithinMs: 15_000 }));
    assert.equal(silent.code, ErrorCode.StreamUnreachable);
    assert.match(silent.message, /no frame within 15 s/);
  });

  it('never repeats a camera password', () => {
    const input = 'rtsp://admin:hunter2@cam/stream';
    const error = classifyFfmpegFailure(failure({ input, stderr: [`${input}: Connection refused`] }));
    assert.doesNotMatch(error.message, /hunter2/);
    assert.match(error.message, /rtsp:\/\/admin:\*\*\*@cam\/stream/);
    assert.equal(
      redactUrlCredentials('see http://u:p@h/ and rtsp://x@y/'),
      'see http://u:***@h/ and rtsp://x@y/',
    );
  });

  it('calls a missing or unreadable file invalid', () => {
    const missing = classifyFfmpegFailure(
      failure({ input: '/tmp/none.mp4', stderr: ['/tmp/none.mp4: No such file or directory'] }),
    );
    assert.equal(missing.code, ErrorCode.SourceInvalid);
    assert.match(missing.message, /does not exist/);
    const text = classifyFfmpegFailure(
      failure({ input: 'notes.txt', stderr: ['notes.txt: Invalid data found when processing input'] }),
    );
    assert.equal(text.code, ErrorCode.SourceInvalid);
    assert.match(text.message, /not a video ffmpeg can read/);
  });

  it('falls back to SOURCE_FAILED with how ffmpeg stopped and what it said last', () => {
    const error = classifyFfmpegFailure(
      failure({ input: 'clip.mp4', stderr: ['first', 'last words'], exitCode: null, signal: 'SIGKILL' }),
    );
    assert.equal(error.code, ErrorCode.SourceFailed);
    assert.match(error.message, /killed by SIGKILL.*first \| last words/);
  });
});

describe('RawFrameSlicer', () => {
  it('cuts any chunking into whole frames, each on its own buffer, holding at most one partial', () => {
    const slicer = new RawFrameSlicer(6);
    const frames: Uint8Array[] = [];
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => i);
    for (const [from, to] of [
      [0, 1],
      [1, 8],
      [8, 8],
      [8, 19],
      [19, 20],
    ] as const) {
      slicer.push(bytes.subarray(from, to), (frame) => frames.push(frame));
      assert.ok(slicer.pendingBytes < 6);
    }
    assert.deepEqual(
      frames.map((f) => [...f]),
      [
        [0, 1, 2, 3, 4, 5],
        [6, 7, 8, 9, 10, 11],
        [12, 13, 14, 15, 16, 17],
      ],
    );
    assert.equal(slicer.pendingBytes, 2);
    for (const frame of frames) {
      assert.equal(frame.byteOffset, 0);
      assert.equal(frame.buffer.byteLength, 6, 'transferable without dragging other bytes along');
    }
    assert.notEqual(frames[0]?.buffer, frames[1]?.buffer);
  });
});

describe('LineTail', () => {
  it('keeps the last lines, splitting on \\n and \\r, with the unfinished line last', () => {
    const tail = new LineTail(3, 10);
    tail.push('one\ntwo\r\nthr');
    tail.push('ee\rfour\nfive is a long line\nsix');
    assert.deepEqual(tail.lines(), ['four', 'five is a ', 'six']);
  });
});

describe('parseCameraSource', () => {
  const probe = (kinds: Record<string, 'file' | 'directory' | 'other'>): PathProbe => ({
    kind: (file) => kinds[file] ?? 'missing',
  });
  const none = probe({});

  it('reads every accepted form', () => {
    assert.deepEqual(parseCameraSource('/dev/video2', none), { kind: 'v4l2', device: '/dev/video2' });
    assert.deepEqual(parseCameraSource('/dev/v4l/by-id/usb-cam-video-index0', none), {
      kind: 'v4l2',
      device: '/dev/v4l/by-id/usb-cam-video-index0',
    });
    for (const url of ['rtsp://10.0.0.5/live', 'rtsps://cam/x', 'http://cam/x.mjpg', 'https://cam/x.m3u8']) {
      assert.deepEqual(parseCameraSource(url, none), { kind: 'stream', url });
    }
    assert.deepEqual(parseCameraSource('dir:/srv/photos', none), { kind: 'dir', dir: '/srv/photos' });
    assert.deepEqual(parseCameraSource('demo', none), { kind: 'demo' });
    assert.deepEqual(parseCameraSource(' clip.mp4 ', probe({ 'clip.mp4': 'file' })), {
      kind: 'file',
      file: 'clip.mp4',
    });
  });

  it('auto picks /dev/video0 when it exists, else the demo', () => {
    assert.deepEqual(parseCameraSource('auto', probe({ '/dev/video0': 'other' })), {
      kind: 'v4l2',
      device: '/dev/video0',
    });
    assert.deepEqual(parseCameraSource('auto', none), { kind: 'demo', note: 'auto: no /dev/video0' });
  });

  it('rejects anything else with SOURCE_INVALID listing the accepted forms', () => {
    const cases: [string, RegExp][] = [
      ['garbage', /"garbage" is not a camera, URL or existing file/],
      ['', /is empty/],
      ['dir:', /needs a folder/],
      ['ftp://cam/x', /scheme Rollcall cannot read/],
      ['rtsp://[bad', /not a valid URL/],
      ['/srv/photos', /is a folder: write dir:\/srv\/photos/],
    ];
    for (const [value, message] of cases) {
      assert.throws(
        () => parseCameraSource(value, probe({ '/srv/photos': 'directory' })),
        (error) =>
          isRollcallError(error, ErrorCode.SourceInvalid) &&
          message.test(error.message) &&
          ACCEPTED_CAMERA_SOURCES.every((form) => error.message.includes(form)),
        value,
      );
    }
  });
});
