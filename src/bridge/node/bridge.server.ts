/**
 * The recognition node's side of the bridge: a TCP (optionally TLS) server that web nodes connect
 * to. It authenticates each connection with the mutual HMAC handshake, then:
 *
 * - sends STATUS at once and every `heartbeatMs`, and answers PING with PONG;
 * - streams recognition events from the durable outbox, oldest first, paced by the socket's
 *   backpressure, and forgets an event only when a web node ACKs it (acked by any: see below);
 * - sends camera frames lossy, newest wins, through a small per-connection buffer, so a slow web
 *   node never slows recognition nor the other web nodes;
 * - hands gallery snapshots, upserts and removals to the node's {@link GalleryReplica} (which owns
 *   how they reach the matcher and the cache), emits pushed settings, and answers embed requests.
 *
 * Each connection is a {@link ServerConnection}; this class listens, fans events and frames out,
 * builds STATUS, and closes.
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
import { ErrorCode, RollcallError, type FrameMetadata, type RecognitionEvent } from '../../core/index.js';
import { systemClock, type Cancel, type Clock } from '../../shared/index.js';
import {
  Command,
  encodeMessage,
  PROTOCOL_VERSION,
  ServerHandshake,
  type CameraStatus,
  type EmbedPhoto,
  type EmbedReply,
  type StatusMessage,
} from '../protocol/index.js';
import { asRollcallError } from './as-rollcall-error.js';
import type { GalleryReplica } from './gallery-replica.js';
import type { NodeOutbox } from './node-outbox.js';
import { ServerConnection, type ConnectionContext } from './server-connection.js';
import type { BridgeServerEvents } from './server-events.js';
import {
  resolveServerOptions,
  type BridgeServerOptions,
  type ResolvedServerOptions,
} from './server-options.js';

/** What the node reports about itself in every STATUS, besides what the server knows. */
export interface NodeStatusSource {
  cameras: CameraStatus[];
}

export interface BridgeServerDeps {
  /** Where events wait for an acknowledgement; the server reads and acknowledges, never closes it. */
  outbox: NodeOutbox;
  /**
   * The node's gallery (`NodeGallery`): gallery messages become its updates. Its model is the node's
   * engine's: STATUS reports it, and gallery messages of another model are refused.
   */
  gallery: GalleryReplica;
  /** Camera figures for STATUS, asked for at every heartbeat. */
  status: () => NodeStatusSource;
  /**
   * Computes faces and descriptors for EMBED_REQUEST (with the node's engine, so of the gallery's
   * model); without it requests are answered with errors.
   */
  embed?: (photos: EmbedPhoto[]) => Promise<EmbedReply>;
  /** @defaultValue the system clock */
  clock?: Clock;
}

type ResolvedDeps = Required<Omit<BridgeServerDeps, 'embed'>> & Pick<BridgeServerDeps, 'embed'>;

/**
 * The bridge server. `start()` listens; `publishEvent` and `publishFrame` feed every authenticated
 * web node; `close()` stops everything.
 */
export class BridgeServer extends EventEmitter<BridgeServerEvents> {
  readonly #deps: ResolvedDeps;
  readonly #options: ResolvedServerOptions;
  readonly #connections = new Set<ServerConnection>();
  readonly #startedAt: number;
  #server: net.Server | undefined;
  #nextConnectionId = 1;
  /** Settles once the gallery updates asked for so far are done (the replica runs them in order). */
  #galleryWork: Promise<unknown> = Promise.resolve();
  readonly #context: ConnectionContext;
  #closed: Promise<void> | undefined;

  /** @throws RollcallError `USAGE_INVALID` naming every bad option. */
  constructor(deps: BridgeServerDeps, options: BridgeServerOptions) {
    super();
    this.#options = resolveServerOptions(options);
    // Fail here rather than at the first connection when the id cannot be proven.
    new ServerHandshake({ secret: this.#options.secret, nodeId: this.#options.nodeId });
    this.#deps = { ...deps, clock: deps.clock ?? systemClock };
    this.#startedAt = this.#deps.clock.now();
    this.#context = {
      options: this.#options,
      clock: this.#deps.clock,
      outbox: this.#deps.outbox,
      gallery: this.#deps.gallery,
      embed: this.#deps.embed,
      events: this,
      statusMessage: () => this.#statusMessage(),
      applyGallery: (update) => {
        const run = this.#deps.gallery.apply(update);
        this.#galleryWork = run.catch(() => undefined);
        return run;
      },
      closed: (connection) => {
        this.#connections.delete(connection);
      },
    };
  }

  get nodeId(): string {
    return this.#options.nodeId;
  }

  /** The gallery version applied and stored (0 before the first); what STATUS reports. */
  get galleryVersion(): number {
    return this.#deps.gallery.version;
  }

  /** Connections that finished the handshake. */
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
   * @throws ProtocolError `BAD_MESSAGE` for an event the protocol cannot carry (a crop that is not a
   *   JPEG, a field out of range): refused before it is stored. Stored, it would stay in the
   *   outbox for ever, its every send failing, and never reach a web node: accepted, then lost.
   * @throws RollcallError from the outbox (`OUTBOX_FULL`, `OUTBOX_WRITE_FAILED`…): the event was not stored.
   */
  async publishEvent(event: RecognitionEvent): Promise<void> {
    encodeMessage({ command: Command.EVENT, event });
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
      await Promise.race([Promise.all([closing, this.#galleryWork]), deadline]);
      cancel?.();
      for (const connection of this.#connections) connection.destroy('node shut down');
      this.#connections.clear();
    })();
    return this.#closed;
  }

  #statusMessage(): StatusMessage {
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
      galleryVersion: this.#deps.gallery.version,
      descriptorModel: this.#deps.gallery.model,
      outboxDepth: outbox.depth,
      uptimeS: Math.max(0, (clock.now() - this.#startedAt) / 1000),
      clockMs: Math.round(clock.now()),
    };
  }

  #accept(socket: net.Socket): void {
    const connection = new ServerConnection(this.#context, socket, this.#nextConnectionId++);
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
