import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { ErrorCode, isRollcallError } from '../../src/core/index.js';
import {
  ClientHandshake,
  clientProof,
  Command,
  encodeMessage,
  FrameDecoder,
  isProtocolError,
  parseMessage,
  PROTOCOL_VERSION,
  ServerHandshake,
  serverProof,
  type BridgeMessage,
  type ClientHandshakeOptions,
  type HandshakeStep,
  type MessageOf,
  type ProtocolErrorCode,
  type ServerHandshakeOptions,
} from '../../src/bridge/protocol/index.js';

const SECRET = 'correct horse battery staple';

/** Counting bytes: every nonce differs, and a test can predict them. */
function counter(start: number): (size: number) => Uint8Array {
  let next = start;
  return (size) => new Uint8Array(size).fill(next++ & 0xff);
}

function client(overrides: Partial<ClientHandshakeOptions> = {}): ClientHandshake {
  return new ClientHandshake({ secret: SECRET, clientId: 'web-1', randomBytes: counter(0x10), ...overrides });
}

function server(overrides: Partial<ServerHandshakeOptions> = {}): ServerHandshake {
  return new ServerHandshake({ secret: SECRET, nodeId: 'node-1', randomBytes: counter(0x80), ...overrides });
}

/** What the peer receives: the message after a trip through the real encoder, decoder and parser. */
function wire(message: BridgeMessage, log?: Buffer[]): BridgeMessage {
  const bytes = encodeMessage(message);
  log?.push(bytes);
  const [frame, ...rest] = new FrameDecoder().push(bytes);
  assert.ok(frame !== undefined && rest.length === 0);
  return parseMessage(frame);
}

interface Outcome {
  client: HandshakeStep[];
  server: HandshakeStep[];
  bytes: Buffer[];
}

/** Runs a handshake to its end, as two transports would, and records every step. */
function run(c: ClientHandshake, s: ServerHandshake): Outcome {
  const outcome: Outcome = { client: [], server: [], bytes: [] };
  assert.equal(s.start(), undefined);
  let toServer: BridgeMessage | undefined = wire(c.start(), outcome.bytes);
  while (toServer !== undefined) {
    const fromServer = s.receive(toServer);
    outcome.server.push(fromServer);
    toServer = undefined;
    if (fromServer.send === undefined) break;
    const fromClient = c.receive(wire(fromServer.send, outcome.bytes));
    outcome.client.push(fromClient);
    if (fromClient.send !== undefined) toServer = wire(fromClient.send, outcome.bytes);
  }
  return outcome;
}

function failedWith(step: HandshakeStep | undefined, code: ProtocolErrorCode, pattern?: RegExp): void {
  assert.ok(step?.error !== undefined, 'expected the step to fail');
  assert.ok(isProtocolError(step.error, code), `${step.error.code}: ${step.error.message}`);
  if (pattern !== undefined) assert.match(step.error.message, pattern);
  assert.equal(step.done, undefined);
}

/** A failure the peer is told about: the step carries an ERROR with the same code and message. */
function toldPeer(step: HandshakeStep | undefined, code: ProtocolErrorCode): void {
  assert.ok(step?.send?.command === Command.ERROR, 'expected an ERROR message for the peer');
  assert.equal(step.send.code, code);
  assert.equal(step.send.message, step.error?.message);
}

const hmac = (text: string): string => createHmac('sha256', SECRET).update(text).digest('hex');

