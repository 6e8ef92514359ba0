import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * A port that was free on 127.0.0.1 a moment ago. Only for servers that cannot listen on port 0
 * and report the port they got (DynamoDB Local): the caller retries on a bind failure, since
 * another process may take the port in between.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}
