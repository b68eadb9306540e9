// Hosts of their own on one machine, for the multi-host test: each host is a network namespace
// (`ip netns`) holding one end of a veth pair, whose other end is on a bridge in the root
// namespace; the root namespace (where the tests, their clients and the delay proxies run) has an
// address on that bridge too. Addresses come from a /27 of a documentation range (RFC 5737) that
// nothing on this machine uses yet: host k is base+k, the bridge base+30.
//
// Names are unique per network (bnc<6 hex>-b1, ...-br). Each network is written down under the
// temporary directory before anything is made (one file per /27, so two runs never share one), and
// removed (what runs in its namespaces killed, then the veths, the bridge, the namespaces) by
// remove(), at this process's exit or on SIGINT/SIGTERM/SIGHUP, or later by sweepHostNetworks()
// (which the next createHostNetwork calls) once its process is gone: a SIGKILL leaves no chance
// to clean up. Needs root and iproute2.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultProxy } from './fault-proxy.js';

/** A host: its namespace, and the address of its interface there (assignable to the launcher's ServiceHost). */
export interface NetnsHost {
  name: string;
  netns: string;
  address: string;
}

export interface HostNetwork {
  /** bnc<6 hex>: the prefix of every name made for this network. */
  id: string;
  /** e.g. 198.51.100.0/27 */
  subnet: string;
  bridge: string;
  /** The root namespace's address on the bridge: where the proxies between hosts listen. */
  bridgeAddress: string;
  hosts: NetnsHost[];
  host(name: string): NetnsHost;
  /** Kills whatever still runs in the namespaces, removes veths, bridge and namespaces; throws if any is left. Idempotent. */
  remove(): void;
}

/** What a file under RECORDS says of one network: enough to remove it from another process. */
interface NetworkRecord {
  pid: number;
  id: string;
  subnet: string;
  links: string[];
  namespaces: string[];
}

/** The one-way delay of a link between two hosts (tc netem is not available: a proxy adds it). */
export const LINK_DELAY_MS = 10;

const RECORDS = join(tmpdir(), 'banca-hosts');
/** RFC 5737's documentation ranges, cut in /27s (29 hosts and the bridge each). */
const RANGES = ['198.51.100.0', '203.0.113.0', '192.0.2.0'];
const SLOT_BITS = 27;
const SLOT_SIZE = 2 ** (32 - SLOT_BITS);
const SLOTS = RANGES.flatMap((range) => Array.from({ length: 256 / SLOT_SIZE }, (_, index) => toInt(range) + index * SLOT_SIZE));
const BRIDGE_OFFSET = SLOT_SIZE - 2;
const HOST_NAME = /^[a-z][a-z0-9]{0,3}$/;

/** The namespaces cannot be made here (not root, no iproute2, EPERM): the message says why. */
export class HostsUnavailable extends Error {}

function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw new HostsUnavailable('the `ip` command (iproute2) is not installed');
    throw new Error(`ip ${args.join(' ')}: ${(failure.stderr ?? failure.message).trim()}`, { cause: error });
  }
}

function toInt(address: string): number {
  return address.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

function toAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** IPv4 prefixes this machine's root namespace routes or owns (every table). */
function prefixesInUse(): { from: number; to: number }[] {
  const kinds = new Set(['local', 'broadcast', 'unicast', 'multicast', 'anycast', 'unreachable', 'blackhole', 'prohibit', 'throw', 'nat']);
  const prefixes: { from: number; to: number }[] = [];
  for (const line of ip(['-4', '-o', 'route', 'show', 'table', 'all']).split('\n')) {
    const words = line.trim().split(/\s+/);
    const prefix = kinds.has(words[0] ?? '') ? words[1] : words[0];
    const match = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?$/.exec(prefix ?? '');
    if (!match) continue;
    const bits = Number(match[2] ?? 32);
    const size = 2 ** (32 - bits);
    const from = Math.floor(toInt(match[1]!) / size) * size;
    prefixes.push({ from, to: from + size - 1 });
  }
  return prefixes;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // A zombie (killed, not yet reaped) is gone too: "pid (name) Z ...".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function readRecord(file: string): NetworkRecord | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as NetworkRecord;
  } catch {
    return null;
  }
}

