/**
 * Runs async operations one after another per key, and different keys in parallel. The piece
 * store keys by piece index, so a block write and the verification of its piece never interleave
 * (a write landing between "hash matched" and "mark verified" would corrupt a served piece),
 * while blocks of different pieces still go to disk concurrently.
 */
export class KeyedQueue<K> {
  private readonly tails = new Map<K, Promise<unknown>>();

  /** Runs `op` once every operation queued earlier under `key` has settled (fulfilled or not). */
  run<T>(key: K, op: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(op, op);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    // Forget the key once idle, so the map holds only keys with work in flight.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves when everything queued so far has settled. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.tails.values()]);
  }
}
