/**
 * Bridge messages: one schema per command for the JSON part, the rule tying the binary part to it,
 * and the typed union callers work with. `encodeMessage` and `parseMessage` are the only places that
 * split a message into JSON and binary or join it back, so no caller hand-assembles binary parts.
 */
import { z } from 'zod';
import {
  CAMERA_ROLES,
  DESCRIPTOR_LENGTHS,
  DESCRIPTOR_MODELS,
  ErrorCode,
  RollcallError,
  type Box,
  type CameraRole,
  type DescriptorModel,
  type FaceQuality,
  type FrameMetadata,
  type MatchThresholds,
  type RecognitionEvent,
} from '../../core/index.js';
import { Command, commandName } from './command.js';
import { descriptorBytes, unpackDescriptors, wireDescriptorBytes } from './descriptor-codec.js';
import { encodeFrame, type DecodedFrame, type FrameLimits } from './frame-codec.js';
import { isProtocolErrorCode, ProtocolError } from './protocol-error.js';

export { Command, commandName, isCommand, type CommandName } from './command.js';

/**
 * Bounds on every string and array a message may carry. The frame limits already cap the bytes; these
 * keep each field to a size its receiver can store and show without surprises.
 */
export const MESSAGE_LIMITS = {
  idChars: 128,
  errorCodeChars: 64,
  errorMessageChars: 1024,
  modelChars: 256,
  backendChars: 64,
  photoNameChars: 256,
  ackEventIds: 1000,
  cameras: 64,
  frameFaces: 256,
  frameSidePx: 65_535,
  descriptorsPerPerson: 256,
  snapshotPeople: 65_536,
  /**
   * Descriptor bytes in one snapshot sent in parts, which a node stages in memory: 256 MiB, so
   * 524,288 face-api descriptors (512 bytes each) or 131,072 fr-feature ones (2,048 bytes). A
   * byte bound, not a count, so a bigger model cannot make a node stage four times the memory.
   */
  snapshotDescriptorBytes: 256 * 1024 * 1024,
  /**
   * Descriptor bytes in one part of a snapshot: 2 MiB of binary (4,096 face-api or 1,024 fr-feature
   * descriptors), its JSON well under 1 MiB.
   */
  snapshotPartBytes: 2 * 1024 * 1024,
  embedPhotos: 64,
  facesPerPhoto: 64,
  consensusFrames: 100,
  sightingIntervalS: 86_400,
} as const;

const L = MESSAGE_LIMITS;

// ---------------------------------------------------------------------------------------------------
// Wire schemas: the JSON part of each command.

const id = z.string().min(1).max(L.idChars);
/** 32 random bytes (a nonce) or an HMAC-SHA256, as lowercase hex. */
const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const protocolVersion = z.int().min(1).max(255);
const count = z.int().nonnegative();
const nonNegative = z.number().nonnegative();
const unitInterval = z.number().min(0).max(1);
const side = z.int().min(1).max(L.frameSidePx);

/** Which network made the descriptors a message carries; it fixes their length. */
const descriptorModel = z.enum(DESCRIPTOR_MODELS);

const box = z.object({ x: z.number(), y: z.number(), width: nonNegative, height: nonNegative });

const thresholds = z
  .object({ match: nonNegative, unknown: nonNegative })
  .refine((t) => t.unknown >= t.match, { message: 'must be at least thresholds.match', path: ['unknown'] });

const wireError = z.object({
  code: z
    .string()
    .max(L.errorCodeChars)
    .regex(/^[A-Z][A-Z0-9_]*$/, 'must be an UPPER_SNAKE_CASE error code'),
  message: z.string().max(L.errorMessageChars),
});

const faceQuality = z.object({
  sizePx: nonNegative,
  score: unitInterval,
  sharpness: nonNegative,
  frontality: nonNegative,
});

const hello = z.object({ protocol: protocolVersion, clientId: id, clientNonce: hex32 });
const challenge = z.object({ protocol: protocolVersion, nodeId: id, serverNonce: hex32, serverProof: hex32 });
const auth = z.object({ clientProof: hex32 });
const ready = z.object({ nodeId: id });
const ping = z.object({ t: z.number() });

