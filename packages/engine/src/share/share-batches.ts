/**
 * Packing share records into `share_files` requests (docs/protocol.md): one group per request,
 * at most MAX_SHARE_BATCH files, and a request well under MAX_REQUEST_BYTES (piece hashes are
 * most of a request: a file of N pieces costs 40·N hex characters).
 */
import { MAX_REQUEST_BYTES, MAX_SHARE_BATCH, ProtocolError } from '@groupshare/protocol';

import type { RequestFields } from '../tracker-link/index.js';
import type { ShareRecord } from './library.js';
import { shareFields } from './records.js';
import type { TrackerRequester } from './types.js';

/** What an item costs in a request besides its piece hashes (name, sha1, numbers, JSON). */
const ITEM_OVERHEAD_BYTES = 1_400;

/** Where a batch stops growing: half the request limit, leaving room for JSON escaping of names. */
const BATCH_BYTES = Math.floor(MAX_REQUEST_BYTES / 2);

/** `records` cut into batches for `share_files`, in order, each of one group. */
export function shareBatches(records: readonly ShareRecord[]): ShareRecord[][] {
  const byGroup = new Map<string, ShareRecord[][]>();
  const size = new Map<ShareRecord[], number>();
  for (const r of records) {
    const batches = byGroup.get(r.groupId) ?? [];
    byGroup.set(r.groupId, batches);
    const cost = r.pieces.length + ITEM_OVERHEAD_BYTES;
    let last = batches.at(-1);
    if (last === undefined || last.length >= MAX_SHARE_BATCH || (size.get(last) ?? 0) + cost > BATCH_BYTES) {
      last = [];
      batches.push(last);
    }
    last.push(r);
    size.set(last, (size.get(last) ?? 0) + cost);
  }
  return [...byGroup.values()].flat();
}

/** The `share_files` request registering `batch` (one group's records). */
export function shareFilesFields(batch: readonly ShareRecord[]): RequestFields<'share_files'> {
  const groupId = (batch[0] as ShareRecord).groupId;
  return { groupId, files: batch.map(({ name, size, sha1, pieceLength, pieces }) => ({ name, size, sha1, pieceLength, pieces })) };
}

/**
 * Registers `batch` (one group's records) with `share_files`; with `share_file` each if the
 * tracker does not know `share_files` (one from before it). Per record: whether it was shared
 * already, or undefined when it was refused or no tracker could be reached; `unreached` is told
 * of each record no tracker answered for.
 */
export async function registerBatch(
  link: TrackerRequester,
  batch: readonly ShareRecord[],
  unreached: (record: ShareRecord) => void,
): Promise<Array<{ alreadyShared: boolean } | undefined>> {
  try {
    const { results } = await link.request('share_files', shareFilesFields(batch));
    return batch.map((_, i) => {
      const r = results[i];
      return r !== undefined && 'infoHash' in r ? r : undefined;
    });
  } catch (err) {
    if (!(err instanceof ProtocolError)) batch.forEach(unreached);
    if (!(err instanceof ProtocolError && err.code === 'ERR_UNKNOWN_TYPE')) return batch.map(() => undefined);
  }
  const out: Array<{ alreadyShared: boolean } | undefined> = [];
  for (const r of batch) {
    out.push(await link.request('share_file', shareFields(r)).catch((err: unknown) => {
      if (!(err instanceof ProtocolError)) unreached(r);
      return undefined;
    }));
  }
  return out;
}
