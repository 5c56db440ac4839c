/**
 * The TCP listener of this peer's server, bound at start-up on the `<ip>:<port>` given on the
 * command line. Binding it first reserves the port and turns "address already in use" into a
 * clear start-up error instead of a surprise at the first upload, and it is the address the
 * tracker hands to other peers from login on.
 *
 * While nobody is logged in no peer server is attached, and every connection is accepted and
 * closed at once: a peer that tries us sees a clean close rather than a hang.
 */
import net from 'node:net';
import { formatHostPort, type HostPort } from '@groupshare/protocol';

/** The listener could not be bound; the message says why in the user's terms. */
export class PeerListenerError extends Error {
  readonly code = 'ERR_PEER_LISTEN';
  override readonly name = 'PeerListenerError';
}

const REASONS: Record<string, string> = {
  EADDRINUSE: 'address already in use (is another client or program listening there?)',
  EADDRNOTAVAIL: 'that IP address is not one of this machine\'s (use 0.0.0.0 to listen on all)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  ENOTFOUND: 'that host name does not resolve',
  EAI_AGAIN: 'that host name could not be resolved right now',
};

export class PeerListener {
  private closing: Promise<void> | undefined;

  private constructor(
    /** The bound server; a PeerServer attaches to it while a user is logged in. */
    readonly server: net.Server,
    /** Where it listens; the port is the real one when 0 was asked for. */
    readonly address: HostPort,
  ) {}

  /**
   * Binds `host:port` (port 0: any free port).
   *
   * @throws {PeerListenerError} naming the address and the reason.
   */
  static async open(at: HostPort): Promise<PeerListener> {
    // While no peer server is attached (nobody logged in), accept and close at once; an attached
    // PeerServer adds its own 'connection' listener and takes every socket.
    const server = net.createServer((socket) => {
      if (server.listenerCount('connection') === 1) socket.destroy();
    });
    server.on('error', () => {}); // after listening, errors would only concern accepted sockets
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const reason = REASONS[err.code ?? ''] ?? err.message;
        reject(new PeerListenerError(`cannot listen on ${formatHostPort(at)}: ${reason}`, { cause: err }));
      };
      server.once('error', onError);
      server.listen({ host: at.host, port: at.port, exclusive: true }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const bound = server.address() as net.AddressInfo;
    return new PeerListener(server, { host: at.host, port: bound.port });
  }

  /** Stops listening. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => this.server.close(() => resolve()));
    return this.closing;
  }
}