const status = z.object({
  nodeId: id,
  protocol: protocolVersion,
  cameras: z
    .array(
      z.object({
        cameraId: id,
        /** A name for people, and the attendance role from CAMERA_SOURCES; absent when not set. */
        name: z.string().min(1).max(64).optional(),
        role: z.enum(CAMERA_ROLES).optional(),
        fps: nonNegative,
        droppedFrames: count,
        /** Null until the camera has produced a frame. */
        latencyP95Ms: nonNegative.nullable(),
        /** Capture to result, the median; absent from nodes before this field existed. */
        latencyP50Ms: nonNegative.nullable().optional(),
        online: z.boolean(),
      }),
    )
    .max(L.cameras),
  galleryVersion: count,
  /** The node's engine model: the only model of gallery it accepts. */
  descriptorModel,
  outboxDepth: count,
  uptimeS: nonNegative,
  /** The node's wall clock when it sent this STATUS (ms since the epoch); absent from older nodes. */
  clockMs: count.optional(),
});

const event = z
  .object({
    id,
    type: z.enum(['recognized', 'sighting', 'unknown']),
    nodeId: id,
    cameraId: id,
    trackId: id,
    personId: id.nullable(),
    distance: nonNegative.nullable(),
    thresholds,
    votes: count.nullable(),
    at: z.iso.datetime(),
    box,
    frameWidth: side,
    frameHeight: side,
    /** Length of the JPEG crop in the binary part; 0 for no crop. */
    cropBytes: count,
    model: z.string().max(L.modelChars),
    backend: z.string().max(L.backendChars),
    /** Unknown events: held back although near someone enrolled (optional: older nodes omit it). */
    unconfirmed: z.boolean().optional(),
    /** Unknown events: who the face came nearest to, for the review's "looks like X?". */
    candidate: z.object({ personId: id, distance: nonNegative }).nullable().optional(),
  })
  // Attendance is keyed on personId: a named event without one (or the reverse) must not get through.
  .refine((e) => (e.type === 'unknown') === (e.personId === null), {
    message: 'must be null exactly when type is "unknown"',
    path: ['personId'],
  })
  .refine((e) => e.type === 'unknown' || (e.unconfirmed === undefined && e.candidate == null), {
    message: 'only an unknown event is unconfirmed or has a candidate',
    path: ['candidate'],
  });

const ack = z.object({ eventIds: z.array(id).max(L.ackEventIds) });

const frameMetadata = z.object({
  cameraId: id,
  seq: count,
  capturedAt: nonNegative,
  width: side,
  height: side,
  faces: z
    .array(
      z.object({
        trackId: id,
        box,
        state: z.enum(['pending', 'named', 'unknown']),
        personId: id.nullable(),
        distance: nonNegative.nullable(),
      }),
    )
    .max(L.frameFaces),
  latencyMs: nonNegative,
});

const descriptorCount = z.int().min(1).max(L.descriptorsPerPerson);

/**
 * A snapshot too big for one frame travels in parts: `index` from 0, `last` on the final one. The
 * node applies it only once the last part is in, so it never holds half a gallery.
 */
const snapshotPart = z.object({ index: count, last: z.boolean() });

const gallerySnapshot = z.object({
  version: count,
  model: descriptorModel,
  part: snapshotPart.optional(),
  people: z
    .array(z.object({ personId: id, descriptorCount }))
    .max(L.snapshotPeople)
    .superRefine((people, ctx) => {
      const seen = new Set<string>();
      people.forEach((person, index) => {
        if (seen.has(person.personId)) {
          ctx.addIssue({ code: 'custom', message: 'appears twice', path: [index, 'personId'] });
        }
        seen.add(person.personId);
      });
    }),
});

const galleryUpsert = z.object({ version: count, model: descriptorModel, personId: id, descriptorCount });
const galleryRemove = z.object({ version: count, personId: id });

