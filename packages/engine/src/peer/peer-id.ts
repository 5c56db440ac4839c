/**
 * Our BEP 3 peer id, in the Azureus style most clients use: `-GS0100-` (client code `GS`,
 * version 0.1.0.0) followed by 12 random bytes. The prefix lets other clients and packet
 * captures name us; the random part makes two of our own processes (or a connection to
 * ourselves, which `PeerConnection` detects by id) tell each other apart. A new id per process
 * run, as mainstream clients do: the id is not an identity (tickets are), so nothing is gained
 * by keeping it.
 */
import { randomBytes } from 'node:crypto';

import { PEER_ID_LENGTH } from '../wire/index.js';

/** Azureus-style prefix: `-` client code, four version digits, `-`. */
export const PEER_ID_PREFIX = '-GS0100-';

/**
 * A fresh 20-byte peer id. `random` (for tests) must return `n` bytes.
 */
export function createPeerId(random: (n: number) => Uint8Array = randomBytes): Buffer {
  const prefix = Buffer.from(PEER_ID_PREFIX, 'latin1');
  const tail = random(PEER_ID_LENGTH - prefix.length);
  if (tail.length !== PEER_ID_LENGTH - prefix.length) throw new RangeError('random returned the wrong number of bytes');
  return Buffer.concat([prefix, tail]);
}

/** True if `id` was made by {@link createPeerId} (some version of this client). */
export function isGroupsharePeerId(id: Uint8Array): boolean {
  return id.length === PEER_ID_LENGTH && Buffer.from(id.subarray(0, 3)).toString('latin1') === '-GS';
}
