// A free 127.0.0.1 port chosen at run time, for services that cannot listen on port 0 themselves
// (their address must be known before they start).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Below Linux's ephemeral range (32768-60999), which outgoing connections and port-0 listeners
 *  draw from: a port chosen here is not taken by them between the check and its use. */
const RANGE = { from: 20_000, to: 32_000 };

function tryListen(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : null));
    });
  });
}

/**
 * Ports handed out on this machine and not yet given back: a file per port naming the process
 * that chose it, so two processes choosing at once (parallel test files, a bench beside a test)
 * never both plan one port before either listens on it. A file whose process is gone is stale.
 */
const RESERVATIONS = join(tmpdir(), 'banca-ports');
const mine = new Set<string>();
let cleanupInstalled = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reserves a port for this process; false when another live process holds it. */
export function reservePort(port: number, dir = RESERVATIONS): boolean {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      mine.add(file);
      if (!cleanupInstalled) {
        cleanupInstalled = true;
        process.once('exit', () => mine.forEach((held) => rmSync(held, { force: true })));
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (mine.has(file)) return false;
      if (owner !== process.pid && Number.isInteger(owner) && owner > 0 && alive(owner)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

/** A port that was free a moment ago and that no other process of this machine has planned,
 *  outside the ephemeral range when one can be found there. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = RANGE.from + Math.floor(Math.random() * (RANGE.to - RANGE.from));
    if (!reservePort(candidate)) continue;
    const port = await tryListen(candidate);
    if (port !== null) return port;
  }
  const port = await tryListen(0);
  if (port === null) throw new Error('no free port');
  return port;
}
