/**
 * The recognition node's side of the bridge: a TCP (optionally TLS) server that web nodes connect
 * to. It authenticates each connection with the mutual HMAC handshake, then:
 *
 * - sends STATUS at once and every `heartbeatMs`, and answers PING with PONG;
 * - streams recognition events from the durable outbox, oldest first, paced by the socket's
 *   backpressure, and forgets an event only when a web node ACKs it (acked by any: see below);
 * - sends camera frames lossy, newest wins, through a small per-connection buffer, so a slow web
 *   node never slows recognition nor the other web nodes;
 * - applies gallery snapshots, upserts and removals to the in-memory gallery and the on-disk cache,
 *   emits pushed settings, and answers embed requests.
 *
 * Several web nodes at once: each gets every frame and every event. An event leaves the outbox when
 * the first web node acknowledges it ("acked by any"): the outbox promises that every event reaches
 * at least one web node, and web nodes are expected to share one store (attendance is idempotent by
 * event id). A web node that connects later does not get events another one already acknowledged.
 *
 * Anything a peer sends that breaks the protocol gets an ERROR frame and that connection closed;
 * everyone else is served on. Memory per connection is bounded: the handshake decoder takes only
 * small frames, the session decoder holds at most one frame, frames wait in a fixed number of
 * slots, and events are pulled from the outbox only while the socket drains (never queued).
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { OptionChecks, systemClock, type Cancel, type Clock } from '../shared/index.js';
import {
  ErrorCode,
  RollcallError,
  type DescriptorModel,
  type FrameMetadata,
  type Gallery,
  type MatchThresholds,
  type RecognitionEvent,
} from '../core/index.js';
import type { GalleryCache } from './gallery-cache/index.js';
import type { EventOutbox } from './outbox/index.js';
import {
  Command,
  commandName,
  encodeMessage,
  errorMessage,
  FrameDecoder,
  MESSAGE_LIMITS,
  parseMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  ServerHandshake,
  wireDescriptorBytes,
  type BridgeMessage,
  type CameraStatus,
  type EmbedPhoto,
  type EmbedReply,
  type GalleryPerson,
  type GallerySnapshotMessage,
  type StatusMessage,
} from './protocol/index.js';

/** What the node reports about itself in every STATUS, besides what the server knows. */
export interface NodeStatusSource {
  cameras: CameraStatus[];
}

/**
 * Settings a web node pushed: thresholds set by hand or the target the node calibrates its own for,
 * and, optionally, consensus and sighting interval.
 */
export interface BridgeSettings {
  thresholds?: MatchThresholds;
  strangerRateTarget?: number;
  consensusFrames?: number;
  sightingIntervalS?: number;
}

export interface BridgeServerDeps {
  /** Where events wait for an acknowledgement; the server reads and acknowledges, never closes it. */
  outbox: EventOutbox;
  /** The matcher's gallery, updated in place by gallery messages. */
  gallery: Gallery;
  /**
   * The on-disk copy of the gallery; loaded by the caller before `start()`. Its model is the
   * node's engine's: STATUS reports it, and gallery messages of another model are refused.
   */
  galleryCache: GalleryCache;
  /** Camera figures for STATUS, asked for at every heartbeat. */
  status: () => NodeStatusSource;
  /**
   * Computes faces and descriptors for EMBED_REQUEST (with the node's engine, so of the cache's
   * model); without it requests are answered with errors.
   */
  embed?: (photos: EmbedPhoto[]) => Promise<EmbedReply>;
  /** @defaultValue the system clock */
  clock?: Clock;
}

export interface BridgeServerTlsOptions {
  /** PEM certificate chain file. */
  certFile: string;
  /** PEM private key file. */
  keyFile: string;
}

