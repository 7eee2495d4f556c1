/**
 * One authenticated connection from a web node to a node: connect (TCP or TLS), run the handshake
 * under a deadline, then deliver messages to whoever attaches. It does not reconnect; the
 * {@link BridgeClient} that owns it does.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { ErrorCode, RollcallError } from '../../core/index.js';
import { systemClock, type Cancel, type Clock } from '../../shared/index.js';
import {
  ClientHandshake,
  Command,
  encodeMessage,
  FrameDecoder,
  parseMessage,
  ProtocolError,
  type BridgeMessage,
} from '../protocol/index.js';
import { BridgeConnectError } from './bridge-connect-error.js';
import type { BridgeConnectOptions } from './client-options.js';

export interface SessionHandlers {
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
export class ClientSession {
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
