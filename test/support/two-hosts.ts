/**
 * Two hosts on one real network path, for reliability tests: a "camera PC" and a "web PC", each a
 * Linux network namespace, joined by a veth pair (the wire), whose packets can be delayed, lost,
 * duplicated and reordered, and whose link can be cut and restored. The processes inside use the
 * kernel's own TCP across the wire; nothing in Rollcall knows it is being tested.
 *
 * ```
 *  root namespace (the test)        web namespace (WEB PC)            node namespace (CAMERA PC)
 *  rcm… 198.19.a.b+1 ──mgmt veth── rcmgmt 198.19.a.b+2
 *                                   rcwire 198.18.0.2 ════ wire veth ════ rcwire 198.18.0.1
 * ```
 *
 * The management veth lets the test reach the web node's HTTP port (health, API, the live view)
 * without going through the impaired wire: it stands for the web PC's own screen.
 *
 * Shaping the wire: with `tc netem` in the kernel, a netem qdisc on each end of the wire. Without it
 * (CONFIG_NET_SCH_NETEM unset), {@link RELAY_SCRIPT}: a tc filter on each end's ingress redirects
 * every arriving IP packet to a tun device, a small python3 program delays / drops / duplicates /
 * reorders it as netem would and writes it back into the tun, from where the kernel receives it.
 * {@link TwoHosts.impairment} says which one was used.
 *
 * Namespaces are named `rcnet-PID-N-…` after the test process, removed by {@link TwoHosts.destroy}
 * (every process still inside is killed first), at exit if a test failed before that, and at the next
 * start if the test process itself was killed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineChild } from './line-child.js';

export const RELAY_SCRIPT = fileURLToPath(new URL('../../../test/support/netem-relay.py', import.meta.url));

const PREFIX = 'rcnet';
/** The wire's two ends, inside the namespaces (so the same for every pair). */
export const NODE_ADDRESS = '198.18.0.1';
export const WEB_ADDRESS = '198.18.0.2';
const WIRE = 'rcwire';
const MGMT = 'rcmgmt';
const RELAY_TUN = 'rcq0';

/** One direction's impairment; the same is applied to both directions. */
export interface LinkProfile {
  delayMs: number;
  /** Uniform in ±jitterMs around delayMs (netem's default distribution). */
  jitterMs?: number;
  lossPct?: number;
  duplicatePct?: number;
  /** Packets sent at once instead of after the delay (netem `reorder`). */
  reorderPct?: number;
}

export type Impairment = 'tc netem' | 'netem-relay.py (userspace, tun)';

export interface RelayStats {
  in: number;
  lost: number;
  duplicated: number;
  sentEarly: number;
  overflow: number;
  out: number;
}

class CommandError extends Error {}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new CommandError(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

function ip(...args: string[]): Promise<string> {
  return run('ip', args);
}

function tc(ns: string, ...args: string[]): Promise<string> {
  return run('tc', ['-n', ns, ...args]);
}

function onPath(tool: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'];
  return dirs.some((dir) => dir !== '' && existsSync(path.join(dir, tool)));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills every process inside `ns` (all started by this test file, or their children) and removes it. */
function removeNamespaceSync(ns: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: 'pipe' });
    for (const pid of pids.split('\n').filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' });
  } catch {
    // Already removed.
  }
}

const live = new Set<TwoHosts>();
process.on('exit', () => {
  for (const hosts of live) for (const ns of hosts.namespaces) removeNamespaceSync(ns);
});

/** Namespaces left by a test process that was killed before it could remove them. */
async function removeOrphans(): Promise<void> {
  const list = await ip('netns', 'list');
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = new RegExp(`^${PREFIX}-(\\d+)-`).exec(name);
    if (match && !processAlive(Number(match[1]))) removeNamespaceSync(name);
  }
}

/**
 * Why two namespaces joined by a veth cannot be made here (no permission, no kernel support), or
 * undefined when they can. Missing tools (`ip`, `tc`, `python3`) are not a reason to skip: they
 * throw, since the test would then prove nothing while looking green.
 */
export async function twoHostsRefusal(): Promise<string | undefined> {
  for (const tool of ['ip', 'tc']) {
    if (!onPath(tool)) throw new Error(`${tool} (Debian package iproute2) is needed for the network tests`);
  }
  const probe = `${PREFIX}-${process.pid}-probe`;
  try {
    await ip('netns', 'add', probe);
  } catch (error) {
    return `cannot create a network namespace (${(error as Error).message})`;
  }
  try {
    await ip('-n', probe, 'link', 'add', 'rcprobe0', 'type', 'veth', 'peer', 'name', 'rcprobe1');
  } catch (error) {
    return `cannot create a veth pair (${(error as Error).message})`;
  } finally {
    removeNamespaceSync(probe);
  }
  return undefined;
}

