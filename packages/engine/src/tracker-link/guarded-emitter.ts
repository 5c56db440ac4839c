/**
 * An EventEmitter that keeps its listeners' exceptions, and those of its own timer callbacks,
 * out of the code that emits: they go to `error` listeners instead (only while one is attached,
 * because an unheard `error` event would throw). TrackerLink emits from socket handlers, where
 * an escaping exception would reach `ws`.
 */
import { EventEmitter } from 'node:events';

/** Events with an `error: [err: unknown]` event for what listeners and timers throw. */
export type GuardedEvents<E> = { [K in keyof E]: unknown[] } & { error: [err: unknown] };

/** See the module comment. */
export class GuardedEmitter<E extends GuardedEvents<E>> extends EventEmitter<E> {
  /** Emits without letting a listener's exception into the caller. */
  protected fire<K extends keyof E>(event: K, ...args: E[K]): void {
    try {
      (this.emit as unknown as (event: K, ...args: E[K]) => boolean).call(this, event, ...args);
    } catch (err) {
      this.reportError(err);
    }
  }

  /** Passes `err` to the `error` listeners, if any; what they throw is dropped. */
  protected reportError(err: unknown): void {
    const emit = this.emit as unknown as (event: 'error', err: unknown) => boolean;
    if ((this.listenerCount as (event: 'error') => number).call(this, 'error') === 0) return; // an unheard 'error' would throw
    try {
      emit.call(this, 'error', err);
    } catch {
      // An error listener that throws has nowhere left to report to.
    }
  }

  /** Wraps a timer callback so that nothing it throws escapes. */
  protected guard(fn: () => void): () => void {
    return () => {
      try {
        fn();
      } catch (err) {
        this.reportError(err);
      }
    };
  }
}