export interface BridgeServerOptions {
  /** Address to listen on. Anything but loopback needs a real secret (see `bridge-secret.ts`). */
  host: string;
  /** Port to listen on; 0 picks a free one (tests). */
  port: number;
  /** This node's id, proven in the handshake and named in STATUS. */
  nodeId: string;
  /** The shared `BRIDGE_SECRET`. */
  secret: string;
  /** How often STATUS is sent; web nodes call a node dead after 3 missed ones. @defaultValue 2000 */
  heartbeatMs?: number;
  /** A connection must finish the handshake within this (slow-loris guard). @defaultValue 5000 */
  handshakeTimeoutMs?: number;
  /**
   * An authenticated connection that sends nothing (not even PING) for this long is closed.
   * @defaultValue 3 × heartbeatMs
   */
  idleTimeoutMs?: number;
  /** Connections at once, handshaking ones included; more are refused with BRIDGE_BUSY. @defaultValue 32 */
  maxConnections?: number;
  /** Frames held per connection while its socket is backpressured; the oldest is dropped. @defaultValue 2 */
  frameBufferPerConnection?: number;
  /** Events sent to one connection and not yet acknowledged, at most. @defaultValue 256 */
  maxUnackedEvents?: number;
  /** An event sent but not acknowledged this long is sent again on the same connection. @defaultValue 30000 */
  resendAfterMs?: number;
  /** Embed requests one connection may have running at once; more are answered with errors. @defaultValue 2 */
  maxEmbedsPerConnection?: number;
  /** Bytes queued in one socket before the peer is deemed stuck and cut off. @defaultValue 32 MiB */
  maxWriteBufferBytes?: number;
  /** `close()` waits this long for sockets to end before destroying them. @defaultValue 2000 */
  closeTimeoutMs?: number;
  /** Serve TLS instead of plain TCP. @defaultValue undefined (plain TCP) */
  tls?: BridgeServerTlsOptions;
}

type ResolvedOptions = Required<Omit<BridgeServerOptions, 'tls'>> & { tls?: BridgeServerTlsOptions };
type ResolvedDeps = Required<Omit<BridgeServerDeps, 'embed'>> & Pick<BridgeServerDeps, 'embed'>;

export interface ConnectionInfo {
  connectionId: number;
  remoteAddress: string;
  /** The client id proven in the handshake; undefined before it finished. */
  clientId: string | undefined;
}

export interface GalleryChange {
  kind: 'snapshot' | 'upsert' | 'remove';
  version: number;
  personId?: string;
  /** People in the gallery after the change. */
  personCount: number;
}

export interface BridgeServerEvents {
  /** A web node finished the handshake. */
  connected: [ConnectionInfo];
  /** A connection ended (authenticated or not), and why. */
  disconnected: [ConnectionInfo & { reason: string }];
  /** A gallery message was applied and persisted. */
  galleryChanged: [GalleryChange];
  /**
   * A gallery message of another descriptor model than the node's was refused (and answered with
   * ERROR `DESCRIPTOR_MODEL_MISMATCH`); the connection stays open and the gallery is unchanged.
   */
  galleryRefused: [ConnectionInfo & { kind: GalleryChange['kind']; error: RollcallError }];
  /** A web node pushed settings. */
  settingsChanged: [BridgeSettings];
  /** A peer broke the protocol (bad bytes, failed handshake, timeout); its connection was closed. */
  protocolError: [ConnectionInfo & { error: RollcallError }];
  /** Something on this side failed without closing the server (an outbox read, a cache write). */
  failed: [RollcallError];
}

/** Handshake frames are tiny; a peer that has not authenticated may not make us buffer more. */
const HANDSHAKE_LIMITS = { maxJsonBytes: 4096, maxBinaryBytes: 1 };
/** Events fetched from the outbox per step of a connection's pump. */
const EVENT_BATCH = 64;

function resolveOptions(options: BridgeServerOptions): ResolvedOptions {
  const heartbeatMs = options.heartbeatMs ?? 2000;
  const resolved: ResolvedOptions = {
    host: options.host,
    port: options.port,
    nodeId: options.nodeId,
    secret: options.secret,
    heartbeatMs,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5000,
    idleTimeoutMs: options.idleTimeoutMs ?? 3 * heartbeatMs,
    maxConnections: options.maxConnections ?? 32,
    frameBufferPerConnection: options.frameBufferPerConnection ?? 2,
    maxUnackedEvents: options.maxUnackedEvents ?? 256,
    resendAfterMs: options.resendAfterMs ?? 30_000,
    maxEmbedsPerConnection: options.maxEmbedsPerConnection ?? 2,
    maxWriteBufferBytes: options.maxWriteBufferBytes ?? 32 * 1024 * 1024,
    closeTimeoutMs: options.closeTimeoutMs ?? 2000,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  };
  const checks = new OptionChecks('BridgeServer')
    .require(
      typeof resolved.host === 'string' && resolved.host.length > 0,
      'host',
      'must be a non-empty string',
      resolved.host,
    )
    .require(
      Number.isInteger(resolved.port) && resolved.port >= 0 && resolved.port <= 65535,
      'port',
      'must be an integer from 0 to 65535',
      resolved.port,
    )
    .requireHidden(
      typeof resolved.secret === 'string' && resolved.secret.length > 0,
      'secret',
      'must be non-empty',
    );
  const positive = [
    'heartbeatMs',
    'handshakeTimeoutMs',
    'idleTimeoutMs',
    'maxConnections',
    'frameBufferPerConnection',
    'maxUnackedEvents',
    'resendAfterMs',
    'maxEmbedsPerConnection',
    'maxWriteBufferBytes',
    'closeTimeoutMs',
  ] as const;
  checks.integers(resolved, positive).throwIfAny();
  return resolved;
}

