/**
 * Upload slots (BEP 3 choking). A connection unchokes a remote only when the remote is
 * authenticated and interested, and only once its file's {@link Unchoker} grants it a slot;
 * it gives the slot back when the remote loses interest or the connection closes.
 *
 * Why an injected interface: the policy spans all connections of a file (or of the whole
 * client), which no single connection can see. The simple policy here, {@link SlotUnchoker},
 * caps the unchoked peers and serves the waiting ones first come, first served as slots free
 * up. It has no tit-for-tat or optimistic unchoke rotation: in a group, peers share willingly
 * and the tracker already limits who can connect, so fairness between strangers matters less
 * than in a public swarm. A smarter policy can be swapped in behind the same two calls.
 */
import { DEFAULT_UPLOAD_SLOTS } from './constants.js';

/** Grants upload slots to connections. `peer` is any stable key (the connection object). */
export interface Unchoker {
  /**
   * `peer` wants a slot. Call `grant` once when it has one: at once, later, or never. Asking
   * again while holding or waiting is a no-op.
   */
  request(peer: object, grant: () => void): void;
  /** `peer` no longer holds or wants a slot (lost interest, choked, closed). Idempotent. */
  release(peer: object): void;
}

/** Grants every request at once: no cap. The default when a file has no unchoker. */
export const unlimitedUnchoker: Unchoker = {
  request: (_peer, grant) => grant(),
  release: () => {},
};

/** At most `slots` holders; the rest wait in arrival order. */
export class SlotUnchoker implements Unchoker {
  readonly slots: number;
  readonly #holders = new Set<object>();
  /** Insertion-ordered, so the longest waiter is first. */
  readonly #waiting = new Map<object, () => void>();

  /** @throws {RangeError} if `slots` is not a positive integer. */
  constructor(slots: number = DEFAULT_UPLOAD_SLOTS) {
    if (!Number.isSafeInteger(slots) || slots < 1) {
      throw new RangeError(`slots must be a positive integer, got ${String(slots)}`);
    }
    this.slots = slots;
  }

  /** Peers holding a slot now. */
  get unchoked(): number {
    return this.#holders.size;
  }

  /** Peers waiting for a slot. */
  get waiting(): number {
    return this.#waiting.size;
  }

  request(peer: object, grant: () => void): void {
    if (this.#holders.has(peer) || this.#waiting.has(peer)) return;
    this.#waiting.set(peer, grant);
    this.#fill();
  }

  release(peer: object): void {
    this.#waiting.delete(peer);
    if (this.#holders.delete(peer)) this.#fill();
  }

  #fill(): void {
    for (const [peer, grant] of this.#waiting) {
      if (this.#holders.size >= this.slots) return;
      this.#waiting.delete(peer);
      this.#holders.add(peer);
      grant();
    }
  }
}
