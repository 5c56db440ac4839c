/**
 * Freshness of LAN announces: an announce is accepted once, and only while its send time is within
 * `windowMs` of our clock. Nonces are remembered for twice the window, so a datagram recorded and
 * sent again later is refused either for its time or for its nonce. It runs after the announce's
 * seal, certificate and signature were checked, so only members' genuine datagrams can fill it;
 * it is capped all the same.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs = 30_000,
    private readonly maxEntries = 100_000,
  ) {}

  /**
   * Whether an announce sent at `sentAt` with `nonce` could be fresh at `nowMs`, remembering
   * nothing: checked before the costly signature checks, so a flood of replays costs little.
   */
  fresh(sentAt: number, nonce: string, nowMs: number): boolean {
    return Math.abs(nowMs - sentAt) <= this.windowMs && !this.seen.has(nonce);
  }

  /** Whether an announce sent at `sentAt` with `nonce` is fresh at `nowMs` (and remembers it if so). */
  accept(sentAt: number, nonce: string, nowMs: number): boolean {
    if (!this.fresh(sentAt, nonce, nowMs)) return false;
    if (this.seen.size >= this.maxEntries) this.prune(nowMs);
    if (this.seen.size >= this.maxEntries) return false;
    this.seen.set(nonce, nowMs);
    return true;
  }

  private prune(nowMs: number): void {
    for (const [nonce, at] of this.seen) if (nowMs - at > 2 * this.windowMs) this.seen.delete(nonce);
  }
}
