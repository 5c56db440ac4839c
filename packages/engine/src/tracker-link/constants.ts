/** Defaults for TrackerLinkInit. */

/** How long one WebSocket connection attempt may take before the next tracker is tried. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;

/**
 * How long a request may wait for its answer, counted from the call: queued while no tracker is
 * reachable, in flight, and re-sent after a failover, all together.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** How long the automatic `resume` after a reconnect may take before that tracker is given up. */
export const DEFAULT_RESUME_TIMEOUT_MS = 5_000;

/**
 * Interval of WebSocket pings. A connection that received nothing (no pong, no message) for a
 * whole interval is closed and replaced, so a hung tracker is left within two intervals.
 */
export const DEFAULT_HEARTBEAT_MS = 5_000;

/**
 * Pause between full rounds over the tracker list: starts at `initialMs`, doubles per round,
 * capped at `maxMs`. Within a round the next tracker is tried at once.
 */
export const DEFAULT_BACKOFF = { initialMs: 100, maxMs: 2_000 } as const;

/**
 * A connection that lasted at least this long counts as a success, so the next failure starts a
 * fresh round without a pause. One that breaks sooner counts as a failed attempt, so trackers
 * that accept and then drop us at once cannot make the link spin.
 */
export const STABLE_CONNECTION_MS = 1_000;

/** How long `stop()` waits for the tracker to complete the WebSocket closing handshake. */
export const CLOSE_GRACE_MS = 1_000;
