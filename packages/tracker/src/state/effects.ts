import type { Push } from '@groupshare/protocol';

/** What applying an op asks of the tracker's connected clients (the hub carries it out). */
export type Effect = PushEffect | EndSessionsEffect | EndSessionEffect;

/** A push to deliver to some users' connected clients. */
export interface PushEffect {
  to: string[];
  push: Push;
}

/**
 * Every connection logged in as `userId` is logged out and told `reason` (the account was
 * removed, or its password reset). Sessions made later, under the new state, are not touched.
 */
export interface EndSessionsEffect {
  endSessionsOf: string;
  reason: string;
}

/**
 * One session ended (logged out, expired, or the oldest past the per-user cap): every connection
 * using it, on every tracker, is logged out and told `reason`. `userId` is whose it was (the hub
 * finds the connections through it).
 */
export interface EndSessionEffect {
  endSession: string;
  userId: string;
  reason: string;
}
