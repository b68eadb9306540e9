// Where a service runs. Every service binds the address its config names (`host`, default
// 127.0.0.1); the launcher's callers may give a bank, the registry and the dossier a host of
// their own: the address to bind and to be reached at, and, when that host is a network
// namespace of this machine (`ip netns`, the multi-host test), the namespace to run it in.
import { isIPv6 } from 'node:net';

export interface ServiceHost {
  /** The address the service binds (its config `host`) and is reached at. */
  address: string;
  /** A network namespace of this machine to start the process in (through `ip netns exec`). */
  netns?: string;
}

/** Where services listen when no host is given (every service's config default). */
export const LOCAL_ADDRESS = '127.0.0.1';

/** http://address:port, an IPv6 address in brackets. */
export function httpUrl(address: string, port: number): string {
  return `http://${isIPv6(address) ? `[${address}]` : address}:${port}`;
}
