/**
 * One web node's connection to the node's bridge server, from the first byte to the close: the
 * handshake under a deadline, heartbeats, events pumped from the outbox as the socket drains,
 * frames lossy through a few slots, and gallery messages handed to the node's {@link GalleryReplica}.
 * It knows the server only through its {@link ConnectionContext}.
 */
import type net from 'node:net';
import { ErrorCode, RollcallError, type DescriptorModel } from '../../core/index.js';
import { steadyNow, type Cancel, type Clock } from '../../shared/index.js';
import {
  Command,
  commandName,
  encodeMessage,
  errorMessage,
  FrameDecoder,
  omitCommand,
  parseMessage,
  ProtocolError,
  ServerHandshake,
  SnapshotCollector,
  type BridgeMessage,
  type EmbedPhoto,
  type EmbedReply,
  type GalleryPerson,
  type StatusMessage,
} from '../protocol/index.js';
import { asRollcallError } from './as-rollcall-error.js';
import type { GalleryChange, GalleryReplica, GalleryUpdate } from './gallery-replica.js';
import { EventPump } from './event-pump.js';
import type { NodeOutbox } from './node-outbox.js';
import type { ResolvedServerOptions } from './server-options.js';
import type { BridgeServerEvents, ConnectionInfo } from './server-events.js';

/** What a connection needs of the server that accepted it. */
export interface ConnectionContext {
  readonly options: ResolvedServerOptions;
  readonly clock: Clock;
  readonly outbox: NodeOutbox;
  readonly gallery: GalleryReplica;
  readonly embed: ((photos: EmbedPhoto[]) => Promise<EmbedReply>) | undefined;
  /** The server's listeners: a connection reports through them. */
  readonly events: {
    emit<K extends keyof BridgeServerEvents>(event: K, ...args: BridgeServerEvents[K]): boolean;
  };
  /** The STATUS to send now. */
  statusMessage(): StatusMessage;
  /** Applies a gallery update after the ones before it; the server waits for these when closing. */
  applyGallery(update: GalleryUpdate): Promise<GalleryChange | undefined>;
  /** The connection ended: the server forgets it. */
  closed(connection: ServerConnection): void;
}

/** Handshake frames are tiny; a peer that has not authenticated may not make us buffer more. */
const HANDSHAKE_LIMITS = { maxJsonBytes: 4096, maxBinaryBytes: 1 };

/** One web node's connection, from the first byte to the close. */
export class ServerConnection {
  readonly #context: ConnectionContext;
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
  /** A snapshot arriving in parts, until its last part. */
  readonly #snapshot = new SnapshotCollector();
  readonly #events: EventPump;
  #embedsRunning = 0;
  #lastReceivedAt: number;
  #cancelHandshakeTimer: Cancel | undefined;
  #cancelHeartbeat: Cancel | undefined;
  #cancelDestroy: Cancel | undefined;

