// Reading a V8 .cpuprofile (what `node --cpu-prof` writes at exit) into "where did the time go":
// self time per function, the way DevTools' bottom-up view shows it, as plain rows for a table.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** node arguments that make a process write a CPU profile into `dir` when it exits cleanly. */
export const cpuProfArgs = (dir) => (dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []);

/**
 * performance.now() (ms) of this process as the clock V8 stamps profile samples with (CLOCK_MONOTONIC,
 * µs), so a window timed here can select the samples of a child's profile.
 */
export function monotonicMicros(performanceNow = performance.now()) {
  const offsetMs = Number(process.hrtime.bigint() / 1000n) / 1000 - performance.now();
  return Math.round((performanceNow + offsetMs) * 1000);
}

/**
 * Self time per function (name, file, line), largest first. Idle time is left out of the shares:
 * they are shares of the time the process was working (JavaScript, GC, native code). With
 * `fromUs`/`toUs` (see {@link monotonicMicros}) only samples in that window count, e.g. the
 * download and not the process's start-up.
 * @returns `{ totalMs, busyMs, rows: [{ function, where, selfMs, share }] }`, `rows` cut to `top`.
 */
export function summarizeCpuProfile(file, { top = 15, fromUs = -Infinity, toUs = Infinity } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  // Sample i is taken at startTime + Σ timeDeltas[0..i] and stands for the time until the next one.
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });
  const byFunction = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    totalUs += us;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'}\u0000${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const rows = [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => {
      const [fn, where] = key.split('\u0000');
      return { function: fn, where, selfMs: Math.round(us / 1000), share: `${((100 * us) / Math.max(1, busyUs)).toFixed(1)}%` };
    });
  return { totalMs: Math.round(totalUs / 1000), busyMs: Math.round(busyUs / 1000), rows };
}

/** `file:///work/main/packages/engine/dist/x.js` → `engine/dist/x.js`; node internals stay as they are. */
function shortUrl(url) {
  const m = /packages\/(.*)$/.exec(url);
  return m ? m[1] : url.replace(/^file:\/\//, '');
}

/** The .cpuprofile files in `dir` (what --cpu-prof-dir collected), full paths. */
export function cpuProfilesIn(dir) {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}
