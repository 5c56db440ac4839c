import { describe, expect, it } from 'vitest';
import { humanSize, renderFiles, renderGroups, renderMembers, safeText, table } from './render.js';

describe('safeText', () => {
  it('shows C0 controls, DEL and C1 controls as \\xNN escapes', () => {
    expect(safeText('evil\u001b[2Jname')).toBe('evil\\x1b[2Jname');
    expect(safeText('a\u0000b\u0007c\u007fd\u009be\r\n')).toBe('a\\x00b\\x07c\\x7fd\\x9be\\x0d\\x0a');
  });

  it('shows bidi overrides, isolates, zero-width characters and the BOM as \\uNNNN escapes', () => {
    expect(safeText('file\u202etxt.exe')).toBe('file\\u202etxt.exe');
    expect(safeText('\u2066a\u2069\u200bb\ufeff\u2028')).toBe('\\u2066a\\u2069\\u200bb\\ufeff\\u2028');
  });

  it('escapes a lone surrogate but keeps emoji and other scripts', () => {
    expect(safeText('x\ud800y')).toBe('x\\ud800y');
    expect(safeText('résumé 😀 データ مرحبا')).toBe('résumé 😀 データ مرحبا');
  });

  it('leaves nothing a terminal would act on', () => {
    const all = Array.from({ length: 0x3000 }, (_, i) => String.fromCharCode(i)).join('');
    expect(safeText(all)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });
});

describe('humanSize', () => {
  it('uses binary units with one decimal below 10', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(1023)).toBe('1023 B');
    expect(humanSize(819.1573248794151)).toBe('819 B'); // a rate
    expect(humanSize(1024)).toBe('1 KiB');
    expect(humanSize(1536)).toBe('1.5 KiB');
    expect(humanSize(12 * 1024 * 1024)).toBe('12 MiB');
    expect(humanSize(2 ** 44)).toBe('16 TiB');
  });
});

describe('tables', () => {
  it('aligns columns, right-aligns numbers and leaves no trailing spaces', () => {
    const text = table([{ header: 'name' }, { header: 'n', align: 'right' }], [['a', '1'], ['longer', '100']]);
    expect(text.split('\n')).toEqual(['name      n', 'a         1', 'longer  100']);
  });

  it('list_groups shows group, owner, member count and the user\'s relation', () => {
    const text = renderGroups([
      { groupId: 'lab', owner: 'alice', memberCount: 2, membership: 'owner' },
      { groupId: 'zoo', owner: 'carol', memberCount: 1, membership: 'none' },
    ]);
    expect(text.split('\n')).toEqual(['group  owner  members  you', 'lab    alice        2  owner', 'zoo    carol        1  -']);
    expect(renderGroups([])).toMatch(/no groups yet/);
  });

  it('list_files shows human sizes, counts, availability and an info-hash prefix, escaping names', () => {
    const text = renderFiles('lab', [
      {
        name: 'evil\u001b[2Jname',
        infoHash: '6fcc3ee927800f6cbef7f3896d6e7f8bc2f244ea',
        size: 1536,
        sha1: '430ce34d020724ed75a196dfc2ad67c77772d169',
        pieceLength: 16384,
        pieceCount: 1,
        sharedBy: 'alice',
        sharedAt: '2026-11-21T12:16:27.444Z',
        seeders: 1,
        partialPeers: 2,
        available: true,
      },
    ]);
    const [header, row] = text.split('\n');
    expect(header).toMatch(/^name\s+size\s+seeders\s+peers\s+available\s+info-hash$/);
    expect(row).toMatch(/^evil\\x1b\[2Jname\s+1\.5 KiB\s+1\s+2\s+yes\s+6fcc3ee92780$/);
    expect(renderFiles('lab', [])).toBe('no files shared in lab yet');
  });

  it('list_members marks the owner', () => {
    const text = renderMembers([
      { userId: 'alice', joinedAt: '2026-11-21T12:00:00.000Z', owner: true },
      { userId: 'bob', joinedAt: '2026-11-21T12:05:00.000Z', owner: false },
    ]);
    expect(text.split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['user role', 'alice owner', 'bob member']);
  });
});
