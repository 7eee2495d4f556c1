/**
 * The live socket's messages as both ends see them: the server (`live-feed.ts`) writes them, the
 * Live page (`frontend/pages/live.ts`) reads them. Text messages are {@link LiveStatusMessage} JSON;
 * binary ones are a frame: 4-byte big-endian header length, the JSON {@link LiveFrameHeader}, the
 * JPEG. No Node API here: the browser bundles this file.
 */
import type { FrameMetadata } from '../core/events.js';
import type { CameraRole } from '../core/schedule.js';

export const LIVE_SOCKET_PATH = '/live/socket';

/** WebSocket close code (application range) for a socket whose session ended; the page signs in again. */
export const SESSION_ENDED_CLOSE_CODE = 4401;

/** Bytes of the big-endian header length in front of every frame message. */
export const FRAME_LENGTH_BYTES = 4;

/** The JSON part of a frame message; the JPEG follows it. */
export interface LiveFrameHeader {
  type: 'frame';
  /** `address|cameraId`, as in {@link LiveCameraStatus.key}. */
  key: string;
  address: string;
  nodeId: string | null;
  metadata: FrameMetadata;
  /** Person id → name, for the faces in the frame that are named. */
  names: Record<string, string>;
  /**
   * Who is in view of this camera now: named in its frames within the last few seconds (a face
   * missed for a frame or two does not leave), by name. The page's "In view now" list.
   */
  inView: LiveInViewPerson[];
}

/** A person in view of one camera. */
export interface LiveInViewPerson {
  personId: string;
  name: string;
  /** Since when, without a gap: the capture time of the first frame of this stay (ms since the epoch, the node's clock). */
  since: number;
}

export interface LiveCameraStatus {
  key: string;
  cameraId: string;
  /** The camera's name for people (`CAMERA_SOURCES` `name`); null when the node declared none. */
  name: string | null;
  /** The camera's attendance role as its node declares it (`CAMERA_SOURCES` `role`); null when not set. */
  role: CameraRole | null;
  /** Frames analysed a second. */
  fps: number;
  /** Capture to analysis result on the node, p95 and median over its recent frames; null before the first. */
  latencyP95Ms: number | null;
  latencyP50Ms: number | null;
  online: boolean;
}

/** One node in a {@link LiveStatusMessage}. */
export interface LiveNodeStatus {
  address: string;
  nodeId: string | null;
  connected: boolean;
  /**
   * How far the node's clock is ahead of the web server's (negative: behind), in ms, as measured
   * from its heartbeats; null when unknown. Frame capture times are on the node's clock.
   */
  clockSkewMs: number | null;
  cameras: LiveCameraStatus[];
}

/** Sent every few seconds: each node, connected or not, with its cameras. */
export interface LiveStatusMessage {
  type: 'status';
  /**
   * The web server's clock when it sent this (ms since the epoch): the page measures its own
   * clock against the server's with it, as the server does with each node's heartbeats.
   */
  sentAt: number;
  nodes: LiveNodeStatus[];
}

/** A frame message's parts; throws on a message too short for the length it announces. */
export function decodeLiveFrame(message: ArrayBuffer): {
  header: LiveFrameHeader;
  jpeg: Uint8Array<ArrayBuffer>;
} {
  const length = new DataView(message).getUint32(0);
  if (FRAME_LENGTH_BYTES + length > message.byteLength) throw new RangeError('live frame: header cut short');
  const json = new TextDecoder().decode(new Uint8Array(message, FRAME_LENGTH_BYTES, length));
  return {
    header: JSON.parse(json) as LiveFrameHeader,
    jpeg: new Uint8Array(message, FRAME_LENGTH_BYTES + length),
  };
}