const settings = z.object({
  /** Thresholds set by hand; absent, the node calibrates its own from its gallery and the target. */
  thresholds: thresholds.optional(),
  /** How often a stranger may be named (0.01 = one in a hundred). */
  strangerRateTarget: z.number().min(0.0001).max(0.5).optional(),
  consensusFrames: z.int().min(1).max(L.consensusFrames).optional(),
  sightingIntervalS: z.number().positive().max(L.sightingIntervalS).optional(),
});

const photoName = z.string().min(1).max(L.photoNameChars);

const embedRequest = z.object({
  requestId: id,
  photos: z
    .array(z.object({ name: photoName, bytes: z.int().min(1) }))
    .min(1)
    .max(L.embedPhotos),
});

const embedReply = z.object({
  requestId: id,
  /** The model of every descriptor in the reply: the node's engine's. */
  model: descriptorModel,
  results: z
    .array(
      z.discriminatedUnion('ok', [
        z.object({
          name: photoName,
          ok: z.literal(true),
          faces: z.array(z.object({ box, score: unitInterval, quality: faceQuality })).max(L.facesPerPhoto),
        }),
        z.object({ name: photoName, ok: z.literal(false), error: wireError }),
      ]),
    )
    .max(L.embedPhotos),
});

/** The schema of each command's JSON part, for reference and for tests. */
export const wireSchemas = {
  [Command.HELLO]: hello,
  [Command.CHALLENGE]: challenge,
  [Command.AUTH]: auth,
  [Command.READY]: ready,
  [Command.ERROR]: wireError,
  [Command.PING]: ping,
  [Command.PONG]: ping,
  [Command.STATUS]: status,
  [Command.EVENT]: event,
  [Command.ACK]: ack,
  [Command.FRAME]: frameMetadata,
  [Command.GALLERY_SNAPSHOT]: gallerySnapshot,
  [Command.GALLERY_UPSERT]: galleryUpsert,
  [Command.GALLERY_REMOVE]: galleryRemove,
  [Command.SETTINGS]: settings,
  [Command.EMBED_REQUEST]: embedRequest,
  [Command.EMBED_REPLY]: embedReply,
} as const satisfies Record<Command, z.ZodType>;

// ---------------------------------------------------------------------------------------------------
// The messages callers see: binary parts already joined to their JSON.

/** An error as it crosses the wire: a code to branch on and a message for people, never a stack. */
export interface WireError {
  code: string;
  message: string;
}

export interface CameraStatus {
  cameraId: string;
  /** The camera's name for people (`CAMERA_SOURCES` `name`); absent when not set. */
  name?: string;
  /** The camera's attendance role (`CAMERA_SOURCES` `role`); absent when not set. */
  role?: CameraRole;
  fps: number;
  droppedFrames: number;
  latencyP95Ms: number | null;
  /** Capture to result, the median over the same recent frames; absent from older nodes. */
  latencyP50Ms?: number | null;
  online: boolean;
}

export interface GalleryPerson {
  personId: string;
  descriptors: Float32Array[];
}

export interface EmbedPhoto {
  name: string;
  /** The photo file as uploaded (JPEG, PNG…). Parsed messages give views of the frame's memory. */
  data: Uint8Array;
}

export interface EmbeddedFace {
  box: Box;
  score: number;
  quality: FaceQuality;
  descriptor: Float32Array;
}

export type EmbedResult =
  { name: string; ok: true; faces: EmbeddedFace[] } | { name: string; ok: false; error: WireError };

