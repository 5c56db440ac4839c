/**
 * Back-pressure on what clients send: requests received but not answered yet are capped per
 * connection (count and bytes) and per remote address (bytes), and a connection at a cap stops
 * being read (its socket is paused) until answers free room. TCP then pushes back on the sender.
 *
 * Why: ws reads frames as fast as they arrive, and each becomes a queued task holding its text.
 * Without a cap one connection pipelining 10,000 requests queued all of them: memory grew with
 * whatever the client sent, and answering them ran as one long chain of microtasks that kept
 * every other client waiting. Why per address too: one host may hold hundreds of sockets
 * (address-limit.ts), each within its own cap.
 */
import type { WebSocket } from 'ws';

export interface FlowLimits {
  /** Requests one connection may have received and not yet answered. */
  maxRequests: number;
  /** Bytes of such requests, per connection. */
  maxBytes: number;
  /** Bytes of such requests, over every connection from one address. */
  maxAddressBytes: number;
}

/** Bytes in flight per remote address, and the connections paused until their address has room. */
export class AddressBytes {
  private readonly bytes = new Map<string, number>();
  private readonly waiting = new Map<string, Set<ConnectionFlow>>();

  constructor(readonly maxPerAddress: number) {}

  add(address: string, n: number): void {
    this.bytes.set(address, (this.bytes.get(address) ?? 0) + n);
  }

  remove(address: string, n: number): void {
    const left = (this.bytes.get(address) ?? 0) - n;
    if (left <= 0) this.bytes.delete(address);
    else this.bytes.set(address, left);
    if (!this.full(address)) {
      const waiting = this.waiting.get(address);
      this.waiting.delete(address);
      for (const flow of waiting ?? []) flow.check();
    }
  }

  full(address: string): boolean {
    return (this.bytes.get(address) ?? 0) >= this.maxPerAddress;
  }

  /** Bytes in flight from `address`. */
  inFlight(address: string): number {
    return this.bytes.get(address) ?? 0;
  }

  wait(address: string, flow: ConnectionFlow): void {
    let set = this.waiting.get(address);
    if (!set) this.waiting.set(address, (set = new Set()));
    set.add(flow);
  }
}

/** One connection's requests in flight; pauses and resumes its socket at the caps. */
export class ConnectionFlow {
  private requests = 0;
  private bytes = 0;

  constructor(
    private readonly socket: Pick<WebSocket, 'pause' | 'resume' | 'isPaused'>,
    private readonly address: string,
    private readonly limits: FlowLimits,
    private readonly shared: AddressBytes,
  ) {}

  /** A request of `n` bytes arrived; it counts until {@link answered}. */
  received(n: number): void {
    this.requests++;
    this.bytes += n;
    this.shared.add(this.address, n);
    this.check();
  }

  /** The request of `n` bytes received before has been answered (or dropped). */
  answered(n: number): void {
    this.requests--;
    this.bytes -= n;
    this.shared.remove(this.address, n);
    this.check();
  }

  /** Pauses the socket at a cap and resumes it once under every cap again. */
  check(): void {
    const own = this.requests >= this.limits.maxRequests || this.bytes >= this.limits.maxBytes;
    const address = this.shared.full(this.address);
    if (own || address) {
      if (!this.socket.isPaused) this.socket.pause();
      // The address's room may be freed by another connection: wait to be told.
      if (address) this.shared.wait(this.address, this);
    } else if (this.socket.isPaused) {
      this.socket.resume();
    }
  }
}