/** Whether this kernel has `tc netem` (tried on the loopback of a namespace of our own). */
async function hasNetem(ns: string): Promise<boolean> {
  try {
    await tc(ns, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms');
    await tc(ns, 'qdisc', 'del', 'dev', 'lo', 'root');
    return true;
  } catch {
    return false;
  }
}

let made = 0;

export class TwoHosts {
  readonly nodeNs: string;
  readonly webNs: string;
  /** The test's way to the web PC (management veth, never shaped). */
  readonly webMgmtAddress: string;
  readonly #rootEnd: string;
  #impairment: Impairment | undefined;
  #shaped = false;
  readonly #relays = new Map<string, LineChild>();
  readonly #children: LineChild[] = [];

  private constructor(nodeNs: string, webNs: string, rootEnd: string, webMgmtAddress: string) {
    this.nodeNs = nodeNs;
    this.webNs = webNs;
    this.#rootEnd = rootEnd;
    this.webMgmtAddress = webMgmtAddress;
  }

  get namespaces(): string[] {
    return [this.nodeNs, this.webNs];
  }

  /** How the wire is shaped; undefined before the first {@link TwoHosts.shape}. */
  get impairment(): Impairment | undefined {
    return this.#impairment;
  }

  /** The two namespaces, the wire between them and the management link to the web one. */
  static async create(): Promise<TwoHosts> {
    await removeOrphans();
    const n = made++;
    const base = `${PREFIX}-${process.pid}-${n}`;
    const rootEnd = `rcm${process.pid}x${n}`.slice(0, 15);
    const mgmt = await freeManagementSubnet(process.pid * 16 + n);
    const hosts = new TwoHosts(`${base}-node`, `${base}-web`, rootEnd, mgmt.web);
    live.add(hosts);
    try {
      await ip('netns', 'add', hosts.nodeNs);
      await ip('netns', 'add', hosts.webNs);
      await ip(
        'link',
        'add',
        WIRE,
        'netns',
        hosts.nodeNs,
        'type',
        'veth',
        'peer',
        'name',
        WIRE,
        'netns',
        hosts.webNs,
      );
      await ip('-n', hosts.nodeNs, 'addr', 'add', `${NODE_ADDRESS}/30`, 'dev', WIRE);
      await ip('-n', hosts.webNs, 'addr', 'add', `${WEB_ADDRESS}/30`, 'dev', WIRE);
      await ip('link', 'add', rootEnd, 'type', 'veth', 'peer', 'name', MGMT, 'netns', hosts.webNs);
      await ip('addr', 'add', `${mgmt.root}/30`, 'dev', rootEnd);
      await ip('-n', hosts.webNs, 'addr', 'add', `${mgmt.web}/30`, 'dev', MGMT);
      await ip('link', 'set', rootEnd, 'up');
      for (const ns of hosts.namespaces) {
        await ip('-n', ns, 'link', 'set', 'lo', 'up');
        // One MSS a packet (no 64 kB TSO bursts on the veth): a loss or a duplicate is one packet,
        // as on Ethernet or Wi-Fi, for netem as for the relay (whose tun segments them anyway).
        await ip('-n', ns, 'link', 'set', 'dev', WIRE, 'gso_max_segs', '1');
        await ip('-n', ns, 'link', 'set', WIRE, 'up');
      }
      await ip('-n', hosts.webNs, 'link', 'set', MGMT, 'up');
    } catch (error) {
      await hosts.destroy();
      throw error;
    }
    return hosts;
  }

  /** Runs `command` inside `ns` as a {@link LineChild}; it is killed at the latest by destroy(). */
  exec(ns: string, command: string, args: string[], env: Record<string, string> = {}): LineChild {
    const child = new LineChild('ip', ['netns', 'exec', ns, command, ...args], env);
    this.#children.push(child);
    return child;
  }

  /** Applies `profile` to both directions of the wire (replacing any earlier shaping). */
  async shape(profile: LinkProfile): Promise<Impairment> {
    if (this.#shaped) await this.unshape();
    this.#impairment ??= (await hasNetem(this.nodeNs)) ? 'tc netem' : 'netem-relay.py (userspace, tun)';
    if (this.#impairment === 'tc netem') {
      for (const ns of this.namespaces) {
        await tc(ns, 'qdisc', 'replace', 'dev', WIRE, 'root', 'netem', ...netemArgs(profile));
      }
    } else {
      if (!onPath('python3')) {
        throw new Error('python3 is needed to shape the link on a kernel without tc netem');
      }
      for (const ns of this.namespaces) await this.#startRelay(ns, profile);
    }
    this.#shaped = true;
    return this.#impairment;
  }

  /** Back to a plain wire; returns the relays' last counters (empty with tc netem). */
  async unshape(): Promise<Record<string, RelayStats>> {
    if (!this.#shaped) return {};
    this.#shaped = false;
    const stats: Record<string, RelayStats> = {};
    for (const ns of this.namespaces) {
      if (this.#impairment === 'tc netem') {
        await tc(ns, 'qdisc', 'del', 'dev', WIRE, 'root');
        continue;
      }
      // The filter first, so no packet is redirected to a tun nobody reads.
      await tc(ns, 'qdisc', 'del', 'dev', WIRE, 'ingress');
      const relay = this.#relays.get(ns);
      this.#relays.delete(ns);
      if (relay === undefined) continue;
      await relay.kill('SIGTERM');
      await ip('-n', ns, 'tuntap', 'del', 'dev', RELAY_TUN, 'mode', 'tun');
      stats[ns === this.nodeNs ? 'toNode' : 'toWeb'] = lastStats(relay);
    }
    return stats;
  }

  /** What the relays have done so far, by direction (empty with tc netem). */
  relayStats(): Record<string, RelayStats> {
    const stats: Record<string, RelayStats> = {};
    for (const [ns, relay] of this.#relays) stats[ns === this.nodeNs ? 'toNode' : 'toWeb'] = lastStats(relay);
    return stats;
  }

  /** Cuts the wire: the camera PC's end goes down (its peer loses carrier), as a dropped Wi-Fi link. */
  async partition(): Promise<void> {
    await ip('-n', this.nodeNs, 'link', 'set', WIRE, 'down');
  }

  /** Restores the wire (the kernel puts the subnet's route back as the link comes up). */
  async heal(): Promise<void> {
    await ip('-n', this.nodeNs, 'link', 'set', WIRE, 'up');
  }

  /** Kills what runs inside, removes both namespaces (and so every veth end, the root's included). */
  async destroy(): Promise<void> {
    for (const child of [...this.#children, ...this.#relays.values()]) await child.kill('SIGKILL');
    this.#relays.clear();
    for (const ns of this.namespaces) removeNamespaceSync(ns);
    // Normally gone with its peer; removed by name if the peer was never moved in.
    await ip('link', 'del', this.#rootEnd).catch(() => undefined);
    live.delete(this);
  }

  async #startRelay(ns: string, profile: LinkProfile): Promise<void> {
    await ip('-n', ns, 'tuntap', 'add', 'dev', RELAY_TUN, 'mode', 'tun');
    await ip('-n', ns, 'link', 'set', RELAY_TUN, 'up');
    // Packets come back in through the tun, not the veth they arrived on: loose source checks.
    const procSys = '/proc/sys/net/ipv4/conf';
    await ip(
      'netns',
      'exec',
      ns,
      'sh',
      '-c',
      `echo 0 > ${procSys}/all/rp_filter && echo 0 > ${procSys}/${RELAY_TUN}/rp_filter`,
    );
    const relay = new LineChild('ip', [
      'netns',
      'exec',
      ns,
      'python3',
      RELAY_SCRIPT,
      RELAY_TUN,
      String(profile.delayMs),
      String(profile.jitterMs ?? 0),
      String(profile.lossPct ?? 0),
      String(profile.duplicatePct ?? 0),
      String(profile.reorderPct ?? 0),
      String(this.#relays.size + 1),
    ]);
    this.#relays.set(ns, relay);
    await relay.waitFor((lines) => lines.includes('ready'), 10_000);
    await tc(ns, 'qdisc', 'add', 'dev', WIRE, 'ingress');
    await tc(
      ns,
      'filter',
      'add',
      'dev',
      WIRE,
      'parent',
      'ffff:',
      'protocol',
      'ip',
      'prio',
      '1',
      'u32',
      'match',
      'u32',
      '0',
      '0',
      'action',
      'mirred',
      'egress',
      'redirect',
      'dev',
      RELAY_TUN,
    );
  }
}

function lastStats(relay: LineChild): RelayStats {
  const line = relay.valuesOf('stats').at(-1);
  return line === undefined
    ? { in: 0, lost: 0, duplicated: 0, sentEarly: 0, overflow: 0, out: 0 }
    : (JSON.parse(line) as RelayStats);
}

/** `tc netem` arguments for `profile`. */
export function netemArgs(profile: LinkProfile): string[] {
  const args = ['delay', `${profile.delayMs}ms`];
  if (profile.jitterMs) args.push(`${profile.jitterMs}ms`);
  if (profile.lossPct) args.push('loss', `${profile.lossPct}%`);
  if (profile.duplicatePct) args.push('duplicate', `${profile.duplicatePct}%`);
  if (profile.reorderPct) args.push('reorder', `${profile.reorderPct}%`);
  return args;
}

/** A /30 in 198.19.0.0/16 (set aside for network tests, RFC 2544) that no interface here uses. */
async function freeManagementSubnet(seed: number): Promise<{ root: string; web: string }> {
  const used = await ip('-4', '-o', 'addr', 'show');
  for (let i = 0; i < 16384; i++) {
    const block = (seed + i) % 16384;
    const net = `198.19.${block >> 6}.${(block & 63) * 4}`;
    const prefix = net.slice(0, net.lastIndexOf('.') + 1);
    const last = (block & 63) * 4;
    if (used.includes(` ${prefix}${last + 1}/`) || used.includes(` ${prefix}${last + 2}/`)) continue;
    return { root: `${prefix}${last + 1}`, web: `${prefix}${last + 2}` };
  }
  throw new Error('no free /30 in 198.19.0.0/16');
}
