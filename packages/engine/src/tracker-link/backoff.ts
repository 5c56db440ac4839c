/** Pure backoff arithmetic for the tracker link (no timers, `random` injected). */

export interface BackoffOptions {
  /** Pause after the first failed round, in ms. */
  initialMs: number;
  /** Largest pause, in ms. */
  maxMs: number;
}

/**
 * The pause before round `round + 1`, after `round` (≥ 1) consecutive full rounds in which no
 * tracker could be reached: `initialMs · 2^(round−1)` capped at `maxMs`, then "equal jitter"
 * (between half and all of it) so clients that lost the same tracker do not return in step.
 */
export function backoffDelay(round: number, opts: BackoffOptions, random: () => number): number {
  const exponent = Math.min(Math.max(round - 1, 0), 30); // 2^30 already exceeds any sane cap
  const base = Math.min(opts.maxMs, opts.initialMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(base / 2 + (base / 2) * r);
}
