/**
 * Where frames come from. Every camera kind (V4L2, RTSP/HTTP, video file, image folder, demo) is a
 * FrameSource; the recognition pipeline sees only this interface.
 */
import type { EventEmitter } from 'node:events';
import type { RgbImage } from '../core/index.js';

export interface Frame {
  /** Which camera this frame is from, as named in events and the live view. */
  cameraId: string;
  /** 0, 1, 2, … per source start; restarts do not reset it. */
  seq: number;
  /** When the frame was read from the source (ms since the epoch). */
  capturedAt: number;
  image: RgbImage;
}

export interface FrameSourceEvents {
  frame: [Frame];
  /** Something went wrong that a restart may fix (device gone, stream dropped, child exited). */
  error: [Error];
  /** The source stopped producing frames on its own (child exited, stream ended). */
  ended: [];
}

export interface FrameSource extends EventEmitter<FrameSourceEvents> {
  /** A human description for logs, e.g. `ffmpeg /dev/video0 640x480@10fps`. */
  readonly description: string;
  /** Resolves once the source is running; rejects with a RollcallError whose message says the fix. */
  start(): Promise<void>;
  /** Stops producing frames and frees the device or child process; idempotent. */
  close(): Promise<void>;
}
