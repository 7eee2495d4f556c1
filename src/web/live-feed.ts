/**
 * The live view's feed: camera frames from the bridge clients go to every signed-in browser over a
 * WebSocket on the web server's own port (`/live/socket`), with the names of the people in them and,
 * every couple of seconds, each node's camera status.
 *
 * Newest frame wins per viewer: each browser has at most one unsent frame per camera. When its
 * socket's `bufferedAmount` is above `maxBufferedBytes` (a slow browser or link), new frames replace
 * the waiting one instead of queueing behind it.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { updateInView, type FrameMetadata, type InView } from '../core/index.js';
import type { WebLogger } from './http-errors.js';
import {
  FRAME_LENGTH_BYTES,
  LIVE_SOCKET_PATH,
  SESSION_ENDED_CLOSE_CODE,
  type LiveFrameHeader,
  type LiveInViewPerson,
  type LiveStatusMessage,
} from './live-protocol.js';
import type { NodeState, SessionUser } from './types.js';

/** Which node a frame came from (the bridge clients' `NodeRef`). */
export interface FrameNode {
  address: string;
  nodeId: string | undefined;
}

export type FrameListener = (metadata: FrameMetadata, jpeg: Uint8Array, node: FrameNode) => void;

/** Subscribes to camera frames and returns the unsubscribe; e.g. over `BridgeClients` `frame` events. */
export type FrameFeed = (listener: FrameListener) => () => void;

export interface LiveFeedDeps {
  frames: FrameFeed | undefined;
  nodes: () => readonly NodeState[];
  /** A person's name for the boxes, or null once they are deleted. */
  personName: (personId: string) => Promise<string | null>;
  /** The signed-in session behind an upgrade request (its session cookie), or null. */
  authenticate: (req: IncomingMessage) => Promise<LiveSession | null>;
  /**
   * Whether the session is still signed in (not signed out, expired, or its user deleted or
   * disabled); asked every `recheckMs` for every open socket.
   */
  stillSignedIn: (session: LiveSession) => Promise<boolean>;
  log?: WebLogger;
}

/** Who opened a live socket, and with which session, so the socket ends with the session. */
export interface LiveSession {
  user: SessionUser;
  sessionId: string;
}

export { LIVE_SOCKET_PATH, SESSION_ENDED_CLOSE_CODE, type LiveFrameHeader };

export interface LiveFeedOptions {
  /** How often open sockets' sessions are checked (expiry, a deleted user). @defaultValue 5000 */
  recheckMs?: number;
  /** A viewer's socket holding more than this unsent gets no new frame until it drains. @defaultValue 262144 */
  maxBufferedBytes?: number;
  /** How often camera status goes to every viewer. @defaultValue 2000 */
  statusIntervalMs?: number;
  /** How long a person's name is reused before it is read again. @defaultValue 30000 */
  nameTtlMs?: number;
  /** A person not named in a camera's frames for this long has left its "in view" list. @defaultValue 3000 */
  leaveAfterMs?: number;
}

/** How often a backpressured viewer is looked at again. */
const RETRY_MS = 50;

interface Viewer {
  socket: WebSocket;
  session: LiveSession;
  /** Per camera, the newest frame not yet sent. */
  pending: Map<string, Buffer>;
  retry: NodeJS.Timeout | undefined;
}

/** A frame message (see `live-protocol.ts`, which the page decodes it with): length, JSON header, JPEG. */
export function encodeLiveFrame(header: LiveFrameHeader, jpeg: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.allocUnsafe(FRAME_LENGTH_BYTES + json.length + jpeg.length);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, FRAME_LENGTH_BYTES);
  out.set(jpeg, FRAME_LENGTH_BYTES + json.length);
  return out;
}

/** The status as viewers see it, sent at `sentAt` on this server's clock. */
export function statusMessage(nodes: readonly NodeState[], sentAt: number): LiveStatusMessage {
  return {
    type: 'status',
    sentAt,
    nodes: nodes.map((node) => ({
      address: node.address,
      nodeId: node.nodeId ?? null,
      connected: node.connected,
      clockSkewMs: node.clockSkewMs ?? null,
      cameras: (node.status?.cameras ?? []).map((camera) => ({
        key: `${node.address}|${camera.cameraId}`,
        cameraId: camera.cameraId,
        name: camera.name ?? null,
        role: camera.role ?? null,
        fps: camera.fps,
        latencyP95Ms: camera.latencyP95Ms,
        latencyP50Ms: camera.latencyP50Ms ?? null,
        online: camera.online,
      })),
    })),
  };
}

