// Command-line helpers shared by the benchmarks: a size argument and `--name value` flags.
//
// Sizes are binary (K = 1024), because files and pieces are powers of two and the issue speaks
// of 256 MiB and 1 GiB; throughput, on the other hand, is printed in MB/s (10^6 bytes/s), the
// unit BitTorrent clients and disk tools print, so the figures compare with theirs.

const UNITS = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/**
 * Parses `256M`, `1G`, `512k`, `1.5G`, `64MiB`, `1GB` or a plain byte count into bytes.
 * `MB`/`GB` are read as MiB/GiB too: a benchmark file size is always binary here.
 * @throws {RangeError} on anything else, with the accepted forms in the message.
 */
export function parseSize(text) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(String(text));
  if (!m) throw new RangeError(`bad size "${text}": expected bytes or a number with K, M, G or T (e.g. 256M, 1G)`);
  const bytes = Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new RangeError(`bad size "${text}": must be a positive number of bytes`);
  return bytes;
}

/** `268435456` → `256 MiB`: the inverse of {@link parseSize}, for table titles and logs. */
export function formatSize(bytes) {
  for (const [unit, n] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]]) {
    if (bytes >= n) return `${+(bytes / n).toFixed(2)} ${unit}`;
  }
  return `${bytes} B`;
}

/** Bytes per second in MB/s (10^6), to one decimal: the unit every table prints. */
export const mbPerSec = (bytes, seconds) => +(bytes / seconds / 1e6).toFixed(1);

/**
 * Splits argv into positionals and `--flag value` / `--flag` options. Numbers stay strings:
 * each benchmark parses what it expects (a size, a count) and says what was wrong.
 */
export function parseArgv(argv = process.argv.slice(2)) {
  const positionals = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) positionals.push(a);
    else if (a.includes('=')) flags[a.slice(2, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[a.slice(2)] = argv[++i];
    else flags[a.slice(2)] = true;
  }
  return { positionals, flags };
}
