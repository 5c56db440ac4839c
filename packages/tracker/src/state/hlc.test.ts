import { describe, expect, it } from 'vitest';

import { HybridClock, formatHlc, parseHlc } from './hlc.js';

/** A wall clock the test moves by hand. */
function manualClock(start: number): { now: () => number; set: (ms: number) => void } {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms) };
}

/** True if every timestamp sorts strictly after the one before it. */
function strictlyIncreasing(stamps: string[]): boolean {
  return stamps.every((s, i) => i === 0 || (stamps[i - 1] as string) < s);
}

// The string form is fixed-width, so string order is time order with the node as the last tie-break.
describe('HLC encoding', () => {
  it('formats fixed-width and round-trips through parseHlc', () => {
    const t = { wallMs: 1_700_000_000_123, counter: 42, node: 3 };
    expect(formatHlc(t)).toBe('001700000000123-000042-00003');
    expect(parseHlc(formatHlc(t))).toEqual(t);
    for (const u of [{ wallMs: 0, counter: 0, node: 0 }, { wallMs: 999_999_999_999_999, counter: 999_999, node: 99_999 }]) {
      expect(parseHlc(formatHlc(u))).toEqual(u);
    }
  });

  it('orders strings exactly as (wallMs, counter, node)', () => {
    const stamps = [
      { wallMs: 9, counter: 999, node: 99 },
      { wallMs: 10, counter: 0, node: 1 },
      { wallMs: 10, counter: 0, node: 2 },
      { wallMs: 10, counter: 1, node: 1 },
      { wallMs: 10, counter: 10, node: 0 },
      { wallMs: 100, counter: 0, node: 0 },
      { wallMs: 1_700_000_000_000, counter: 0, node: 0 },
    ];
    const strings = stamps.map(formatHlc);
    expect(strictlyIncreasing(strings)).toBe(true);
    expect([...strings].reverse().sort()).toEqual(strings);
  });

  it('parse rejects anything that is not exactly the format', () => {
    for (const s of [
      '',
      'garbage',
      '1700000000123-000042-00003', // 13-digit ms
      '001700000000123-42-3',
      '001700000000123-000042-00003 ',
      '001700000000123_000042_00003',
      '-01700000000123-000042-00003',
      '001700000000123-000042-0000a',
      '001700000000123-000042-00003\n',
    ]) {
      expect(() => parseHlc(s), JSON.stringify(s)).toThrow(/^not an HLC timestamp/);
    }
  });
});

// Local timestamps never repeat or go backwards, whatever the wall clock does.
describe('HybridClock.now', () => {
  it('follows the wall clock when it advances', () => {
    const wall = manualClock(1_000);
    const clock = new HybridClock(2, wall.now);
    expect(clock.now()).toBe('000000000001000-000000-00002');
    wall.set(1_005);
    expect(clock.now()).toBe('000000000001005-000000-00002');
  });

  it('counts up when the wall clock stands still', () => {
    const clock = new HybridClock(1, () => 5_000);
    const stamps = Array.from({ length: 5 }, () => clock.now());
    expect(stamps.map((s) => parseHlc(s).counter)).toEqual([0, 1, 2, 3, 4]);
    expect(stamps.every((s) => parseHlc(s).wallMs === 5_000)).toBe(true);
    expect(new Set(stamps).size).toBe(5);
  });

  it('keeps increasing when the wall clock goes backwards', () => {
    const wall = manualClock(10_000);
    const clock = new HybridClock(1, wall.now);
    const stamps = [clock.now()];
    wall.set(4_000); // stepped back by NTP
    stamps.push(clock.now(), clock.now());
    wall.set(9_999);
    stamps.push(clock.now());
    wall.set(10_001);
    stamps.push(clock.now());
    expect(strictlyIncreasing(stamps)).toBe(true);
    expect(parseHlc(stamps[3] as string)).toEqual({ wallMs: 10_000, counter: 3, node: 1 });
    expect(parseHlc(stamps[4] as string)).toEqual({ wallMs: 10_001, counter: 0, node: 1 });
  });

  // Known bug (see report): the 6-digit counter overflows after 1,000,000 timestamps in one
  // wall-clock millisecond (e.g. a clock stepped back for a while under load). The next
  // timestamp has a 7-digit counter: parseHlc refuses it and it sorts *before* the previous one.
  it('stays parseable and ordered past 999,999 timestamps in the same millisecond', () => {
    const clock = new HybridClock(1, () => 5_000);
    let previous = clock.now();
    for (let i = 1; i < 1_000_001; i++) {
      const next = clock.now();
      if (!(previous < next)) throw new Error(`order broken at ${i}: ${previous} !< ${next}`);
      previous = next;
    }
    expect(() => parseHlc(previous)).not.toThrow();
  });
});

