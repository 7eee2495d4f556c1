/**
 * The bridge handshake: mutual HMAC-SHA256 challenge–response over fresh random nonces, as two pure
 * state machines. They never touch a socket: the transport feeds them parsed messages and sends what
 * they return, so every path (including the failures) is tested without I/O.
 *
 * ```
 * client                                       server (recognition node)
 *   HELLO { protocol, clientId, clientNonce }  →
 *                                             ←  CHALLENGE { protocol, nodeId, serverNonce, serverProof }
 *   (checks serverProof before proving anything itself)
 *   AUTH { clientProof }                       →
 *                                             ←  READY { nodeId }
 * ```
 *
 * Each proof covers both nonces, so a recorded proof is worthless in any other session, and the two
 * proofs use different labels, so one side's proof can never be reflected back as the other's.
 * The secret itself never crosses the wire.
 */
import { createHmac, randomBytes as cryptoRandomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode, RollcallError } from '../../core/index.js';
import { OptionChecks } from '../../shared/index.js';
import { commandName } from './command.js';
import { PROTOCOL_VERSION } from './frame-codec.js';
import {
  Command,
  errorFromMessage,
  errorMessage,
  MESSAGE_LIMITS,
  type AuthMessage,
  type BridgeMessage,
  type ChallengeMessage,
  type ErrorMessage,
  type HelloMessage,
} from './messages.js';
import { ProtocolError } from './protocol-error.js';

/** Bytes of randomness in each nonce (sent as 64 hex digits). */
export const NONCE_BYTES = 32;

export type Secret = string | Uint8Array;

function hmacHex(secret: Secret, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

/** What the node sends to prove it knows the secret. */
export function serverProof(
  secret: Secret,
  clientNonce: string,
  serverNonce: string,
  nodeId: string,
): string {
  return hmacHex(secret, `rollcall-server|${clientNonce}|${serverNonce}|${nodeId}`);
}

/** What the client sends to prove it knows the secret. */
export function clientProof(
  secret: Secret,
  serverNonce: string,
  clientNonce: string,
  clientId: string,
): string {
  return hmacHex(secret, `rollcall-client|${serverNonce}|${clientNonce}|${clientId}`);
}

/** Compares hex proofs in constant time, so timing reveals nothing about how much of a guess was right. */
function proofMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(given, 'hex');
  return a.length === b.length && given.length === expected.length && timingSafeEqual(a, b);
}

/** What a handshake step asks of the transport: send `send` (if any), then finish or fail. */
export interface HandshakeStep {
  /** The message to send next; on failure, an ERROR telling the peer why (send it, then close). */
  send?: BridgeMessage;
  /** The handshake succeeded; `peerId` is the proven peer (the node id, or the client id). */
  done?: { peerId: string };
  /** The handshake failed; close the connection (after sending `send`, when there is one). */
  error?: ProtocolError;
}

export type HandshakeState = 'idle' | 'waiting' | 'done' | 'failed';

/** What a transport drives, whichever side it is on. */
export interface BridgeHandshake {
  readonly state: HandshakeState;
  /** The opening message, if this side speaks first (the client does). */
  start(): BridgeMessage | undefined;
  receive(message: BridgeMessage): HandshakeStep;
}

interface HandshakeOptions {
  /** The shared secret (`BRIDGE_SECRET`); only HMACs of it cross the wire. */
  secret: Secret;
  /** Source of nonce bytes. @defaultValue `crypto.randomBytes` */
  randomBytes?: (size: number) => Uint8Array;
  /** The protocol version this side speaks. @defaultValue {@link PROTOCOL_VERSION} */
  protocolVersion?: number;
}

export interface ClientHandshakeOptions extends HandshakeOptions {
  /** How this client (web node) names itself to the node, e.g. its host name. */
  clientId: string;
}

export interface ServerHandshakeOptions extends HandshakeOptions {
  /** The recognition node's id, proven to the client and named in READY. */
  nodeId: string;
}

interface Resolved {
  secret: Secret;
  randomBytes: (size: number) => Uint8Array;
  protocolVersion: number;
  selfId: string;
}

