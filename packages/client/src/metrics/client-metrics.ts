/**
 * A client's Prometheus metrics (for `GET /metrics` on its web server: `--web` or `--headless`),
 * read from the engine's PeerNode at each scrape: nothing is counted between scrapes, and a
 * download started before the first scrape is counted whole.
 *
 * Counters are kept monotonic across what the engine resets: a download that restarts (a new
 * Download object) starts from its own zero, and the upload tallies restart at each login, so
 * each source's last value is remembered and only what it grew by is added.
 */
import type { Download, DownloadEntry, ServedFileRow } from '@groupshare/engine';
import { Counter, Gauge, Registry } from 'prom-client';

/** Prefix of every client series. */
export const CLIENT_METRICS_PREFIX = 'groupshare_client_';

/** What the metrics read: a PeerNode fits. */
export interface ClientMetricsSource {
  readonly downloads: readonly DownloadEntry[];
  servedFiles(): ServedFileRow[];
}

/** Adds to `counter` what each source's running total grew by since the last call. */
class Growth<K extends object> {
  private readonly last = new WeakMap<K, number>();

  /** How much `key`'s total grew; a total that went down restarted, so all of it is new. */
  delta(key: K, total: number, start = 0): number {
    const before = this.last.get(key) ?? start;
    this.last.set(key, total);
    return total >= before ? total - before : total;
  }
}

const sum = (values: Iterable<number>): number => {
  let total = 0;
  for (const v of values) total += v;
  return total;
};

export function createClientMetrics(source: ClientMetricsSource, registry = new Registry()): Registry {
  const p = CLIENT_METRICS_PREFIX;
  const registers = [registry];
  const down = new Growth<Download>();
  const verified = new Growth<Download>();
  const failed = new Growth<Download>();
  /** Upload tallies are per file row; rows are rebuilt at each call, so keyed by a stable object per file. */
  const uploadKeys = new Map<string, object>();
  const up = new Growth<object>();

  new Counter({
    name: `${p}downloaded_bytes_total`,
    help: 'Block bytes received from other peers',
    registers,
    collect() {
      for (const e of source.downloads) this.inc(down.delta(e.download, sum(e.download.bytesFrom.values())));
    },
  });
  new Counter({
    name: `${p}uploaded_bytes_total`,
    help: 'Block bytes sent to other peers',
    registers,
    collect() {
      for (const row of source.servedFiles()) {
        const id = `${row.kind}\u0000${row.groupId}\u0000${row.name}`;
        let key = uploadKeys.get(id);
        if (!key) uploadKeys.set(id, (key = {}));
        this.inc(up.delta(key, row.uploadedBytes));
      }
    },
  });
  new Gauge({
    name: `${p}download_bytes_per_second`,
    help: 'Receive rate of each download in progress',
    labelNames: ['group', 'file'],
    registers,
    collect() {
      this.reset();
      for (const e of source.downloads) {
        if (e.download.state === 'downloading') this.set({ group: e.groupId, file: e.name }, e.download.progress().bytesPerSecond);
      }
    },
  });
  new Gauge({
    name: `${p}peers_connected`,
    help: 'Connections to other peers open now, about files shared or downloaded',
    registers,
    collect() {
      this.set(sum(source.servedFiles().map((r) => r.peers)));
    },
  });
  new Counter({
    name: `${p}pieces_verified_total`,
    help: 'Pieces downloaded that passed their SHA-1 check',
    registers,
    collect() {
      for (const e of source.downloads) this.inc(verified.delta(e.download, e.download.progress().verified, e.download.piecesAtStart));
    },
  });
  new Counter({
    name: `${p}pieces_failed_total`,
    help: 'Pieces downloaded that failed their SHA-1 check (their senders are suspected, then banned)',
    registers,
    collect() {
      for (const e of source.downloads) this.inc(failed.delta(e.download, e.download.piecesFailed));
    },
  });
  new Gauge({
    name: `${p}banned_peers`,
    help: 'Peers dropped for bad data by the downloads of this session',
    registers,
    collect() {
      this.set(sum(source.downloads.map((e) => e.download.bannedPeers.size)));
    },
  });
  return registry;
}