/** The message's fields without its command, e.g. STATUS as a plain status object. */
export function omitCommand<T extends { command: number }>(message: T): Omit<T, 'command'> {
  const copy: Partial<T> = { ...message };
  delete copy.command;
  return copy as Omit<T, 'command'>;
}

function asRollcallError(error: unknown, fallback: string): RollcallError {
  if (error instanceof RollcallError) return error;
  return new RollcallError(ErrorCode.InternalError, fallback, { cause: error });
}

/**
 * The bridge server. `start()` listens; `publishEvent` and `publishFrame` feed every authenticated
 * web node; `close()` stops everything.
 */
export class BridgeServer extends EventEmitter<BridgeServerEvents> {
  readonly #deps: ResolvedDeps;
  readonly #options: ResolvedOptions;
  readonly #connections = new Set<ServerConnection>();
  readonly #startedAt: number;
  #server: net.Server | undefined;
  #nextConnectionId = 1;
  /**
   * The gallery version STATUS reports: the one applied to the matcher and stored, not one the
   * cache holds while it is still being written (a web node takes the report as the confirmation).
   */
  #galleryVersion = 0;
  /** Gallery messages are applied one at a time, in arrival order, whichever connection sent them. */
  #galleryQueue: Promise<void> = Promise.resolve();
  #closed: Promise<void> | undefined;

