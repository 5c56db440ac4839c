// What the shell prints when a background download ends: the completion line with where the
// blocks came from, or the failure; the progress itself is left to show_downloads and the live
// status line.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import type { DownloadEntry } from '@groupshare/engine';
import { describe, expect, it } from 'vitest';
import { Output } from '../output.js';
import { announceWhenSettled } from './download-events.js';

function sink(): { stream: Writable; lines: () => string[] } {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } });
  return { stream, lines: () => text.split('\n').filter((l) => l !== '') };
}

async function settle(outcome: DownloadEntry['outcome']): Promise<{ out: string[]; err: string[] }> {
  const stdout = sink();
  const stderr = sink();
  const out = new Output({ stdout: stdout.stream, stderr: stderr.stream, colour: false });
  const download = Object.assign(new EventEmitter(), {
    blocksFrom: new Map([['127.0.0.1:7001', 300], ['127.0.0.1:7002', 100]]),
    bannedPeers: new Set(['127.0.0.1:7003']),
  });
  let resolve!: () => void;
  const entry = { groupId: 'lab', name: 'big.bin', dir: '/tmp/x', download, settled: new Promise<void>((r) => (resolve = r)) } as unknown as DownloadEntry;
  announceWhenSettled({ out }, entry);
  entry.outcome = outcome;
  resolve();
  await new Promise((r) => setImmediate(r));
  return { out: stdout.lines(), err: stderr.lines() };
}

describe('the end of a background download', () => {
  it('is a completion line and where the blocks came from', async () => {
    expect((await settle({ path: '/tmp/x/big.bin' })).out).toEqual([
      '[C] [lab] big.bin: complete, SHA-1 verified: /tmp/x/big.bin',
      '  blocks from 2 peers: 127.0.0.1:7001 75%, 127.0.0.1:7002 25%; dropped for bad data: 127.0.0.1:7003',
    ]);
  });

  it('or a failure, on stderr', async () => {
    const { out, err } = await settle({ failed: 'the file is gone from the group' });
    expect(out).toEqual([]);
    expect(err).toEqual(['download of big.bin from lab failed: the file is gone from the group']);
  });
});
