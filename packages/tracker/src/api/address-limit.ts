/**
 * A cap on the WebSockets one remote address may hold open on a tracker (clients and
 * replication peers alike). Without it, one host could open sockets until the tracker runs out
 * of file descriptors or memory, and nobody else could connect. A refused socket is closed at
 * once with 1008 (policy violation) and a reason saying what to do; other addresses are not
 * affected, and a socket closing makes room for the next.
 *
 * Why a per-address cap and not a global one: a global cap lets one host lock everybody out.
 * Why the default is generous (DEFAULT_MAX_CONNECTIONS_PER_ADDRESS): many users behind one NAT
 * share an address, and each client holds one socket.
 */
import type { WebSocket } from 'ws';

/** WebSocket close code for a refused connection (RFC 6455 §7.4.1: policy violation). */
export const CLOSE_TOO_MANY_CONNECTIONS = 1008;

export class AddressLimit {
  private readonly open = new Map<string, number>();
  /** Addresses refused since they were last below the cap: one log line per episode, not per socket. */
  private readonly refusing = new Set<string>();

  /**
   * @param onRefusing called on the first refusal since `address` was last below the cap (a log
   *   line per episode, not per socket: a flood must not flood the log too).
   */
  constructor(
    readonly maxPerAddress: number,
    private readonly onRefusing: (address: string) => void = () => {},
  ) {
    if (!Number.isInteger(maxPerAddress) || maxPerAddress < 1) throw new RangeError(`maxPerAddress must be a positive integer, got ${maxPerAddress}`);
  }

  /**
   * Counts one more socket from `address`, or refuses it at the cap. `firstRefusal` is true for
   * the first refusal since the address was last below the cap (the one worth a log line).
   */
  acquire(address: string): { ok: true } | { ok: false; firstRefusal: boolean } {
    const count = this.open.get(address) ?? 0;
    if (count >= this.maxPerAddress) {
      const firstRefusal = !this.refusing.has(address);
      this.refusing.add(address);
      return { ok: false, firstRefusal };
    }
    this.open.set(address, count + 1);
    return { ok: true };
  }

  /** Forgets one socket from `address` (acquired before). */
  release(address: string): void {
    const count = (this.open.get(address) ?? 0) - 1;
    if (count <= 0) this.open.delete(address);
    else this.open.set(address, count);
    this.refusing.delete(address);
  }

  /** Open sockets counted for `address`. */
  count(address: string): number {
    return this.open.get(address) ?? 0;
  }

  /**
   * Admits `socket` from `address` or closes it with {@link CLOSE_TOO_MANY_CONNECTIONS} and a
   * reason. An admitted socket is released when it closes. Returns whether it was admitted.
   */
  admit(socket: WebSocket, address: string): boolean {
    const verdict = this.acquire(address);
    if (!verdict.ok) {
      // The reason must fit in 123 bytes; an IPv6 address is at most 45 characters.
      socket.close(CLOSE_TOO_MANY_CONNECTIONS, `too many connections from ${address} (at most ${this.maxPerAddress}); close some and retry`);
      if (verdict.firstRefusal) this.onRefusing(address);
      return false;
    }
    socket.once('close', () => this.release(address));
    return true;
  }
}
