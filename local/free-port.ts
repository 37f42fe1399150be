import { createServer } from 'node:net';

/**
 * A loopback port nobody listens on right now (bound once to get a free number, then closed):
 * for a server a test or script starts, or as a closed port to show an unreachable dependency.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      if (addr === null || typeof addr === 'string') return s.close(() => reject(new Error('no TCP address')));
      s.close(() => resolve(addr.port));
    });
  });
}