export interface HelloMessage {
  command: typeof Command.HELLO;
  protocol: number;
  clientId: string;
  clientNonce: string;
}
export interface ChallengeMessage {
  command: typeof Command.CHALLENGE;
  protocol: number;
  nodeId: string;
  serverNonce: string;
  serverProof: string;
}
export interface AuthMessage {
  command: typeof Command.AUTH;
  clientProof: string;
}
export interface ReadyMessage {
  command: typeof Command.READY;
  nodeId: string;
}
export interface ErrorMessage extends WireError {
  command: typeof Command.ERROR;
}
export interface PingMessage {
  command: typeof Command.PING;
  /** The sender's clock, echoed back in the PONG to measure the round trip. */
  t: number;
}
export interface PongMessage {
  command: typeof Command.PONG;
  t: number;
}
export interface StatusMessage {
  command: typeof Command.STATUS;
  nodeId: string;
  protocol: number;
  cameras: CameraStatus[];
  galleryVersion: number;
  /** The model of the node's engine, so of the only gallery it takes. */
  descriptorModel: DescriptorModel;
  outboxDepth: number;
  uptimeS: number;
  /**
   * The node's wall clock when it sent this STATUS, in ms since the epoch: a web node compares it
   * with its own to measure the node's clock skew. Absent from nodes before this field existed.
   */
  clockMs?: number;
}
export interface EventMessage {
  command: typeof Command.EVENT;
  /** The crop travels as the binary part (a JPEG). */
  event: RecognitionEvent;
}
export interface AckMessage {
  command: typeof Command.ACK;
  eventIds: string[];
}
export interface FrameMessage {
  command: typeof Command.FRAME;
  metadata: FrameMetadata;
  jpeg: Uint8Array;
}
export interface GallerySnapshotMessage {
  command: typeof Command.GALLERY_SNAPSHOT;
  version: number;
  /** The model of every descriptor in the snapshot. */
  model: DescriptorModel;
  people: GalleryPerson[];
  /** Set when the snapshot is sent in parts; absent for a snapshot in one frame. */
  part?: { index: number; last: boolean };
}
export interface GalleryUpsertMessage {
  command: typeof Command.GALLERY_UPSERT;
  version: number;
  model: DescriptorModel;
  personId: string;
  descriptors: Float32Array[];
}
export interface GalleryRemoveMessage {
  command: typeof Command.GALLERY_REMOVE;
  version: number;
  personId: string;
}
export interface SettingsMessage {
  command: typeof Command.SETTINGS;
  thresholds?: MatchThresholds;
  strangerRateTarget?: number;
  consensusFrames?: number;
  sightingIntervalS?: number;
}
export interface EmbedRequestMessage {
  command: typeof Command.EMBED_REQUEST;
  requestId: string;
  photos: EmbedPhoto[];
}
/** What a node's engine made of a request's photos, and with which model. */
export interface EmbedReply {
  /** The model of every descriptor in `results`. */
  model: DescriptorModel;
  /** One per photo of the request, in the same order. */
  results: EmbedResult[];
}

export interface EmbedReplyMessage {
  command: typeof Command.EMBED_REPLY;
  requestId: string;
  model: DescriptorModel;
  /** One per photo of the request, in the same order. */
  results: EmbedResult[];
}

export type BridgeMessage =
  | HelloMessage
  | ChallengeMessage
  | AuthMessage
  | ReadyMessage
  | ErrorMessage
  | PingMessage
  | PongMessage
  | StatusMessage
  | EventMessage
  | AckMessage
  | FrameMessage
  | GallerySnapshotMessage
  | GalleryUpsertMessage
  | GalleryRemoveMessage
  | SettingsMessage
  | EmbedRequestMessage
  | EmbedReplyMessage;

/** The message type of one command: `MessageOf<typeof Command.EVENT>` is `EventMessage`. */
export type MessageOf<C extends Command> = Extract<BridgeMessage, { command: C }>;

// ---------------------------------------------------------------------------------------------------
// Parsing.

function shapeError(prefix: string, error: z.ZodError): ProtocolError {
  const issue = error.issues[0];
  const where =
    issue === undefined || issue.path.length === 0
      ? 'the JSON part'
      : `field ${issue.path.map(String).join('.')}`;
  return new ProtocolError(ErrorCode.BadMessage, `${prefix}: ${where}: ${issue?.message ?? 'is invalid'}`);
}

function readJson<T>(schema: z.ZodType<T>, frame: DecodedFrame): T {
  const result = schema.safeParse(frame.json);
  if (!result.success) throw shapeError(`${commandName(frame.command)} message`, result.error);
  return result.data;
}

