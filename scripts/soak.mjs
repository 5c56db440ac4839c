#!/usr/bin/env node
// `pnpm soak`: the long versions of the robustness scenarios
// (packages/integration/test/robustness/*.test.ts), each run many times with fresh seeds.
//
//   node scripts/soak.mjs [--runs N] [--only <pattern>]
//
// Each scenario file runs in its own vitest process, one after another, with
//   GROUPSHARE_SOAK=1            the long durations and sizes (testkit's seeds.ts),
//   GROUPSHARE_SOAK_RUNS=N       seeded runs per scenario (default 20),
//   GROUPSHARE_SOAK_REPORT=file  where recordFigure() appends the figures each run measured.
// `--only` keeps the files whose name contains the pattern (or matches it as a regex).
// Then a table per scenario (runs, passed, failed seeds, each figure's median, p90 and max)
// and bench/results/soak.json. A failed seed is replayed alone with
// GROUPSHARE_TEST_SEED=<seed> npx vitest run <file>. Exit status 1 if any run failed.
//
// The scenarios start the built trackers and clients (dist/), so the build must be current:
// this refuses to start when a dist is missing or older than its sources.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parseArgv } from '../bench/lib/args.mjs';
import { groupshareVersion } from '../bench/lib/groupshare.mjs';
import { median } from '../bench/lib/median.mjs';
import { printTable, repoRoot, writeResults } from '../bench/lib/results.mjs';

const { flags } = parseArgv();
const runs = flags.runs === undefined ? 20 : Number(flags.runs);
if (!Number.isSafeInteger(runs) || runs < 1) fail(`--runs must be a positive integer, not ${flags.runs}`);
const only = typeof flags.only === 'string' ? flags.only : undefined;

checkBuild();
const dir = path.join(repoRoot, 'packages/integration/test/robustness');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => f !== 'history-check.test.ts') // a test of the checker, not a scenario
  .filter((f) => only === undefined || f.includes(only) || safeRegex(only)?.test(f))
  .sort();
if (files.length === 0) fail(`no scenario matches ${only}`);
console.log(`soak: ${files.length} scenario file(s), ${runs} seeded run(s) each: ${files.join(', ')}`);

const work = mkdtempSync(path.join(os.tmpdir(), 'groupshare-soak-'));
const scenarios = [];
for (const file of files) scenarios.push(runScenario(file));
rmSync(work, { recursive: true, force: true });

for (const s of scenarios) {
  printTable(
    `${s.file}: ${s.passed}/${s.runs} passed in ${(s.durationMs / 1000).toFixed(0)} s (${(s.durationMs / Math.max(1, s.runs) / 1000).toFixed(1)} s a run)` +
      (s.failed.length ? `; failed seeds: ${s.failed.map((f) => f.seed).join(', ')}` : ''),
    Object.entries(s.figures).map(([name, f]) => ({ figure: name, unit: f.unit, n: f.n, median: f.median, p90: f.p90, max: f.max })),
  );
  for (const f of s.failed) console.log(`  seed ${f.seed}: ${f.message.split('\n')[0]}\n    replay: GROUPSHARE_TEST_SEED=${f.seed} npx vitest run ${s.path}`);
}
const out = writeResults('soak', { version: groupshareVersion(), date: new Date().toISOString(), runsPerScenario: runs, scenarios });
console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
process.exit(scenarios.every((s) => s.failed.length === 0 && s.passed === s.runs) ? 0 : 1);

/** Runs one scenario file in vitest with the soak environment; returns its results. */
function runScenario(file) {
  const rel = path.relative(repoRoot, path.join(dir, file));
  const report = path.join(work, `${file}.figures.jsonl`);
  const json = path.join(work, `${file}.results.json`);
  console.log(`\n=== ${rel} (${runs} runs) ===`);
  const started = Date.now();
  const vitest = path.join(repoRoot, 'node_modules/.bin/vitest');
  // A soak run is long (a 60 s chaos phase, a 64 MiB download): the suite's 60 s limit is for
  // the short versions.
  const result = spawnSync(vitest, ['run', rel, '--project', 'integration', '--testTimeout', '900000', '--reporter', 'default', '--reporter', 'json', '--outputFile.json', json], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, GROUPSHARE_SOAK: '1', GROUPSHARE_SOAK_RUNS: String(runs), GROUPSHARE_SOAK_REPORT: report },
  });
  const durationMs = Date.now() - started;
  const tests = existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')).testResults.flatMap((t) => t.assertionResults) : [];
  const seedOf = (title) => Number(/\(seed (\d+)\)/.exec(title)?.[1] ?? NaN);
  const failed = tests
    .filter((t) => t.status !== 'passed')
    .map((t) => ({ seed: seedOf(t.title), title: t.title, message: (t.failureMessages ?? []).join('\n').slice(0, 4000) || t.status }));
  if (tests.length === 0) failed.push({ seed: NaN, title: file, message: `vitest exited with ${result.status} and reported no test` });
  // Passing tests with a failing exit: unhandled errors, which may hide a real failure.
  else if (failed.length === 0 && result.status !== 0) failed.push({ seed: NaN, title: file, message: `every test passed but vitest exited with ${result.status} (unhandled errors: see its output)` });
  return { file, path: rel, runs: tests.length, passed: tests.filter((t) => t.status === 'passed').length, failed, durationMs, figures: summarize(report) };
}

/** Figures by name: unit, count, median, p90 and max over every run. */
function summarize(report) {
  if (!existsSync(report)) return {};
  const byName = new Map();
  for (const line of readFileSync(report, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const f = JSON.parse(line);
    const entry = byName.get(f.name) ?? { unit: f.unit, values: [] };
    entry.values.push(f.value);
    byName.set(f.name, entry);
  }
  const out = {};
  for (const [name, { unit, values }] of byName) {
    const sorted = [...values].sort((a, b) => a - b);
    out[name] = { unit, n: values.length, median: median(values), p90: sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)], max: sorted[sorted.length - 1], values };
  }
  return out;
}

/** Refuses to run on a missing or stale build: the scenarios run dist/, not the sources. */
function checkBuild() {
  const stale = [];
  for (const pkg of ['protocol', 'engine', 'client', 'tracker']) {
    const root = path.join(repoRoot, 'packages', pkg);
    const dist = path.join(root, 'dist');
    if (!existsSync(dist)) fail(`packages/${pkg}/dist is missing: build first (npx -y pnpm@10.34.8 run build)`);
    const newest = (d, filter) =>
      readdirSync(d, { recursive: true })
        .map(String)
        .filter(filter)
        .reduce((max, f) => Math.max(max, statSync(path.join(d, f)).mtimeMs), 0);
    const src = newest(path.join(root, 'src'), (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('generated'));
    if (src > newest(dist, (f) => f.endsWith('.js'))) stale.push(pkg);
  }
  if (stale.length > 0) fail(`the build is older than the sources of ${stale.join(', ')}: build first (npx -y pnpm@10.34.8 run build)`);
}

function safeRegex(text) {
  try {
    return new RegExp(text);
  } catch {
    return undefined;
  }
}

function fail(message) {
  console.error(`soak: ${message}`);
  process.exit(2);
}
