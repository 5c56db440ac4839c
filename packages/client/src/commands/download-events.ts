/**
 * What the shell says about a download running in the background, wherever it was started (the
 * shell, the web page, a resume at login): the line when it completes (with where its blocks
 * came from) or fails, printed whenever that happens. The service records it in client.log. Progress itself is on demand
 * (`show_downloads`) and, on a terminal, in the live status line under the prompt.
 */
import type { DownloadEntry } from '@groupshare/engine';

import { safeText } from '../render.js';
import type { CommandContext } from './types.js';

/**
 * Prints one line when a background download completes or fails (a cancelled one never settles),
 * and when it stalls (missing pieces with no online holder) or goes on again.
 */
export function announceWhenSettled(ctx: Pick<CommandContext, 'out'>, entry: DownloadEntry): void {
  const what = `${safeText(entry.name)} from ${safeText(entry.groupId)}`;
  const head = `[${safeText(entry.groupId)}] ${safeText(entry.name)}`;
  const onStalled = ({ reason }: { reason: string }): void => ctx.out.warn(`[F] ${head}: ${safeText(reason)}; waiting, it resumes when one comes online`);
  const onUnstalled = (): void => ctx.out.event(`[D] ${head}: resumed, the missing pieces have an online holder again`);
  entry.download.on('stalled', onStalled);
  entry.download.on('unstalled', onUnstalled);
  void entry.settled.then(() => {
    entry.download.off('stalled', onStalled);
    entry.download.off('unstalled', onUnstalled);
    const outcome = entry.outcome;
    if (outcome && 'path' in outcome) {
      ctx.out.event(`[C] [${safeText(entry.groupId)}] ${safeText(entry.name)}: complete, SHA-1 verified: ${safeText(outcome.path)}`);
      const sources = sourcesLine(entry.download.blocksFrom, entry.download.bannedPeers);
      if (sources !== undefined) ctx.out.event(sources);
    } else if (outcome) ctx.out.warn(`download of ${what} failed: ${safeText(outcome.failed)}`);
  });
}

/**
 * `  blocks from 2 peers: 127.0.0.1:4001 61%, 127.0.0.1:4002 39%; dropped for bad data: 127.0.0.1:4003`
 * (this session's blocks, bad ones included), or undefined if no block came.
 */
export function sourcesLine(blocksFrom: ReadonlyMap<string, number>, banned: ReadonlySet<string> = new Set()): string | undefined {
  const counts = [...blocksFrom].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return undefined;
  const parts = counts.map(([address, n]) => `${safeText(address)} ${Math.round((100 * n) / total)}%`);
  const dropped = banned.size === 0 ? '' : `; dropped for bad data: ${[...banned].map(safeText).join(', ')}`;
  return `  blocks from ${counts.length} peer${counts.length === 1 ? '' : 's'}: ${parts.join(', ')}${dropped}`;
}
