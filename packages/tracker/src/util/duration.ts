/** Durations on the command line (`--evict-after 3d`): a whole number and a unit. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds in `text`: `<n>ms`, `<n>s`, `<n>m`, `<n>h` or `<n>d`, n a positive whole number.
 * Undefined for anything else, so the caller can say what is expected.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^([1-9]\d{0,9})(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}
