/**
 * One valid message of every command, with every binary part filled: test fixtures, kept out of
 * `src/` so the shipped protocol carries none. For the protocol's tests and for the tests of
 * transports built on it (a round trip over a real socket, say), so they all agree
 * on what "valid" looks like without copying fixtures around.
 */
import { Command, PROTOCOL_VERSION, type BridgeMessage } from '../../src/bridge/protocol/index.js';
import { DESCRIPTOR_LENGTHS, type DescriptorModel } from '../../src/core/index.js';

/** A deterministic descriptor of `model`: distinct per `seed`, every value finite. */
export function sampleDescriptor(seed: number, model: DescriptorModel = 'face-api'): Float32Array {
  const length = DESCRIPTOR_LENGTHS[model];
  const d = new Float32Array(length);
  for (let i = 0; i < length; i++) d[i] = Math.sin(seed * 131 + i) * 0.25;
  return d;
}

/** Bytes that pass for a JPEG on the wire (SOI marker, filler, EOI marker). */
export function sampleJpeg(length = 64, seed = 1): Uint8Array {
  const bytes = new Uint8Array(Math.max(length, 4));
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  bytes.set([0xff, 0xd8], 0);
  bytes.set([0xff, 0xd9], bytes.length - 2);
  return bytes;
}

const hex = (c: string): string => c.repeat(64);

export function sampleMessages(): BridgeMessage[] {
  const box = { x: 10, y: 20.5, width: 64, height: 72 };
  const thresholds = { match: 0.45, unknown: 0.6 };
  return [
    { command: Command.HELLO, protocol: PROTOCOL_VERSION, clientId: 'web-1', clientNonce: hex('a') },
    {
      command: Command.CHALLENGE,
      protocol: PROTOCOL_VERSION,
      nodeId: 'node-1',
      serverNonce: hex('b'),
      serverProof: hex('c'),
    },
    { command: Command.AUTH, clientProof: hex('d') },
    { command: Command.READY, nodeId: 'node-1' },
    {
      command: Command.ERROR,
      code: 'AUTH_FAILED',
      message: 'client could not prove it knows the bridge secret',
    },
    { command: Command.PING, t: 1_700_000_000_123 },
    { command: Command.PONG, t: 1_700_000_000_123 },
    {
      command: Command.STATUS,
      nodeId: 'node-1',
      protocol: PROTOCOL_VERSION,
      cameras: [
        { cameraId: 'video0', fps: 9.5, droppedFrames: 3, latencyP95Ms: 180, online: true },
        {
          cameraId: 'door',
          name: 'Front door',
          role: 'entry',
          fps: 0,
          droppedFrames: 0,
          latencyP95Ms: null,
          online: false,
        },
      ],
      galleryVersion: 7,
      descriptorModel: 'fr-feature',
      outboxDepth: 2,
      uptimeS: 3600.5,
    },
    {
      command: Command.EVENT,
      event: {
        id: '5b0e8f7c-0d7e-4a43-9a4e-3f7f0f6f1a01',
        type: 'recognized',
        nodeId: 'node-1',
        cameraId: 'video0',
        trackId: 'video0-17',
        personId: 'person-42',
        distance: 0.38,
        thresholds,
        votes: 3,
        at: '2024-05-01T08:59:58.123Z',
        box,
        frameWidth: 640,
        frameHeight: 480,
        crop: sampleJpeg(200),
        model: 'tinyFaceDetector+faceRecognitionNet',
        backend: 'wasm',
      },
    },
    {
      command: Command.EVENT,
      event: {
        id: 'evt-2',
        type: 'unknown',
        nodeId: 'node-1',
        cameraId: 'video0',
        trackId: 'video0-18',
        personId: null,
        distance: 0.5,
        thresholds,
        votes: null,
        at: '2024-05-01T09:00:00.000Z',
        box,
        frameWidth: 640,
        frameHeight: 480,
        crop: null,
        unconfirmed: true,
        candidate: { personId: 'p-1', distance: 0.5 },
        model: 'tinyFaceDetector+faceRecognitionNet',
        backend: 'wasm',
      },
    },
    { command: Command.ACK, eventIds: ['5b0e8f7c-0d7e-4a43-9a4e-3f7f0f6f1a01', 'evt-2'] },
    {
      command: Command.FRAME,
      metadata: {
        cameraId: 'video0',
        seq: 1234,
        capturedAt: 1_714_553_998_123,
        width: 640,
        height: 480,
        faces: [
          { trackId: 'video0-17', box, state: 'named', personId: 'person-42', distance: 0.38 },
          { trackId: 'video0-18', box, state: 'pending', personId: null, distance: null },
        ],
        latencyMs: 95,
      },
      jpeg: sampleJpeg(300, 2),
    },
    {
      command: Command.GALLERY_SNAPSHOT,
      version: 7,
      model: 'face-api',
      people: [
        { personId: 'person-42', descriptors: [sampleDescriptor(1), sampleDescriptor(2)] },
        { personId: 'person-43', descriptors: [sampleDescriptor(3)] },
      ],
    },
    { command: Command.GALLERY_SNAPSHOT, version: 0, model: 'fr-feature', people: [] },
    {
      command: Command.GALLERY_SNAPSHOT,
      version: 10,
      model: 'fr-feature',
      people: [{ personId: 'person-45', descriptors: [sampleDescriptor(7, 'fr-feature')] }],
      part: { index: 1, last: false },
    },
    {
      command: Command.GALLERY_UPSERT,
      version: 8,
      model: 'face-api',
      personId: 'person-44',
      descriptors: [sampleDescriptor(4), sampleDescriptor(5), sampleDescriptor(6)],
    },
    {
      command: Command.GALLERY_UPSERT,
      version: 11,
      model: 'fr-feature',
      personId: 'person-46',
      descriptors: [sampleDescriptor(9, 'fr-feature')],
    },
    { command: Command.GALLERY_REMOVE, version: 9, personId: 'person-43' },
    { command: Command.SETTINGS, thresholds, consensusFrames: 3, sightingIntervalS: 10 },
    { command: Command.SETTINGS, thresholds },
    {
      command: Command.EMBED_REQUEST,
      requestId: 'job-17',
      photos: [
        { name: 'front.jpg', data: sampleJpeg(120, 3) },
        { name: 'side.png', data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) },
      ],
    },
    {
      command: Command.EMBED_REPLY,
      requestId: 'job-17',
      model: 'fr-feature',
      results: [
        {
          name: 'front.jpg',
          ok: true,
          faces: [
            {
              box,
              score: 0.98,
              quality: { sizePx: 64, score: 0.98, sharpness: 42.5, frontality: 0.9 },
              descriptor: sampleDescriptor(7, 'fr-feature'),
            },
            {
              box: { x: 300, y: 40, width: 50, height: 55 },
              score: 0.6,
              quality: { sizePx: 50, score: 0.6, sharpness: 20, frontality: 0.4 },
              descriptor: sampleDescriptor(8, 'fr-feature'),
            },
          ],
        },
        {
          name: 'side.png',
          ok: false,
          error: { code: 'IMAGE_CORRUPT', message: 'the PNG data is truncated' },
        },
        { name: 'empty.jpg', ok: true, faces: [] },
      ],
    },
    {
      command: Command.EMBED_REPLY,
      requestId: 'job-18',
      model: 'face-api',
      results: [
        {
          name: 'front.jpg',
          ok: true,
          faces: [
            {
              box,
              score: 0.97,
              quality: { sizePx: 64, score: 0.97, sharpness: 40, frontality: 0.95 },
              descriptor: sampleDescriptor(10),
            },
          ],
        },
      ],
    },
  ];
}
