import { describe, expect, it } from 'vitest';
import { RepeatedLines } from './log-repeats.js';

describe('RepeatedLines', () => {
  it('writes the first line of a key per window and counts the rest into one summary', () => {
    const lines = new RepeatedLines(60_000);
    expect(lines.admit('login_throttled', '10.0.0.1', 40, 0)).toEqual({ write: true });
    for (let t = 1; t <= 411; t++) expect(lines.admit('login_throttled', '10.0.0.1', 40, t * 100).write).toBe(false);
    // Another address, or another event, is its own key.
    expect(lines.admit('login_throttled', '10.0.0.2', 40, 500).write).toBe(true);
    expect(lines.admit('login_failed', '10.0.0.1', 40, 500).write).toBe(true);
    expect(lines.flush(59_999)).toEqual([]);
    expect(lines.flush(60_000)).toEqual([
      { key: 'login_throttled\u000010.0.0.1', level: 40, fields: { event: 'login_throttled', ip: '10.0.0.1' }, repeats: 411, seconds: 60 },
    ]);
    // The window ended: the next line of the key is written again.
    expect(lines.admit('login_throttled', '10.0.0.1', 40, 61_000)).toEqual({ write: true });
  });

  it('hands back the previous window summary when a line starts a new window before a flush', () => {
    const lines = new RepeatedLines(1_000);
    lines.admit('login_failed', 'a', 40, 0);
    lines.admit('login_failed', 'a', 40, 10);
    expect(lines.admit('login_failed', 'a', 40, 1_500)).toMatchObject({ write: true, summary: { repeats: 1, seconds: 1 } });
  });

  it('flushes every window on close, and bounds the keys it remembers', () => {
    const lines = new RepeatedLines(60_000, 3);
    for (const ip of ['a', 'b', 'c', 'd', 'e']) {
      lines.admit('login_failed', ip, 40, 0);
      lines.admit('login_failed', ip, 40, 1);
    }
    expect(lines.size).toBe(4); // three addresses, then one key for all the others
    const summaries = lines.flush(2_000, true);
    expect(summaries.map((s) => [s.fields.ip, s.repeats, s.seconds])).toEqual([
      ['a', 1, 2],
      ['b', 1, 2],
      ['c', 1, 2],
      ['many addresses', 3, 2],
    ]);
    expect(lines.size).toBe(0);
  });
});
