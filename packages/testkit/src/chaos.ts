/**
 * A chaotic network link from a seed: `chaosSchedule` draws a sequence of fault episodes
 * (pure: same seed, same schedule), and `runChaos` plays it on one or more TcpProxies.
 *
 * Episodes follow each other without overlap; each sets the proxy's faults for its duration:
 *
 * | kind        | what the link does                                                          |
 * | ----------- | --------------------------------------------------------------------------- |
 * | `calm`      | nothing                                                                     |
 * | `delay`     | 10–150 ms one way, ± up to half of it (order kept within a connection)       |
 * | `duplicate` | some chunks written twice (a corrupt stream the receiver must reject)        |
 * | `drop`      | some chunks left out (ditto)                                                 |
 * | `blackhole` | nothing flows for 0.2–1.5 s, then everything held is delivered               |
 *
 * Any episode but `calm` may end with a reset of every connection (`resetAtEnd`): what the
 * proxy was holding (delayed bytes) dies with them, so the sender resends those messages on its
 * next connection, after messages that reached the receiver meanwhile by other routes or other
 * connections. That is the only way messages get reordered on a TCP link, and the reason the
 * schedule puts resets at the end of delays.
 */
import { seededRng } from '@groupshare/protocol';
import type { LinkFaults, TcpProxy } from './tcp-proxy.js';

export type ChaosKind = 'calm' | 'delay' | 'duplicate' | 'drop' | 'blackhole';

export interface ChaosEpisode {
  kind: ChaosKind;
  /** Start, in ms from the beginning of the schedule. */
  atMs: number;
  durationMs: number;
  /** The faults for both directions during the episode (none for `calm` and `blackhole`). */
  faults: LinkFaults;
  resetAtEnd: boolean;
}

export interface ChaosOptions {
  durationMs: number;
  /** Which kinds to draw from, with weights; every kind by default. */
  weights?: Partial<Record<ChaosKind, number>>;
  /** Probability that an episode (not `calm`) ends with a reset; 0.3 by default. */
  resetRate?: number;
}

const DEFAULT_WEIGHTS: Record<ChaosKind, number> = { calm: 2, delay: 4, duplicate: 1, drop: 1, blackhole: 1 };

/** The episodes for `seed`: the same seed always gives the same schedule. */
export function chaosSchedule(seed: number, options: ChaosOptions): ChaosEpisode[] {
  const random = seededRng(seed);
  const between = (lo: number, hi: number): number => Math.round(lo + random() * (hi - lo));
  const weights = Object.entries({ ...DEFAULT_WEIGHTS, ...options.weights }).filter(([, w]) => w > 0) as Array<[ChaosKind, number]>;
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  const pick = (): ChaosKind => {
    let r = random() * total;
    for (const [kind, w] of weights) if ((r -= w) < 0) return kind;
    return weights[weights.length - 1]![0];
  };
  const resetRate = options.resetRate ?? 0.3;
  const episodes: ChaosEpisode[] = [];
  for (let at = 0; at < options.durationMs; ) {
    const kind = pick();
    const durationMs = Math.min(options.durationMs - at, kind === 'blackhole' ? between(200, 1_500) : between(300, 3_000));
    let faults: LinkFaults = {};
    if (kind === 'delay') {
      const delayMs = between(10, 150);
      faults = { delayMs, jitterMs: between(0, delayMs / 2) };
    } else if (kind === 'duplicate') {
      faults = { duplicateRate: 0.01 + random() * 0.05, delayMs: between(0, 50) };
    } else if (kind === 'drop') {
      faults = { dropRate: 0.01 + random() * 0.05, delayMs: between(0, 50) };
    }
    episodes.push({ kind, atMs: at, durationMs, faults, resetAtEnd: kind !== 'calm' && random() < resetRate });
    at += durationMs;
  }
  return episodes;
}

/** One line per episode, for a failure message or the log of a seeded run. */
export function describeSchedule(episodes: readonly ChaosEpisode[]): string {
  return episodes
    .map((e) => {
      const f = Object.entries(e.faults)
        .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : v}`)
        .join(' ');
      return `${(e.atMs / 1000).toFixed(1)}s +${e.durationMs}ms ${e.kind}${f ? ` (${f})` : ''}${e.resetAtEnd ? ', then reset' : ''}`;
    })
    .join('\n');
}

export interface ChaosRun {
  /** Resolves when the schedule has played out (the proxies are healed then). */
  readonly done: Promise<void>;
  /** Episodes started so far. */
  readonly played: number;
  /** Stops early and heals the proxies. Idempotent. */
  stop(): void;
}

/** Plays `episodes` on every proxy in `proxies` (the same episode on each), then heals them. */
export function runChaos(proxies: readonly TcpProxy[], episodes: readonly ChaosEpisode[]): ChaosRun {
  const timers: NodeJS.Timeout[] = [];
  let played = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    for (const t of timers) clearTimeout(t);
    for (const proxy of proxies) proxy.heal();
    finish();
  };
  const started = Date.now();
  // One timer per boundary, chained, so an episode's end always runs before the next one starts.
  const boundary = (i: number): void => {
    const previous = episodes[i - 1];
    // Reset first: bytes held by a blackhole or a delay queue die with their connection.
    if (previous?.resetAtEnd) for (const proxy of proxies) proxy.resetConnections();
    const episode = episodes[i];
    if (episode === undefined) return stop();
    played = i + 1;
    for (const proxy of proxies) {
      proxy.setFaults(episode.faults);
      proxy.setMode(episode.kind === 'blackhole' ? 'blackhole' : 'pass');
    }
    timers[0] = setTimeout(() => boundary(i + 1), Math.max(0, started + episode.atMs + episode.durationMs - Date.now()));
  };
  boundary(0);
  return {
    done,
    get played() {
      return played;
    },
    stop,
  };
}