function badBinary(frame: DecodedFrame, problem: string): ProtocolError {
  return new ProtocolError(ErrorCode.BadMessage, `${commandName(frame.command)} message: ${problem}`);
}

function expectNoBinary(frame: DecodedFrame): void {
  if (frame.binary.length !== 0) {
    throw badBinary(frame, `carries no binary part, got ${frame.binary.length} bytes`);
  }
}

function expectBinaryLength(frame: DecodedFrame, expected: number, what: string): void {
  if (frame.binary.length !== expected) {
    throw badBinary(frame, `binary part is ${frame.binary.length} bytes, but ${what} ${expected}`);
  }
}

/** Every JPEG starts with the SOI marker; checking it stops anything else being served as image/jpeg. */
function expectJpeg(frame: DecodedFrame, bytes: Uint8Array, what: string): void {
  if (bytes.length < 2 || bytes[0] !== 0xff || bytes[1] !== 0xd8)
    throw badBinary(frame, `${what} is not a JPEG`);
}

/**
 * Checks a decoded frame against its command's schema and binary rule, and returns the typed message.
 * A bad message does not break the framing: the stream stays in sync, and the receiver may answer an
 * ERROR and carry on or close, as its role requires.
 *
 * @throws ProtocolError `BAD_MESSAGE` naming the command and the offending field or binary part.
 */
