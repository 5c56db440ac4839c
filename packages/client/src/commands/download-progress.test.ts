// What a terminal user sees of a background download: a show_downloads line at 25, 50 and 75 %
// once it has run for a moment, the completion line with where the blocks came from, and
// nothing at all of the progress in piped mode.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';

import type { DownloadEntry } from '@groupshare/engine';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { Output } from '../output.js';
import { announceWhenSettled } from './files.js';
import type { CommandContext } from './types.js';

class FakeDownload extends EventEmitter {
  state = 'downloading';
  verified = 0;
  readonly total = 100;
  blocksFrom = new Map([['127.0.0.1:7001', 300], ['127.0.0.1:7002', 100]]);
  bannedPeers = new Set(['127.0.0.1:7003']);
  progress() {
    return { verified: this.verified, total: this.total, bytesPerSecond: 3 * 1024 * 1024, peers: 2 };
  }
  advance(to: number): void {
    this.verified = to;
    this.emit('progress', this.progress());
  }
}

function sink(): { stream: Writable; lines: () => string[] } {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } });
  return { stream, lines: () => text.split('\n').filter((l) => l !== '') };
}

function setup(interactive: boolean) {
  const stdout = sink();
  const out = new Output({ stdout: stdout.stream, stderr: sink().stream, colour: false });
  const download = new FakeDownload();
  let settle!: () => void;
  const entry = {
    groupId: 'lab', name: 'big.bin', dir: '/tmp/x', download, settled: new Promise<void>((r) => (settle = r)),
  } as unknown as DownloadEntry;
  announceWhenSettled({ interactive, out } as unknown as CommandContext, entry);
  const finish = async (): Promise<void> => {
    entry.outcome = { path: '/tmp/x/big.bin' };
    settle();
    await entry.settled;
    await new Promise((r) => setImmediate(r));
  };
  return { download, lines: stdout.lines, finish };
}

describe('download progress on a terminal', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['Date'] }));
  afterEach(() => vi.useRealTimers());

  it('prints a line at each quarter after the first two seconds, then the completion and its sources', async () => {
    const { download, lines, finish } = setup(true);
    download.advance(30); // a quick first quarter: no line yet
    vi.advanceTimersByTime(2_500);
    download.advance(40); // same quarter: nothing
    download.advance(55);
    download.advance(80);
    download.advance(99);
    await finish();
    expect(lines()).toEqual([
      '[D] [lab] big.bin  55%  3 MiB/s  2 peers',
      '[D] [lab] big.bin  80%  3 MiB/s  2 peers',
      '[C] [lab] big.bin: complete, SHA-1 verified: /tmp/x/big.bin',
      '  blocks from 2 peers: 127.0.0.1:7001 75%, 127.0.0.1:7002 25%; dropped for bad data: 127.0.0.1:7003',
    ]);
    expect(download.listenerCount('progress')).toBe(0); // no listener left behind
  });

  it('prints no progress in piped mode, only the completion', async () => {
    const { download, lines, finish } = setup(false);
    vi.advanceTimersByTime(5_000);
    download.advance(50);
    download.advance(75);
    await finish();
    expect(lines()[0]).toBe('[C] [lab] big.bin: complete, SHA-1 verified: /tmp/x/big.bin');
    expect(lines()).toHaveLength(2);
  });
});
