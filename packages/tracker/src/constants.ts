/** Defaults for TrackerInit; each can be overridden by the caller (tests use smaller ones). */

/** Sessions last 30 days from login; `resume` keeps using the same one across reconnects. */
export const DEFAULT_SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

/**
 * Failed-login throttle per address and per (user id, address): 5 free failures, then 1 s, 2 s, 4 s, …
 * up to 15 minutes between attempts; a key is forgotten after an hour without failures.
 * An attacker gets about 100 guesses a day per account instead of thousands a second.
 */
export const DEFAULT_LOGIN_THROTTLE = {
  freeFailures: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60 * 1000,
  forgetAfterMs: 60 * 60 * 1000,
  maxEntries: 100_000,
};

/**
 * The looser per-account throttle, beside the strict one per address and per (account,
 * address): 100 free failures, then 1 s doubling up to 1 minute. It only slows a guess spread
 * over many addresses; a stranger failing from a few addresses never makes the owner wait.
 */
export const DEFAULT_ACCOUNT_LOGIN_THROTTLE = {
  freeFailures: 100,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  forgetAfterMs: 60 * 60 * 1000,
  maxEntries: 100_000,
};

/**
 * Registrations per client address (auth/registration-limit.ts): 2 at once, 30 in a burst,
 * then one a second. A registration costs an argon2 hash; this keeps one address from taking
 * the hashing capacity logins need, while a classroom behind one NAT can still sign up.
 */
export const DEFAULT_REGISTRATION_LIMIT = { maxInFlight: 2, burst: 30, refillMs: 1_000, maxEntries: 100_000 };

/**
 * How often each tracker looks for expired sessions to delete (state/session-sweeper.ts). An
 * expired session is refused at once anyway; the sweep only keeps the table from growing.
 */
export const DEFAULT_SESSION_SWEEP_MS = 10 * 60 * 1000;

/** argon2 hashes at once (this machine has 2 cores) and how many may wait before ERR_BUSY. */
export const DEFAULT_HASH_CONCURRENCY = 2;
export const DEFAULT_HASH_QUEUE = 64;

/**
 * Op-log compaction: look every minute; fold the stable prefix once it holds 10,000 ops (a
 * compaction replays the retained log, so doing it for a handful of ops would cost more than
 * it saves).
 */
export const DEFAULT_COMPACTION = { intervalMs: 60_000, minOps: 10_000 };

/**
 * How long a listed tracker may be away before compaction stops waiting for it (`--evict-after`):
 * long enough for a weekend outage to end in an ordinary catch-up from the log, short enough
 * that the others' logs stay bounded if it never returns.
 */
export const DEFAULT_EVICT_AFTER_MS = 3 * 24 * 60 * 60 * 1000;


/**
 * Most WebSockets (clients and replication peers together) one remote address may hold open.
 * A client needs one, so this leaves room for a few hundred users behind one NAT while one host
 * can no longer exhaust the tracker's sockets and memory (api/address-limit.ts).
 */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;

/** How long a client socket closed for a bad frame may take to finish the closing handshake. */
export const CLOSE_GRACE_MS = 1_000;

/** A peer that has not acknowledged replicated ops for this long makes status say `lagging`. */
export const LAGGING_AFTER_MS = 1_000;
