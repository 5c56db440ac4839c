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

/**
 * Most files one `share_files` request may carry. Its size is bounded by MAX_REQUEST_BYTES too:
 * a client packs files until either limit is near (a small file's item is about 150 bytes).
 */
export const MAX_SHARE_BATCH = 1_000;

/**
 * Largest request a tracker reads from a client that has not logged in (or resumed) yet. The
 * requests allowed then are small (ping, register, login, resume: ids, a password of at most
 * MAX_PASSWORD_BYTES and a peer address, even with every character JSON-escaped), so a stranger
 * cannot make the tracker buffer and parse megabytes before proving anything.
 */
export const MAX_ANONYMOUS_REQUEST_BYTES = 16 * 1024;

/**
 * Largest request a tracker reads from a logged-in client: the largest legitimate one,
 * `share_file` with MAX_PIECES piece hashes (262,144 × 40 hex characters = 10 MiB), with room
 * for its other fields. (MAX_MESSAGE_BYTES, larger, bounds replies and replication frames.)
 */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024 + 64 * 1024;

/**
 * Deepest nesting of arrays and objects a request may have. No request needs more than 3
 * (`share_files`: the request object, its `files` array and their objects); deeper input is refused by a byte scan
 * before it is parsed, since parsing millions of nested arrays takes seconds and gigabytes.
 */
export const MAX_REQUEST_DEPTH = 4;

/**
 * Most values (array elements and object members) a request may hold. The most any request
 * needs is an `update_pieces` with MAX_HAVE_BATCH piece indices; a flat array of millions of
 * numbers would otherwise cost a parse of hundreds of milliseconds.
 */
export const MAX_REQUEST_VALUES = MAX_HAVE_BATCH + 256;
