import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { TrackerLink } from '@groupshare/engine';
import { describe, expect, it } from 'vitest';
import { attachLinkEvents } from './link-events.js';
import { Output } from './output.js';
import { CompletionCache } from './completion-cache.js';

/** Stands in for TrackerLink: the events, and `session` as the link would have it at each. */
class FakeLink extends EventEmitter {
  session: { userId: string } | undefined;
}

function setup() {
  const link = new FakeLink();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  let changes = 0;
  const detach = attachLinkEvents({
    link: link as unknown as TrackerLink,
    out: new Output({ stdout, stderr, colour: false }),
    cache: new CompletionCache(),
    announceConnect: false,
    onSessionChange: () => changes++,
  });
  return { link, detach, text: () => ({ out, err }), changes: () => changes };
}

const t1 = { tracker: 1, address: '127.0.0.1:7001' };
const t2 = { tracker: 2, address: '127.0.0.1:7002' };

describe('link events', () => {
  it('says a failover kept the session, in one line', () => {
    const { link, text } = setup();
    link.session = { userId: 'alice' };
    link.emit('connected', t1);
    link.emit('disconnected', { ...t1, reason: 'socket closed' });
    link.emit('failover', { from: t1, to: t2 });
    link.emit('connected', t2);
    link.emit('sessionResumed', { ...t2, result: { notices: [] } });
    expect(text().err.split('\n')).toEqual([
      'lost the connection to tracker 1 (127.0.0.1:7001): socket closed; reconnecting',
      'tracker 1 is unreachable; continuing on tracker 2 (session kept)',
      '',
    ]);
  });

  it('says so when the session did not survive, and asks to log in again', () => {
    const { link, text, changes } = setup();
    link.session = { userId: 'alice' };
    link.emit('connected', t1);
    link.emit('disconnected', { ...t1, reason: 'socket closed' });
    link.session = undefined; // the resume on tracker 2 was refused
    link.emit('failover', { from: t1, to: t2 });
    link.emit('connected', t2);
    link.emit('sessionLost', { reason: 'unknown session' });
    expect(text().err).toContain('tracker 1 is unreachable; continuing on tracker 2 (session not kept: log in again)\n');
    expect(text().err).toContain('your session ended (unknown session); log in again\n');
    expect(changes()).toBe(1);
  });

  it('prints pushes on stdout and a session_ended push once, not twice', () => {
    const { link, text } = setup();
    link.session = { userId: 'alice' };
    link.emit('push', { push: 'join_requested', data: { groupId: 'lab', userId: 'bob' } });
    link.emit('push', { push: 'session_ended', data: { reason: 'account conflict' } });
    link.session = undefined;
    link.emit('sessionLost', { reason: 'the tracker ended the session' });
    expect(text().out).toBe('bob asked to join lab — accept_request lab bob\nthe tracker ended your session (account conflict); log in again\n');
    expect(text().err).toBe('');
  });

  it('stops listening when detached', () => {
    const { link, detach, text } = setup();
    detach();
    link.emit('push', { push: 'request_rejected', data: { groupId: 'lab' } });
    expect(text().out).toBe('');
    expect(link.listenerCount('push')).toBe(0);
  });
});
