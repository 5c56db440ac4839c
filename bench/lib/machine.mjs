// What machine a result came from. Results are compared across runs and sessions on shared,
// drifting machines, so every JSON file says which CPU, how many cores and which Node produced it.
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** CPU model, core count, memory, kernel, Node version and the date, for bench/results/*.json. */
export function machineInfo() {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    distro: distroName(),
    node: process.version,
    date: new Date().toISOString(),
  };
}

function distroName() {
  try {
    return /^PRETTY_NAME="?(.*?)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Clock ticks all cores have spent in total and idle since boot (/proc/stat): two reads give how
 * busy the machine was between them, e.g. to tell what other processes took during a measurement.
 */
export function cpuTimes() {
  // First line of /proc/stat: "cpu user nice system idle iowait irq softirq steal ...", in ticks.
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0);
  return { idle, total: f.reduce((a, b) => a + b, 0) };
}

/**
 * The share of all cores that was busy during the next `ms` milliseconds (0..1), while this
 * process sleeps: i.e. how much other work is running. These machines are shared (tests of other
 * sessions run beside a benchmark), so results carry it and the scripts warn when it is high.
 */
export async function machineBusy(ms = 1000) {
  try {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, ms));
    const b = cpuTimes();
    return +(1 - (b.idle - a.idle) / Math.max(1, b.total - a.total)).toFixed(2);
  } catch {
    return undefined; // not Linux
  }
}

/** Prints a warning when {@link machineBusy} is above `threshold`; returns the busy share. */
export async function warnIfBusy(threshold = 0.15) {
  const busy = await machineBusy();
  if (busy !== undefined && busy > threshold) {
    console.warn(`warning: ${Math.round(busy * 100)}% of the CPU is busy with other work before this benchmark; its figures will be low and noisy`);
  }
  return busy;
}
