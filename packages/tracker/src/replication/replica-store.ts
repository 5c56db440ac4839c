/**
 * What replication needs from a tracker's store. The transport (peer links) depends only on this
 * interface, so it is tested against an in-memory fake and runs against the real TrackerStore.
 */
import type { ReplicatedOp, Vector } from '@groupshare/protocol';

/** The state as of `horizon` (every op at or below it, covering `vector`), as text rows. */
export interface Snapshot {
  horizon: string;
  vector: Vector;
  rows: string;
}

/** Who sent ops being applied: what the link knows of its peer. */
export interface RemoteSender {
  /**
   * The peer lacked this tracker's snapshot at some point on this link (an evicted tracker
   * back): ops it sends at or below the snapshot's horizon are ones it re-issues or drops when
   * it installs the snapshot, so they are refused rather than counted (docs/replication.md).
   */
  behindSnapshot?: boolean;
}

export interface ReplicaStore {
  /** This tracker's number: the origin of the ops it writes. */
  readonly origin: number;
  /** The highest sequence number applied from each origin. */
  vector(): Promise<Vector>;
  /**
   * Ops this tracker has applied that a peer with vector `peer` lacks, in this tracker's own
   * application order (which respects causality), starting after position `afterIndex` of the
   * local log (0 for the beginning). Returns at most `limit` ops and the position to continue from.
   */
  opsMissing(peer: Vector, afterIndex: number, limit: number): Promise<{ ops: ReplicatedOp[]; nextIndex: number }>;
  /**
   * Applies ops received from another tracker, in the given order. An op already applied (its
   * seq ≤ the vector's entry for its origin) is skipped; an op that would leave a gap stops the
   * batch (the sender resends from the gap as soon as the ack shows it). Returns the ops newly applied.
   */
  applyRemote(ops: ReplicatedOp[], from?: RemoteSender): Promise<ReplicatedOp[]>;
  /** Clock then vector, for peers deciding what is safe to compact (optional: tests' stores). */
  progress?(): Promise<{ clock: string; vector: Vector }>;
  /** Whether a peer with this vector lacks ops this store compacted away. */
  needsSnapshot?(peer: Vector): boolean;
  exportSnapshot?(): Promise<Snapshot | undefined>;
  /** Installs a peer's snapshot if this store lacks ops it covers; false if it needs none. */
  installSnapshot?(snapshot: Snapshot): Promise<boolean>;
  /** Calls `listener` after ops are committed, locally written or applied from a peer. */
  onApplied(listener: (ops: ReplicatedOp[]) => void): () => void;
}
