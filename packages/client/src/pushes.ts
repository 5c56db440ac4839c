/**
 * One line per tracker push, as the user sees it between prompts. Each line says what happened
 * and, where there is an obvious next step, the command for it (the owner sees
 * `accept_request lab bob` ready to type). Every field is network text and goes through
 * safeText.
 */
import { isSyncVersionName } from '@groupshare/engine';
import type { Push } from '@groupshare/protocol';
import { humanSize, safeText } from './render.js';

/**
 * The line for `push`, written from the point of view of `me` (the logged-in user id, if
 * any), or undefined for a push this build does not know (a newer tracker), which the shell
 * leaves unprinted rather than guess at, and for the versions folder sync shares (one per saved
 * file: a synced folder of 10,000 files would print 10,000 lines).
 */
export function formatPush(push: Push, me: string | undefined): string | undefined {
  switch (push.push) {
    case 'join_requested': {
      const group = safeText(push.data.groupId);
      const user = safeText(push.data.userId);
      return `${user} asked to join ${group} — accept_request ${group} ${user}`;
    }
    case 'request_accepted':
      return `your request to join ${safeText(push.data.groupId)} was accepted; you are a member now`;
    case 'request_rejected':
      return `your request to join ${safeText(push.data.groupId)} was rejected`;
    case 'owner_changed': {
      const group = safeText(push.data.groupId);
      return push.data.ownerId === me
        ? `the owner of ${group} left; you are its owner now`
        : `the owner of ${group} left; ${safeText(push.data.ownerId)} is its owner now`;
    }
    case 'file_shared':
      if (isSyncVersionName(push.data.name)) return undefined; // folder sync's versions: its [sync] lines tell what matters
      return `${safeText(push.data.sharedBy)} shared ${safeText(push.data.name)} (${humanSize(push.data.size)}) in ${safeText(push.data.groupId)}`;
    case 'file_withdrawn':
      if (isSyncVersionName(push.data.name)) return undefined;
      return `${safeText(push.data.name)} is no longer shared by anybody in ${safeText(push.data.groupId)}`;
    case 'session_ended':
      return `the tracker ended your session (${safeText(push.data.reason)}); log in again`;
    case 'lan_key_changed':
      return undefined; // housekeeping: LAN discovery takes the group's new key by itself (docs/lan.md)
    default:
      return undefined;
  }
}
