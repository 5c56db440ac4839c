import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientLog, formatValue } from './client-log.js';
import { RotatingLogFile } from './log-file.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('client.log', () => {
  it('rotates at the size limit: client.log.1, .2, .3, the oldest dropped', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'groupshare-log-'));
    const file = path.join(dir, 'client.log');
    const log = new RotatingLogFile(file, { maxBytes: 100, keep: 3 });
    for (let i = 0; i < 12; i++) log.write(`line ${String(i).padStart(2, '0')} ${'x'.repeat(30)}`); // 41 bytes each: 2 per file
    log.close();
    expect((await readdir(dir)).sort()).toEqual(['client.log', 'client.log.1', 'client.log.2', 'client.log.3']);
    const first = async (f: string): Promise<string> => (await readFile(path.join(dir as string, f), 'utf8')).slice(0, 7);
    expect([await first('client.log'), await first('client.log.1'), await first('client.log.2'), await first('client.log.3')]).toEqual(['line 10', 'line 08', 'line 06', 'line 04']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // A new run appends to the current file and counts what is in it already.
    const again = new RotatingLogFile(file, { maxBytes: 100, keep: 3 });
    again.write(`line 12 ${'x'.repeat(30)}`); // 82 + 41 bytes: over the limit
    again.close();
    expect(await first('client.log.1')).toBe('line 10');
  });

  it('writes an ISO time, the event and key=value fields, escaped and quoted where needed', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'groupshare-log-'));
    const log = new ClientLog(path.join(dir, 'client.log'), {}, () => new Date('2026-11-21T14:00:00.000Z'));
    log.event('download-start', { group: 'lab', file: 'my "big" file.iso', dest: '/home/ann/in', size: 42, sha1: undefined });
    log.close();
    expect(await readFile(path.join(dir, 'client.log'), 'utf8')).toBe(
      '2026-11-21T14:00:00.000Z download-start group=lab file="my \\"big\\" file.iso" dest=/home/ann/in size=42\n',
    );
    expect(formatValue('evil\u001b[2Jname')).toBe('"evil\\\\x1b[2Jname"');
    expect(formatValue('a=b')).toBe('"a=b"');
    expect(formatValue('')).toBe('""');
  });
});
