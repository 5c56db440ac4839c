/**
 * Hybrid logical clock (Kulkarni et al., 2014): timestamps that follow wall time but never go
 * backwards and always advance past any timestamp seen from another tracker. Ops carry one, so
 * "latest value wins" and conflict rules have a total order that every tracker agrees on.
 *
 * Encoded as a fixed-width string `<15-digit ms>-<6-digit counter>-<5-digit tracker>` so that
 * string comparison is time order, with the tracker number as the final tie-break.
 */
export interface Hlc {
  wallMs: number;
  counter: number;
  node: number;
}

export function formatHlc(t: Hlc): string {
  return `${String(t.wallMs).padStart(15, '0')}-${String(t.counter).padStart(6, '0')}-${String(t.node).padStart(5, '0')}`;
}

export function parseHlc(s: string): Hlc {
  const match = /^(\d{15})-(\d{6})-(\d{5})$/.exec(s);
  if (!match) throw new Error(`not an HLC timestamp: ${JSON.stringify(s.slice(0, 40))}`);
  return { wallMs: Number(match[1]), counter: Number(match[2]), node: Number(match[3]) };
}

/** The wall time of an HLC as an ISO date: an op's `at` is the time part of its HLC. */
export function hlcDate(hlc: string): string {
  return new Date(parseHlc(hlc).wallMs).toISOString();
}

/** Largest counter the 6-digit field holds; past it the clock borrows the next millisecond. */
const MAX_COUNTER = 999_999;

/** Keeps the encoding fixed-width: a counter overflow moves the time forward by 1 ms instead. */
function carry(t: Hlc): Hlc {
  return t.counter > MAX_COUNTER ? { wallMs: t.wallMs + 1, counter: 0, node: t.node } : t;
}

export class HybridClock {
  private last: Hlc;

  constructor(
    private readonly node: number,
    private readonly wallClock: () => number = Date.now,
  ) {
    this.last = { wallMs: 0, counter: 0, node };
  }

  /** A timestamp for a local event, later than every one issued or observed before. */
  now(): string {
    const wall = this.wallClock();
    if (wall > this.last.wallMs) this.last = { wallMs: wall, counter: 0, node: this.node };
    else this.last = carry({ wallMs: this.last.wallMs, counter: this.last.counter + 1, node: this.node });
    return formatHlc(this.last);
  }

  /** Moves the clock past a timestamp received from another tracker. */
  observe(remote: string): void {
    const r = parseHlc(remote);
    const wall = this.wallClock();
    const maxWall = Math.max(wall, this.last.wallMs, r.wallMs);
    let counter = 0;
    if (maxWall === this.last.wallMs && maxWall === r.wallMs) counter = Math.max(this.last.counter, r.counter) + 1;
    else if (maxWall === this.last.wallMs) counter = this.last.counter + 1;
    else if (maxWall === r.wallMs) counter = r.counter + 1;
    this.last = carry({ wallMs: maxWall, counter, node: this.node });
  }
}
