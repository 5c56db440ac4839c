/**
 * What the tracker link does on its own, told to the user: pushes as one line each (pushes.ts),
 * a lost connection, a failover and whether the session came along, a session that ended.
 * These lines can arrive at any moment, so they go through Output.event/warn, which keep the
 * prompt intact.
 *
 * The link fires `failover` before it knows the outcome for the session, then `connected`,
 * then `sessionResumed` or `sessionLost`; by `connected` its `session` already says which. So
 * the failover line is written on `connected`, with "(session kept)" only when it was.
 */
import type { TrackerLink, TrackerRef } from '@groupshare/engine';
import { printNotices } from './commands/accounts.js';
import type { Output } from './output.js';
import { formatPush } from './pushes.js';
import { safeText } from './render.js';
import type { CompletionCache } from './completion-cache.js';
import { listenToLink } from './link-listeners.js';

export interface LinkEventsInit {
  link: TrackerLink;
  out: Output;
  cache: CompletionCache;
  /** Say "connected to tracker 1" at start-up (interactive only: scripts want quiet output). */
  announceConnect: boolean;
  /** Called when who is logged in may have changed (the prompt shows it). */
  onSessionChange: () => void;
}

/** Attaches the listeners; returns a function that removes them. */
export function attachLinkEvents(init: LinkEventsInit): () => void {
  const { link, out, cache } = init;
  let failover: { from: TrackerRef; to: TrackerRef } | undefined;
  let everConnected = false;
  let lost: TrackerRef | undefined;
  /** Who was logged in when the connection broke, to tell whether a failover kept the session. */
  let lastUser: string | undefined;
  let sessionEndedShown = false;
  const where = (t: TrackerRef): string => `tracker ${t.tracker} (${safeText(t.address)})`;

  const listeners = {
    push: (push: Parameters<typeof formatPush>[0]) => {
      cache.notePush(push);
      const line = formatPush(push, link.session?.userId);
      if (line !== undefined) out.event(line);
      if (push.push === 'session_ended') sessionEndedShown = true;
    },
    disconnected: (info: TrackerRef & { reason: string }) => {
      lost = info;
      lastUser = link.session?.userId ?? lastUser;
      out.warn(`lost the connection to ${where(info)}: ${safeText(info.reason)}; reconnecting`);
    },
    failover: (info: { from: TrackerRef; to: TrackerRef }) => {
      failover = info;
    },
    connected: (info: TrackerRef) => {
      const session = link.session;
      if (failover !== undefined) {
        const kept = session !== undefined ? ' (session kept)' : lastUser !== undefined ? ' (session not kept: log in again)' : '';
        out.warn(`tracker ${failover.from.tracker} is unreachable; continuing on tracker ${failover.to.tracker}${kept}`);
      } else if (lost !== undefined) {
        out.warn(`reconnected to ${where(info)}${session !== undefined ? ' (session kept)' : ''}`);
      } else if (!everConnected && init.announceConnect) {
        out.warn(`connected to ${where(info)}`);
      }
      failover = undefined;
      lost = undefined;
      everConnected = true;
      lastUser = session?.userId;
    },
    sessionResumed: (info: TrackerRef & { result: { notices: readonly { message: string }[] } }) => {
      printNotices({ out }, info.result.notices);
      init.onSessionChange();
    },
    sessionLost: (info: { reason: string }) => {
      lastUser = undefined;
      // A session_ended push has said it already, with the tracker's reason.
      if (!sessionEndedShown) out.warn(`your session ended (${safeText(info.reason)}); log in again`);
      sessionEndedShown = false;
      init.onSessionChange();
    },
    error: (err: unknown) => {
      out.warn(`internal error in the tracker link: ${safeText(err instanceof Error ? err.message : String(err))}`);
    },
  };

  return listenToLink(link, listeners);
}
