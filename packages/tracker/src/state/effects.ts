import type { Push } from '@groupshare/protocol';

/** A push that applying an op asks to deliver to some users' connected clients. */
export interface Effect {
  to: string[];
  push: Push;
}
