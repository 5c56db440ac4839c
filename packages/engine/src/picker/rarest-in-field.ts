/**
 * Rarest first over one peer's bitfield, rather than over the whole rarity map.
 *
 * Why: `Availability.rarest` walks pieces in rarity order and skips those the peer lacks. For a
 * peer that has most pieces that costs O(pieces taken), but for a peer with a handful of pieces
 * in a large file (a new leecher) it visits every piece: 262,144 checks per pick. So once the
 * walk exceeds its budget the picker comes here: scan the bitfields a byte at a time for pieces
 * the peer has and we lack (O(pieceCount/8), zero bytes skipped), group the eligible ones by
 * count (O(candidates)), then yield group by group in ascending count, each group in random
 * order (a lazy Fisher–Yates shuffle). Same policy as the walk: strictly rarest first, uniform
 * random tie-breaks, and the same pieces considered (available, not excluded, eligible).
 */
import type { Bitfield } from '@groupshare/protocol';

import { candidateBits, shuffledEligible, type Availability, type CountRange } from './availability.js';

/** Inputs to {@link rarestInField}. Bitfields must all describe `availability.pieceCount` pieces. */
export interface RarestInFieldInit {
  availability: Availability;
  /** Pieces the peer has. */
  peerHas: Bitfield;
  /** Pieces we have (never yielded). */
  have: Bitfield;
  /** Pieces wanted; default all. */
  want?: Bitfield | undefined;
  /** Further filter (not started, not banned), checked when grouping and again before each yield. */
  eligible: (index: number) => boolean;
  rng: () => number;
  /** Counts considered, as in `Availability.rarest`; default at least one peer. */
  counts?: CountRange;
}

/**
 * Yields pieces in `peerHas` ∖ `have` (∩ `want`) whose count is in `counts` (default: some peer
 * has them), are not excluded and pass `eligible`, rarest first with random tie-breaks.
 * Cost: O(pieceCount/8 + candidates + distinct counts · log) before the first yield.
 */
export function* rarestInField(init: RarestInFieldInit): Generator<number, void, undefined> {
  const { availability, peerHas, have, want, eligible, rng } = init;
  const min = init.counts?.min ?? 1;
  const max = init.counts?.max ?? Infinity;
  const groups = new Map<number, number[]>();
  for (let byte = 0; byte < peerHas.bytes.length; byte++) {
    const bits = candidateBits(peerHas, have, want, byte);
    for (let bit = 0; bits !== 0 && bit < 8; bit++) {
      if ((bits & (0x80 >> bit)) === 0) continue;
      const i = byte * 8 + bit;
      const c = availability.count(i);
      if (c < min || c > max || availability.isExcluded(i) || !eligible(i)) continue;
      const group = groups.get(c);
      if (group === undefined) groups.set(c, [i]);
      else group.push(i);
    }
  }
  for (const c of [...groups.keys()].sort((a, b) => a - b)) yield* shuffledEligible(groups.get(c) as number[], rng, eligible);
}
