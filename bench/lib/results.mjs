// Printing and saving results. Every benchmark prints a table for the person watching and writes
// bench/results/<name>.json (with the machine it ran on) for the docs and for later comparison.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { machineInfo } from './machine.mjs';

/** The repository root (bench/lib/../..), so scripts work from any working directory. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const resultsDir = path.join(repoRoot, 'bench/results');

/**
 * Prints `rows` (objects) as an aligned text table under `title`. Columns are the union of the
 * rows' keys in first-seen order; numbers are right-aligned. Plain text rather than
 * console.table, so the output pastes into docs and issue comments as it is.
 */
export function printTable(title, rows) {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals, isHeader) =>
    vals.map((v, i) => (!isHeader && typeof rows[0]?.[cols[i]] === 'number' ? v.padStart(width[i]) : v.padEnd(width[i]))).join('  ').trimEnd();
  const out = [`\n${title}`, line(cols, true), width.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) out.push(line(cols.map((c) => cell(r[c])), false));
  console.log(out.join('\n'));
}

/**
 * Writes bench/results/<name>.json: `{ benchmark: name, machine, ...result }`.
 * @returns the file's path.
 */
export function writeResults(name, result) {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ benchmark: name, machine: machineInfo(), ...result }, null, 2)}\n`);
  return file;
}
