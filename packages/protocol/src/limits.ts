/**
 * Limits every tracker and peer enforces at the edge. They are part of the protocol: a client
 * that respects them is never refused for size. See docs/protocol.md.
 */

/** Longest user or group id, in characters (ids are ASCII). */
export const MAX_ID_LENGTH = 32;

/** Longest file name, in UTF-8 bytes (the common file-system limit). */
export const MAX_FILE_NAME_BYTES = 255;

/** Shortest password, in characters (OWASP ASVS 2.1.1 asks for at least 8). */
export const MIN_PASSWORD_LENGTH = 8;

/**
 * Longest password, in UTF-8 bytes. Refused before hashing so a huge password cannot be used to
 * burn CPU; 256 bytes leaves room for long passphrases.
 */
export const MAX_PASSWORD_BYTES = 256;

/**
 * Largest WebSocket message a tracker accepts. The largest legitimate message is `share_file`
 * for a file with MAX_PIECES pieces: 262,144 × 40 hex characters ≈ 10 MiB, enough for a 64 GiB
 * file at 256 KiB pieces. Anything larger is refused by closing the socket (code 1009).
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Most piece indices one `update_pieces` message may carry (a batch of BEP 3 "have"s). */
export const MAX_HAVE_BATCH = 65_536;
