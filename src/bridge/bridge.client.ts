/**
 * The web node's side of the bridge: one {@link BridgeClient} per recognition node, reconnecting
 * with backoff and jitter, calling a node dead after missed heartbeats, and acknowledging events
 * only once the web side has stored them. {@link BridgeClients} runs one per configured address;
 * {@link probeNode} makes a single connection for `rollcall probe`.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { backoffDelayMs, OptionChecks, systemClock, type Cancel, type Clock } from '../shared/index.js';
import {
  ErrorCode,
  RollcallError,
  type DescriptorModel,
  type FrameMetadata,
  type RecognitionEvent,
} from '../core/index.js';
import {
  ClientHandshake,
  Command,
  commandName,
  encodeMessage,
  errorFromMessage,
  FrameDecoder,
  MESSAGE_LIMITS,
  parseMessage,
  wireDescriptorBytes,
  ProtocolError,
  type BridgeMessage,
  type EmbedPhoto,
  type EmbedReply,
  type GalleryPerson,
  type StatusMessage,
} from './protocol/index.js';
import { omitCommand, type BridgeSettings } from './bridge.server.js';

/** What a node reports in STATUS. */
export type NodeStatus = Omit<StatusMessage, 'command'>;

export interface BridgeClientTlsOptions {
  /** PEM file of the CA (or the node's self-signed certificate) to trust. @defaultValue the system CAs */
  caFile?: string;
  /** Check the node's certificate. Only turn off for testing. @defaultValue true */
  rejectUnauthorized?: boolean;
  /** Name to check the certificate against. @defaultValue the host */
  servername?: string;
}

/** Where to connect and how to prove who we are. */
export interface BridgeConnectOptions {
  host: string;
  port: number;
  /** The shared `BRIDGE_SECRET`. */
  secret: string;
  /** How this web node names itself to the node (e.g. its host name). */
  clientId: string;
  /** TCP connect plus handshake must finish within this. @defaultValue 5000 */
  connectTimeoutMs?: number;
  /** Connect with TLS. @defaultValue undefined (plain TCP) */
  tls?: BridgeClientTlsOptions;
  /** @defaultValue the system clock */
  clock?: Clock;
}

export interface BridgeClientOptions extends BridgeConnectOptions {
  /** The node's heartbeat period; PINGs are sent at the same rate. @defaultValue 2000 */
  heartbeatMs?: number;
  /** No STATUS for this long and the node is called dead (reconnect). @defaultValue 3 × heartbeatMs */
  deadPeerMs?: number;
  /** First reconnect delay. @defaultValue 500 */
  initialBackoffMs?: number;
  /** Longest reconnect delay. @defaultValue 30000 */
  maxBackoffMs?: number;
  /** Each delay is stretched by up to this fraction, at random, so web nodes do not reconnect in step. @defaultValue 0.2 */
  jitterRatio?: number;
  /** Event ids remembered to drop replays. @defaultValue 10000 */
  dedupIds?: number;
  /** Source of jitter. @defaultValue Math.random */
  random?: () => number;
}

export interface BridgeClientState {
  connected: boolean;
  /** The node's proven id, once it has been connected. */
  nodeId: string | undefined;
  /** When the last STATUS arrived (ms since the epoch); undefined before the first. */
  lastHeartbeatAt: number | undefined;
  status: NodeStatus | undefined;
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

/** A failed connection attempt, with the node's protocol version when that was the reason. */
export class BridgeConnectError extends RollcallError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly peerProtocol?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'BridgeConnectError';
  }
}

// -------------------------------------------------------------------------------------------------
// One connection.

interface SessionHandlers {
  message: (message: BridgeMessage) => void;
  closed: (reason: string, error: RollcallError | undefined) => void;
}

