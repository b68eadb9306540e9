// A free 127.0.0.1 port chosen at run time, for services that cannot listen on port 0 themselves.
import { createServer } from 'node:net';

/** A port that was free a moment ago: listen on port 0, read it, close. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