describe('handshake', () => {
  it('authenticates both sides and names each peer', () => {
    const c = client();
    const s = server();
    assert.equal(c.state, 'idle');
    assert.equal(s.state, 'waiting');
    const outcome = run(c, s);
    assert.deepEqual(
      outcome.bytes.map((b) => b[3]),
      [Command.HELLO, Command.CHALLENGE, Command.AUTH, Command.READY],
    );
    assert.deepEqual(outcome.server.at(-1)?.done, { peerId: 'web-1' });
    assert.deepEqual(outcome.client.at(-1), { done: { peerId: 'node-1' } });
    assert.equal(c.state, 'done');
    assert.equal(s.state, 'done');
  });

  it('uses 32-byte nonces and the documented proofs', () => {
    const c = client();
    const s = server();
    const hello = c.start();
    assert.equal(hello.clientNonce, '10'.repeat(32));
    const challenge = s.receive(hello).send as MessageOf<typeof Command.CHALLENGE>;
    assert.equal(challenge.serverNonce, '80'.repeat(32));
    assert.equal(
      challenge.serverProof,
      hmac(`rollcall-server|${hello.clientNonce}|${challenge.serverNonce}|node-1`),
    );
    const auth = c.receive(challenge).send as MessageOf<typeof Command.AUTH>;
    assert.equal(
      auth.clientProof,
      hmac(`rollcall-client|${challenge.serverNonce}|${hello.clientNonce}|web-1`),
    );
    assert.equal(
      serverProof(SECRET, hello.clientNonce, challenge.serverNonce, 'node-1'),
      challenge.serverProof,
    );
    assert.equal(clientProof(SECRET, challenge.serverNonce, hello.clientNonce, 'web-1'), auth.clientProof);
  });

  it('draws fresh nonces from crypto by default', () => {
    const a = new ClientHandshake({ secret: SECRET, clientId: 'w' }).start();
    const b = new ClientHandshake({ secret: SECRET, clientId: 'w' }).start();
    assert.match(a.clientNonce, /^[0-9a-f]{64}$/);
    assert.notEqual(a.clientNonce, b.clientNonce);
  });

  it('never puts the secret on the wire', () => {
    const { bytes } = run(client(), server());
    const all = Buffer.concat(bytes);
    for (const form of [
      SECRET,
      Buffer.from(SECRET).toString('hex'),
      Buffer.from(SECRET).toString('base64'),
    ]) {
      assert.equal(all.includes(form), false, form);
    }
  });

  it('accepts the secret as bytes', () => {
    const secret = Buffer.from('binary secret \u0000\u00ff');
    const outcome = run(client({ secret }), server({ secret: new Uint8Array(secret) }));
    assert.deepEqual(outcome.client.at(-1), { done: { peerId: 'node-1' } });
  });
});

describe('handshake with a wrong secret', () => {
  it('the client refuses a node that cannot prove the secret, and gives it no proof', () => {
    const c = client();
    const fake = server({ secret: 'guess' });
    const outcome = run(c, fake);
    const [refusal] = outcome.client;
    failedWith(refusal, ErrorCode.AuthFailed, /node "node-1" could not prove it knows the bridge secret/);
    toldPeer(refusal, ErrorCode.AuthFailed);
    assert.ok(!outcome.bytes.some((b) => b[3] === Command.AUTH), 'no AUTH may reach a fake node');
    assert.equal(c.state, 'failed');
    // The fake node hears why, with the code kept.
    failedWith(outcome.server.at(-1), ErrorCode.AuthFailed, /the client ended the handshake/);
    assert.equal(fake.state, 'failed');
  });

  it('the server refuses a client that cannot prove the secret, and says so before closing', () => {
    const s = server();
    const hello: BridgeMessage = {
      command: Command.HELLO,
      protocol: PROTOCOL_VERSION,
      clientId: 'intruder',
      clientNonce: 'ab'.repeat(32),
    };
    const challenge = s.receive(hello).send as MessageOf<typeof Command.CHALLENGE>;
    const forged = clientProof('guess', challenge.serverNonce, hello.clientNonce, 'intruder');
    const step = s.receive(wire({ command: Command.AUTH, clientProof: forged }));
    failedWith(step, ErrorCode.AuthFailed, /client "intruder" could not prove it knows the bridge secret/);
    toldPeer(step, ErrorCode.AuthFailed);
    assert.equal(s.state, 'failed');
  });

  it('a client whose own secret is wrong fails with AUTH_FAILED too', () => {
    const c = client({ secret: 'stale' });
    const outcome = run(c, server());
    failedWith(outcome.client[0], ErrorCode.AuthFailed);
  });

  it('the client learns AUTH_FAILED from the server’s ERROR', () => {
    const c = client();
    c.receive(server().receive(c.start()).send as BridgeMessage);
    const step = c.receive(
      wire({ command: Command.ERROR, code: 'AUTH_FAILED', message: 'client "web-1" could not prove it' }),
    );
    failedWith(
      step,
      ErrorCode.AuthFailed,
      /^the node ended the handshake: client "web-1" could not prove it$/,
    );
    assert.equal(step.send, undefined, 'an ERROR is not answered with another');
  });
});

