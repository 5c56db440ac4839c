// The median of repeated runs. Shared machines only ever slow a run down, but a single fast or
// slow outlier says little either way: with --runs N the benchmarks report the median run whole
// (all its figures from the same run, not a median per column) and list every run beside it.

/** The item whose `key` is the median (the lower middle one for an even count). */
export function medianBy(items, key) {
  const sorted = [...items].sort((a, b) => a[key] - b[key]);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The median of plain numbers (the lower middle one for an even count). */
export const median = (numbers) => [...numbers].sort((a, b) => a - b)[Math.floor((numbers.length - 1) / 2)];
