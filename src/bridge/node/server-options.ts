/** The bridge server's options: what they mean, their defaults, and their checks. */
import { OptionChecks } from '../../shared/index.js';

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

export type ResolvedServerOptions = Required<Omit<BridgeServerOptions, 'tls'>> & {
  tls?: BridgeServerTlsOptions;
};

/**
 * Defaults, then overrides, then validation naming every bad option.
 *
 * @throws RollcallError `USAGE_INVALID`.
 */
export function resolveServerOptions(options: BridgeServerOptions): ResolvedServerOptions {
  const heartbeatMs = options.heartbeatMs ?? 2000;
  const resolved: ResolvedServerOptions = {
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
