/**
 * The console's input lines, handed out one at a time in the order they were typed: to the
 * command loop, or to a command that asked a question (a password, a confirmation). One queue
 * for both keeps the order of piped input and of type-ahead on a terminal.
 */
export class LineQueue {
  private readonly lines: string[] = [];
  private waiter: ((line: string | undefined) => void) | undefined;
  private ended = false;

  push(line: string): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter(line);
    else this.lines.push(line);
  }

  /** Input ended: lines already queued are still handed out, then `next` gives undefined. */
  end(): void {
    this.ended = true;
    this.interrupt();
  }

  /** Wakes a waiting reader with undefined (Ctrl-C at a question). False if nobody waits. */
  interrupt(): boolean {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
    return waiter !== undefined;
  }

  /** The next line; undefined once input has ended, or when interrupted while waiting. */
  next(): Promise<string | undefined> {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift());
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
