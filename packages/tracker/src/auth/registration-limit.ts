/**
 * Registrations per client address: a few at a time, and a bounded number per minute. Each one
 * costs an argon2 hash and a replicated account, so one address must not be able to fill the
 * hashing lane (passwords.ts) or the user table at will. Only registrations that get as far as
 * hashing count: asking for a taken id costs nothing and is not limited. Pure: `now` is passed in.
 */
import { ProtocolError } from '@groupshare/protocol';

export interface RegistrationLimitInit {
  /** Registrations one address may have hashing (or waiting to) at once. */
  maxInFlight: number;
  /** Registrations one address may make in a burst... */
  burst: number;
  /** ...and then one per this many milliseconds. */
  refillMs: number;
  /** Most addresses remembered; the stalest are dropped first. */
  maxEntries: number;
}

interface Bucket {
  tokens: number;
  at: number;
  inFlight: number;
}

export class RegistrationLimit {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly init: RegistrationLimitInit) {}

  /**
   * Admits one registration from `address`, or refuses it. Call the returned function when its
   * hashing is over (done or failed).
   *
   * @throws {ProtocolError} ERR_BUSY (too many at once from this address), ERR_RATE_LIMITED
   */
  admit(address: string, now: number): () => void {
    const bucket = this.refilled(address, now);
    if (bucket.inFlight >= this.init.maxInFlight) {
      throw new ProtocolError('ERR_BUSY', `${this.init.maxInFlight} registrations from your address are still being processed; try again shortly`, 1_000);
    }
    if (bucket.tokens < 1) {
      const wait = Math.ceil((1 - bucket.tokens) * this.init.refillMs);
      throw new ProtocolError('ERR_RATE_LIMITED', `too many registrations from your address; try again in ${Math.ceil(wait / 1000)} s`, wait);
    }
    bucket.tokens -= 1;
    bucket.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      bucket.inFlight -= 1;
    };
  }

  get size(): number {
    return this.buckets.size;
  }

  private refilled(address: string, now: number): Bucket {
    let bucket = this.buckets.get(address);
    if (bucket) {
      bucket.tokens = Math.min(this.init.burst, bucket.tokens + Math.max(0, now - bucket.at) / this.init.refillMs);
      bucket.at = now;
      this.buckets.delete(address); // re-inserted below: Map order is "least recently used first"
    } else {
      bucket = { tokens: this.init.burst, at: now, inFlight: 0 };
    }
    this.buckets.set(address, bucket);
    for (const [key, old] of this.buckets) {
      if (this.buckets.size <= this.init.maxEntries) break;
      // A bucket with registrations in flight is kept, so its release always finds it.
      if (old.inFlight === 0) this.buckets.delete(key);
    }
    return bucket;
  }
}
