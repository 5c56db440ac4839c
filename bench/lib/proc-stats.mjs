// Peak memory and CPU time of a child process, read from Linux /proc.
//
// VmHWM ("high water mark") in /proc/<pid>/status is the kernel's own record of the process's
// peak resident set size, so one read at the end would be enough; we poll too because a process
// that exits on its own is reaped by Node at once and its /proc entry is gone before we can read
// it. CPU time is utime+stime from /proc/<pid>/stat: all threads of the process, in clock ticks.
// Callers that can (a leecher that stays alive after finishing) should call `stop()` before
// killing the process, so the final figures are exact rather than one poll interval old.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// Clock ticks per second for /proc/<pid>/stat; 100 on every Linux we know, but ask.
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** One read of `pid`'s peak RSS and CPU time, or undefined when the process is gone. */
export function readProcStats(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces or ')': split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime (15) fields[12].
    const userSeconds = Number(fields[11]) / CLK_TCK;
    const systemSeconds = Number(fields[12]) / CLK_TCK;
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return {
      peakRssBytes: kb('VmHWM') * 1024,
      rssBytes: kb('VmRSS') * 1024,
      // RssAnon is the process's own memory; RssFile counts file pages it has mapped (libtorrent
      // 2 mmaps the torrent's files, so its RSS grows with the file even though the kernel can
      // drop those pages at will). The kernel keeps no peak of either, so only polls see them.
      anonBytes: kb('RssAnon') * 1024,
      fileBytes: kb('RssFile') * 1024,
      userSeconds,
      systemSeconds,
      cpuSeconds: userSeconds + systemSeconds,
    };
  } catch {
    return undefined; // exited (or a zombie already reaped): keep the last figures
  }
}

/**
 * Starts polling `pid` every `intervalMs`. `stop()` makes a final read if the process still
 * lives, stops polling and returns `{ peakRssBytes, peakAnonBytes, cpuSeconds, userSeconds,
 * systemSeconds, exact }` where `exact` says whether the final read succeeded. `peakRssBytes` is
 * the kernel's exact peak; `peakAnonBytes` is the largest anonymous RSS seen by a poll.
 */
export function watchProcess(pid, { intervalMs = 50 } = {}) {
  let last = readProcStats(pid);
  let peak = last?.peakRssBytes ?? 0;
  let peakAnon = last?.anonBytes ?? 0;
  const poll = () => {
    const s = readProcStats(pid);
    if (!s) return;
    last = s;
    peak = Math.max(peak, s.peakRssBytes);
    peakAnon = Math.max(peakAnon, s.anonBytes);
  };
  const timer = setInterval(poll, intervalMs);
  timer.unref();
  let result;
  return {
    /** The latest figures without stopping. */
    sample: () => (poll(), { ...last, peakRssBytes: peak, peakAnonBytes: peakAnon }),
    stop() {
      if (result) return result;
      clearInterval(timer);
      const final = readProcStats(pid);
      if (final) {
        last = final;
        peak = Math.max(peak, final.peakRssBytes);
        peakAnon = Math.max(peakAnon, final.anonBytes);
      }
      result = {
        peakRssBytes: peak,
        peakAnonBytes: peakAnon,
        cpuSeconds: +(last?.cpuSeconds ?? NaN).toFixed(2),
        userSeconds: +(last?.userSeconds ?? NaN).toFixed(2),
        systemSeconds: +(last?.systemSeconds ?? NaN).toFixed(2),
        exact: final !== undefined,
      };
      return result;
    },
  };
}

/** Bytes as MiB to one decimal, the unit RSS is printed in. */
export const mib = (bytes) => +(bytes / 2 ** 20).toFixed(1);
