// A free 127.0.0.1 port chosen at run time, for services that cannot listen on port 0 themselves
// (their address must be known before they start).
import { createServer } from 'node:net';

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

/** A port that was free a moment ago, outside the ephemeral range when one can be found there. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tryListen(RANGE.from + Math.floor(Math.random() * (RANGE.to - RANGE.from)));
    if (port !== null) return port;
  }
  const port = await tryListen(0);
  if (port === null) throw new Error('no free port');
  return port;
}
