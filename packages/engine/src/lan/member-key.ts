/**
 * A member's announce key pair (Ed25519, made per login and never stored): its public half goes
 * to the tracker in `lan_credentials` and comes back bound into member certificates.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ticketPublicKey } from '@groupshare/protocol';

export interface MemberKeyPair {
  privateKey: KeyObject;
  /** Raw 32-byte public key, base64 (the form certificates and `lan_credentials` use). */
  publicKey: string;
}

export function newMemberKey(): MemberKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: der.subarray(der.length - 32).toString('base64') };
}

/** An Ed25519 public key from its raw base64 form (same encoding as the trackers' ticket key). */
export function ed25519PublicKey(base64: string): KeyObject {
  return ticketPublicKey(base64);
}