export class LiveFeed {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  readonly #viewers = new Set<Viewer>();
  readonly #names = new Map<string, { name: string | null; at: number }>();
  readonly #lookups = new Set<string>();
  /** Per camera (`address|cameraId`), who is in view: kept with or without viewers, for "since". */
  readonly #inView = new Map<string, InView[]>();
  readonly #maxBuffered: number;
  readonly #nameTtlMs: number;
  readonly #leaveAfterMs: number;
  readonly #unsubscribe: (() => void) | undefined;
  readonly #statusTimer: NodeJS.Timeout;
  readonly #recheckTimer: NodeJS.Timeout;
  #rechecking = false;
  #closed = false;

  constructor(
    private readonly deps: LiveFeedDeps,
    options: LiveFeedOptions = {},
  ) {
    this.#maxBuffered = options.maxBufferedBytes ?? 256 * 1024;
    this.#nameTtlMs = options.nameTtlMs ?? 30_000;
    this.#leaveAfterMs = options.leaveAfterMs ?? 3000;
    this.#unsubscribe = deps.frames?.((metadata, jpeg, node) => {
      this.#onFrame(metadata, jpeg, node);
    });
    this.#statusTimer = setInterval(() => {
      this.#broadcastStatus();
    }, options.statusIntervalMs ?? 2000);
    this.#statusTimer.unref();
    this.#recheckTimer = setInterval(() => {
      void this.#recheck();
    }, options.recheckMs ?? 5000);
    this.#recheckTimer.unref();
  }

  /**
   * Takes over an HTTP upgrade for {@link LIVE_SOCKET_PATH}; returns false for any other path.
   * Refuses requests from another site's page (cross-site WebSocket hijacking) and without a session.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== LIVE_SOCKET_PATH) return false;
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    let originHost: string | undefined;
    try {
      originHost = req.headers.origin === undefined ? undefined : new URL(req.headers.origin).host;
    } catch {
      originHost = undefined;
    }
    if (this.#closed || originHost === undefined || originHost !== req.headers.host) {
      refuse('403 Forbidden');
      return true;
    }
    this.deps.authenticate(req).then(
      (session) => {
        if (session === null || this.#closed) {
          refuse('401 Unauthorized');
          return;
        }
        this.#wss.handleUpgrade(req, socket, head, (ws) => {
          this.#accept(ws, session);
        });
      },
      (error: unknown) => {
        this.deps.log?.error({ err: error }, 'live view: the session could not be read');
        refuse('503 Service Unavailable');
      },
    );
    return true;
  }

  /** Closes the sockets opened with this session (it signed out): no frame reaches them after. */
  endSession(sessionId: string): void {
    for (const viewer of this.#viewers) {
      if (viewer.session.sessionId === sessionId) this.#end(viewer, 'signed out');
    }
  }

  /** Closes every viewer's socket and stops listening for frames; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#statusTimer);
    clearInterval(this.#recheckTimer);
    this.#unsubscribe?.();
    for (const viewer of this.#viewers) {
      clearTimeout(viewer.retry);
      viewer.socket.terminate();
    }
    this.#viewers.clear();
    this.#wss.close();
  }

  /** Stops sending at once (the viewer leaves the set) and tells the page why. */
  #end(viewer: Viewer, reason: string): void {
    clearTimeout(viewer.retry);
    viewer.pending.clear();
    this.#viewers.delete(viewer);
    viewer.socket.close(SESSION_ENDED_CLOSE_CODE, reason);
  }

  /** A session can also end without a sign-out here: it expires, or its user is deleted or disabled. */
  async #recheck(): Promise<void> {
    if (this.#rechecking || this.#viewers.size === 0) return;
    this.#rechecking = true;
    try {
      for (const viewer of [...this.#viewers]) {
        let signedIn: boolean;
        try {
          signedIn = await this.deps.stillSignedIn(viewer.session);
        } catch (error) {
          // Redis unreachable: keep the viewer rather than cut everyone; the next pass decides.
          this.deps.log?.warn({ err: error }, 'live view: a session could not be checked');
          continue;
        }
        if (!signedIn && this.#viewers.has(viewer)) this.#end(viewer, 'session ended');
      }
    } finally {
      this.#rechecking = false;
    }
  }

  #accept(socket: WebSocket, session: LiveSession): void {
    const viewer: Viewer = { socket, session, pending: new Map(), retry: undefined };
    this.#viewers.add(viewer);
    socket.on('close', () => {
      clearTimeout(viewer.retry);
      this.#viewers.delete(viewer);
    });
    socket.on('error', () => {
      socket.terminate();
    });
    // Viewers only listen; anything they send is ignored.
    socket.send(JSON.stringify(statusMessage(this.deps.nodes(), Date.now())));
  }

  #broadcastStatus(): void {
    if (this.#viewers.size === 0) return;
    const message = JSON.stringify(statusMessage(this.deps.nodes(), Date.now()));
    for (const viewer of this.#viewers) {
      // Status is small and periodic; a viewer too far behind skips one.
      if (viewer.socket.readyState === WebSocket.OPEN && viewer.socket.bufferedAmount <= this.#maxBuffered) {
        viewer.socket.send(message);
      }
    }
  }

  #onFrame(metadata: FrameMetadata, jpeg: Uint8Array, node: FrameNode): void {
    const key = `${node.address}|${metadata.cameraId}`;
    const inView = updateInView(
      this.#inView.get(key) ?? [],
      metadata.faces,
      metadata.capturedAt,
      this.#leaveAfterMs,
    );
    this.#inView.set(key, inView);
    if (this.#viewers.size === 0) return;
    const message = encodeLiveFrame(
      {
        type: 'frame',
        key,
        address: node.address,
        nodeId: node.nodeId ?? null,
        metadata,
        names: this.#namesFor(metadata),
        inView: this.#named(inView),
      },
      jpeg,
    );
    for (const viewer of this.#viewers) {
      viewer.pending.set(key, message);
      this.#flush(viewer);
    }
  }

  #flush(viewer: Viewer): void {
    const { socket } = viewer;
    if (socket.readyState !== WebSocket.OPEN) return;
    for (const [key, message] of viewer.pending) {
      if (socket.bufferedAmount > this.#maxBuffered) {
        viewer.retry ??= setTimeout(() => {
          viewer.retry = undefined;
          this.#flush(viewer);
        }, RETRY_MS);
        return;
      }
      viewer.pending.delete(key);
      socket.send(message, { binary: true });
    }
  }

  /** Names known now; unknown ones are looked up for the next frames (the box says "…" meanwhile). */
  #namesFor(metadata: FrameMetadata): Record<string, string> {
    const names: Record<string, string> = {};
    const now = Date.now();
    for (const face of metadata.faces) {
      if (face.personId === null) continue;
      const name = this.#nameOf(face.personId, now);
      if (name !== null) names[face.personId] = name;
    }
    return names;
  }

  /** The people in view by name, alphabetically; one whose name is not known yet follows once it is. */
  #named(inView: readonly InView[]): LiveInViewPerson[] {
    const now = Date.now();
    const people: LiveInViewPerson[] = [];
    for (const { personId, since } of inView) {
      const name = this.#nameOf(personId, now);
      if (name !== null) people.push({ personId, name, since });
    }
    return people.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The cached name (null while unknown or for someone deleted); starts a lookup when it is missing or old. */
  #nameOf(id: string, now: number): string | null {
    const known = this.#names.get(id);
    if ((known === undefined || now - known.at > this.#nameTtlMs) && !this.#lookups.has(id)) {
      this.#lookups.add(id);
      this.deps.personName(id).then(
        (name) => {
          this.#names.set(id, { name, at: Date.now() });
          this.#lookups.delete(id);
        },
        (error: unknown) => {
          this.#lookups.delete(id);
          this.deps.log?.warn({ err: error, personId: id }, 'live view: a name could not be read');
        },
      );
    }
    return known?.name ?? null;
  }
}