function resolve(owner: string, idOption: string, id: unknown, options: HandshakeOptions): Resolved {
  const { secret, randomBytes = cryptoRandomBytes, protocolVersion = PROTOCOL_VERSION } = options;
  new OptionChecks(owner)
    // The value is a secret: say what it is, never what it holds.
    .requireHidden(
      (typeof secret === 'string' || secret instanceof Uint8Array) && secret.length > 0,
      'secret',
      'must be a non-empty string or bytes',
    )
    .require(
      typeof id === 'string' && id.length > 0 && id.length <= MESSAGE_LIMITS.idChars,
      idOption,
      `must be a string of 1 to ${MESSAGE_LIMITS.idChars} characters`,
      id,
    )
    .require(
      Number.isInteger(protocolVersion) && protocolVersion >= 1 && protocolVersion <= 255,
      'protocolVersion',
      'must be an integer from 1 to 255',
      protocolVersion,
    )
    .require(typeof randomBytes === 'function', 'randomBytes', 'must be a function', randomBytes)
    .throwIfAny();
  return { secret, randomBytes, protocolVersion, selfId: id as string };
}

function nonce(owner: string, randomBytes: (size: number) => Uint8Array): string {
  const bytes = randomBytes(NONCE_BYTES);
  if (!(bytes instanceof Uint8Array) || bytes.length !== NONCE_BYTES) {
    throw new RollcallError(
      ErrorCode.UsageInvalid,
      `${owner}: randomBytes(${NONCE_BYTES}) must return ${NONCE_BYTES} bytes`,
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

function unexpected(message: BridgeMessage, expected: string): ProtocolError {
  return new ProtocolError(
    ErrorCode.UnexpectedMessage,
    `expected ${expected} during the handshake, got ${commandName(message.command)}`,
  );
}

/** The peer gave up and said why: keep its code when it is a protocol code, so callers can branch. */
function peerRefused(message: ErrorMessage, who: string): ProtocolError {
  const error = errorFromMessage(message);
  const text = `${who} ended the handshake: ${message.message}`;
  return error instanceof ProtocolError
    ? new ProtocolError(error.code, text)
    : new ProtocolError(ErrorCode.RemoteError, `${text} (${message.code})`);
}

/** Shared bookkeeping: a failed handshake stays failed, reporting the same error. */
abstract class Handshake {
  protected failure: ProtocolError | undefined;
  protected finished = false;

  protected fail(error: ProtocolError, tellPeer: boolean): HandshakeStep {
    this.failure = error;
    return tellPeer ? { send: errorMessage(error), error } : { error };
  }

  /** Steps that do not depend on the side: already over, or the peer sent an ERROR. */
  protected settled(message: BridgeMessage, who: string): HandshakeStep | undefined {
    if (this.failure !== undefined) return { error: this.failure };
    if (this.finished) {
      return {
        error: new ProtocolError(
          ErrorCode.UnexpectedMessage,
          `${commandName(message.command)} given to a finished handshake; route it to the session`,
        ),
      };
    }
    if (message.command === Command.ERROR) return this.fail(peerRefused(message, who), false);
    return undefined;
  }
}

/**
 * The web node's side. It proves nothing until the node has proven itself, so a fake node learns
 * neither the secret nor a proof it could replay elsewhere.
 */
export class ClientHandshake extends Handshake implements BridgeHandshake {
  readonly #options: Resolved;
  #clientNonce: string | undefined;
  #nodeId: string | undefined;

  /** @throws RollcallError `USAGE_INVALID` naming a bad option. */
  constructor(options: ClientHandshakeOptions) {
    super();
    this.#options = resolve('ClientHandshake', 'clientId', options.clientId, options);
  }

  get state(): HandshakeState {
    if (this.failure !== undefined) return 'failed';
    if (this.finished) return 'done';
    return this.#clientNonce === undefined ? 'idle' : 'waiting';
  }

  /**
   * The HELLO that opens the handshake.
   *
   * @throws RollcallError `USAGE_INVALID` when called twice.
   */
  start(): HelloMessage {
    if (this.#clientNonce !== undefined) {
      throw new RollcallError(ErrorCode.UsageInvalid, 'ClientHandshake.start() may be called only once');
    }
    const { protocolVersion, selfId, randomBytes } = this.#options;
    this.#clientNonce = nonce('ClientHandshake', randomBytes);
    return {
      command: Command.HELLO,
      protocol: protocolVersion,
      clientId: selfId,
      clientNonce: this.#clientNonce,
    };
  }

  receive(message: BridgeMessage): HandshakeStep {
    const settled = this.settled(message, 'the node');
    if (settled !== undefined) return settled;
    if (this.#clientNonce === undefined)
      return this.fail(unexpected(message, 'nothing before start()'), true);
    if (this.#nodeId === undefined) {
      if (message.command !== Command.CHALLENGE) return this.fail(unexpected(message, 'CHALLENGE'), true);
      return this.#onChallenge(message, this.#clientNonce);
    }
    if (message.command !== Command.READY) return this.fail(unexpected(message, 'READY'), true);
    if (message.nodeId !== this.#nodeId) {
      return this.fail(
        new ProtocolError(
          ErrorCode.UnexpectedMessage,
          `READY names node ${JSON.stringify(message.nodeId)}, but the challenge came from ${JSON.stringify(this.#nodeId)}`,
        ),
        true,
      );
    }
    this.finished = true;
    return { done: { peerId: this.#nodeId } };
  }

  #onChallenge(message: ChallengeMessage, clientNonce: string): HandshakeStep {
    const { secret, protocolVersion, selfId } = this.#options;
    if (message.protocol !== protocolVersion) {
      return this.fail(
        new ProtocolError(
          ErrorCode.VersionMismatch,
          `node ${JSON.stringify(message.nodeId)} speaks bridge protocol ${message.protocol}, this client speaks ${protocolVersion}`,
        ),
        true,
      );
    }
    const expected = serverProof(secret, clientNonce, message.serverNonce, message.nodeId);
    if (!proofMatches(expected, message.serverProof)) {
      return this.fail(
        new ProtocolError(
          ErrorCode.AuthFailed,
          `node ${JSON.stringify(message.nodeId)} could not prove it knows the bridge secret ` +
            '(BRIDGE_SECRET differs between the two sides, or this is not a Rollcall node)',
        ),
        true,
      );
    }
    this.#nodeId = message.nodeId;
    const auth: AuthMessage = {
      command: Command.AUTH,
      clientProof: clientProof(secret, message.serverNonce, clientNonce, selfId),
    };
    return { send: auth };
  }
}

/** The recognition node's side: waits for HELLO, challenges, checks the client's proof. */
export class ServerHandshake extends Handshake implements BridgeHandshake {
  readonly #options: Resolved;
  #hello: HelloMessage | undefined;
  #serverNonce: string | undefined;

  /** @throws RollcallError `USAGE_INVALID` naming a bad option. */
  constructor(options: ServerHandshakeOptions) {
    super();
    this.#options = resolve('ServerHandshake', 'nodeId', options.nodeId, options);
  }

  get state(): HandshakeState {
    if (this.failure !== undefined) return 'failed';
    return this.finished ? 'done' : 'waiting';
  }

  /** The server speaks second: there is nothing to send until the client's HELLO. */
  start(): BridgeMessage | undefined {
    return undefined;
  }

  receive(message: BridgeMessage): HandshakeStep {
    const settled = this.settled(message, 'the client');
    if (settled !== undefined) return settled;
    const hello = this.#hello;
    if (hello === undefined || this.#serverNonce === undefined) {
      if (message.command !== Command.HELLO) return this.fail(unexpected(message, 'HELLO'), true);
      return this.#onHello(message);
    }
    if (message.command !== Command.AUTH) return this.fail(unexpected(message, 'AUTH'), true);
    const { secret, selfId } = this.#options;
    const expected = clientProof(secret, this.#serverNonce, hello.clientNonce, hello.clientId);
    if (!proofMatches(expected, message.clientProof)) {
      return this.fail(
        new ProtocolError(
          ErrorCode.AuthFailed,
          `client ${JSON.stringify(hello.clientId)} could not prove it knows the bridge secret ` +
            '(BRIDGE_SECRET differs between the two sides)',
        ),
        true,
      );
    }
    this.finished = true;
    return { send: { command: Command.READY, nodeId: selfId }, done: { peerId: hello.clientId } };
  }

  #onHello(message: HelloMessage): HandshakeStep {
    const { secret, protocolVersion, selfId, randomBytes } = this.#options;
    if (message.protocol !== protocolVersion) {
      return this.fail(
        new ProtocolError(
          ErrorCode.VersionMismatch,
          `client ${JSON.stringify(message.clientId)} speaks bridge protocol ${message.protocol}, this node speaks ${protocolVersion}`,
        ),
        true,
      );
    }
    const serverNonce = nonce('ServerHandshake', randomBytes);
    this.#hello = message;
    this.#serverNonce = serverNonce;
    const challenge: ChallengeMessage = {
      command: Command.CHALLENGE,
      protocol: protocolVersion,
      nodeId: selfId,
      serverNonce,
      serverProof: serverProof(secret, message.clientNonce, serverNonce, selfId),
    };
    return { send: challenge };
  }
}