export function parseMessage(frame: DecodedFrame): BridgeMessage {
  const { command } = frame;
  switch (command) {
    case Command.HELLO:
      expectNoBinary(frame);
      return { command, ...readJson(hello, frame) };
    case Command.CHALLENGE:
      expectNoBinary(frame);
      return { command, ...readJson(challenge, frame) };
    case Command.AUTH:
      expectNoBinary(frame);
      return { command, ...readJson(auth, frame) };
    case Command.READY:
      expectNoBinary(frame);
      return { command, ...readJson(ready, frame) };
    case Command.ERROR:
      expectNoBinary(frame);
      return { command, ...readJson(wireError, frame) };
    case Command.PING:
    case Command.PONG:
      expectNoBinary(frame);
      return { command, ...readJson(ping, frame) };
    case Command.STATUS:
      expectNoBinary(frame);
      return { command, ...readJson(status, frame) };
    case Command.EVENT: {
      const { cropBytes, ...rest } = readJson(event, frame);
      expectBinaryLength(frame, cropBytes, 'cropBytes says');
      if (cropBytes > 0) expectJpeg(frame, frame.binary, 'crop');
      return { command, event: { ...rest, crop: cropBytes > 0 ? frame.binary : null } };
    }
    case Command.ACK:
      expectNoBinary(frame);
      return { command, ...readJson(ack, frame) };
    case Command.FRAME: {
      const metadata = readJson(frameMetadata, frame);
      expectJpeg(frame, frame.binary, 'binary part');
      return { command, metadata, jpeg: frame.binary };
    }
    case Command.GALLERY_SNAPSHOT: {
      const json = readJson(gallerySnapshot, frame);
      const total = json.people.reduce((sum, person) => sum + person.descriptorCount, 0);
      expectBinaryLength(
        frame,
        total * wireDescriptorBytes(json.model),
        `${total} ${json.model} descriptors need`,
      );
      const all = unpackDescriptors(frame.binary, json.model, total, 'GALLERY_SNAPSHOT message');
      let next = 0;
      const people = json.people.map(({ personId, descriptorCount: n }) => {
        next += n;
        return { personId, descriptors: all.slice(next - n, next) };
      });
      return {
        command,
        version: json.version,
        model: json.model,
        people,
        ...(json.part === undefined ? {} : { part: json.part }),
      };
    }
    case Command.GALLERY_UPSERT: {
      const json = readJson(galleryUpsert, frame);
      expectBinaryLength(
        frame,
        json.descriptorCount * wireDescriptorBytes(json.model),
        `${json.descriptorCount} ${json.model} descriptors need`,
      );
      const descriptors = unpackDescriptors(
        frame.binary,
        json.model,
        json.descriptorCount,
        'GALLERY_UPSERT message',
      );
      return { command, version: json.version, model: json.model, personId: json.personId, descriptors };
    }
    case Command.GALLERY_REMOVE:
      expectNoBinary(frame);
      return { command, ...readJson(galleryRemove, frame) };
    case Command.SETTINGS:
      expectNoBinary(frame);
      return { command, ...readJson(settings, frame) };
    case Command.EMBED_REQUEST: {
      const json = readJson(embedRequest, frame);
      const total = json.photos.reduce((sum, photo) => sum + photo.bytes, 0);
      expectBinaryLength(frame, total, 'the photos add up to');
      let next = 0;
      const photos = json.photos.map(({ name, bytes }) => {
        next += bytes;
        return { name, data: frame.binary.subarray(next - bytes, next) };
      });
      return { command, requestId: json.requestId, photos };
    }
    case Command.EMBED_REPLY: {
      const json = readJson(embedReply, frame);
      const total = json.results.reduce((sum, result) => sum + (result.ok ? result.faces.length : 0), 0);
      expectBinaryLength(
        frame,
        total * wireDescriptorBytes(json.model),
        `${total} ${json.model} face descriptors need`,
      );
      const all = unpackDescriptors(frame.binary, json.model, total, 'EMBED_REPLY message');
      let next = 0;
      const results = json.results.map((result): EmbedResult => {
        if (!result.ok) return result;
        const faces = result.faces.map((face) => ({
          ...face,
          descriptor: all[next++] ?? new Float32Array(DESCRIPTOR_LENGTHS[json.model]),
        }));
        return { name: result.name, ok: true, faces };
      });
      return { command, requestId: json.requestId, model: json.model, results };
    }
    default: {
      const unknown: never = command;
      throw new ProtocolError(ErrorCode.UnknownCommand, `unknown ${commandName(unknown)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Encoding.

interface WireParts {
  json: unknown;
  binary?: Uint8Array[];
}

/** Checks a message's own shape, so a local bug fails here rather than as a BAD_MESSAGE at the peer. */
function checked<T>(schema: z.ZodType<T>, message: BridgeMessage, json: unknown): T {
  const result = schema.safeParse(json);
  if (!result.success)
    throw shapeError(`cannot encode ${commandName(message.command)} message`, result.error);
  return result.data;
}

function toWire(message: BridgeMessage): WireParts {
  const name = `cannot encode ${commandName(message.command)} message`;
  switch (message.command) {
    case Command.HELLO:
      return { json: checked(hello, message, message) };
    case Command.CHALLENGE:
      return { json: checked(challenge, message, message) };
    case Command.AUTH:
      return { json: checked(auth, message, message) };
    case Command.READY:
      return { json: checked(ready, message, message) };
    case Command.ERROR:
      return { json: checked(wireError, message, message) };
    case Command.PING:
    case Command.PONG:
      return { json: checked(ping, message, message) };
    case Command.STATUS:
      return { json: checked(status, message, message) };
    case Command.EVENT: {
      const { crop, ...rest } = message.event;
      if (crop !== null && (crop.length < 2 || crop[0] !== 0xff || crop[1] !== 0xd8)) {
        throw new ProtocolError(ErrorCode.BadMessage, `${name}: crop is not a JPEG (use null for no crop)`);
      }
      return {
        json: checked(event, message, { ...rest, cropBytes: crop?.length ?? 0 }),
        binary: crop === null ? [] : [crop],
      };
    }
    case Command.ACK:
      return { json: checked(ack, message, message) };
    case Command.FRAME: {
      const { jpeg } = message;
      if (jpeg.length < 2 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) {
        throw new ProtocolError(ErrorCode.BadMessage, `${name}: jpeg is not a JPEG`);
      }
      return { json: checked(frameMetadata, message, message.metadata), binary: [jpeg] };
    }
    case Command.GALLERY_SNAPSHOT: {
      const json = checked(gallerySnapshot, message, {
        version: message.version,
        model: message.model,
        ...(message.part === undefined ? {} : { part: message.part }),
        people: message.people.map((p) => ({ personId: p.personId, descriptorCount: p.descriptors.length })),
      });
      let index = 0;
      const binary = message.people.flatMap((p) =>
        p.descriptors.map((d) => descriptorBytes(d, json.model, index++, name)),
      );
      return { json, binary };
    }
    case Command.GALLERY_UPSERT: {
      const { version, model, personId, descriptors } = message;
      const json = checked(galleryUpsert, message, {
        version,
        model,
        personId,
        descriptorCount: descriptors.length,
      });
      return { json, binary: descriptors.map((d, i) => descriptorBytes(d, json.model, i, name)) };
    }
    case Command.GALLERY_REMOVE:
      return { json: checked(galleryRemove, message, message) };
    case Command.SETTINGS:
      return { json: checked(settings, message, message) };
    case Command.EMBED_REQUEST: {
      const json = checked(embedRequest, message, {
        requestId: message.requestId,
        photos: message.photos.map((p) => ({ name: p.name, bytes: p.data.length })),
      });
      return { json, binary: message.photos.map((p) => p.data) };
    }
    case Command.EMBED_REPLY: {
      const { model } = message;
      // Checked first: the descriptors' length comes from it.
      checked(descriptorModel, message, model);
      const binary: Uint8Array[] = [];
      const results = message.results.map((result) => {
        if (!result.ok) return { name: result.name, ok: false, error: result.error };
        const faces = result.faces.map(({ box: b, score, quality, descriptor }) => {
          binary.push(descriptorBytes(descriptor, model, binary.length, name));
          return { box: b, score, quality };
        });
        return { name: result.name, ok: true, faces };
      });
      return {
        json: checked(embedReply, message, { requestId: message.requestId, model, results }),
        binary,
      };
    }
    default: {
      const unknown: never = message;
      throw new ProtocolError(
        ErrorCode.UnknownCommand,
        `cannot encode unknown ${commandName((unknown as { command: number }).command)}`,
      );
    }
  }
}

/**
 * Builds the frame for a message: checks its shape, splits it into JSON and binary parts.
 *
 * @throws ProtocolError `BAD_MESSAGE` naming the bad field, `FRAME_TOO_LARGE` when it would not fit
 *   the peer's limits (e.g. a gallery snapshot of more than 16,384 face-api or 4,096 fr-feature descriptors at the default 8 MiB).
 */
export function encodeMessage(message: BridgeMessage, limits?: FrameLimits): Buffer {
  const { json, binary } = toWire(message);
  return encodeFrame({ command: message.command, json, binary: binary ?? [] }, limits);
}

// ---------------------------------------------------------------------------------------------------
// Errors across the wire.

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The ERROR message for any thrown value. A `RollcallError` keeps its code and message; anything
 * else becomes `INTERNAL_ERROR` with a fixed message, because its text (paths, library internals)
 * is for the local log, not for the peer. Never a stack.
 */
export function errorMessage(error: unknown): ErrorMessage {
  if (error instanceof RollcallError) {
    return { command: Command.ERROR, code: error.code, message: clip(error.message, L.errorMessageChars) };
  }
  return {
    command: Command.ERROR,
    code: ErrorCode.InternalError,
    message: 'internal error (details are in the sender’s log)',
  };
}

const knownCodes: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/**
 * The error a peer reported, as something to throw or branch on: a `ProtocolError` for protocol
 * codes, a `RollcallError` for other codes this side knows, and `REMOTE_ERROR` (keeping the peer's
 * code in the message) for codes from a newer peer.
 */
export function errorFromMessage(message: WireError): RollcallError {
  const { code, message: text } = message;
  if (isProtocolErrorCode(code)) return new ProtocolError(code, text);
  if (knownCodes.has(code)) return new RollcallError(code as ErrorCode, text);
  return new ProtocolError(ErrorCode.RemoteError, `peer error ${code}: ${text}`);
}
