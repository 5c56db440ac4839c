/**
 * The peer's event bus: what the shell and the web interface both need to hear about, whichever
 * of them caused it. The tracker link's pushes and connection events are translated once here;
 * the service adds what it did itself (a download started or cancelled, a share added). The
 * shell prints from some of these, the web's event stream (`GET /api/events`) forwards them.
 */
import { EventEmitter } from 'node:events';
import type { DownloadEntry, TrackerLink, TrackerRef } from '@groupshare/engine';
import type { Push } from '@groupshare/protocol';
import { listenToLink } from '../link-listeners.js';

export type DownloadStartKind = 'new' | 'resumed';

export interface PeerEvents {
  /** The peer logged in or out (or its tracker session ended). */
  session: [info: { loggedIn: boolean; userId?: string }];
  /** A download started (from the shell, the web, or resumed at login). */
  downloadStarted: [info: { entry: DownloadEntry; how: DownloadStartKind }];
  /** A download was cancelled for good; its entry is gone from the list. */
  downloadRemoved: [info: { entry: DownloadEntry }];
  /** What this peer serves changed (a share added, stopped, or resumed at login). */
  shares: [];
  /** A synced folder was bound or unbound, or did something (fetched a file, met a conflict, ended a round). */
  synced: [];
  /** Something about a group changed (owner, files, membership). */
  groups: [info: { groupId: string }];
  /** Somebody asked to join a group this user owns. */
  request: [info: { groupId: string; userId: string }];
  /** This user's request to join was answered. */
  requestAnswered: [info: { groupId: string; accepted: boolean }];
  /** The tracker link connected, lost its tracker, or moved to another one. */
  tracker: [info: { state: 'connected' | 'disconnected' | 'failover'; address: string }];
}

export class PeerEventBus extends EventEmitter<PeerEvents> {}

/**
 * Translates the link's pushes and connection events onto `bus`; returns a function that
 * detaches the listeners.
 */
export function bridgeLinkEvents(link: TrackerLink, bus: PeerEventBus, onSessionLost: () => void): () => void {
  let failedOver = false;
  const listeners = {
    push: (push: Push) => {
      switch (push.push) {
        case 'join_requested':
          bus.emit('request', { groupId: push.data.groupId, userId: push.data.userId });
          break;
        case 'request_accepted':
        case 'request_rejected':
          bus.emit('requestAnswered', { groupId: push.data.groupId, accepted: push.push === 'request_accepted' });
          bus.emit('groups', { groupId: push.data.groupId });
          break;
        case 'owner_changed':
        case 'file_shared':
        case 'file_withdrawn':
          bus.emit('groups', { groupId: push.data.groupId });
          break;
        default:
          break;
      }
    },
    failover: () => {
      failedOver = true;
    },
    connected: (info: TrackerRef) => {
      bus.emit('tracker', { state: failedOver ? 'failover' : 'connected', address: info.address });
      failedOver = false;
    },
    disconnected: (info: TrackerRef) => bus.emit('tracker', { state: 'disconnected', address: info.address }),
    sessionResumed: (info: { result: { userId: string } }) => bus.emit('session', { loggedIn: true, userId: info.result.userId }),
    sessionLost: () => {
      onSessionLost();
      bus.emit('session', { loggedIn: false });
    },
  };
  return listenToLink(link, listeners);
}
