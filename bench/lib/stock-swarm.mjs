// What a stock-client run needs around the clients: a work directory with one copy of the file
// per seeder (hard links: same inode, so the page cache holds it once and no disk is spent), an
// empty leecher directory, a local tracker and a .torrent announcing to it.
import { copyFileSync, linkSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

import { startBtTracker } from './bt-tracker.mjs';
import { stopChild } from './children.mjs';
import { hashFile } from './random-file.mjs';
import { makeTmpDir } from './tmp.mjs';
import { choosePieceLength, writeTorrent } from './torrent.mjs';

/**
 * Sets up a swarm for `file`. `pieces`/`sha1` may be passed when the caller already has them
 * (createRandomFile returns them), otherwise the file is hashed once here (not timed).
 * @returns `{ dir, name, size, sha1, infoHash, torrent, tracker, seedDirs, leechDir, children, close() }`;
 *   `close()` stops every child pushed to `children`, the tracker, and removes the directory.
 */
export async function prepareSwarm({ file, size, seeders = 3, pieceLength, pieces, sha1 }) {
  const actual = statSync(file).size;
  if (size !== undefined && size !== actual) throw new Error(`${file} is ${actual} bytes, not ${size}`);
  size = actual;
  pieceLength ??= choosePieceLength(size);
  if (!pieces || !sha1) ({ pieces, sha1 } = await hashFile(file, { pieceLength }));

  const work = makeTmpDir('groupshare-stock-');
  const children = [];
  let tracker;
  const close = async () => {
    await Promise.all(children.map((c) => stopChild(c)));
    await tracker?.stop();
    work.remove();
  };
  try {
    tracker = await startBtTracker();
    const name = path.basename(file);
    const torrent = path.join(work.path, `${name}.torrent`);
    const infoHash = writeTorrent(torrent, { announce: tracker.announceUrl, name, length: size, pieceLength, pieces });
    const seedDirs = Array.from({ length: seeders }, (_, i) => {
      const dir = path.join(work.path, `seed-${i + 1}`);
      mkdirSync(dir);
      try {
        linkSync(file, path.join(dir, name));
      } catch {
        copyFileSync(file, path.join(dir, name)); // another filesystem: a real copy
      }
      return dir;
    });
    const leechDir = path.join(work.path, 'leech');
    mkdirSync(leechDir);
    return { dir: work.path, name, size, pieceLength, sha1, infoHash, torrent, tracker, seedDirs, leechDir, children, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Calls `onEvent(obj)` for every JSON line on `stream` (libtorrent_peer.py's output); lines that
 * are not JSON go to `onOther` so a Python traceback is not lost.
 */
export function onJsonLines(stream, onEvent, onOther = () => {}) {
  readline.createInterface({ input: stream }).on('line', (line) => {
    let obj;
    try {
      obj = JSON.parse(line);
    } catch {
      onOther(line);
      return;
    }
    onEvent(obj);
  });
}

/** The last `max` lines written to `stream`, for error messages when a client dies. */
export function tailOf(stream, max = 20) {
  const lines = [];
  readline.createInterface({ input: stream }).on('line', (line) => {
    lines.push(line);
    if (lines.length > max) lines.shift();
  });
  return () => lines.join('\n');
}

/** A generous time-out for moving `size` bytes: 10 MB/s plus a minute of start-up. */
export const transferTimeoutMs = (size) => 60_000 + size / 10e6 * 1000;

/** Bytes on disk that mark "data is flowing" (see watchDirGrowth): a few pieces, not a handshake. */
export const FLOW_BYTES = 8 * 2 ** 20;

/**
 * Splits a run into start-up and transfer: `startupSeconds` from the start of the clock until
 * FLOW_BYTES were on disk, `flowMBps` the rate of the rest. Undefined when the threshold was not
 * seen (a file smaller than it, or a run too short for the poll).
 */
export function flowFields(start, flowAt, end, size) {
  if (flowAt === undefined || end <= flowAt || size <= FLOW_BYTES) return {};
  return {
    firstDataSeconds: +((flowAt - start) / 1000).toFixed(3),
    flowMBps: +((size - FLOW_BYTES) / ((end - flowAt) / 1000) / 1e6).toFixed(1),
  };
}
