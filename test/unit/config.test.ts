import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig, ConfigError, describeConfig } from '../../config.js';

/** Every key config.ts reads; each test passes its own env object, process.env is never touched. */
const KEYS = [
  'RECOGNITION_SERVER_HOST',
  'RECOGNITION_SERVER_PORT',
  'RECOGNITION_SERVERS',
  'WEB_PORT',
  'HEALTH_PORT',
  'TRUST_PROXY',
  'BRIDGE_SECRET',
  'BRIDGE_TLS_CERT',
  'BRIDGE_TLS_KEY',
  'BRIDGE_TLS_CA',
  'REDIS_URL',
  'MONGODB_URI',
  'NODE_ID',
  'DATA_DIR',
  'CAMERA_SOURCE',
  'CAMERA_SOURCES',
  'MOTION_GATING',
  'MOTION_SWEEP_MS',
  'WORKER_THREADS',
  'TF_BACKEND',
  'LIVE_DETECTOR',
  'ENROLL_DETECTOR',
  'FACE_EMBEDDER',
  'STRANGER_RATE_TARGET',
  'MATCH_THRESHOLD',
  'UNKNOWN_THRESHOLD',
  'CONSENSUS_FRAMES',
  'SIGHTING_INTERVAL_S',
  'TIMEZONE',
  'LOG_LEVEL',
] as const;

const SECRET = 'c0ffee-this-is-a-long-bridge-secret';

