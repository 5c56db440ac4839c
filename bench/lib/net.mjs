// A free TCP port on 127.0.0.1, for programs that must be told their port up front (aria2c's
// --listen-port, a tracker_info.txt). Prefer port 0 where the program reports what it got: there
// is a small window between closing this probe and the program binding in which another process
// could take the port.
import net from 'node:net';

/** Resolves to a TCP port that was free on `host` a moment ago. */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
