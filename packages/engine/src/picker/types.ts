/** Shapes shared by the block ledger, the picker and their callers. */

/** How peers are named in the picker (the download manager's key for a connection). */
export type PeerId = string;

/** One BEP 3 `request`: `length` bytes at offset `begin` of piece `index`. */
export interface BlockRequest {
  readonly index: number;
  readonly begin: number;
  readonly length: number;
}

/** A request that has been outstanding for at least the timeout. */
export interface TimedOutRequest extends BlockRequest {
  readonly peer: PeerId;
  readonly requestedAt: number;
}

/** What the block ledger learned from an arriving block (`BlockReservations.received`). */
export interface BlockArrival {
  /** False if the block was already received (an endgame duplicate) or its piece is not started: discard it. */
  readonly isNew: boolean;
  /** Other peers the block was still requested from: send them `cancel` (BEP 3). */
  readonly cancel: readonly PeerId[];
}
