/**
 * Turning tracker results into text for a terminal: aligned tables, human sizes and times, and
 * `safeText()`, which every string that came from the network passes through before it is
 * printed.
 *
 * Why safeText: a terminal obeys escape sequences in whatever it is given. A group, file or user
 * name, a tracker's error message or a notice is text chosen by somebody else, and a name like
 * "evil\x1b[2J" would clear the user's screen; OSC sequences can retitle the window or plant
 * hyperlinks, and bidi overrides can make a name read differently from its bytes ("Trojan
 * Source"). The tracker refuses such names today, but the shell must not depend on every
 * tracker (or whoever sits in the middle) being well-behaved, so it escapes them visibly.
 */
import type { FileSummary, GroupSummary } from '@groupshare/protocol';

/**
 * C0 controls, DEL, C1 controls (0x9b is a one-byte CSI on some terminals), the line and
 * paragraph separators, the Arabic letter mark, zero-width and bidi formatting characters
 * (LRM/RLM, embeddings, overrides, isolates), word joiner, BOM, and lone surrogates.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udfff]/gu;

/**
 * `text` with every control or invisible formatting character replaced by a visible escape:
 * `\x1b` for code points up to 0xff, `\u202e` above. Printable text, including non-Latin
 * scripts and emoji, is unchanged.
 */
export function safeText(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const cp = ch.codePointAt(0) as number;
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** `0 B`, `999 B`, `1.5 KiB`, `12 MiB`: binary units, one decimal below 10. */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(bytes)} B`; // rates are fractional
  const shown = value < 10 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value).toString();
  return `${shown} ${UNITS[unit] as string}`;
}

/** An ISO time from the tracker as `YYYY-MM-DD HH:MM` local time (escaped as is if invalid). */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return safeText(iso);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A column of a table: header, and whether numbers are right-aligned. */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** Display width, counted in code points (wide East Asian characters count one: a known limit). */
function width(s: string): number {
  return [...s].length;
}

/**
 * An aligned plain-text table: a header row, then one row per entry, columns two spaces apart,
 * no trailing spaces. Cells must already be safe (see safeText).
 */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(width(c.header), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        const pad = ' '.repeat((widths[i] as number) - width(cell));
        return c.align === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n');
}

/** list_groups: every group on the tracker and the user's relation to it. */
export function renderGroups(groups: readonly GroupSummary[]): string {
  if (groups.length === 0) return 'no groups yet; create_group <group_id> makes one';
  return table(
    [{ header: 'group' }, { header: 'owner' }, { header: 'members', align: 'right' }, { header: 'you' }],
    groups.map((g) => [
      safeText(g.groupId),
      safeText(g.owner),
      String(g.memberCount),
      g.membership === 'none' ? '-' : safeText(g.membership),
    ]),
  );
}

/** How many hex digits of an info-hash to show: enough to tell files apart at a glance. */
export const INFO_HASH_PREFIX = 12;

/** list_files: the files shared in a group, with who can serve them right now. */
export function renderFiles(groupId: string, files: readonly FileSummary[]): string {
  if (files.length === 0) return `no files shared in ${safeText(groupId)} yet`;
  return table(
    [
      { header: 'name' },
      { header: 'size', align: 'right' },
      { header: 'seeders', align: 'right' },
      { header: 'peers', align: 'right' },
      { header: 'available' },
      { header: 'info-hash' },
    ],
    files.map((f) => [
      safeText(f.name),
      humanSize(f.size),
      String(f.seeders),
      String(f.partialPeers),
      f.available ? 'yes' : 'no',
      safeText(f.infoHash.slice(0, INFO_HASH_PREFIX)),
    ]),
  );
}

/** list_requests: who is waiting to join, oldest first. */
export function renderRequests(groupId: string, requests: readonly { userId: string; requestedAt: string }[]): string {
  if (requests.length === 0) return `no pending requests to join ${safeText(groupId)}`;
  return table(
    [{ header: 'user' }, { header: 'requested' }],
    requests.map((r) => [safeText(r.userId), shortTime(r.requestedAt)]),
  );
}

/** list_members: members in the order they joined, the owner marked. */
export function renderMembers(members: readonly { userId: string; joinedAt: string; owner: boolean }[]): string {
  return table(
    [{ header: 'user' }, { header: 'role' }, { header: 'joined' }],
    members.map((m) => [safeText(m.userId), m.owner ? 'owner' : 'member', shortTime(m.joinedAt)]),
  );
}
