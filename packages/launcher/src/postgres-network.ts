// A PostgreSQL server of the launcher's on 127.0.0.1 and, when given one, another address of this
// machine (a bridge's, say), where the clients on that address's network log in as on loopback.
import { readFileSync, writeFileSync } from 'node:fs';

export const LOOPBACK = '127.0.0.1';

/** The listen_addresses value: loopback (the launcher's own connections) and the address. */
export function listenAddresses(address: string): string {
  return [...new Set([LOOPBACK, address])].join(',');
}

/** Adds to pg_hba.conf a line like its loopback one (initdb lets in loopback only), for every
 *  network this machine is on (samenet). */
export function openToNetwork(hbaFile: string): void {
  const text = readFileSync(hbaFile, 'utf8');
  const loopback = text.split('\n').find((line) => /^host\s+all\s+all\s+127\.0\.0\.1\/32\s+/.test(line));
  if (!loopback) throw new Error(`${hbaFile} has no loopback line to open the network like`);
  writeFileSync(hbaFile, `${text}\n# banca: the network of the address given\n${loopback.replace('127.0.0.1/32', 'samenet')}\n`);
}
