/** Ports for processes that must be told theirs up front (a tracker_info.txt, aria2c's --listen-port). */
import net from 'node:net';

/**
 * A TCP port that was free on `host` a moment ago: listen on port 0, read the port, close.
 * Prefer port 0 where the program reports what it got: another process could take the port
 * between this probe closing and the program binding it.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
