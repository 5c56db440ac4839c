// Page-cache hygiene between benchmark runs, and watching a download land on disk.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes all dirty pages to disk (sync(1)) and waits. A 1 GiB download leaves ~1 GiB of dirty
 * pages that the kernel writes back over the next seconds; without this, that write-back would
 * run during (and slow down) whichever run comes next, and the order of runs would decide results.
 */
export function syncDisks() {
  spawnSync('sync', { stdio: 'ignore' });
}

/**
 * Notes when the files in `dir` first hold `thresholdBytes` of allocated blocks (st_blocks, which
 * on ext4 also counts blocks reserved by delayed allocation, so data still in the page cache
 * counts). That is when a download's data has started to flow, whatever the client: its start-up
 * (process start, tracker, connections, unchoke) is before it, its transfer rate after it.
 * Polls every `intervalMs`; `stop()` returns the time (performance.now()) or undefined.
 * Meaningless for a client that preallocates the whole file (aria2c's default): none here does.
 */
export function watchDirGrowth(dir, thresholdBytes, { intervalMs = 10 } = {}) {
  let reachedAt;
  const poll = () => {
    let bytes = 0;
    try {
      for (const name of readdirSync(dir)) bytes += statSync(path.join(dir, name)).blocks * 512;
    } catch {
      return; // a file renamed or removed between readdir and stat: try again next time
    }
    if (bytes >= thresholdBytes) {
      reachedAt = performance.now();
      clearInterval(timer);
    }
  };
  const timer = setInterval(poll, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return reachedAt;
    },
  };
}
