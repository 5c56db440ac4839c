// Scratch directories for benchmark files. Benchmarks write gigabytes, so every directory is
// removed when the benchmark ends, also when it fails or is interrupted (Ctrl-C).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const live = new Set();

/**
 * Creates a fresh directory under the OS temp dir (or `parent`) and returns `{ path, remove }`.
 * `remove()` is idempotent; any directory not removed by then goes at process exit.
 */
export function makeTmpDir(prefix = 'groupshare-bench-', parent = os.tmpdir()) {
  const dir = mkdtempSync(path.join(parent, prefix));
  live.add(dir);
  return {
    path: dir,
    remove() {
      if (!live.delete(dir)) return;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Removes every directory made by {@link makeTmpDir} that is still there. */
export function removeAllTmpDirs() {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

process.once('exit', removeAllTmpDirs);
