// The admin page's security events: bounded, newest first, a run of one event folded into one entry.
import { describe, expect, it } from 'vitest';
import { SecurityEvents } from './security-events.js';

describe('SecurityEvents', () => {
  it('keeps the newest events up to its capacity, newest first', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const events = new SecurityEvents(200, () => now);
    for (let i = 0; i < 250; i++) {
      now += 1000;
      events.record({ kind: 'login_throttled', ip: `192.0.2.${i % 250}`, userId: `user${i}`, message: `login as user${i} throttled` });
    }
    const list = events.list();
    expect(list).toHaveLength(200);
    expect(list[0]).toMatchObject({ userId: 'user249', count: 1, at: '2026-01-01T00:04:10.000Z' });
    expect(list[199]!.userId).toBe('user50');
  });

  it('folds a run of the same event into one entry with a count and the last time', () => {
    let now = 0;
    const events = new SecurityEvents(10, () => now);
    const refused = { kind: 'replication_refused', peer: 2, message: 'replication link with tracker 2 refused: bad cluster secret (4001)' } as const;
    for (let i = 0; i < 50; i++) {
      now += 500;
      events.record(refused);
    }
    events.record({ kind: 'admin_login_failed', ip: '127.0.0.1', message: 'wrong admin password or token from 127.0.0.1' });
    events.record(refused);
    expect(events.list().map((e) => [e.kind, e.count])).toEqual([
      ['replication_refused', 1],
      ['admin_login_failed', 1],
      ['replication_refused', 50],
    ]);
    expect(events.list()[2]!.at).toBe(new Date(25_000).toISOString());
  });
});
