/**
 * The web node's side of one recognition node: a {@link BridgeClient} keeps it connected,
 * reconnecting with backoff and jitter, calling the node dead after missed heartbeats, and
 * acknowledging events only once the web side has stored them.
 */
import { EventEmitter } from 'node:events';
import {
  CLOCK_SKEW_SAMPLES,
  clockSkewSample,
  ErrorCode,
  estimateClockSkew,
  RollcallError,
  type DescriptorModel,
  type FrameMetadata,
  type RecognitionEvent,
} from '../../core/index.js';
import { backoffDelayMs, steadyNow, type Cancel } from '../../shared/index.js';
import {
  ClientHandshake,
  Command,
  commandName,
  errorFromMessage,
  omitCommand,
  ProtocolError,
  snapshotParts,
  type BridgeMessage,
  type BridgeSettings,
  type EmbedPhoto,
  type EmbedReply,
  type GalleryPerson,
  type NodeStatus,
} from '../protocol/index.js';
import {
  resolveClientOptions,
  type BridgeClientOptions,
  type ResolvedClientOptions,
} from './client-options.js';
import { ClientSession } from './client-session.js';
import { NodeRequests } from './node-requests.js';

export interface BridgeClientState {
  connected: boolean;
  /** The node's proven id, once it has been connected. */
  nodeId: string | undefined;
  /** When the last STATUS arrived (ms since the epoch); undefined before the first. */
  lastHeartbeatAt: number | undefined;
  status: NodeStatus | undefined;
  /**
   * How far the node's clock is ahead of this web node's (negative: behind), in ms, measured from
   * its heartbeats on this connection; undefined before the first, or when the node does not say
   * its time (older nodes).
   */
  clockSkewMs?: number | undefined;
}

export interface BridgeClientEvents {
  /** Handshake done; the node's id. */
  connected: [{ nodeId: string }];
  /** The connection ended (or an attempt failed), and why; reconnecting follows unless closed. */
  disconnected: [{ nodeId: string | undefined; reason: string; error?: RollcallError }];
  /** A reconnect is scheduled. */
  reconnecting: [{ attempt: number; delayMs: number }];
  status: [NodeStatus];
  /**
   * A recognition event, once per event id. A listener may return a promise: the event is
   * acknowledged to the node only after every listener resolved, so store it first. If a listener
   * throws or rejects, the event is not acknowledged and the node sends it again later.
   */
  event: [RecognitionEvent];
  /** An event listener failed; the event was not acknowledged. */
  eventFailed: [{ event: RecognitionEvent; error: unknown }];
  frame: [FrameMetadata, Uint8Array];
  /**
   * Just connected: the node holds this gallery version, of its engine's descriptor model; send a
   * snapshot of that model's gallery if yours differs.
   */
  galleryNeeded: [{ nodeId: string; galleryVersion: number; descriptorModel: DescriptorModel }];
  /** The node reported an error that did not end the connection (e.g. a failed gallery write). */
  nodeError: [RollcallError];
}

/** Most event ids in one ACK (the protocol's limit). */
const ACK_BATCH = 1000;

/**
 * Keeps one recognition node connected: connects, reconnects after any failure with exponential
 * backoff and jitter, and turns the node's messages into typed events.
 */
export class BridgeClient extends EventEmitter<BridgeClientEvents> {
  readonly #options: ResolvedClientOptions;
  #session: ClientSession | undefined;
  #nodeId: string | undefined;
  #lastHeartbeatAt: number | undefined;
  /** The same moment on the steady clock: silence is measured on it, never across a wall-clock step. */
  #lastHeardSteady = 0;
  #status: NodeStatus | undefined;
  /** Clock skew samples of the current connection, newest last (see core `estimateClockSkew`). */
  #skewSamples: number[] = [];
  #started = false;
  #closing = false;
  #closed: Promise<void> | undefined;
  #attempt = 0;
  #cancelRetry: Cancel | undefined;
  #cancelHeartbeat: Cancel | undefined;
  /** Event ids already handed to the listeners successfully, oldest first (a Set keeps insertion order). */
  readonly #seen = new Set<string>();
  /** Events are handled one at a time, in arrival order. */
  #eventChain: Promise<void> = Promise.resolve();
  #ackIds: string[] = [];
  #ackScheduled = false;
  readonly #requests: NodeRequests;
  #loop: Promise<void> | undefined;

