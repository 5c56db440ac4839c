// Browser sessions: a flood of anonymous sessions (each cookie-less GET /api/session makes one)
// never evicts a logged-in browser.
import { describe, expect, it } from 'vitest';
import { WebSessions } from './auth.js';

describe('WebSessions', () => {
  it('evicts the oldest anonymous sessions beyond the cap, never a logged-in one', () => {
    const sessions = new WebSessions();
    const alice = sessions.create('alice');
    const firstAnonymous = sessions.create();
    for (let i = 0; i < 2_000; i++) sessions.create();
    expect(sessions.get(alice.id)?.userId).toBe('alice');
    expect(sessions.get(firstAnonymous.id)).toBeUndefined();
  });
});