describe('handshake against replay and tampering', () => {
  it('an AUTH recorded from an earlier session fails against a new nonce', () => {
    const recorded = run(client(), server({ randomBytes: counter(1) }));
    const [hello, , oldAuth] = recorded.bytes.map((b) =>
      parseMessage(new FrameDecoder().push(b)[0] as never),
    );
    assert.ok(hello?.command === Command.HELLO && oldAuth?.command === Command.AUTH);

    // Same HELLO replayed: the server's nonce is new, so the old proof is worthless.
    const s1 = server({ randomBytes: counter(2) });
    s1.receive(hello);
    failedWith(s1.receive(oldAuth), ErrorCode.AuthFailed);

    // A new client nonce, the old AUTH.
    const s2 = server({ randomBytes: counter(3) });
    s2.receive({ ...hello, clientNonce: '77'.repeat(32) });
    failedWith(s2.receive(oldAuth), ErrorCode.AuthFailed);
  });

  it('the server’s own proof reflected back is not a client proof', () => {
    const s = server();
    const hello = client().start();
    const challenge = s.receive(hello).send as MessageOf<typeof Command.CHALLENGE>;
    failedWith(
      s.receive({ command: Command.AUTH, clientProof: challenge.serverProof }),
      ErrorCode.AuthFailed,
    );
  });

  it('a challenge whose node id was changed in transit is refused', () => {
    const c = client();
    const challenge = server().receive(c.start()).send as MessageOf<typeof Command.CHALLENGE>;
    failedWith(c.receive({ ...challenge, nodeId: 'node-2' }), ErrorCode.AuthFailed);
  });

  it('a proof of the wrong length is refused, not thrown', () => {
    const c = client();
    const challenge = server().receive(c.start()).send as MessageOf<typeof Command.CHALLENGE>;
    failedWith(c.receive({ ...challenge, serverProof: 'abcd' }), ErrorCode.AuthFailed);
  });

  it('READY from another node than the one that proved itself is refused', () => {
    const c = client();
    c.receive(server().receive(c.start()).send as BridgeMessage);
    const step = c.receive({ command: Command.READY, nodeId: 'node-2' });
    failedWith(
      step,
      ErrorCode.UnexpectedMessage,
      /READY names node "node-2", but the challenge came from "node-1"/,
    );
  });
});

describe('handshake version mismatch', () => {
  it('the server refuses a client of another version, naming both', () => {
    const c = client({ protocolVersion: PROTOCOL_VERSION + 1 });
    const outcome = run(c, server());
    const [refusal] = outcome.server;
    failedWith(
      refusal,
      ErrorCode.VersionMismatch,
      new RegExp(
        `client "web-1" speaks bridge protocol ${PROTOCOL_VERSION + 1}, this node speaks ${PROTOCOL_VERSION}`,
      ),
    );
    toldPeer(refusal, ErrorCode.VersionMismatch);
    const seen = c.receive(wire(refusal?.send as BridgeMessage));
    failedWith(
      seen,
      ErrorCode.VersionMismatch,
      new RegExp(`protocol ${PROTOCOL_VERSION + 1}, this node speaks ${PROTOCOL_VERSION}`),
    );
  });

  it('the client learns of the mismatch from a node of another version', () => {
    const outcome = run(client(), server({ protocolVersion: PROTOCOL_VERSION + 1 }));
    failedWith(
      outcome.client[0],
      ErrorCode.VersionMismatch,
      new RegExp(`speaks bridge protocol ${PROTOCOL_VERSION}, this node speaks ${PROTOCOL_VERSION + 1}`),
    );
  });

  it('the client refuses a challenge of another version, naming both', () => {
    const c = client();
    const challenge = server().receive(c.start()).send as MessageOf<typeof Command.CHALLENGE>;
    // A version-1 node, from before descriptor models.
    const step = c.receive({ ...challenge, protocol: 1 });
    failedWith(
      step,
      ErrorCode.VersionMismatch,
      new RegExp(`node "node-1" speaks bridge protocol 1, this client speaks ${PROTOCOL_VERSION}`),
    );
    toldPeer(step, ErrorCode.VersionMismatch);
  });
});

