import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes (256 bits), base64url: 43 characters. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Tokens are stored and replicated only as their SHA-256. A token has 256 bits of entropy, so a
 * fast hash is enough (no salt or argon2 needed): the database alone never lets anyone log in.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