function loadError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected loadConfig(${JSON.stringify(env)}) to throw a ConfigError`);
}

/** The problems that name `key` (each problem starts with the key it is about). */
function problemsFor(error: ConfigError, key: string): string[] {
  return error.problems.filter((problem) => new RegExp(`^${key}(?![A-Z_])`).test(problem));
}

function assertNamesEachKey(error: ConfigError, keys: readonly string[]): void {
  for (const key of keys) {
    assert.equal(
      problemsFor(error, key).length,
      1,
      `expected one problem naming ${key} in:\n${error.message}`,
    );
  }
  for (const problem of error.problems) {
    assert.ok(error.message.includes(problem), `message should list "${problem}":\n${error.message}`);
  }
}

describe('loadConfig defaults', () => {
  it('works on one machine with an empty environment', () => {
    const config = loadConfig({});
    assert.deepEqual(config.recognitionServer, { host: '127.0.0.1', port: 9999 });
    assert.deepEqual(config.recognitionServers, [{ host: '127.0.0.1', port: 9999 }]);
    assert.equal(config.webPort, 8081);
    assert.equal(config.healthPort, 9998);
    assert.equal(config.trustProxy, undefined);
    assert.ok(path.isAbsolute(config.dataDir), `dataDir ${config.dataDir} should be absolute`);
    assert.ok(config.dataDir.endsWith(`${path.sep}data`), `dataDir ${config.dataDir} should end in /data`);
    assert.equal(config.dataDir, path.resolve('data'));
    assert.equal(config.faceEmbedder, 'fr-feature');
    assert.equal(config.strangerRateTarget, 0.01);
    assert.equal(config.fixedThresholds, undefined, 'thresholds are calibrated unless set by hand');
    assert.ok(Number.isInteger(config.workerThreads) && config.workerThreads >= 1);
    assert.equal(config.bridgeSecret, undefined);
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.mongodbUri, undefined);
    assert.equal(config.cameraSource, 'auto');
    assert.equal(config.tfBackend, 'auto');
    assert.equal(config.liveDetector, 'tiny');
    assert.equal(config.enrollDetector, 'ssd');
    assert.equal(config.consensusFrames, 3);
    assert.equal(config.sightingIntervalS, 10);
    assert.equal(config.timezone, Intl.DateTimeFormat().resolvedOptions().timeZone);
    assert.equal(config.logLevel, 'info');
  });

  it('treats empty and blank strings as unset', () => {
    const blank = Object.fromEntries(KEYS.map((key, i) => [key, i % 2 === 0 ? '' : '   ']));
    assert.deepEqual(loadConfig(blank), loadConfig({}));
  });

  it('ignores keys it does not know', () => {
    assert.deepEqual(loadConfig({ PATH: '/usr/bin', WEB_PORTS: 'abc', web_port: 'abc' }), loadConfig({}));
  });
});

describe('loadConfig overrides', () => {
  it('uses every key that is set', () => {
    const config = loadConfig({
      RECOGNITION_SERVER_HOST: 'camera-pc.lan',
      RECOGNITION_SERVER_PORT: '7000',
      WEB_PORT: '3000',
      HEALTH_PORT: '3001',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
      BRIDGE_TLS_CERT: '/etc/rollcall/cert.pem',
      BRIDGE_TLS_KEY: '/etc/rollcall/key.pem',
      BRIDGE_TLS_CA: '/etc/rollcall/ca.pem',
      BRIDGE_SECRET: SECRET,
      REDIS_URL: 'redis://redis.lan:6380/2',
      MONGODB_URI: 'mongodb://mongo.lan:27017/rollcall',
      NODE_ID: 'front-door',
      DATA_DIR: '/var/lib/rollcall',
      CAMERA_SOURCE: 'rtsp://cam.lan/stream',
      MOTION_GATING: 'off',
      MOTION_SWEEP_MS: '1500',
      WORKER_THREADS: '3',
      TF_BACKEND: 'wasm',
      LIVE_DETECTOR: 'ssd',
      ENROLL_DETECTOR: 'tiny',
      FACE_EMBEDDER: 'face-api',
      STRANGER_RATE_TARGET: '0.001',
      MATCH_THRESHOLD: '0.45',
      UNKNOWN_THRESHOLD: '0.5',
      CONSENSUS_FRAMES: '5',
      SIGHTING_INTERVAL_S: '30',
      TIMEZONE: 'Europe/Berlin',
      LOG_LEVEL: 'debug',
    });
    assert.deepEqual(config, {
      recognitionServer: { host: 'camera-pc.lan', port: 7000 },
      recognitionServers: [{ host: 'camera-pc.lan', port: 7000 }],
      webPort: 3000,
      healthPort: 3001,
      trustProxy: 'loopback, 10.0.0.0/8',
      bridgeTls: {
        certFile: '/etc/rollcall/cert.pem',
        keyFile: '/etc/rollcall/key.pem',
        caFile: '/etc/rollcall/ca.pem',
      },
      bridgeSecret: SECRET,
      redisUrl: 'redis://redis.lan:6380/2',
      mongodbUri: 'mongodb://mongo.lan:27017/rollcall',
      nodeId: 'front-door',
      dataDir: '/var/lib/rollcall',
      cameraSource: 'rtsp://cam.lan/stream',
      cameras: [{ source: 'rtsp://cam.lan/stream' }],
      motion: { enabled: false, sweepIntervalMs: 1500 },
      workerThreads: 3,
      tfBackend: 'wasm',
      liveDetector: 'ssd',
      enrollDetector: 'tiny',
      faceEmbedder: 'face-api',
      strangerRateTarget: 0.001,
      fixedThresholds: { match: 0.45, unknown: 0.5 },
      consensusFrames: 5,
      sightingIntervalS: 30,
      timezone: 'Europe/Berlin',
      logLevel: 'debug',
    });
  });

  it('trims surrounding whitespace', () => {
    const config = loadConfig({ WEB_PORT: ' 8082 ', CAMERA_SOURCE: ' demo\t', TF_BACKEND: ' wasm ' });
    assert.equal(config.webPort, 8082);
    assert.equal(config.cameraSource, 'demo');
    assert.equal(config.tfBackend, 'wasm');
  });

  it('resolves a relative DATA_DIR to an absolute path', () => {
    assert.equal(loadConfig({ DATA_DIR: 'var/rollcall' }).dataDir, path.resolve('var/rollcall'));
  });

  it('accepts equal match and unknown thresholds (no uncertain band)', () => {
    const config = loadConfig({ MATCH_THRESHOLD: '0.6', UNKNOWN_THRESHOLD: '0.6' });
    assert.deepEqual(config.fixedThresholds, { match: 0.6, unknown: 0.6 });
  });

  it('takes MATCH_THRESHOLD alone as both, and refuses UNKNOWN_THRESHOLD alone', () => {
    assert.deepEqual(loadConfig({ MATCH_THRESHOLD: '0.9' }).fixedThresholds, { match: 0.9, unknown: 0.9 });
    assert.equal(problemsFor(loadError({ UNKNOWN_THRESHOLD: '0.9' }), 'UNKNOWN_THRESHOLD').length, 1);
  });

  it('refuses a stranger rate target outside 0.0001–0.5 and an unknown embedder', () => {
    for (const bad of ['0', '0.9', '1%', 'abc']) {
      assert.equal(
        problemsFor(loadError({ STRANGER_RATE_TARGET: bad }), 'STRANGER_RATE_TARGET').length,
        1,
        bad,
      );
    }
    assert.equal(problemsFor(loadError({ FACE_EMBEDDER: 'dlib' }), 'FACE_EMBEDDER').length, 1);
  });

  it('accepts rediss:// and mongodb+srv:// URLs', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://r.example:6380',
      MONGODB_URI: 'mongodb+srv://m.example/db',
    });
    assert.equal(config.redisUrl, 'rediss://r.example:6380');
    assert.equal(config.mongodbUri, 'mongodb+srv://m.example/db');
  });
});

describe('RECOGNITION_SERVERS', () => {
  it('parses HOST:PORT and HOST, a bare HOST taking the default port', () => {
    assert.deepEqual(loadConfig({ RECOGNITION_SERVERS: 'a:1,b' }).recognitionServers, [
      { host: 'a', port: 1 },
      { host: 'b', port: 9999 },
    ]);
  });

  it('gives a bare HOST the RECOGNITION_SERVER_PORT', () => {
    const config = loadConfig({ RECOGNITION_SERVERS: 'a:1,b', RECOGNITION_SERVER_PORT: '7000' });
    assert.deepEqual(config.recognitionServers, [
      { host: 'a', port: 1 },
      { host: 'b', port: 7000 },
    ]);
  });

  it('parses bracketed IPv6 addresses, with and without a port', () => {
    assert.deepEqual(loadConfig({ RECOGNITION_SERVERS: '[::1]:9999,[fe80::1]' }).recognitionServers, [
      { host: '::1', port: 9999 },
      { host: 'fe80::1', port: 9999 },
    ]);
    assert.deepEqual(loadConfig({ RECOGNITION_SERVERS: '[::1]:7001' }).recognitionServers, [
      { host: '::1', port: 7001 },
    ]);
  });

  it('ignores spaces and empty entries', () => {
    assert.deepEqual(loadConfig({ RECOGNITION_SERVERS: ' 10.0.0.2:9000 , ,10.0.0.3, ' }).recognitionServers, [
      { host: '10.0.0.2', port: 9000 },
      { host: '10.0.0.3', port: 9999 },
    ]);
  });

  it('falls back to the single host:port when the list has no entries', () => {
    assert.deepEqual(loadConfig({ RECOGNITION_SERVERS: ' , ' }).recognitionServers, [
      { host: '127.0.0.1', port: 9999 },
    ]);
  });

  it('rejects an entry whose port is out of range, naming the key and the entry', () => {
    for (const entry of ['a:0', 'a:65536', '[::1]:70000']) {
      const error = loadError({ RECOGNITION_SERVERS: `ok:1,${entry}` });
      const [problem] = problemsFor(error, 'RECOGNITION_SERVERS');
      assert.ok(problem?.includes(`"${entry}"`), `expected ${entry} named in:\n${error.message}`);
    }
  });

  it('rejects entries that are not HOST or HOST:PORT', () => {
    for (const entry of ['a:x', 'a:', 'a b:1', '[::1', 'fe80::1:zz']) {
      assert.equal(
        problemsFor(loadError({ RECOGNITION_SERVERS: entry }), 'RECOGNITION_SERVERS').length,
        1,
        entry,
      );
    }
  });

  it('takes a bare IPv6 address as a host on the default port', () => {
    assert.deepEqual(loadConfig({ RECOGNITION_SERVERS: 'fe80::1' }).recognitionServers, [
      { host: 'fe80::1', port: 9999 },
    ]);
  });
});

describe('ConfigError', () => {
  it('lists every bad key at once', () => {
    const error = loadError({
      WEB_PORT: 'abc',
      RECOGNITION_SERVER_PORT: '70000',
      TF_BACKEND: 'gpu',
      TIMEZONE: 'Mars/Base',
      REDIS_URL: 'http://x',
      BRIDGE_SECRET: 'too-short',
      MONGODB_URI: 'postgres://db',
      WORKER_THREADS: '0',
      LIVE_DETECTOR: 'huge',
      CONSENSUS_FRAMES: '1.5',
      LOG_LEVEL: 'loud',
      MOTION_GATING: 'maybe',
      MOTION_SWEEP_MS: '100',
      DATA_DIR: './fine',
    });
    const bad = [
      'WEB_PORT',
      'RECOGNITION_SERVER_PORT',
      'TF_BACKEND',
      'TIMEZONE',
      'REDIS_URL',
      'BRIDGE_SECRET',
      'MONGODB_URI',
      'WORKER_THREADS',
      'LIVE_DETECTOR',
      'CONSENSUS_FRAMES',
      'LOG_LEVEL',
      'MOTION_GATING',
      'MOTION_SWEEP_MS',
    ];
    assertNamesEachKey(error, bad);
    assert.equal(error.problems.length, bad.length, error.message);
    assert.equal(problemsFor(error, 'DATA_DIR').length, 0);
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.name, 'ConfigError');
    assert.ok(error instanceof Error);
  });

  it('wants the TLS certificate and key together', () => {
    assertNamesEachKey(loadError({ BRIDGE_TLS_CERT: '/etc/rollcall/cert.pem' }), ['BRIDGE_TLS_KEY']);
  });

  it('reports UNKNOWN_THRESHOLD below MATCH_THRESHOLD', () => {
    const error = loadError({ MATCH_THRESHOLD: '0.7', UNKNOWN_THRESHOLD: '0.5' });
    assertNamesEachKey(error, ['UNKNOWN_THRESHOLD']);
    assert.equal(error.code, 'CONFIG_INVALID');
  });

  it('reports cross-key problems together with the other bad keys', {}, () => {
    const error = loadError({
      WEB_PORT: 'abc',
      RECOGNITION_SERVER_PORT: '70000',
      TF_BACKEND: 'gpu',
      MATCH_THRESHOLD: '0.7',
      UNKNOWN_THRESHOLD: '0.5',
      TIMEZONE: 'Mars/Base',
      REDIS_URL: 'http://x',
      BRIDGE_SECRET: 'too-short',
      RECOGNITION_SERVERS: 'a:0',
    });
    assertNamesEachKey(error, [
      'WEB_PORT',
      'RECOGNITION_SERVER_PORT',
      'TF_BACKEND',
      'UNKNOWN_THRESHOLD',
      'TIMEZONE',
      'REDIS_URL',
      'BRIDGE_SECRET',
      'RECOGNITION_SERVERS',
    ]);
  });

  it('takes TRUST_PROXY as a hop count or a list of proxies, and refuses "trust everyone"', () => {
    assert.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1);
    assert.equal(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy, 'loopback');
    assert.equal(loadConfig({ TRUST_PROXY: '192.168.1.10,::1' }).trustProxy, '192.168.1.10,::1');
    // `true` would believe X-Forwarded-For from anyone, so a client could pick its own address.
    assertNamesEachKey(loadError({ TRUST_PROXY: 'true' }), ['TRUST_PROXY']);
    assertNamesEachKey(loadError({ TRUST_PROXY: 'proxy.lan; rm -rf' }), ['TRUST_PROXY']);
  });

  it('rejects thresholds and numbers out of range', () => {
    const error = loadError({
      MATCH_THRESHOLD: '-0.1',
      UNKNOWN_THRESHOLD: '2.5',
      SIGHTING_INTERVAL_S: '0',
      WORKER_THREADS: '65',
    });
    assertNamesEachKey(error, [
      'MATCH_THRESHOLD',
      'UNKNOWN_THRESHOLD',
      'SIGHTING_INTERVAL_S',
      'WORKER_THREADS',
    ]);
  });

  it('does not echo secret values', {}, () => {
    const error = loadError({ BRIDGE_SECRET: 'hunter2', REDIS_URL: 'http://user:pa55word@x' });
    assertNamesEachKey(error, ['BRIDGE_SECRET', 'REDIS_URL']);
    assert.ok(!error.message.includes('hunter2'), error.message);
    assert.ok(!error.message.includes('pa55word'), error.message);
  });
});

describe('describeConfig', () => {
  it('shows the defaults in force', () => {
    const shown = describeConfig(loadConfig({}));
    assert.equal(shown.RECOGNITION_SERVERS, '127.0.0.1:9999');
    assert.equal(shown.WEB_PORT, '8081');
    assert.equal(shown.DATA_DIR, path.resolve('data'));
    assert.equal(shown.BRIDGE_SECRET, '(unset)');
    assert.match(shown.MATCH_THRESHOLD ?? '', /calibrated from the gallery for STRANGER_RATE_TARGET/);
    assert.equal(shown.STRANGER_RATE_TARGET, '0.01');
    assert.equal(shown.FACE_EMBEDDER, 'fr-feature');
  });

  it('masks secrets: the bridge secret and passwords in URLs', () => {
    const config = loadConfig({
      BRIDGE_SECRET: SECRET,
      REDIS_URL: 'redis://default:s3cr3t-pass@redis.lan:6379/0',
      MONGODB_URI: 'mongodb://rollcall:m0ng0-pass@mongo.lan:27017/rollcall',
      RECOGNITION_SERVERS: 'a:1,b',
    });
    const shown = describeConfig(config);
    const everything = JSON.stringify(shown);
    assert.equal(shown.BRIDGE_SECRET, '(set)');
    for (const secret of [SECRET, 's3cr3t-pass', 'm0ng0-pass']) {
      assert.ok(!everything.includes(secret), `${secret} leaked in ${everything}`);
    }
    assert.ok(
      shown.REDIS_URL?.includes('redis.lan:6379'),
      `REDIS_URL should still show the host: ${shown.REDIS_URL}`,
    );
    assert.equal(shown.RECOGNITION_SERVERS, 'a:1,b:9999');
  });

  it('shows a REDIS_URL without credentials unchanged', () => {
    const shown = describeConfig(loadConfig({ REDIS_URL: 'redis://redis.lan:6379' }));
    assert.equal(shown.REDIS_URL, 'redis://redis.lan:6379');
  });

  it('masks a password that contains a raw @', {}, () => {
    const shown = describeConfig(loadConfig({ REDIS_URL: 'redis://:p@ssw0rd@redis.lan:6379' }));
    assert.ok(!shown.REDIS_URL?.includes('ssw0rd'), shown.REDIS_URL);
  });
});

describe('CAMERA_SOURCES', () => {
  it('is the one CAMERA_SOURCE when unset, its id derived later from the source', () => {
    assert.deepEqual(loadConfig({}).cameras, [{ source: 'auto' }]);
    assert.deepEqual(loadConfig({ CAMERA_SOURCE: 'demo' }).cameras, [{ source: 'demo' }]);
  });

  it('takes a JSON list with names, roles, rates and masks', () => {
    const config = loadConfig({
      CAMERA_SOURCES: JSON.stringify([
        {
          id: 'door',
          source: 'rtsp://cam.lan/door',
          name: 'Front door',
          role: 'entry',
          fps: 10,
          masks: [{ x: 0, y: 0, width: 0.2, height: 0.1 }],
        },
        { id: 'hall', source: '/dev/video0', role: 'exit', fps: 2.5 },
        { id: 'lab', source: 'dir:/srv/photos' },
      ]),
    });
    assert.deepEqual(config.cameras, [
      {
        id: 'door',
        source: 'rtsp://cam.lan/door',
        name: 'Front door',
        role: 'entry',
        fps: 10,
        masks: [{ x: 0, y: 0, width: 0.2, height: 0.1 }],
      },
      { id: 'hall', source: '/dev/video0', role: 'exit', fps: 2.5 },
      { id: 'lab', source: 'dir:/srv/photos' },
    ]);
    assert.equal(describeConfig(config).CAMERA_SOURCE, '(unset: CAMERA_SOURCES)');
    assert.equal(describeConfig(loadConfig({})).CAMERA_SOURCES, '(unset: the one CAMERA_SOURCE)');
    assert.match(
      describeConfig(config).CAMERA_SOURCES ?? '',
      /door=rtsp:\/\/cam\.lan\/door \(role entry, 10 fps, 1 mask/,
    );
  });

  it('takes the short form id=source;id=source, a URL keeping its own = signs', () => {
    assert.deepEqual(
      loadConfig({ CAMERA_SOURCES: ' door=rtsp://cam.lan/s?user=a ; hall=/dev/video0;' }).cameras,
      [
        { id: 'door', source: 'rtsp://cam.lan/s?user=a' },
        { id: 'hall', source: '/dev/video0' },
      ],
    );
  });

  it('lists every bad camera at once: duplicate ids, unknown roles, masks outside the frame, fps 0 and 1000', () => {
    const error = loadError({
      CAMERA_SOURCES: JSON.stringify([
        { id: 'door', source: 'demo', role: 'entrance' },
        { id: 'door', source: 'demo', fps: 0 },
        { id: 'hall', source: 'demo', fps: 1000 },
        {
          id: 'lab',
          source: 'demo',
          masks: [
            { x: 0.9, y: 0, width: 0.2, height: 0.5 },
            { x: -1, y: 0, width: 1, height: 1 },
          ],
        },
        { id: 'bad id!', source: '' },
        { id: 'yard', source: 'demo', rol: 'exit' },
      ]),
      WEB_PORT: 'eighty',
    });
    const problems = problemsFor(error, 'CAMERA_SOURCES');
    const expected = [
      /camera "door": "role" must be one of entry, exit, both, got "entrance"/,
      /camera "door": "fps" must be a number from 1 to 60, got 0/,
      /camera "hall": "fps" must be a number from 1 to 60, got 1000/,
      /camera "lab": masks\[0\] reaches outside the frame: x \+ width = 1\.1, at most 1/,
      /camera "lab": masks\[1\]\.x must be a fraction of the frame from 0 to 1, got -1/,
      /camera "bad id!": "id" must be 1–64 letters/,
      /camera "bad id!": "source" must be a camera source/,
      /camera "yard" has an unknown key "rol"/,
      /camera id "door" is used more than once/,
    ];
    for (const pattern of expected) {
      assert.ok(
        problems.some((problem) => pattern.test(problem)),
        `expected a problem matching ${pattern} in:\n${error.message}`,
      );
    }
    assert.equal(problems.length, expected.length, error.message);
    assert.equal(problemsFor(error, 'WEB_PORT').length, 1, 'the other keys are still checked');
  });

  it('refuses CAMERA_SOURCE and CAMERA_SOURCES together, bad JSON, an empty list and a short form without ids', () => {
    const both = loadError({ CAMERA_SOURCE: 'demo', CAMERA_SOURCES: 'door=demo' });
    assert.match(
      problemsFor(both, 'CAMERA_SOURCES').join('\n'),
      /either CAMERA_SOURCE .* or CAMERA_SOURCES .*not both/,
    );
    assert.match(
      problemsFor(loadError({ CAMERA_SOURCES: '[{"id":"door",' }), 'CAMERA_SOURCES')[0] ?? '',
      /not valid JSON/,
    );
    assert.match(
      problemsFor(loadError({ CAMERA_SOURCES: '[]' }), 'CAMERA_SOURCES')[0] ?? '',
      /lists no camera/,
    );
    assert.match(
      problemsFor(loadError({ CAMERA_SOURCES: '/dev/video0' }), 'CAMERA_SOURCES')[0] ?? '',
      /must be written id=source/,
    );
    assert.match(
      problemsFor(loadError({ CAMERA_SOURCES: '{"id":"door","source":"demo"}' }), 'CAMERA_SOURCES')[0] ?? '',
      /must be a JSON list/,
    );
  });

  it('never echoes the list itself, which may hold a stream password', () => {
    const error = loadError({ CAMERA_SOURCES: 'door=rtsp://admin:hunter2@cam.lan/s;door=demo' });
    assert.doesNotMatch(error.message, /hunter2/);
    assert.match(error.message, /camera id "door" is used more than once/);
    const config = loadConfig({ CAMERA_SOURCES: 'door=rtsp://admin:hunter2@cam.lan/s' });
    assert.doesNotMatch(describeConfig(config).CAMERA_SOURCES ?? '', /hunter2/);
  });
});
