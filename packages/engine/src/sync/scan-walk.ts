/**
 * The file-system part of a folder scan (scan.ts), on a worker thread: one `readdir` per
 * directory and one `lstat` per regular file, as synchronous calls. Awaited one by one on the
 * event loop, the 100,000 `lstat`s of a large folder took over ten seconds (each a round trip
 * through libuv's thread pool); as plain system calls on a thread of their own they take a
 * fraction of a second, and the event loop stays free meanwhile.
 *
 * The walk neither follows symbolic links (they are listed for the caller to report) nor enters
 * the folder's own `.groupshare`; it does not judge names (the caller does, with the rules of
 * version-name.ts), so it enters every other directory. Results come back as flat arrays: a
 * path list and one Float64Array of (size, mtime, inode) triples, not an object per file.
 */
import type { Worker } from 'node:worker_threads';

import { startEvalWorker } from '../storage/eval-worker.js';

/** What the walk found below `root`, paths relative and `/`-separated. */
export interface Walk {
  /** Directories in walk order, parents before children (`''` is the root). */
  dirs: string[];
  /** Regular files, and for file i: size, mtimeMs and inode at 3i, 3i+1, 3i+2 of `stats`. */
  files: string[];
  stats: Float64Array;
  /** Symbolic links (never followed). */
  links: string[];
}

function walkMain(require: (id: string) => unknown): void {
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const fs = require('node:fs') as typeof import('node:fs');
  parentPort!.on('message', (root: string) => {
    const dirs: string[] = [];
    const files: string[] = [];
    const links: string[] = [];
    let stats = new Float64Array(3 * 1024);
    const pending = [''];
    while (pending.length > 0) {
      const rel = pending.pop() as string;
      let entries;
      try {
        entries = fs.readdirSync(rel === '' ? root : `${root}/${rel}`, { withFileTypes: true });
      } catch {
        continue; // removed (or made unreadable) while we walked
      }
      dirs.push(rel);
      for (const entry of entries) {
        const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (path === '.groupshare') continue;
        if (entry.isSymbolicLink()) links.push(path);
        else if (entry.isDirectory()) pending.push(path);
        else if (entry.isFile()) {
          const st = fs.lstatSync(`${root}/${path}`, { throwIfNoEntry: false });
          if (st === undefined || !st.isFile()) continue; // gone, or replaced meanwhile
          const i = 3 * files.length;
          if (i + 3 > stats.length) {
            const bigger = new Float64Array(stats.length * 2);
            bigger.set(stats);
            stats = bigger;
          }
          stats[i] = st.size;
          stats[i + 1] = st.mtimeMs;
          stats[i + 2] = st.ino;
          files.push(path);
        }
      }
    }
    const used = stats.slice(0, 3 * files.length);
    parentPort!.postMessage({ dirs, files, stats: used, links }, [used.buffer]);
  });
}

/** After a walk of more files than this, the worker is ended rather than kept. */
const KEEP_WORKER_FILES = 10_000;

let worker: Worker | undefined;
/** Walks run one at a time on the one worker. */
let queue: Promise<unknown> = Promise.resolve();

/** Walks `root` (see the module comment). */
export function walkFolder(root: string): Promise<Walk> {
  const run = async (): Promise<Walk> => {
    // A small young generation: the walk makes a Dirent per entry, garbage at once, which a
    // default-sized one would let pile up to tens of MiB before collecting.
    const w = (worker ??= startEvalWorker(walkMain, { maxYoungGenerationSizeMb: 2 }));
    w.ref();
    try {
      return await new Promise<Walk>((resolve, reject) => {
        const onError = (err: Error): void => {
          w.off('message', onMessage);
          worker = undefined; // a new one next time
          reject(err);
        };
        const onMessage = (walk: Walk): void => {
          w.off('error', onError);
          if (walk.files.length > KEEP_WORKER_FILES) {
            // Its heap grew with the walk: freed with the thread (a new one starts in tens of
            // milliseconds, little beside a walk this long).
            worker = undefined;
            void w.terminate();
          }
          resolve(walk);
        };
        w.once('message', onMessage);
        w.once('error', onError);
        w.postMessage(root);
      });
    } finally {
      w.unref();
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}
