// Bounds failed log-ins per name (a customer's e-mail, an administrator's user name) and per
// client address, so a password cannot be guessed by trying many, and so nobody can make a server
// spend its CPU on password hashing at will: the check runs before the hash. Sliding windows kept
// in this process's memory: the dossier's limiter (it has no store of its own; one dossier process
// counts exactly, a restart forgets). The business servers count at their bank's data server
// instead (shared-login-limiter.ts) and use only the address helpers here.
import { BlockList, isIP } from 'node:net';
import { BancaError } from '@banca/core/errors';

export interface LoginLimits {
  /** Failed log-ins of one name (e-mail, user name) within the window before its log-ins are refused. */
  attemptsMax: number;
  /** Failed log-ins from one client address (an IPv6 /64) within the window. */
  attemptsPerIpMax: number;
  windowMs: number;
  /** Sign-ups from one client address within the window: each costs a password hash. */
  signUpsPerIpMax: number;
  /** Peers (addresses or CIDR ranges) whose X-Forwarded-For is believed: the gateway, nginx. */
  trustedProxies: readonly string[];
}

export const LOGIN_LIMIT_DEFAULTS = {
  attemptsMax: 5,
  attemptsPerIpMax: 20,
  windowMs: 15 * 60_000,
  signUpsPerIpMax: 10,
  // Servers listen only to their own proxies: loopback and private networks.
  trustedProxies: ['127.0.0.0/8', '::1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
} as const satisfies LoginLimits;

/** Past this many e-mails and addresses tracked, expired ones are dropped, then the oldest. */
const KEYS_MAX = 100_000;

/** One attempt let through: say how it ended so the right counters keep it. */
export interface LoginAttempt {
  /** The password was right: the name's failures are forgotten (the address's are not). */
  succeeded(): void;
  /** The attempt failed for another reason than the credentials (a store down): it does not count. */
  cancelled(): void;
}

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly trusted: BlockList;

  /** `nameLabel` is what the refusal calls the name: "e-mail", "user name". */
  constructor(
    private readonly limits: LoginLimits,
    private readonly now: () => number = Date.now,
    private readonly nameLabel = 'e-mail',
    private readonly secretLabel = 'password',
  ) {
    this.trusted = parseTrustedProxies(limits.trustedProxies);
  }

  /** The address a request comes from: the peer, or what the trusted proxies in front of it saw. */
  clientAddress(peer: string | undefined, forwardedFor: string | undefined): string {
    return clientAddressOf(this.trusted, peer, forwardedFor);
  }

  /**
   * Lets one log-in attempt through or throws TOO_MANY_REQUESTS (with retryAfterSeconds). The
   * attempt counts as a failure from now on, so concurrent guesses cannot all pass the check
   * while their hashes are computed; succeeded() or cancelled() takes it back.
   */
  begin(name: string, address: string): LoginAttempt {
    const now = this.now();
    const nameKey = `e:${name.trim().toLowerCase()}`;
    // A proxy's own address stands for all its clients: limiting it would lock everyone out.
    const addressKey = address === '' || this.isTrusted(address) ? null : `a:${addressBlock(address)}`;
    const nameWait = this.waitMs(nameKey, this.limits.attemptsMax, now);
    const addressWait = addressKey === null ? 0 : this.waitMs(addressKey, this.limits.attemptsPerIpMax, now);
    if (nameWait > 0 || addressWait > 0) {
      const seconds = Math.max(1, Math.ceil(Math.max(nameWait, addressWait) / 1000));
      const what = nameWait >= addressWait ? `for this ${this.nameLabel}` : 'from your network address';
      throw new BancaError('TOO_MANY_REQUESTS', `Too many failed log-ins ${what}; wait ${describeWait(seconds)} and try again, checking the ${this.nameLabel} and ${this.secretLabel}.`, {
        details: { retryAfterSeconds: seconds },
      });
    }
    this.record(nameKey, this.limits.attemptsMax, now);
    if (addressKey !== null) this.record(addressKey, this.limits.attemptsPerIpMax, now);
    let settled = false;
    return {
      succeeded: () => {
        if (settled) return;
        settled = true;
        this.failures.delete(nameKey);
        // Not reset: one account of their own must not let someone wipe their guesses at others.
        if (addressKey !== null) this.forget(addressKey, now);
      },
      cancelled: () => {
        if (settled) return;
        settled = true;
        this.forget(nameKey, now);
        if (addressKey !== null) this.forget(addressKey, now);
      },
    };
  }

  /**
   * Lets one sign-up through or throws TOO_MANY_REQUESTS: every sign-up hashes a password, so
   * one address may open only so many accounts per window (a proxy's own address is not limited).
   */
  beginSignUp(address: string): void {
    if (address === '' || this.isTrusted(address)) return;
    const now = this.now();
    const key = `s:${addressBlock(address)}`;
    const wait = this.waitMs(key, this.limits.signUpsPerIpMax, now);
    if (wait > 0) {
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      throw new BancaError('TOO_MANY_REQUESTS', `Too many accounts opened from your network address; wait ${describeWait(seconds)} and try again.`, {
        details: { retryAfterSeconds: seconds },
      });
    }
    this.record(key, this.limits.signUpsPerIpMax, now);
  }

  /** How many keys are tracked (for tests). */
  get size(): number {
    return this.failures.size;
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** 0 when another failure fits in the window, else how long until the oldest one leaves it. */
  private waitMs(key: string, max: number, now: number): number {
    const times = this.live(key, now);
    if (times.length < max) return 0;
    return (times[times.length - max] as number) + this.limits.windowMs - now;
  }

  private live(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const fresh = times.filter((at) => at > now - this.limits.windowMs);
    if (fresh.length === 0) this.failures.delete(key);
    else if (fresh.length !== times.length) this.failures.set(key, fresh);
    return fresh;
  }

  private record(key: string, max: number, now: number): void {
    const times = this.live(key, now);
    times.push(now);
    // Only the latest `max` failures decide; re-inserting keeps the map ordered by last failure.
    this.failures.delete(key);
    this.failures.set(key, times.slice(-max));
    if (this.failures.size > KEYS_MAX) this.shrink(now);
  }

  private forget(key: string, at: number): void {
    const times = this.failures.get(key);
    const index = times?.lastIndexOf(at) ?? -1;
    if (!times || index < 0) return;
    times.splice(index, 1);
    if (times.length === 0) this.failures.delete(key);
  }

  private shrink(now: number): void {
    for (const key of [...this.failures.keys()]) this.live(key, now);
    for (const key of this.failures.keys()) {
      if (this.failures.size <= KEYS_MAX * 0.9) break;
      this.failures.delete(key);
    }
  }
}

/** Parses "10.0.0.0/8", "::1"...; throws on anything else (config checks it at start-up). */
export function parseTrustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefixText] = entry.split('/');
    const family = isIP(address);
    const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
      throw new Error(`"${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, ::1)`);
    }
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** The address a request comes from: the peer, or what the trusted proxies in front of it saw. */
export function clientAddressOf(trusted: BlockList, peer: string | undefined, forwardedFor: string | undefined): string {
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
  let address = normalizeAddress(peer ?? '');
  // From the right, each hop was appended by the proxy after it; stop at the first hop no trusted
  // proxy vouches for. Entries further left were written by the client and prove nothing.
  const hops = forwardedFor?.split(',').map((hop) => normalizeAddress(hop.trim())) ?? [];
  while (isTrusted(address) && hops.length > 0) {
    const hop = hops.pop() as string;
    if (isIP(hop) === 0) break;
    address = hop;
  }
  return address;
}

/** "::ffff:1.2.3.4" (IPv4 on an IPv6 socket) is 1.2.3.4. */
function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** An IPv4 address, or the /64 of an IPv6 one: a single host usually owns a whole /64. */
export function addressBlock(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** "42 seconds", "15 minutes". */
export function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