  constructor(context: ConnectionContext, socket: net.Socket, id: number) {
    this.#context = context;
    this.#socket = socket;
    this.id = id;
    this.#remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.#handshake = new ServerHandshake({ secret: context.options.secret, nodeId: context.options.nodeId });
    this.#lastReceivedAt = steadyNow(context.clock);
    this.#events = new EventPump(context.outbox, context.clock, context.options, {
      closed: () => this.#closed,
      canWrite: () => this.#canWrite(),
      send: (event) => {
        this.#send({ command: Command.EVENT, event });
      },
      failed: (error) => {
        this.#context.events.emit('failed', asRollcallError(error, 'cannot read events from the outbox'));
      },
      idle: () => {
        this.#flushFrames();
      },
    });
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

  #isAuthenticated(): boolean {
    return this.authenticated;
  }

  get info(): ConnectionInfo {
    return { connectionId: this.id, remoteAddress: this.#remoteAddress, clientId: this.#clientId };
  }

  begin(): void {
    const { clock } = this.#context;
    this.#cancelHandshakeTimer = clock.schedule(this.#context.options.handshakeTimeoutMs, () => {
      this.#protocolFailure(
        new RollcallError(
          ErrorCode.BridgeTimeout,
          `handshake not finished within ${this.#context.options.handshakeTimeoutMs} ms`,
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
    if (this.#socket.writableLength > this.#context.options.maxWriteBufferBytes) {
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
    this.#send(this.#context.statusMessage());
  }

  /**
   * A live frame: written now if the socket has room and no events are on their way, else held
   * (newest wins). Events go first: written while the pump reads the outbox, a frame would fill the
   * socket before the events read, and on a link slower than the frames, that happened at nearly
   * every drain: events crawled out minutes late while the live view played on.
   */
  offerFrame(bytes: Buffer): void {
    if (!this.authenticated || this.#closed) return;
    if (!this.#blocked && this.#frames.length === 0 && !this.#events.busy) {
      this.#write(bytes);
      return;
    }
    this.#frames.push(bytes);
    while (this.#frames.length > this.#context.options.frameBufferPerConnection) {
      this.#frames.shift();
    }
  }

  /** The socket drained: a heartbeat that waited, then events, then (once the pump is idle) frames. */
  #flush(): void {
    if (this.#closed || !this.authenticated) return;
    if (this.#statusDue) this.sendStatus();
    this.pumpEvents();
    this.#flushFrames();
  }

  #flushFrames(): void {
    if (this.#closed || !this.authenticated || this.#events.busy) return;
    while (this.#canWrite()) {
      const frame = this.#frames.shift();
      if (frame === undefined) break;
      this.#write(frame);
    }
  }

  /** Sends pending events this web node has not had, as its socket allows (see {@link EventPump}). */
  pumpEvents(): void {
    if (!this.authenticated || this.#closed) return;
    this.#events.pump();
  }

  // --- Incoming -----------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#lastReceivedAt = steadyNow(this.#context.clock);
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
      this.#context.events.emit('connected', this.info);
      this.sendStatus();
      this.pumpEvents();
      this.#scheduleHeartbeat();
    }
  }

  #scheduleHeartbeat(): void {
    const { clock } = this.#context;
    const { heartbeatMs, idleTimeoutMs } = this.#context.options;
    this.#cancelHeartbeat = clock.schedule(heartbeatMs, () => {
      if (this.#closed) return;
      const silentMs = steadyNow(clock) - this.#lastReceivedAt;
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
      this.#events.pruneNext();
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
          this.#snapshot.reset();
          return;
        }
        let people: GalleryPerson[] | undefined;
        try {
          people = this.#snapshot.add(message);
        } catch (error) {
          this.#protocolFailure(asRollcallError(error, 'cannot collect the snapshot'));
          return;
        }
        if (people === undefined) return;
        this.#applyGallery({ kind: 'snapshot', version: message.version, model: message.model, people });
        return;
      }
      case Command.GALLERY_UPSERT: {
        if (!this.#acceptsModel('upsert', message.model)) return;
        const { version, model, personId, descriptors } = message;
        this.#applyGallery({ kind: 'upsert', version, model, personId, descriptors });
        return;
      }
      case Command.GALLERY_REMOVE:
        this.#applyGallery({ kind: 'remove', version: message.version, personId: message.personId });
        return;
      case Command.SETTINGS: {
        const settings = omitCommand(message);
        this.#context.events.emit('settingsChanged', settings);
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

  #onAck(ids: string[]): void {
    this.#events.acked(ids);
    this.#context.outbox.ack(ids).then(
      () => {
        this.pumpEvents();
      },
      (error: unknown) => {
        this.#context.events.emit('failed', asRollcallError(error, 'cannot record an acknowledgement'));
      },
    );
  }

  /**
   * Whether a gallery message's descriptors are of the node's model. Another model's would never
   * match a face this engine describes (and differ in length): refused, with an ERROR the web node
   * can act on, without closing the connection, which is otherwise sound.
   */
  #acceptsModel(kind: GalleryChange['kind'], model: DescriptorModel): boolean {
    const own = this.#context.gallery.model;
    if (model === own) return true;
    const error = new RollcallError(
      ErrorCode.DescriptorModelMismatch,
      `gallery ${kind} of ${model} descriptors refused: this node's engine makes ${own} descriptors`,
    );
    this.#context.events.emit('galleryRefused', { ...this.info, kind, error });
    this.#send(errorMessage(error));
    return false;
  }

  #applyGallery(update: GalleryUpdate): void {
    this.#context.applyGallery(update).then(
      (change) => {
        if (change !== undefined) this.#context.events.emit('galleryChanged', change);
        // The STATUS carrying the new galleryVersion is the acknowledgement.
        this.sendStatus();
      },
      (error: unknown) => {
        const failure = asRollcallError(error, `cannot apply the gallery ${update.kind}`);
        // Not the peer's fault when the disk failed; still tell it, so it can resend a snapshot.
        this.#context.events.emit('failed', failure);
        if (!this.#closed) this.#send(errorMessage(failure));
      },
    );
  }

  #onEmbed(requestId: string, photos: EmbedPhoto[]): void {
    const { embed } = this.#context;
    const failAll = (error: RollcallError): void => {
      const wire = errorMessage(error);
      this.#send({
        command: Command.EMBED_REPLY,
        requestId,
        model: this.#context.gallery.model,
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
    if (this.#embedsRunning >= this.#context.options.maxEmbedsPerConnection) {
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
    this.#context.events.emit('protocolError', { ...this.info, error });
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
    this.#cancelDestroy = this.#context.clock.schedule(1000, () => {
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
    this.#events.clear();
    this.#context.closed(this);
    this.#context.events.emit('disconnected', { ...this.info, reason });
  }
}
