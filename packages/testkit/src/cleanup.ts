/**
 * Cleanup: what a test started, released in afterEach whether the test passed or not, last
 * started first (a proxy before the cluster behind it, a client link before its trackers).
 */
export class Cleanup {
  private readonly steps: Array<() => PromiseLike<void> | void> = [];

  /** Registers a resource and returns it, so `const x = cleanup.add(await X.start())` reads well. */
  add<T extends AsyncDisposable>(resource: T): T {
    this.steps.push(() => resource[Symbol.asyncDispose]());
    return resource;
  }

  /** Registers a function to run at cleanup. */
  defer(step: () => PromiseLike<void> | void): void {
    this.steps.push(step);
  }

  /** Runs every step (newest first), even when one throws; throws the first failure after. */
  async run(): Promise<void> {
    let first: unknown;
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }
}