function namespacesNow(): Set<string> {
  return new Set(ip(['netns', 'list']).split('\n').map((line) => line.trim().split(/\s+/)[0]!).filter(Boolean));
}

function linksNow(): Set<string> {
  // "7: name@if2: <...>" or "7: name: <...>"
  return new Set(ip(['-o', 'link', 'show']).split('\n').map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1]).filter((name): name is string => name !== undefined));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Removes what a record names (each part tolerated missing); throws when something is left. */
function removeRecorded(record: NetworkRecord, file: string): void {
  const namespaces = namespacesNow();
  for (const netns of record.namespaces.filter((name) => namespaces.has(name))) {
    // Nothing may outlive its host: a namespace is only gone once no process is in it.
    for (let attempt = 0; attempt < 50; attempt++) {
      const pids = ip(['netns', 'pids', netns]).split('\n').map(Number).filter((pid) => pid > 0);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      sleepSync(100);
    }
  }
  const problems: string[] = [];
  const links = linksNow();
  for (const link of record.links.filter((name) => links.has(name))) {
    try {
      ip(['link', 'del', link]);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  for (const netns of record.namespaces.filter((name) => namespaces.has(name))) {
    try {
      ip(['netns', 'del', netns]);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const leftNamespaces = [...namespacesNow()].filter((name) => record.namespaces.includes(name));
  const leftLinks = [...linksNow()].filter((name) => record.links.includes(name));
  if (leftNamespaces.length > 0 || leftLinks.length > 0) {
    throw new Error(`network ${record.id} not fully removed: namespaces ${leftNamespaces.join(', ') || 'none'}, links ${leftLinks.join(', ') || 'none'}${problems.length ? ` (${problems.join('; ')})` : ''}`);
  }
  rmSync(file, { force: true });
}

const live = new Map<string, HostNetwork>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function removeAll(): void {
  for (const network of [...live.values()]) {
    try {
      network.remove();
    } catch (error) {
      process.stderr.write(`hosts: ${(error as Error).message}\n`);
    }
  }
}

let watching = false;

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  stopWatching();
  // With no other handler, the signal does what it would have: end the process.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function watchExit(): void {
  if (watching) return;
  watching = true;
  process.on('exit', removeAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function stopWatching(): void {
  watching = false;
  process.off('exit', removeAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/** Why hosts cannot be made on this machine, or null when they can (root, iproute2, `ip netns add` works). */
export function hostsUnavailableReason(): string | null {
  const uid = process.getuid?.();
  if (uid !== 0) return `this process is not root (uid ${uid ?? 'unknown'}): network namespaces need root`;
  const probe = `bnc${randomBytes(3).toString('hex')}-probe`;
  try {
    ip(['netns', 'add', probe]);
    ip(['netns', 'del', probe]);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Takes a free /27 for this process: one nothing routes yet and no other live run holds. */
function takeSlot(id: string, links: string[], namespaces: string[]): { base: number; file: string } {
  mkdirSync(RECORDS, { recursive: true });
  const used = prefixesInUse();
  for (const base of SLOTS) {
    if (used.some((prefix) => prefix.from <= base + SLOT_SIZE - 1 && base <= prefix.to)) continue;
    const file = join(RECORDS, `${toAddress(base)}.json`);
    const record: NetworkRecord = { pid: process.pid, id, subnet: `${toAddress(base)}/${SLOT_BITS}`, links, namespaces };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, JSON.stringify(record), { flag: 'wx' });
        return { base, file };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const other = readRecord(file);
        if (other && alive(other.pid)) break;
        // A run that died without cleaning up: its network goes first.
        if (other) removeRecorded(other, file);
        else rmSync(file, { force: true });
      }
    }
  }
  throw new Error(`no free /${SLOT_BITS} left in ${RANGES.map((range) => `${range}/24`).join(', ')} on this machine`);
}

/**
 * Makes one host per name (b1, b2, reg...: 1 to 4 lower-case letters and digits) on a bridge of
 * their own. Throws HostsUnavailable when namespaces cannot be made here; removes what it made if
 * a later step fails.
 */
export function createHostNetwork(names: readonly string[]): HostNetwork {
  const reason = hostsUnavailableReason();
  if (reason) throw new HostsUnavailable(`cannot make hosts (network namespaces) on this machine: ${reason}`);
  for (const name of names) if (!HOST_NAME.test(name) || name === 'br') throw new Error(`host name ${JSON.stringify(name)}: 1 to 4 of a-z0-9, not "br"`);
  if (new Set(names).size !== names.length) throw new Error('host names must differ');
  if (names.length > BRIDGE_OFFSET - 1) throw new Error(`at most ${BRIDGE_OFFSET - 1} hosts`);
  // What runs killed with SIGKILL left goes first (it also frees their /27s).
  sweepHostNetworks();
  const id = `bnc${randomBytes(3).toString('hex')}`;
  const bridge = `${id}-br`;
  const namespaces = names.map((name) => `${id}-${name}`);
  // The root namespace's end of each host's veth pair is named as the host's namespace.
  const links = [...namespaces, bridge];
  const { base, file } = takeSlot(id, links, namespaces);
  const record = readRecord(file)!;
  const hosts = names.map((name, index) => ({ name, netns: `${id}-${name}`, address: toAddress(base + 1 + index) }));
  const bridgeAddress = toAddress(base + BRIDGE_OFFSET);
  let removed = false;
  const network: HostNetwork = {
    id,
    subnet: record.subnet,
    bridge,
    bridgeAddress,
    hosts,
    host(name: string) {
      const found = hosts.find((host) => host.name === name);
      if (!found) throw new Error(`no host ${name} in network ${id}`);
      return found;
    },
    remove() {
      if (removed) return;
      removeRecorded(record, file);
      removed = true;
      live.delete(id);
      if (live.size === 0) stopWatching();
    },
  };
  live.set(id, network);
  watchExit();
  try {
    ip(['link', 'add', bridge, 'type', 'bridge']);
    ip(['addr', 'add', `${bridgeAddress}/${SLOT_BITS}`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
    for (const host of hosts) {
      ip(['netns', 'add', host.netns]);
      ip(['link', 'add', host.netns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns]);
      ip(['link', 'set', host.netns, 'master', bridge, 'up']);
      ip(['-n', host.netns, 'addr', 'add', `${host.address}/${SLOT_BITS}`, 'dev', 'eth0']);
      ip(['-n', host.netns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', host.netns, 'link', 'set', 'lo', 'up']);
    }
  } catch (error) {
    network.remove();
    throw error;
  }
  return network;
}

/** The networks made and not yet removed on this machine (by any process), as written down under the temporary directory. */
export function hostNetworks(): { pid: number; id: string; subnet: string; namespaces: string[] }[] {
  let files: string[];
  try {
    files = readdirSync(RECORDS).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  return files.map((name) => readRecord(join(RECORDS, name))).filter((record): record is NetworkRecord => record !== null)
    .map(({ pid, id, subnet, namespaces }) => ({ pid, id, subnet, namespaces }));
}

/**
 * Removes the networks of processes that are gone (all, or only those `pid` made): what a run
 * killed with SIGKILL left. Returns their ids.
 */
export function sweepHostNetworks(pid?: number): string[] {
  let files: string[];
  try {
    files = readdirSync(RECORDS).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const name of files) {
    const file = join(RECORDS, name);
    const record = readRecord(file);
    if (!record || (pid !== undefined && record.pid !== pid) || alive(record.pid)) continue;
    removeRecorded(record, file);
    swept.push(record.id);
  }
  return swept;
}

/**
 * A proxy on the bridge in front of `target` (a host's address and port): the link to that host,
 * every chunk delayed `delayMs` each way. The chaos harness changes its mode for a while; reset()
 * brings the delay back.
 */
export async function startLinkProxy(network: HostNetwork, target: { address: string; port: number }, delayMs = LINK_DELAY_MS): Promise<FaultProxy> {
  const proxy = new FaultProxy(target.port, { host: network.bridgeAddress, targetHost: target.address, normal: { kind: 'delay', ms: delayMs } });
  await proxy.start();
  return proxy;
}