  /** @throws RollcallError `USAGE_INVALID` naming every bad option. */
  constructor(options: BridgeClientOptions) {
    super();
    this.#options = resolveClientOptions(options);
    new ClientHandshake({ secret: this.#options.secret, clientId: this.#options.clientId });
    this.#requests = new NodeRequests(this.#options.clock, this.address);
  }

  /** `host:port` of the node. */
  get address(): string {
    return `${this.#options.host}:${this.#options.port}`;
  }

  get state(): BridgeClientState {
    return {
      connected: this.#session?.open ?? false,
      nodeId: this.#nodeId,
      lastHeartbeatAt: this.#lastHeartbeatAt,
      status: this.#status,
      clockSkewMs: estimateClockSkew(this.#skewSamples),
    };
  }

  /**
   * Adds an `event` listener that may be async: the event is acknowledged to the node only after
   * the returned promise resolves (store it first), and not at all when it rejects. The same as
   * `on('event', …)`, typed so an async handler is not a misused promise.
   */
  onEvent(handler: (event: RecognitionEvent) => Promise<void> | void): this {
    // The promise is not dropped: #handleEvent awaits what each listener returns.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    return this.on('event', handler);
  }

  /** Starts connecting (in the background; watch `connected`). Idempotent. */
  start(): void {
    if (this.#started || this.#closing) return;
    this.#started = true;
    this.#loop = this.#connectLoop();
  }

  /**
   * Stops reconnecting, closes the connection and fails pending requests with
   * `BRIDGE_NOT_CONNECTED`. Idempotent; never rejects.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true;
      this.#cancelRetry?.();
      this.#retryWake?.();
      const session = this.#session;
      session?.close('web node shutting down');
      this.#stopHeartbeat();
      this.#requests.failAll('the bridge client was closed');
      const deadline = new Promise<void>((resolve) => this.#options.clock.schedule(2000, resolve));
      await Promise.race([Promise.all([session?.whenClosed(), this.#loop]), deadline]);
      session?.destroy('web node shut down');
    })();
    return this.#closed;
  }

  // --- Requests -----------------------------------------------------------------------------------

  /**
   * Sends the full gallery. Resolves when the node reports (in STATUS) a gallery version at least
   * `version`, i.e. it has applied and stored it.
   *
   * @throws RollcallError `BRIDGE_NOT_CONNECTED`, `BRIDGE_TIMEOUT`; ProtocolError `FRAME_TOO_LARGE`.
   */
  sendGallerySnapshot(
    version: number,
    model: DescriptorModel,
    people: GalleryPerson[],
    timeoutMs = 10_000,
  ): Promise<void> {
    const parts = snapshotParts(people, model);
    if (parts.length <= 1) {
      return this.#galleryRequest(
        { command: Command.GALLERY_SNAPSHOT, version, model, people },
        version,
        timeoutMs,
      );
    }
    // Too big for one frame: every part goes out now, and the node confirms (STATUS) after the last.
    const messages: BridgeMessage[] = parts.map((chunk, index) => ({
      command: Command.GALLERY_SNAPSHOT,
      version,
      model,
      people: chunk,
      part: { index, last: index === parts.length - 1 },
    }));
    return this.#galleryRequest(messages, version, timeoutMs + parts.length * 1000);
  }

  /** One person enrolled or changed; resolves as {@link BridgeClient.sendGallerySnapshot}. */
  sendGalleryUpsert(
    version: number,
    model: DescriptorModel,
    personId: string,
    descriptors: Float32Array[],
    timeoutMs = 10_000,
  ): Promise<void> {
    return this.#galleryRequest(
      { command: Command.GALLERY_UPSERT, version, model, personId, descriptors },
      version,
      timeoutMs,
    );
  }

  /** One person erased; resolves as {@link BridgeClient.sendGallerySnapshot}. */
  sendGalleryRemove(version: number, personId: string, timeoutMs = 10_000): Promise<void> {
    return this.#galleryRequest({ command: Command.GALLERY_REMOVE, version, personId }, version, timeoutMs);
  }

  /**
   * Pushes settings to the node. Returns false when not connected (send again on `connected`).
   *
   * @throws ProtocolError `BAD_MESSAGE` for invalid settings.
   */
  sendSettings(settings: BridgeSettings): boolean {
    return this.#session?.send({ command: Command.SETTINGS, ...settings }) ?? false;
  }

  /**
   * Asks the node for the faces in `photos`, with descriptors (of the node's model, named in the
   * reply) and quality; one result per photo.
   *
   * @throws RollcallError `BRIDGE_NOT_CONNECTED` (now, or the connection dropped: retry),
   *   `BRIDGE_TIMEOUT`; ProtocolError `BAD_MESSAGE` / `FRAME_TOO_LARGE` for an unsendable request.
   */
  embed(photos: EmbedPhoto[], timeoutMs = 30_000): Promise<EmbedReply> {
    const session = this.#session;
    if (session === undefined || !session.open) return Promise.reject(this.#requests.notConnected());
    return this.#requests.embed(session, photos, timeoutMs);
  }

  #galleryRequest(
    message: BridgeMessage | BridgeMessage[],
    version: number,
    timeoutMs: number,
  ): Promise<void> {
    const session = this.#session;
    if (session === undefined || !session.open) return Promise.reject(this.#requests.notConnected());
    return this.#requests.gallery(session, Array.isArray(message) ? message : [message], version, timeoutMs);
  }

  // --- Connection lifecycle -----------------------------------------------------------------------

  #retryWake: (() => void) | undefined;

  async #connectLoop(): Promise<void> {
    while (!this.#closing) {
      let session: ClientSession;
      try {
        session = await ClientSession.open(this.#options);
      } catch (error) {
        const e =
          error instanceof RollcallError
            ? error
            : new RollcallError(ErrorCode.BridgeConnectionLost, String(error));
        this.emit('disconnected', { nodeId: this.#nodeId, reason: e.message, error: e });
        await this.#backoff();
        continue;
      }
      if (this.#isClosing()) {
        session.close('web node shutting down');
        return;
      }
      const ended = new Promise<void>((resolve) => {
        this.#attach(session, resolve);
      });
      await ended;
      if (this.#isClosing()) return;
      await this.#backoff();
    }
  }

  /** A method, not a field read: `close()` flips it while the loop awaits, which narrowing ignores. */
  #isClosing(): boolean {
    return this.#closing;
  }

  async #backoff(): Promise<void> {
    if (this.#closing) return;
    this.#attempt++;
    const delayMs = backoffDelayMs(this.#attempt, this.#options, this.#options.random);
    this.emit('reconnecting', { attempt: this.#attempt, delayMs });
    await new Promise<void>((resolve) => {
      this.#retryWake = resolve;
      this.#cancelRetry = this.#options.clock.schedule(delayMs, resolve);
    });
    this.#retryWake = undefined;
    this.#cancelRetry = undefined;
  }

  #attach(session: ClientSession, ended: () => void): void {
    this.#session = session;
    this.#nodeId = session.nodeId;
    // A node restarted (or its clock set right) since the last connection is measured afresh.
    this.#skewSamples = [];
    this.#attempt = 0;
    this.#lastHeartbeatAt = this.#options.clock.now();
    this.#lastHeardSteady = steadyNow(this.#options.clock);
    let first = true;
    session.attach({
      message: (message) => {
        if (message.command === Command.STATUS && first) {
          first = false;
          this.#onMessage(message, session);
          this.emit('galleryNeeded', {
            nodeId: session.nodeId,
            galleryVersion: message.galleryVersion,
            descriptorModel: message.descriptorModel,
          });
          return;
        }
        this.#onMessage(message, session);
      },
      closed: (reason, error) => {
        if (this.#session === session) this.#session = undefined;
        this.#stopHeartbeat();
        this.#requests.failAll(`connection lost (${reason})`);
        this.emit('disconnected', {
          nodeId: session.nodeId,
          reason,
          ...(error === undefined ? {} : { error }),
        });
        ended();
      },
    });
    if (!session.open) return;
    this.emit('connected', { nodeId: session.nodeId });
    this.#scheduleHeartbeat(session);
  }

  #scheduleHeartbeat(session: ClientSession): void {
    const { clock, heartbeatMs, deadPeerMs } = this.#options;
    this.#cancelHeartbeat = clock.schedule(heartbeatMs, () => {
      if (!session.open) return;
      const silentMs = steadyNow(clock) - this.#lastHeardSteady;
      if (silentMs > deadPeerMs) {
        session.destroy(
          `no heartbeat from the node for ${silentMs} ms`,
          new RollcallError(ErrorCode.BridgeTimeout, `no STATUS from ${this.address} for ${silentMs} ms`),
        );
        return;
      }
      session.send({ command: Command.PING, t: clock.now() });
      this.#scheduleHeartbeat(session);
    });
  }

  #stopHeartbeat(): void {
    this.#cancelHeartbeat?.();
    this.#cancelHeartbeat = undefined;
  }

  #onMessage(message: BridgeMessage, session: ClientSession): void {
    switch (message.command) {
      case Command.STATUS: {
        const status = omitCommand(message);
        this.#lastHeartbeatAt = this.#options.clock.now();
        this.#lastHeardSteady = steadyNow(this.#options.clock);
        this.#status = status;
        if (status.clockMs !== undefined) {
          this.#skewSamples.push(clockSkewSample(status.clockMs, this.#lastHeartbeatAt));
          if (this.#skewSamples.length > CLOCK_SKEW_SAMPLES) this.#skewSamples.shift();
        }
        this.#requests.statusArrived(status.galleryVersion);
        this.emit('status', status);
        return;
      }
      case Command.EVENT: {
        const { event } = message;
        this.#eventChain = this.#eventChain.then(() => this.#handleEvent(event));
        return;
      }
      case Command.FRAME:
        this.emit('frame', message.metadata, message.jpeg);
        return;
      case Command.EMBED_REPLY:
        this.#requests.embedReplied(message.requestId, { model: message.model, results: message.results });
        return;
      case Command.PING:
        session.send({ command: Command.PONG, t: message.t });
        return;
      case Command.PONG:
        return;
      case Command.ERROR: {
        // Errors about one request; a fatal one is followed by the node closing the connection.
        const error = errorFromMessage(message);
        if (error.code === ErrorCode.DescriptorModelMismatch) this.#requests.galleryRefused(error);
        this.emit('nodeError', error);
        return;
      }
      case Command.HELLO:
      case Command.CHALLENGE:
      case Command.AUTH:
      case Command.READY:
      case Command.ACK:
      case Command.GALLERY_SNAPSHOT:
      case Command.GALLERY_UPSERT:
      case Command.GALLERY_REMOVE:
      case Command.SETTINGS:
      case Command.EMBED_REQUEST: {
        const error = new ProtocolError(
          ErrorCode.UnexpectedMessage,
          `${commandName(message.command)} is not something a node sends to a web node`,
        );
        session.close(error.message, error);
        return;
      }
    }
  }

  async #handleEvent(event: RecognitionEvent): Promise<void> {
    if (this.#seen.has(event.id)) {
      // Delivered before, but our ACK was lost with the connection: acknowledge, do not re-emit.
      this.#queueAck(event.id);
      return;
    }
    const listeners = this.listeners('event') as ((event: RecognitionEvent) => unknown)[];
    if (listeners.length === 0) return; // nobody to store it: leave it in the node's outbox
    try {
      for (const listener of listeners) await listener.call(this, event);
    } catch (error) {
      this.emit('eventFailed', { event, error });
      return;
    }
    this.#seen.add(event.id);
    if (this.#seen.size > this.#options.dedupIds) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.#queueAck(event.id);
  }

  /** ACKs are gathered for one tick, so a burst of events costs one ACK frame, not one each. */
  #queueAck(id: string): void {
    this.#ackIds.push(id);
    if (this.#ackIds.length >= ACK_BATCH) {
      this.#flushAcks();
      return;
    }
    if (this.#ackScheduled) return;
    this.#ackScheduled = true;
    setImmediate(() => {
      this.#ackScheduled = false;
      this.#flushAcks();
    });
  }

  #flushAcks(): void {
    const ids = this.#ackIds.splice(0, ACK_BATCH);
    if (ids.length === 0) return;
    // Lost when not connected: the node resends those events and the dedup set ACKs them then.
    this.#session?.send({ command: Command.ACK, eventIds: ids });
    if (this.#ackIds.length > 0) this.#flushAcks();
  }
}
