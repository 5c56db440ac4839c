/**
 * Defaults for peer connections and the peer server. Every one can be overridden in
 * `PeerConnectionOptions` / `PeerServerInit`; tests shrink the timeouts.
 */
import { BLOCK_SIZE, MAX_PIECES, bitfieldByteLength } from '@groupshare/protocol';

import { MAX_EXTENDED_HANDSHAKE_BYTES } from '../wire/index.js';

/**
 * How long the remote has to complete both handshakes (BEP 3, then BEP 10 when both sides
 * support it). A peer that connects and says nothing costs a socket until then.
 */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** BEP 3: "keep-alives are generally sent once every two minutes" of silence on our side. */
export const DEFAULT_KEEP_ALIVE_MS = 120_000;

/**
 * A connection on which nothing at all arrived for this long is closed. Two and a half
 * keep-alive periods, so one lost or late keep-alive does not cost a working connection.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/**
 * `reqq` we advertise (BEP 10): requests from one peer we hold at once. Above the picker's
 * DEFAULT_MAX_PIPELINE (256), so a groupshare fetcher running at full depth is never refused;
 * libtorrent allows 500 too. A queued request is a few dozen bytes, the block is read only
 * when its turn comes, so this bounds memory at ~500 small records per connection.
 */
export const DEFAULT_MAX_QUEUED_REQUESTS = 500;

/** BEP 10: "the default in libtorrent is 250"; assumed when the remote sends no `reqq`. */
export const DEFAULT_REMOTE_REQQ = 250;

/** `gs_block` we advertise: the de-facto standard 16 KiB (BEP 3 clients drop larger requests). */
export const DEFAULT_MAX_BLOCK = BLOCK_SIZE;

/**
 * Violations (see `ViolationKind`) tolerated before the connection is closed. Legitimate
 * races (a piece after our cancel, a request in flight when we choke) are not counted, so
 * anything that is counted is a mistake; a handful can be a buggy client, dozens are not.
 */
export const DEFAULT_MAX_VIOLATIONS = 20;

/**
 * Bytes we let pile up unsent before giving up on a remote that does not read. Blocks are only
 * sent while the socket is below its high-water mark, so this is reached only by a peer that
 * keeps sending requests (each answered by a small reject) without reading the answers.
 */
export const MAX_SEND_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Largest frame the decoder accepts: a piece carrying a block of `maxBlock` bytes
 * (`<id><index><begin>` = 9 bytes of body before it), a bitfield for {@link MAX_PIECES}
 * pieces, or an extended handshake, whichever is biggest. With 16 KiB blocks that is 32 KiB,
 * far below the codec's 1 MiB default, so a hostile peer cannot make us buffer much.
 */
export function maxFrameBytes(maxBlock: number): number {
  return Math.max(maxBlock + 9, bitfieldByteLength(MAX_PIECES) + 1, MAX_EXTENDED_HANDSHAKE_BYTES + 2);
}

/** Upload slots per file of a {@link SlotUnchoker} created without a limit. */
export const DEFAULT_UPLOAD_SLOTS = 8;

/** PeerServer: most connections at once, and most from one remote address. */
export const DEFAULT_MAX_CONNECTIONS = 200;
export const DEFAULT_MAX_PER_ADDRESS = 8;

/** Client name sent as BEP 10 `v`. */
export const CLIENT_NAME = 'groupshare 0.1.0';