  /** @throws RollcallError `USAGE_INVALID` naming every bad option. */
  constructor(deps: BridgeServerDeps, options: BridgeServerOptions) {
    super();
    this.#options = resolveOptions(options);
    // Fail here rather than at the first connection when the id cannot be proven.
    new ServerHandshake({ secret: this.#options.secret, nodeId: this.#options.nodeId });
    this.#deps = { ...deps, clock: deps.clock ?? systemClock };
    this.#startedAt = this.#deps.clock.now();
  }

  get nodeId(): string {
    return this.#options.nodeId;
  }

  /** Connections that finished the handshake. */
  /** The gallery version applied and stored (0 before the first); what STATUS reports. */
  get galleryVersion(): number {
    return this.#galleryVersion;
  }

  get authenticatedCount(): number {
    let n = 0;
    for (const c of this.#connections) if (c.authenticated) n++;
    return n;
  }

  /** All open connections, handshaking ones included. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Listens and resolves with the bound port.
   *
   * @throws RollcallError `USAGE_INVALID` when already started or closed, or the TLS files cannot be read;
   *   the listen error (EADDRINUSE…) as is.
   */
  async start(): Promise<{ port: number }> {
    if (this.#server !== undefined || this.#closed !== undefined) {
      throw new RollcallError(
        ErrorCode.UsageInvalid,
        'BridgeServer.start() may be called once, before close()',
      );
    }
    this.#galleryVersion = this.#deps.galleryCache.version ?? 0;
    const onSocket = (socket: net.Socket): void => {
      this.#accept(socket);
    };
    let server: net.Server;
    if (this.#options.tls === undefined) {
      server = net.createServer(onSocket);
    } else {
      const { certFile, keyFile } = this.#options.tls;
      let cert: Buffer;
      let key: Buffer;
      try {
        [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
      } catch (error) {
        throw new RollcallError(
          ErrorCode.UsageInvalid,
          `cannot read the bridge TLS certificate ${certFile} or key ${keyFile}`,
          { cause: error },
        );
      }
      // A TLS handshake that never finishes is a slow-loris too: same deadline as ours.
      server = tls.createServer({ cert, key, handshakeTimeout: this.#options.handshakeTimeoutMs }, onSocket);
      server.on('tlsClientError', () => undefined);
    }
    this.#server = server;
    server.on('error', (error) => {
      this.emit('failed', asRollcallError(error, 'bridge server error'));
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(error);
      };
      server.once('error', onError);
      server.listen(this.#options.port, this.#options.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : this.#options.port;
    return { port };
  }

  /**
   * Stores `event` durably, then sends it to every authenticated web node. Resolves once it is in
   * the outbox; sending happens as the sockets allow.
   *
   * @throws RollcallError from the outbox (`OUTBOX_FULL`, `OUTBOX_WRITE_FAILED`…): the event was not stored.
   */
  async publishEvent(event: RecognitionEvent): Promise<void> {
    await this.#deps.outbox.append(event);
    for (const connection of this.#connections) connection.pumpEvents();
  }

  /**
   * Offers a frame to every authenticated web node, lossy: a backpressured connection keeps only
   * the newest `frameBufferPerConnection` frames. Never blocks.
   *
   * @throws ProtocolError `BAD_MESSAGE` when the frame is not valid (not a JPEG, bad metadata).
   */
  publishFrame(metadata: FrameMetadata, jpeg: Uint8Array): void {
    if (this.authenticatedCount === 0) return;
    // Encoded once, shared by every connection.
    const bytes = encodeMessage({ command: Command.FRAME, metadata, jpeg });
    for (const connection of this.#connections) connection.offerFrame(bytes);
  }

  /**
   * Stops listening and closes every connection: each gets `closeTimeoutMs` to end, then is
   * destroyed. Idempotent; never rejects. Does not close the outbox (its owner does).
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      const server = this.#server;
      const closing =
        server === undefined
          ? Promise.resolve()
          : new Promise<void>((resolve) =>
              server.close(() => {
                resolve();
              }),
            );
      for (const connection of this.#connections) connection.close('node shutting down');
      let cancel: Cancel | undefined;
      const deadline = new Promise<void>((resolve) => {
        cancel = this.#deps.clock.schedule(this.#options.closeTimeoutMs, resolve);
      });
      await Promise.race([Promise.all([closing, this.#galleryQueue]), deadline]);
      cancel?.();
      for (const connection of this.#connections) connection.destroy('node shut down');
      this.#connections.clear();
    })();
    return this.#closed;
  }

  // -----------------------------------------------------------------------------------------------
  // Used by ServerConnection.

  /** @internal */
  get options(): ResolvedOptions {
    return this.#options;
  }

  /** @internal */
  get deps(): ResolvedDeps {
    return this.#deps;
  }

  /** @internal */
  statusMessage(): StatusMessage {
    const { outbox, status, clock } = this.#deps;
    let cameras: CameraStatus[] = [];
    try {
      cameras = status().cameras;
    } catch (error) {
      this.emit('failed', asRollcallError(error, 'the node status callback failed'));
    }
    return {
      command: Command.STATUS,
      nodeId: this.#options.nodeId,
      protocol: PROTOCOL_VERSION,
      cameras,
      galleryVersion: this.#galleryVersion,
      descriptorModel: this.#deps.galleryCache.model,
      outboxDepth: outbox.depth,
      uptimeS: Math.max(0, (clock.now() - this.#startedAt) / 1000),
    };
  }

  /** @internal A gallery change is applied and stored: STATUS may report its version from now on. */
  galleryApplied(): void {
    this.#galleryVersion = this.#deps.galleryCache.version ?? this.#galleryVersion;
  }

  /** @internal Runs a gallery change after the ones before it. */
  enqueueGallery(task: () => Promise<void>): Promise<void> {
    const run = this.#galleryQueue.then(task);
    this.#galleryQueue = run.catch(() => undefined);
    return run;
  }

  /** @internal */
  removeConnection(connection: ServerConnection): void {
    this.#connections.delete(connection);
  }

  #accept(socket: net.Socket): void {
    const connection = new ServerConnection(this, socket, this.#nextConnectionId++);
    if (this.#closed !== undefined) {
      connection.destroy('node shutting down');
      return;
    }
    if (this.#connections.size >= this.#options.maxConnections) {
      connection.close(
        'too many connections',
        new RollcallError(
          ErrorCode.BridgeBusy,
          `node ${this.#options.nodeId} already serves ${this.#options.maxConnections} connections`,
        ),
      );
      return;
    }
    this.#connections.add(connection);
    connection.begin();
  }
}

/** One web node's connection, from the first byte to the close. */
class ServerConnection {
  readonly #server: BridgeServer;
  readonly #socket: net.Socket;
  readonly id: number;
  readonly #remoteAddress: string;
  #decoder = new FrameDecoder(HANDSHAKE_LIMITS);
  readonly #handshake: ServerHandshake;
  #clientId: string | undefined;
  authenticated = false;
  #closed = false;
  /** `write()` returned false and 'drain' has not fired yet. */
  #blocked = false;
  #statusDue = false;
  readonly #frames: Buffer[] = [];
  /** Event ids sent on this connection and not yet known to be acknowledged, with when they were sent. */
  #sent = new Map<string, number>();
  /** A snapshot arriving in parts, until its last part. */
  #staged:
    | { version: number; next: number; people: GalleryPerson[]; ids: Set<string>; descriptors: number }
    | undefined;
  #pumping = false;
  #pumpAgain = false;
  #pruneDue = false;
  #embedsRunning = 0;
  #lastReceivedAt: number;
  #cancelHandshakeTimer: Cancel | undefined;
  #cancelHeartbeat: Cancel | undefined;
  #cancelDestroy: Cancel | undefined;

  constructor(server: BridgeServer, socket: net.Socket, id: number) {
    this.#server = server;
    this.#socket = socket;
    this.id = id;
    this.#remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.#handshake = new ServerHandshake({ secret: server.options.secret, nodeId: server.options.nodeId });
    this.#lastReceivedAt = server.deps.clock.now();
    socket.setNoDelay(true);
    socket.on('error', () => {
      // 'close' follows and reports it; an unhandled 'error' would crash the node.
    });
    socket.on('close', () => {
      this.#finish('connection closed');
    });
  }

  // Read through methods: these flags change under awaits and callbacks, which narrowing ignores.
  #isClosed(): boolean {
    return this.#closed;
  }

  #canWrite(): boolean {
    return !this.#closed && !this.#blocked;
  }

  #pumpRequested(): boolean {
    return this.#pumpAgain;
  }

  #isAuthenticated(): boolean {
    return this.authenticated;
  }

  get info(): ConnectionInfo {
    return { connectionId: this.id, remoteAddress: this.#remoteAddress, clientId: this.#clientId };
  }

  begin(): void {
    const { clock } = this.#server.deps;
    this.#cancelHandshakeTimer = clock.schedule(this.#server.options.handshakeTimeoutMs, () => {
      this.#protocolFailure(
        new RollcallError(
          ErrorCode.BridgeTimeout,
          `handshake not finished within ${this.#server.options.handshakeTimeoutMs} ms`,
        ),
      );
    });
    this.#socket.on('data', (chunk: Buffer) => {
      this.#onData(chunk);
    });
    this.#socket.on('drain', () => {
      this.#blocked = false;
      this.#flush();
    });
    this.#socket.on('end', () => {
      // The peer finished sending; a half-open socket serves nobody.
      if (this.#decoder.idle) {
        this.close('client closed the connection');
        return;
      }
      // A truncated frame: the header promised bytes that never came. Say so while the socket
      // can still carry it (the peer only closed its sending side).
      this.#protocolFailure(
        new ProtocolError(ErrorCode.BadHeader, 'the stream ended in the middle of a frame (truncated frame)'),
      );
    });
  }

  // --- Outgoing -----------------------------------------------------------------------------------

  #write(bytes: Buffer): void {
    if (this.#closed) return;
    if (!this.#socket.write(bytes)) this.#blocked = true;
    if (this.#socket.writableLength > this.#server.options.maxWriteBufferBytes) {
      this.destroy('client does not read (write buffer over its limit)');
    }
  }

  #send(message: BridgeMessage): void {
    this.#write(encodeMessage(message));
  }

  sendStatus(): void {
    if (!this.authenticated || this.#closed) return;
    if (this.#blocked) {
      // A heartbeat behind a full buffer tells nothing; send a fresh one when it drains.
      this.#statusDue = true;
      return;
    }
    this.#statusDue = false;
    this.#send(this.#server.statusMessage());
  }

  offerFrame(bytes: Buffer): void {
    if (!this.authenticated || this.#closed) return;
    if (!this.#blocked && this.#frames.length === 0) {
      this.#write(bytes);
      return;
    }
    this.#frames.push(bytes);
    while (this.#frames.length > this.#server.options.frameBufferPerConnection) {
      this.#frames.shift();
    }
  }

  #flush(): void {
    if (this.#closed || !this.authenticated) return;
    if (this.#statusDue) this.sendStatus();
    this.pumpEvents();
    while (this.#canWrite()) {
      const frame = this.#frames.shift();
      if (frame === undefined) break;
      this.#write(frame);
    }
  }

  /**
   * Sends pending events this connection has not had, oldest first, while the socket accepts them
   * and fewer than `maxUnackedEvents` await acknowledgement. Events are read from the outbox each
   * time rather than queued, so a slow web node costs disk reads, not memory.
   */
  pumpEvents(): void {
    if (!this.authenticated || this.#closed) return;
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    this.#pump().then(
      () => {
        this.#pumping = false;
        if (this.#pumpAgain) {
          this.#pumpAgain = false;
          this.pumpEvents();
        }
      },
      (error: unknown) => {
        this.#pumping = false;
        if (this.#closed) return;
        this.#server.emit('failed', asRollcallError(error, 'cannot read events from the outbox'));
      },
    );
  }

  async #pump(): Promise<void> {
    const { outbox, clock } = this.#server.deps;
    const { maxUnackedEvents, resendAfterMs } = this.#server.options;
    for (;;) {
      this.#pumpAgain = false;
      if (this.#closed || this.#blocked) return;
      const room = maxUnackedEvents - this.#sent.size;
      // A full window moves only on acknowledgements: from this web node (deleted from #sent on
      // ACK), or from another one (noticed by the pruning read at each heartbeat).
      if (room <= 0 && !this.#pruneDue) return;
      this.#pruneDue = false;
      // Events only ever leave the head of the outbox or join its tail, and this connection is sent
      // them in order, so the ones it still awaits an ACK for are a prefix: the ids of that prefix
      // plus a batch (from memory) tell both what is new and which sent ones were acknowledged
      // meanwhile; only the events to send are read back from disk.
      const ids = outbox.pendingIds(this.#sent.size + Math.max(0, Math.min(EVENT_BATCH, room)));
      const now = clock.now();
      const stillSent = new Map<string, number>();
      const due: string[] = [];
      for (const id of ids) {
        const sentAt = this.#sent.get(id);
        if (sentAt !== undefined && now - sentAt < resendAfterMs) stillSent.set(id, sentAt);
        else if (stillSent.size + due.length < maxUnackedEvents) due.push(id);
      }
      this.#sent = stillSent;
      // Events acknowledged (by any web node) during the read are left out by it.
      const toSend = due.length > 0 ? await outbox.read(due) : [];
      if (this.#isClosed()) return;
      for (const event of toSend) {
        if (!this.#canWrite()) break;
        this.#sent.set(event.id, now);
        this.#send({ command: Command.EVENT, event });
      }
      if (toSend.length === 0 && !this.#pumpRequested()) return;
    }
  }

  // --- Incoming -----------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#lastReceivedAt = this.#server.deps.clock.now();
    let frames;
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      this.#protocolFailure(asRollcallError(error, 'cannot decode the stream'));
      return;
    }
    for (let i = 0; i < frames.length && !this.#isClosed(); i++) {
      const frame = frames[i];
      if (frame === undefined) continue;
      let message: BridgeMessage;
      try {
        message = parseMessage(frame);
      } catch (error) {
        this.#protocolFailure(asRollcallError(error, 'cannot parse a message'));
        return;
      }
      if (!this.authenticated) {
        this.#onHandshakeMessage(message);
        if (this.#isAuthenticated() && (i < frames.length - 1 || !this.#decoder.idle)) {
          this.#protocolFailure(
            new ProtocolError(ErrorCode.UnexpectedMessage, 'the client sent data before READY'),
          );
          return;
        }
        if (this.#isAuthenticated()) this.#decoder = new FrameDecoder();
      } else {
        this.#onSessionMessage(message);
      }
    }
  }

  #onHandshakeMessage(message: BridgeMessage): void {
    const step = this.#handshake.receive(message);
    if (step.error !== undefined) {
      // The handshake built the ERROR it wants sent (when the peer did not send one itself).
      if (step.send !== undefined) this.#send(step.send);
      this.#protocolFailure(step.error, false);
      return;
    }
    if (step.send !== undefined) this.#send(step.send);
    if (step.done !== undefined) {
      this.authenticated = true;
      this.#clientId = step.done.peerId;
      this.#cancelHandshakeTimer?.();
      this.#cancelHandshakeTimer = undefined;
      this.#server.emit('connected', this.info);
      this.sendStatus();
      this.pumpEvents();
      this.#scheduleHeartbeat();
    }
  }

  #scheduleHeartbeat(): void {
    const { clock } = this.#server.deps;
    const { heartbeatMs, idleTimeoutMs } = this.#server.options;
    this.#cancelHeartbeat = clock.schedule(heartbeatMs, () => {
      if (this.#closed) return;
      const silentMs = clock.now() - this.#lastReceivedAt;
      if (silentMs > idleTimeoutMs) {
        this.#protocolFailure(
          new RollcallError(
            ErrorCode.BridgeTimeout,
            `client silent for ${silentMs} ms (limit ${idleTimeoutMs})`,
          ),
        );
        return;
      }
      this.sendStatus();
      this.#pruneDue = true;
      this.pumpEvents();
      this.#scheduleHeartbeat();
    });
  }

  #onSessionMessage(message: BridgeMessage): void {
    switch (message.command) {
      case Command.PING:
        this.#send({ command: Command.PONG, t: message.t });
        return;
      case Command.PONG:
        return;
      case Command.ACK:
        this.#onAck(message.eventIds);
        return;
      case Command.GALLERY_SNAPSHOT: {
        if (!this.#acceptsModel('snapshot', message.model)) {
          this.#staged = undefined;
          return;
        }
        const people = message.part === undefined ? message.people : this.#stageSnapshotPart(message);
        if (people === undefined) return;
        this.#applyGallery('snapshot', message.version, undefined, async (cache) => {
          await cache.save({ version: message.version, model: message.model, people });
          return true;
        });
        return;
      }
      case Command.GALLERY_UPSERT:
        if (!this.#acceptsModel('upsert', message.model)) return;
        this.#applyGallery('upsert', message.version, message.personId, (cache) =>
          cache.upsert(message.version, message.personId, message.descriptors),
        );
        return;
      case Command.GALLERY_REMOVE:
        this.#applyGallery('remove', message.version, message.personId, async (cache) => {
          await cache.remove(message.version, message.personId);
          return true;
        });
        return;
      case Command.SETTINGS: {
        const settings = omitCommand(message);
        this.#server.emit('settingsChanged', settings);
        return;
      }
      case Command.EMBED_REQUEST:
        this.#onEmbed(message.requestId, message.photos);
        return;
      case Command.ERROR:
        this.close(`client reported ${message.code}: ${message.message}`);
        return;
      case Command.HELLO:
      case Command.CHALLENGE:
      case Command.AUTH:
      case Command.READY:
      case Command.STATUS:
      case Command.EVENT:
      case Command.FRAME:
      case Command.EMBED_REPLY:
        this.#protocolFailure(
          new ProtocolError(
            ErrorCode.UnexpectedMessage,
            `${commandName(message.command)} is not something a web node sends to a node`,
          ),
        );
        return;
    }
  }

  /**
   * Collects a snapshot sent in parts; returns every person once the last part is in, else
   * undefined. Parts must come in order, for one version, up to `snapshotDescriptorBytes` in all: a
   * node holds the parts in memory and applies nothing until the whole gallery is there.
   */
  #stageSnapshotPart(message: GallerySnapshotMessage): GalleryPerson[] | undefined {
    const part = message.part;
    if (part === undefined) return message.people;
    const staged =
      part.index === 0
        ? {
            version: message.version,
            next: 0,
            people: [] as GalleryPerson[],
            ids: new Set<string>(),
            descriptors: 0,
          }
        : this.#staged;
    const fail = (why: string): void => {
      this.#staged = undefined;
      this.#protocolFailure(
        new ProtocolError(ErrorCode.BadMessage, `GALLERY_SNAPSHOT part ${part.index}: ${why}`),
      );
    };
    if (staged === undefined || staged.version !== message.version || staged.next !== part.index) {
      fail('out of order (parts go 0, 1, 2… for one version)');
      return undefined;
    }
    for (const person of message.people) {
      if (staged.ids.has(person.personId)) {
        fail(`person ${person.personId} appears twice`);
        return undefined;
      }
      staged.ids.add(person.personId);
      staged.people.push(person);
      staged.descriptors += person.descriptors.length;
    }
    if (staged.descriptors * wireDescriptorBytes(message.model) > MESSAGE_LIMITS.snapshotDescriptorBytes) {
      fail(`more than ${MESSAGE_LIMITS.snapshotDescriptorBytes} bytes of descriptors in one snapshot`);
      return undefined;
    }
    staged.next++;
    this.#staged = part.last ? undefined : staged;
    return part.last ? staged.people : undefined;
  }

  #onAck(ids: string[]): void {
    for (const id of ids) this.#sent.delete(id);
    this.#server.deps.outbox.ack(ids).then(
      () => {
        this.pumpEvents();
      },
      (error: unknown) => {
        this.#server.emit('failed', asRollcallError(error, 'cannot record an acknowledgement'));
      },
    );
  }

  /**
   * Whether a gallery message's descriptors are of the node's model. Another model's would never
   * match a face this engine describes (and differ in length): refused, with an ERROR the web node
   * can act on, without closing the connection, which is otherwise sound.
   */
  #acceptsModel(kind: GalleryChange['kind'], model: DescriptorModel): boolean {
    const own = this.#server.deps.galleryCache.model;
    if (model === own) return true;
    const error = new RollcallError(
      ErrorCode.DescriptorModelMismatch,
      `gallery ${kind} of ${model} descriptors refused: this node's engine makes ${own} descriptors`,
    );
    this.#server.emit('galleryRefused', { ...this.info, kind, error });
    this.#send(errorMessage(error));
    return false;
  }

  #applyGallery(
    kind: GalleryChange['kind'],
    version: number,
    personId: string | undefined,
    change: (cache: GalleryCache) => Promise<boolean>,
  ): void {
    const { galleryCache, gallery } = this.#server.deps;
    this.#server
      .enqueueGallery(async () => {
        const applied = await change(galleryCache);
        if (applied) {
          // The cache is the truth; the matcher's gallery follows it, person by person for a
          // single change, so both always agree.
          if (personId === undefined) galleryCache.applyTo(gallery);
          else galleryCache.applyPersonTo(gallery, personId);
          this.#server.emit('galleryChanged', {
            kind,
            version: galleryCache.version ?? version,
            ...(personId === undefined ? {} : { personId }),
            personCount: gallery.personCount,
          });
        }
        this.#server.galleryApplied();
      })
      .then(
        () => {
          // The STATUS carrying the new galleryVersion is the acknowledgement.
          this.sendStatus();
        },
        (error: unknown) => {
          const failure = asRollcallError(error, `cannot apply the gallery ${kind}`);
          // Not the peer's fault when the disk failed; still tell it, so it can resend a snapshot.
          this.#server.emit('failed', failure);
          if (!this.#closed) this.#send(errorMessage(failure));
        },
      );
  }

  #onEmbed(requestId: string, photos: EmbedPhoto[]): void {
    const { embed } = this.#server.deps;
    const failAll = (error: RollcallError): void => {
      const wire = errorMessage(error);
      this.#send({
        command: Command.EMBED_REPLY,
        requestId,
        model: this.#server.deps.galleryCache.model,
        results: photos.map((p) => ({
          name: p.name,
          ok: false,
          error: { code: wire.code, message: wire.message },
        })),
      });
    };
    if (embed === undefined) {
      failAll(new RollcallError(ErrorCode.EngineUnavailable, 'this node does not compute embeddings'));
      return;
    }
    if (this.#embedsRunning >= this.#server.options.maxEmbedsPerConnection) {
      failAll(
        new RollcallError(ErrorCode.EngineUnavailable, 'too many embed requests at once; retry shortly'),
      );
      return;
    }
    this.#embedsRunning++;
    embed(photos)
      .then(
        ({ model, results }) => {
          if (this.#closed) return;
          try {
            this.#send({ command: Command.EMBED_REPLY, requestId, model, results });
          } catch (error) {
            failAll(asRollcallError(error, 'the embed results cannot be sent'));
          }
        },
        (error: unknown) => {
          if (!this.#closed) failAll(asRollcallError(error, 'embedding failed'));
        },
      )
      .finally(() => {
        this.#embedsRunning--;
      });
  }

  // --- Closing ------------------------------------------------------------------------------------

  #protocolFailure(error: RollcallError, sendError = true): void {
    if (this.#closed) return;
    this.#server.emit('protocolError', { ...this.info, error });
    this.close(error.message, sendError ? error : undefined);
  }

  /**
   * Ends the connection: optionally an ERROR first, then a graceful end, destroyed if the peer does
   * not finish closing within a second (a slow-loris peer would keep the half-closed socket).
   */
  close(reason: string, tellPeer?: RollcallError): void {
    if (this.#closed) return;
    if (tellPeer !== undefined) {
      try {
        this.#socket.write(encodeMessage(errorMessage(tellPeer)));
      } catch {
        // Nothing more to tell a peer we cannot even encode an error for.
      }
    }
    this.#finish(reason);
    this.#socket.end();
    this.#cancelDestroy = this.#server.deps.clock.schedule(1000, () => {
      this.#socket.destroy();
    });
  }

  destroy(reason: string): void {
    this.#finish(reason);
    this.#socket.destroy();
  }

  #finish(reason: string): void {
    if (this.#closed) {
      if (this.#socket.destroyed) this.#cancelDestroy?.();
      return;
    }
    this.#closed = true;
    this.#cancelHandshakeTimer?.();
    this.#cancelHeartbeat?.();
    this.#frames.length = 0;
    this.#sent.clear();
    this.#server.removeConnection(this);
    this.#server.emit('disconnected', { ...this.info, reason });
  }
}
