/**
 * What the shell remembers from what the tracker told it, for tab completion only: group ids,
 * file names per group and pending requesters per group. It is a hint, never a source of
 * truth: every command asks the tracker, and a stale entry costs nothing but a wrong guess.
 * It is filled by the results of list_* commands (which replace what was known) and by pushes
 * (which add or remove single entries). Who is logged in is the tracker link's business
 * (`link.session`), not this cache's.
 */
import type { Push } from '@groupshare/protocol';

/** Bounds, so a tracker that lists a million groups cannot grow the shell without limit. */
const MAX_ENTRIES = 10_000;

export class CompletionCache {
  private readonly groupIds = new Set<string>();
  private readonly filesByGroup = new Map<string, Set<string>>();
  private readonly requestsByGroup = new Map<string, Set<string>>();

  groups(): string[] {
    return [...this.groupIds].sort();
  }

  files(groupId: string): string[] {
    return [...(this.filesByGroup.get(groupId) ?? [])].sort();
  }

  requesters(groupId: string): string[] {
    return [...(this.requestsByGroup.get(groupId) ?? [])].sort();
  }

  addGroup(groupId: string): void {
    if (this.groupIds.size < MAX_ENTRIES) this.groupIds.add(groupId);
  }

  /** After list_groups: exactly these groups exist. */
  setGroups(groupIds: Iterable<string>): void {
    this.groupIds.clear();
    for (const g of groupIds) this.addGroup(g);
  }

  /** After a leave that deleted the group. */
  forgetGroup(groupId: string): void {
    this.groupIds.delete(groupId);
    this.filesByGroup.delete(groupId);
    this.requestsByGroup.delete(groupId);
  }

  /** After list_files: exactly these files are shared in the group. */
  setFiles(groupId: string, names: Iterable<string>): void {
    this.addGroup(groupId);
    this.filesByGroup.set(groupId, new Set([...names].slice(0, MAX_ENTRIES)));
  }

  /** After list_requests: exactly these users wait to join. */
  setRequesters(groupId: string, userIds: Iterable<string>): void {
    this.requestsByGroup.set(groupId, new Set([...userIds].slice(0, MAX_ENTRIES)));
  }

  /** After accept_request or reject_request. */
  forgetRequester(groupId: string, userId: string): void {
    this.requestsByGroup.get(groupId)?.delete(userId);
  }

  /** Keeps the cache in step with a push from the tracker. */
  notePush(push: Push): void {
    switch (push.push) {
      case 'join_requested':
        this.addGroup(push.data.groupId);
        this.addTo(this.requestsByGroup, push.data.groupId, push.data.userId);
        break;
      case 'request_accepted':
      case 'request_rejected':
      case 'owner_changed':
        this.addGroup(push.data.groupId);
        break;
      case 'file_shared':
        this.addGroup(push.data.groupId);
        this.addTo(this.filesByGroup, push.data.groupId, push.data.name);
        break;
      case 'file_withdrawn':
        this.filesByGroup.get(push.data.groupId)?.delete(push.data.name);
        break;
      default:
        break;
    }
  }

  private addTo(map: Map<string, Set<string>>, key: string, value: string): void {
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
    }
    if (set.size < MAX_ENTRIES) set.add(value);
  }
}