// After observe(), every local timestamp is later than anything seen from another tracker.
describe('HybridClock.observe', () => {
  it('moves past a remote timestamp from the future', () => {
    const wall = manualClock(1_000);
    const clock = new HybridClock(1, wall.now);
    clock.now();
    const remote = formatHlc({ wallMs: 60_000, counter: 7, node: 2 });
    clock.observe(remote);
    const next = clock.now();
    expect(next > remote).toBe(true);
    expect(parseHlc(next)).toEqual({ wallMs: 60_000, counter: 9, node: 1 });
    // Once the wall clock catches up, it takes over again.
    wall.set(60_001);
    expect(parseHlc(clock.now())).toEqual({ wallMs: 60_001, counter: 0, node: 1 });
  });

  it('moves past a remote timestamp from the same millisecond with a higher counter', () => {
    const clock = new HybridClock(1, () => 5_000);
    clock.now();
    clock.now(); // local counter 1
    const remote = formatHlc({ wallMs: 5_000, counter: 40, node: 9 });
    clock.observe(remote);
    const next = clock.now();
    expect(next > remote).toBe(true);
    expect(parseHlc(next)).toEqual({ wallMs: 5_000, counter: 42, node: 1 });
  });

  it('still advances when the remote is behind the local clock', () => {
    const clock = new HybridClock(1, () => 5_000);
    const before = clock.now(); // counter 0
    clock.observe(formatHlc({ wallMs: 4_000, counter: 500, node: 2 }));
    const after = clock.now();
    expect(after > before).toBe(true);
    expect(parseHlc(after)).toEqual({ wallMs: 5_000, counter: 2, node: 1 });
  });

  it('resets the counter when the local wall clock is ahead of both', () => {
    const wall = manualClock(5_000);
    const clock = new HybridClock(1, wall.now);
    clock.observe(formatHlc({ wallMs: 4_000, counter: 500, node: 2 }));
    expect(parseHlc(clock.now())).toEqual({ wallMs: 5_000, counter: 1, node: 1 });
  });

  it('rejects a garbage remote timestamp without moving the clock', () => {
    const clock = new HybridClock(1, () => 5_000);
    const before = clock.now();
    expect(() => clock.observe('999999999999999999-0-0')).toThrow(/^not an HLC timestamp/);
    expect(parseHlc(clock.now())).toEqual({ ...parseHlc(before), counter: 1 });
  });

  it('breaks a tie between trackers in the same ms and counter by node number', () => {
    const a = new HybridClock(1, () => 5_000);
    const b = new HybridClock(2, () => 5_000);
    const fromA = a.now();
    const fromB = b.now();
    expect(fromA.slice(0, 22)).toBe(fromB.slice(0, 22)); // same ms and counter
    expect(fromA < fromB).toBe(true);
    expect([fromB, fromA].sort()).toEqual([fromA, fromB]);
  });

  it('two trackers exchanging timestamps produce one strictly increasing history', () => {
    const wallA = manualClock(1_000);
    const wallB = manualClock(900); // B's clock is 100 ms behind
    const a = new HybridClock(1, wallA.now);
    const b = new HybridClock(2, wallB.now);
    const history: string[] = [];
    for (let i = 0; i < 20; i++) {
      const sa = a.now();
      history.push(sa);
      b.observe(sa);
      const sb = b.now();
      history.push(sb);
      a.observe(sb);
      if (i % 3 === 0) wallA.set(wallA.now() + 1);
      if (i % 7 === 0) wallB.set(wallB.now() - 5); // and B's even steps backwards
    }
    expect(strictlyIncreasing(history)).toBe(true);
  });
});