function networkError(error: unknown, where: string): BridgeConnectError {
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
  if (code === 'ECONNREFUSED') {
    return new BridgeConnectError(ErrorCode.BridgeRefused, `${where}: connection refused`, undefined, {
      cause: error,
    });
  }
  if (code === 'ETIMEDOUT') {
    return new BridgeConnectError(ErrorCode.BridgeTimeout, `${where}: timed out`, undefined, {
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : code;
  return new BridgeConnectError(ErrorCode.BridgeConnectionLost, `${where}: ${detail}`, undefined, {
    cause: error,
  });
}

/** An authenticated connection to a node. Messages arriving before `attach` are held, in order. */
class ClientSession {
  readonly nodeId: string;
  readonly #socket: net.Socket;
  readonly #decoder: FrameDecoder;
  readonly #clock: Clock;
  #handlers: SessionHandlers | undefined;
  readonly #early: BridgeMessage[] = [];
  #closed = false;
  #closeReason: { reason: string; error: RollcallError | undefined } | undefined;
  #cancelDestroy: Cancel | undefined;

  private constructor(socket: net.Socket, decoder: FrameDecoder, nodeId: string, clock: Clock) {
    this.#socket = socket;
    this.#decoder = decoder;
    this.nodeId = nodeId;
    this.#clock = clock;
  }

  /**
   * Connects and runs the handshake.
   *
   * @throws BridgeConnectError `BRIDGE_REFUSED`, `BRIDGE_TIMEOUT`, `BRIDGE_CONNECTION_LOST`,
   *   `AUTH_FAILED`, `VERSION_MISMATCH` (with `peerProtocol`), or another protocol code.
   */
  static async open(options: BridgeConnectOptions): Promise<ClientSession> {
    const { host, port, secret, clientId } = options;
    const clock = options.clock ?? systemClock;
    const timeoutMs = options.connectTimeoutMs ?? 5000;
    const where = `node ${host}:${port}`;
    const handshake = new ClientHandshake({ secret, clientId });
    const decoder = new FrameDecoder();
    let socket: net.Socket;
    if (options.tls === undefined) {
      socket = net.connect({ host, port });
    } else {
      const ca = options.tls.caFile === undefined ? undefined : await readFile(options.tls.caFile);
      socket = tls.connect({
        host,
        port,
        ...(ca === undefined ? {} : { ca }),
        rejectUnauthorized: options.tls.rejectUnauthorized ?? true,
        servername: options.tls.servername ?? (net.isIP(host) === 0 ? host : undefined),
      });
    }
    socket.setNoDelay(true);
    const early: BridgeMessage[] = [];
    /** The first bytes from the node, to name its protocol version if the framing says mismatch. */
    let firstBytes = Buffer.alloc(0);
    let nodeId = '';

    return new Promise<ClientSession>((resolve, reject) => {
      let settled = false;
      const fail = (error: BridgeConnectError): void => {
        if (settled) return;
        settled = true;
        cancelTimer();
        socket.destroy();
        reject(error);
      };
      const cancelTimer = clock.schedule(timeoutMs, () => {
        fail(new BridgeConnectError(ErrorCode.BridgeTimeout, `${where}: no answer within ${timeoutMs} ms`));
      });
      const send = (message: BridgeMessage): void => {
        socket.write(encodeMessage(message));
      };
      const onData = (chunk: Buffer): void => {
        if (settled) return;
        if (firstBytes.length < 3) firstBytes = Buffer.concat([firstBytes, chunk.subarray(0, 3)]);
        let messages: BridgeMessage[];
        try {
          messages = decoder.push(chunk).map(parseMessage);
        } catch (error) {
          const e =
            error instanceof RollcallError ? error : new ProtocolError(ErrorCode.BadJson, String(error));
          const peer = e.code === ErrorCode.VersionMismatch ? firstBytes[2] : undefined;
          fail(new BridgeConnectError(e.code, `${where}: ${e.message}`, peer));
          return;
        }
        for (const message of messages) {
          if (handshake.state === 'done') {
            early.push(message);
            continue;
          }
          const step = handshake.receive(message);
          if (step.send !== undefined) send(step.send);
          if (step.error !== undefined) {
            const peer =
              step.error.code === ErrorCode.VersionMismatch && message.command === Command.CHALLENGE
                ? message.protocol
                : undefined;
            fail(new BridgeConnectError(step.error.code, `${where}: ${step.error.message}`, peer));
            return;
          }
          if (step.done !== undefined) nodeId = step.done.peerId;
        }
        if (handshake.state === 'done') {
          settled = true;
          cancelTimer();
          socket.off('data', onData);
          const session = new ClientSession(socket, decoder, nodeId, clock);
          session.#early.push(...early);
          session.#listen();
          resolve(session);
        }
      };
      socket.on('data', onData);
      socket.once('error', (error) => {
        fail(networkError(error, where));
      });
      socket.once('close', () => {
        fail(
          new BridgeConnectError(
            ErrorCode.BridgeConnectionLost,
            `${where}: the node closed the connection during the handshake`,
          ),
        );
      });
      socket.once(options.tls === undefined ? 'connect' : 'secureConnect', () => {
        if (!settled) send(handshake.start());
      });
    });
  }

  #listen(): void {
    const socket = this.#socket;
    socket.removeAllListeners('error');
    socket.removeAllListeners('close');
    socket.on('error', (error) => {
      this.#closeReason ??= {
        reason: networkError(error, 'connection').message,
        error: networkError(error, 'connection'),
      };
    });
    socket.on('close', () => {
      this.#finish(this.#closeReason?.reason ?? 'the node closed the connection', this.#closeReason?.error);
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.#closed) return;
      let messages: BridgeMessage[];
      try {
        messages = this.#decoder.push(chunk).map(parseMessage);
      } catch (error) {
        const e =
          error instanceof RollcallError ? error : new ProtocolError(ErrorCode.BadJson, String(error));
        this.close(`protocol error: ${e.message}`, e);
        return;
      }
      for (const message of messages) this.#deliver(message);
    });
  }

  attach(handlers: SessionHandlers): void {
    this.#handlers = handlers;
    for (const message of this.#early.splice(0)) handlers.message(message);
    if (this.#closed && this.#closeReason !== undefined) {
      handlers.closed(this.#closeReason.reason, this.#closeReason.error);
    }
  }

  #deliver(message: BridgeMessage): void {
    if (this.#handlers === undefined) this.#early.push(message);
    else this.#handlers.message(message);
  }

  get open(): boolean {
    return !this.#closed;
  }

  /** Writes a message; false when the connection is closed. */
  send(message: BridgeMessage): boolean {
    if (this.#closed) return false;
    this.#socket.write(encodeMessage(message));
    return true;
  }

  /** Ends the connection, with an ERROR to the node first when `tellPeer` is given. */
  close(reason: string, tellPeer?: RollcallError): void {
    if (this.#closed) return;
    if (tellPeer !== undefined) {
      try {
        this.#socket.write(
          encodeMessage({
            command: Command.ERROR,
            code: tellPeer.code,
            message: tellPeer.message.slice(0, 1000),
          }),
        );
      } catch {
        // Best effort.
      }
    }
    this.#closeReason ??= { reason, error: tellPeer };
    this.#socket.end();
    this.#cancelDestroy = this.#clock.schedule(1000, () => {
      this.#socket.destroy();
    });
    this.#finish(reason, tellPeer);
  }

  /** Drops the connection at once (a dead peer gets no goodbye). */
  destroy(reason: string, error?: RollcallError): void {
    this.#closeReason ??= { reason, error };
    this.#socket.destroy();
    this.#finish(reason, error);
  }

  /** Resolves once the socket is fully closed. */
  whenClosed(): Promise<void> {
    if (this.#socket.closed) return Promise.resolve();
    return new Promise((resolve) =>
      this.#socket.once('close', () => {
        resolve();
      }),
    );
  }

  #finish(reason: string, error: RollcallError | undefined): void {
    if (this.#socket.destroyed) this.#cancelDestroy?.();
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason ??= { reason, error };
    this.#handlers?.closed(reason, error);
  }
}

// -------------------------------------------------------------------------------------------------
// The reconnecting client.

type ResolvedClientOptions = Required<Omit<BridgeClientOptions, 'tls'>> & { tls?: BridgeClientTlsOptions };

function resolveClientOptions(options: BridgeClientOptions): ResolvedClientOptions {
  const heartbeatMs = options.heartbeatMs ?? 2000;
  const resolved: ResolvedClientOptions = {
    ...options,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    clock: options.clock ?? systemClock,
    heartbeatMs,
    deadPeerMs: options.deadPeerMs ?? 3 * heartbeatMs,
    initialBackoffMs: options.initialBackoffMs ?? 500,
    maxBackoffMs: options.maxBackoffMs ?? 30_000,
    jitterRatio: options.jitterRatio ?? 0.2,
    dedupIds: options.dedupIds ?? 10_000,
    random: options.random ?? Math.random,
  };
  new OptionChecks('BridgeClient')
    .require(
      typeof resolved.host === 'string' && resolved.host.length > 0,
      'host',
      'must be a non-empty string',
      resolved.host,
    )
    .require(
      Number.isInteger(resolved.port) && resolved.port >= 1 && resolved.port <= 65535,
      'port',
      'must be an integer from 1 to 65535',
      resolved.port,
    )
    .requireHidden(
      typeof resolved.secret === 'string' && resolved.secret.length > 0,
      'secret',
      'must be non-empty',
    )
    .integers(resolved, [
      'connectTimeoutMs',
      'heartbeatMs',
      'deadPeerMs',
      'initialBackoffMs',
      'maxBackoffMs',
      'dedupIds',
    ])
    .require(
      resolved.jitterRatio >= 0 && resolved.jitterRatio <= 1,
      'jitterRatio',
      'must be from 0 to 1',
      resolved.jitterRatio,
    )
    .throwIfAny();
  return resolved;
}

interface PendingEmbed {
  resolve: (reply: EmbedReply) => void;
  reject: (error: RollcallError) => void;
  cancel: Cancel;
}

interface GalleryWaiter {
  version: number;
  resolve: () => void;
  reject: (error: RollcallError) => void;
  cancel: Cancel;
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
  #status: NodeStatus | undefined;
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
  readonly #embeds = new Map<string, PendingEmbed>();
  #galleryWaiters: GalleryWaiter[] = [];
  #loop: Promise<void> | undefined;

  /** @throws RollcallError `USAGE_INVALID` naming every bad option. */
  constructor(options: BridgeClientOptions) {
    super();
    this.#options = resolveClientOptions(options);
    new ClientHandshake({ secret: this.#options.secret, clientId: this.#options.clientId });
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
      this.#failRequests('the bridge client was closed');
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
    if (session === undefined || !session.open) return Promise.reject(this.#notConnected());
    const requestId = randomUUID();
    return new Promise<EmbedReply>((resolve, reject) => {
      const cancel = this.#options.clock.schedule(timeoutMs, () => {
        this.#embeds.delete(requestId);
        reject(
          new RollcallError(
            ErrorCode.BridgeTimeout,
            `${this.address}: no embed reply within ${timeoutMs} ms`,
          ),
        );
      });
      this.#embeds.set(requestId, { resolve, reject, cancel });
      try {
        session.send({ command: Command.EMBED_REQUEST, requestId, photos });
      } catch (error) {
        cancel();
        this.#embeds.delete(requestId);
        reject(error instanceof RollcallError ? error : this.#notConnected());
      }
    });
  }

  #galleryRequest(
    message: BridgeMessage | BridgeMessage[],
    version: number,
    timeoutMs: number,
  ): Promise<void> {
    const session = this.#session;
    if (session === undefined || !session.open) return Promise.reject(this.#notConnected());
    return new Promise<void>((resolve, reject) => {
      const waiter: GalleryWaiter = {
        version,
        resolve,
        reject,
        cancel: this.#options.clock.schedule(timeoutMs, () => {
          this.#galleryWaiters = this.#galleryWaiters.filter((w) => w !== waiter);
          reject(
            new RollcallError(
              ErrorCode.BridgeTimeout,
              `${this.address}: the node did not confirm gallery version ${version} within ${timeoutMs} ms`,
            ),
          );
        }),
      };
      try {
        for (const one of Array.isArray(message) ? message : [message]) session.send(one);
      } catch (error) {
        waiter.cancel();
        reject(error instanceof RollcallError ? error : this.#notConnected());
        return;
      }
      this.#galleryWaiters.push(waiter);
    });
  }

  #notConnected(): RollcallError {
    return new RollcallError(
      ErrorCode.BridgeNotConnected,
      `node ${this.address} is not connected; retry later`,
    );
  }

  #failRequests(reason: string): void {
    const error = new RollcallError(ErrorCode.BridgeNotConnected, `node ${this.address}: ${reason}`);
    for (const [id, pending] of this.#embeds) {
      pending.cancel();
      pending.reject(error);
      this.#embeds.delete(id);
    }
    for (const waiter of this.#galleryWaiters.splice(0)) {
      waiter.cancel();
      waiter.reject(error);
    }
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
    this.#attempt = 0;
    this.#lastHeartbeatAt = this.#options.clock.now();
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
        this.#failRequests(`connection lost (${reason})`);
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
      const silentMs = clock.now() - (this.#lastHeartbeatAt ?? 0);
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
        this.#status = status;
        this.#galleryWaiters = this.#galleryWaiters.filter((waiter) => {
          if (status.galleryVersion < waiter.version) return true;
          waiter.cancel();
          waiter.resolve();
          return false;
        });
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
      case Command.EMBED_REPLY: {
        const pending = this.#embeds.get(message.requestId);
        if (pending === undefined) return; // timed out already
        this.#embeds.delete(message.requestId);
        pending.cancel();
        pending.resolve({ model: message.model, results: message.results });
        return;
      }
      case Command.PING:
        session.send({ command: Command.PONG, t: message.t });
        return;
      case Command.PONG:
        return;
      case Command.ERROR: {
        // Errors about one request; a fatal one is followed by the node closing the connection.
        const error = errorFromMessage(message);
        // The node refused a gallery of another model: nothing it will confirm, so fail the wait now.
        if (error.code === ErrorCode.DescriptorModelMismatch) {
          for (const waiter of this.#galleryWaiters.splice(0)) {
            waiter.cancel();
            waiter.reject(error);
          }
        }
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

// -------------------------------------------------------------------------------------------------
// Several nodes.

/** Which node something came from. */
export interface NodeRef {
  /** `host:port` as configured. */
  address: string;
  /** The node's proven id; undefined until it has been connected. */
  nodeId: string | undefined;
}

export interface BridgeClientsEvents {
  connected: [NodeRef];
  disconnected: [NodeRef & { reason: string }];
  status: [NodeRef, NodeStatus];
  /** As {@link BridgeClientEvents.event}: a returned promise delays the ACK until it resolves. */
  event: [RecognitionEvent, NodeRef];
  frame: [FrameMetadata, Uint8Array, NodeRef];
  galleryNeeded: [NodeRef & { galleryVersion: number; descriptorModel: DescriptorModel }];
}

export interface NodeState extends BridgeClientState {
  address: string;
}

/** One {@link BridgeClient} per recognition node, seen as one object by the rest of the web side. */
export class BridgeClients extends EventEmitter<BridgeClientsEvents> {
  readonly clients: readonly BridgeClient[];

  /** @throws RollcallError `USAGE_INVALID` for bad options or an empty address list. */
  constructor(
    addresses: readonly { host: string; port: number }[],
    options: Omit<BridgeClientOptions, 'host' | 'port'>,
  ) {
    super();
    if (addresses.length === 0) {
      throw new RollcallError(ErrorCode.UsageInvalid, 'BridgeClients needs at least one node address');
    }
    this.clients = addresses.map((address) => {
      const client = new BridgeClient({ ...options, ...address });
      const ref = (): NodeRef => ({ address: client.address, nodeId: client.state.nodeId });
      client.on('connected', () => this.emit('connected', ref()));
      client.on('disconnected', ({ reason }) => this.emit('disconnected', { ...ref(), reason }));
      client.on('status', (status) => this.emit('status', ref(), status));
      client.on('frame', (metadata, jpeg) => this.emit('frame', metadata, jpeg, ref()));
      client.on('galleryNeeded', ({ galleryVersion, descriptorModel }) =>
        this.emit('galleryNeeded', { ...ref(), galleryVersion, descriptorModel }),
      );
      // Returning the promise keeps the per-node ACK waiting for our own listeners.
      client.onEvent(async (event) => {
        const listeners = this.listeners('event') as ((event: RecognitionEvent, node: NodeRef) => unknown)[];
        if (listeners.length === 0) throw new RollcallError(ErrorCode.UsageInvalid, 'no event listener');
        for (const listener of listeners) await listener.call(this, event, ref());
      });
      return client;
    });
  }

  /** As {@link BridgeClient.onEvent}: the node's ACK waits for the returned promise. */
  onEvent(handler: (event: RecognitionEvent, node: NodeRef) => Promise<void> | void): this {
    // The promise is not dropped: the per-node listener awaits what each listener returns.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    return this.on('event', handler);
  }

  start(): void {
    for (const client of this.clients) client.start();
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
  }

  /** Every node's state, for `GET /nodes`. */
  nodes(): NodeState[] {
    return this.clients.map((client) => ({ address: client.address, ...client.state }));
  }

  /** The connected clients. */
  connected(): BridgeClient[] {
    return this.clients.filter((client) => client.state.connected);
  }

  /**
   * Asks the first connected node for embeddings; with `model`, the first connected node whose
   * engine makes that model (as its STATUS says).
   *
   * @throws RollcallError `BRIDGE_NOT_CONNECTED` when no (such) node is connected; as {@link BridgeClient.embed}.
   */
  embed(photos: EmbedPhoto[], timeoutMs?: number, model?: DescriptorModel): Promise<EmbedReply> {
    const client = this.connected().find(
      (c) => model === undefined || c.state.status?.descriptorModel === model,
    );
    if (client === undefined) {
      const which = model === undefined ? 'no recognition node' : `no recognition node of model ${model}`;
      return Promise.reject(new RollcallError(ErrorCode.BridgeNotConnected, `${which} is connected`));
    }
    return client.embed(photos, timeoutMs);
  }
}

// -------------------------------------------------------------------------------------------------
// One-shot probe.

/** What the node's first STATUS said. */
export interface ProbeResult extends NodeStatus {
  /** Connect, handshake and first STATUS, in milliseconds. */
  elapsedMs: number;
}

/**
 * Connects like a web node, authenticates, waits for the first STATUS and hangs up. Acknowledges
 * nothing, so the node's outbox is untouched.
 *
 * @throws BridgeConnectError as {@link BridgeClient} would fail to connect; `BRIDGE_TIMEOUT` when no
 *   STATUS arrives within the time left.
 */
export async function probeNode(options: BridgeConnectOptions): Promise<ProbeResult> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const startedAt = clock.now();
  const session = await ClientSession.open(options);
  const where = `node ${options.host}:${options.port}`;
  try {
    const status = await new Promise<NodeStatus>((resolve, reject) => {
      const cancel = clock.schedule(Math.max(1, timeoutMs - (clock.now() - startedAt)), () => {
        reject(new BridgeConnectError(ErrorCode.BridgeTimeout, `${where}: no STATUS after the handshake`));
      });
      session.attach({
        message: (message) => {
          if (message.command === Command.STATUS) {
            cancel();
            resolve(omitCommand(message));
          }
        },
        closed: (reason, error) => {
          cancel();
          reject(error ?? new BridgeConnectError(ErrorCode.BridgeConnectionLost, `${where}: ${reason}`));
        },
      });
    });
    return { ...status, elapsedMs: clock.now() - startedAt };
  } finally {
    session.close('probe done');
    await session.whenClosed();
  }
}

/**
 * A snapshot of `model` cut into parts that each fit a frame (at most `snapshotPartBytes` of
 * descriptors, so at most as many people as descriptors); one part when it fits already.
 */
export function snapshotParts(people: readonly GalleryPerson[], model: DescriptorModel): GalleryPerson[][] {
  const limit = Math.floor(MESSAGE_LIMITS.snapshotPartBytes / wireDescriptorBytes(model));
  const parts: GalleryPerson[][] = [[]];
  let inPart = 0;
  for (const person of people) {
    const n = person.descriptors.length;
    if (inPart > 0 && inPart + n > limit) {
      parts.push([]);
      inPart = 0;
    }
    parts.at(-1)?.push(person);
    inPart += n;
  }
  return parts;
}
