/** Plain-text tables for the console: left-aligned columns two spaces apart, no trailing spaces. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** A time as the console shows it: UTC, to the second (`2026-12-07 19:30:01`). */
export function formatTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