describe('handshake out of order', () => {
  const ping: BridgeMessage = { command: Command.PING, t: 1 };

  it('the server wants HELLO first, then AUTH', () => {
    const auth: BridgeMessage = { command: Command.AUTH, clientProof: '00'.repeat(32) };
    for (const first of [auth, ping, { command: Command.READY, nodeId: 'x' } as const]) {
      const step = server().receive(first);
      failedWith(step, ErrorCode.UnexpectedMessage, /expected HELLO during the handshake, got/);
      toldPeer(step, ErrorCode.UnexpectedMessage);
    }
    const s = server();
    const hello = client().start();
    s.receive(hello);
    failedWith(
      s.receive(hello),
      ErrorCode.UnexpectedMessage,
      /expected AUTH during the handshake, got HELLO/,
    );
  });

  it('the client wants CHALLENGE, then READY', () => {
    const c = client();
    c.start();
    failedWith(
      c.receive({ command: Command.READY, nodeId: 'node-1' }),
      ErrorCode.UnexpectedMessage,
      /expected CHALLENGE/,
    );

    const c2 = client();
    const challenge = server().receive(c2.start()).send as BridgeMessage;
    c2.receive(challenge);
    failedWith(
      c2.receive(challenge),
      ErrorCode.UnexpectedMessage,
      /expected READY during the handshake, got CHALLENGE/,
    );

    const c3 = client();
    failedWith(c3.receive(challenge), ErrorCode.UnexpectedMessage, /before start/);
  });

  it('stays failed, answering every later message with the same error and nothing to send', () => {
    const s = server();
    const first = s.receive(ping);
    assert.ok(first.error !== undefined);
    const hello = client().start();
    for (const message of [hello, ping]) {
      const later = s.receive(message);
      assert.equal(later.error, first.error);
      assert.equal(later.send, undefined);
    }
    assert.equal(s.state, 'failed');
  });

  it('a finished handshake refuses more messages but stays done', () => {
    const c = client();
    const s = server();
    run(c, s);
    failedWith(s.receive(ping), ErrorCode.UnexpectedMessage, /finished handshake/);
    assert.equal(s.state, 'done');
    assert.equal(c.receive(ping).error?.code, ErrorCode.UnexpectedMessage);
    assert.equal(c.state, 'done');
  });

  it('start() opens a client handshake once', () => {
    const c = client();
    c.start();
    assert.throws(
      () => c.start(),
      (error) => isRollcallError(error, ErrorCode.UsageInvalid),
    );
  });
});

describe('handshake options', () => {
  it('name the bad option, and never echo the secret', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => client({ secret: '' }), /option secret must be a non-empty string or bytes$/],
      [() => server({ secret: new Uint8Array(0) }), /option secret/],
      [
        () => client({ clientId: '' }),
        /ClientHandshake: option clientId must be a string of 1 to 128 characters/,
      ],
      [() => server({ nodeId: 'n'.repeat(129) }), /ServerHandshake: option nodeId/],
      [() => server({ protocolVersion: 0 }), /option protocolVersion must be an integer from 1 to 255/],
    ];
    for (const [build, pattern] of cases) {
      assert.throws(
        build,
        (error) => isRollcallError(error, ErrorCode.UsageInvalid) && pattern.test(error.message),
      );
    }
  });

  it('refuse a randomBytes that returns the wrong number of bytes', () => {
    const c = client({ randomBytes: () => new Uint8Array(8) });
    assert.throws(
      () => c.start(),
      (error) =>
        isRollcallError(error, ErrorCode.UsageInvalid) &&
        /randomBytes\(32\) must return 32 bytes/.test(error.message),
    );
  });
});
