/** The bridge client's options: where to connect, how to prove who we are, and how to keep trying. */
import { OptionChecks, systemClock, type Clock } from '../../shared/index.js';

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

export type ResolvedClientOptions = Required<Omit<BridgeClientOptions, 'tls'>> & {
  tls?: BridgeClientTlsOptions;
};

/**
 * Defaults, then overrides, then validation naming every bad option.
 *
 * @throws RollcallError `USAGE_INVALID`.
 */
export function resolveClientOptions(options: BridgeClientOptions): ResolvedClientOptions {
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
