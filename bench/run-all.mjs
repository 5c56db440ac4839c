#!/usr/bin/env node
// `pnpm bench`: every benchmark of issue 5, one after another, each in its own Node process (so
// one's page cache, heap and children do not weigh on the next), with its output as it comes.
//
//   node bench/run-all.mjs [size] [--runs N] [--only limits,transfer,...]
//
// `size` (e.g. 256M) goes to the benchmarks that move a file: limits, transfer, swarm, share; left
// out, each uses its own default (limits 512M, transfer 1G, swarm 256M, share 1G). `--runs` goes
// to those that repeat. Benchmarks written beside these (bench/tracker-load.mjs,
// bench/replication*.mjs) run if their file exists, with their own defaults: they measure
// clients and operations, not file sizes. One failing benchmark does not stop the others; the
// exit status is 1 if any failed, and a summary says which.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { parseArgv, parseSize } from './lib/args.mjs';
import { spawnChild } from './lib/children.mjs';
import { repoRoot } from './lib/results.mjs';

const { positionals, flags } = parseArgv();
const size = positionals[0];
if (size !== undefined) parseSize(size); // fail now on a bad size, not in every benchmark
const runs = flags.runs === undefined ? [] : ['--runs', String(flags.runs)];
const sized = size === undefined ? [] : [size];

const bench = path.join(repoRoot, 'bench');
/** [script, args] in the order they run: the limits first, as the reference for the rest. */
const plan = [
  ['limits.mjs', sized],
  ['transfer.mjs', [...sized, ...runs]],
  ['swarm.mjs', [...sized, ...runs]],
  ['share.mjs', [...sized, ...runs]],
  ['tracker-load.mjs', []],
  ...readdirSync(bench)
    .filter((f) => /^replication.*\.mjs$/.test(f))
    .sort()
    .map((f) => [f, []]),
].filter(([script]) => existsSync(path.join(bench, script)));

const only = flags.only ? String(flags.only).split(',').map((n) => n.replace(/\.mjs$/, '')) : undefined;
const chosen = only ? plan.filter(([script]) => only.includes(script.replace(/\.mjs$/, ''))) : plan;
if (only && chosen.length !== only.length) {
  throw new Error(`--only: unknown benchmark among ${only.join(', ')}; there are ${plan.map(([s]) => s.replace(/\.mjs$/, '')).join(', ')}`);
}

const outcomes = [];
for (const [script, args] of chosen) {
  console.log(`\n=== ${script} ${args.join(' ')}`.trimEnd());
  const started = performance.now();
  const child = spawnChild(process.execPath, [path.join(bench, script), ...args], { stdio: 'inherit', cwd: repoRoot });
  const { code, signal, error } = await child.exited;
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  outcomes.push({ script, ok: code === 0, how: error?.message ?? (signal ? `killed by ${signal}` : `exit ${code}`), seconds });
}

console.log('\n=== summary');
for (const o of outcomes) console.log(`${o.ok ? 'ok    ' : 'FAILED'}  ${o.script.padEnd(28)} ${o.seconds.padStart(5)} s${o.ok ? '' : `  (${o.how})`}`);
console.log('results in bench/results/');
if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
