/**
 * `rollcall probe HOST:PORT [--secret S] [--json]`: connects to a recognition node as a web node
 * would, authenticates, and prints what the node reports. On failure it prints exactly one plain
 * reason (refused, timed out, auth failed, protocol mismatch…) and exits 1.
 */
import os from 'node:os';
import { parseAddress, type Config } from '../../config.js';
import { BridgeConnectError, probeNode, readStoredBridgeSecret, type ProbeResult } from '../bridge/index.js';
import { ErrorCode, RollcallError } from '../core/index.js';

export interface ProbeOptions {
  /** `HOST:PORT`, `HOST` (port RECOGNITION_SERVER_PORT) or `[IPv6]:PORT`. */
  target: string;
  /** The bridge secret; else `BRIDGE_SECRET`, else the one stored under `DATA_DIR`. */
  secret?: string;
  json: boolean;
  /** Connect, handshake and first STATUS must finish within this. @defaultValue 5000 */
  timeoutMs?: number;
  /** Where output goes. @defaultValue process.stdout / process.stderr */
  io?: { out: (text: string) => void; err: (text: string) => void };
}

/** The one plain reason a user sees for a failed probe. */
export function probeFailureReason(error: unknown): string {
  if (!(error instanceof RollcallError)) return 'internal error';
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the rest share one reason
  switch (error.code) {
    case ErrorCode.BridgeRefused:
      return 'connection refused';
    case ErrorCode.BridgeTimeout:
      return 'timed out';
    case ErrorCode.AuthFailed:
      return 'authentication failed (check BRIDGE_SECRET on both machines)';
    case ErrorCode.VersionMismatch: {
      const peer = error instanceof BridgeConnectError ? error.peerProtocol : undefined;
      return `protocol mismatch (node speaks v${peer ?? '?'})`;
    }
    case ErrorCode.BridgeBusy:
      return 'node busy (too many connections)';
    case ErrorCode.BridgeConnectionLost:
      return `connection lost (${error.message})`;
    // Anything else is a node that is not behaving like a Rollcall node; the code says what.
    default:
      return `protocol error (${error.code})`;
  }
}

function humanReport(target: string, result: ProbeResult): string {
  const lines = [
    `node ${result.nodeId} at ${target}`,
    `  protocol        v${result.protocol}`,
    `  descriptors     ${result.descriptorModel}`,
    `  gallery version ${result.galleryVersion}`,
    `  outbox depth    ${result.outboxDepth}`,
    `  uptime          ${Math.round(result.uptimeS)} s`,
    `  cameras         ${result.cameras.length === 0 ? 'none' : ''}`,
  ];
  for (const c of result.cameras) {
    lines.push(
      `    ${c.cameraId}${c.name === undefined ? '' : ` (${c.name})`}${c.role === undefined ? '' : `, ${c.role}`}: ${c.online ? 'online' : 'offline'}, ${c.fps.toFixed(1)} fps, ${c.droppedFrames} dropped` +
        (c.latencyP95Ms === null ? '' : `, p95 ${Math.round(c.latencyP95Ms)} ms`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Runs the probe and returns the exit code: 0 reached and authenticated, 1 failed (reason printed).
 *
 * @throws RollcallError `USAGE_INVALID` for a malformed target or no secret at all (exit 2 in main).
 */
export async function runProbe(config: Config, options: ProbeOptions): Promise<number> {
  const io = options.io ?? {
    out: (text: string) => process.stdout.write(text),
    err: (text: string) => process.stderr.write(text),
  };
  const address = parseAddress(options.target, config.recognitionServer.port);
  if (address === undefined) {
    throw new RollcallError(
      ErrorCode.UsageInvalid,
      `probe: "${options.target}" is not HOST, HOST:PORT or [IPv6]:PORT`,
    );
  }
  const secret = options.secret ?? config.bridgeSecret ?? (await readStoredBridgeSecret(config.dataDir));
  if (secret === undefined || secret.length === 0) {
    throw new RollcallError(
      ErrorCode.UsageInvalid,
      'probe: no bridge secret: pass --secret S or set BRIDGE_SECRET (the node prints or stores its secret)',
    );
  }
  const target = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  try {
    const result = await probeNode({
      host: address.host,
      port: address.port,
      secret,
      clientId: `probe-${os.hostname()}`.slice(0, 128),
      connectTimeoutMs: options.timeoutMs ?? 5000,
      // A node serving TLS is reached with the CA web nodes use (BRIDGE_TLS_CA).
      ...(config.bridgeTls.caFile ? { tls: { caFile: config.bridgeTls.caFile } } : {}),
    });
    if (options.json) {
      const fps = result.cameras.reduce((sum, c) => sum + c.fps, 0);
      io.out(`${JSON.stringify({ ok: true, target, ...result, fps })}\n`);
    } else {
      io.out(humanReport(target, result));
    }
    return 0;
  } catch (error) {
    const reason = probeFailureReason(error);
    if (options.json) io.out(`${JSON.stringify({ ok: false, target, reason })}\n`);
    else io.err(`probe ${target}: ${reason}\n`);
    return 1;
  }
}
