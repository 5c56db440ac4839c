/**
 * Join requests to the groups this user owns: loaded per owned group, updated by `request`
 * events (a request reaches the open page as soon as the peer hears of it), and, when the user
 * allowed it, announced by one browser notification per group per 10 s at most.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, seg } from '../ui/api.js';
import { onEvent } from '../ui/events.js';
import { openGroup } from './route.js';
import { isOwner, type Group, type JoinRequest } from './types.js';

/** The shortest gap between two notifications about one group. */
export const NOTIFY_GAP_MS = 10_000;

/** Sends coalesced notifications: the first at once, later ones summed up when the gap ends. */
class Notifier {
  private last = new Map<string, number>();
  private pending = new Map<string, { count: number; timer: number }>();

  constructor(private readonly onOpen: (groupId: string, userId: string) => void) {}

  request(groupId: string, userId: string): void {
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    const since = Date.now() - (this.last.get(groupId) ?? 0);
    if (since >= NOTIFY_GAP_MS && !this.pending.has(groupId)) {
      this.show(groupId, userId, `${userId} asks to join ${groupId}`);
      return;
    }
    const p = this.pending.get(groupId);
    if (p) {
      p.count++;
      return;
    }
    const timer = window.setTimeout(() => {
      const done = this.pending.get(groupId);
      this.pending.delete(groupId);
      if (done) this.show(groupId, userId, `${done.count} new requests to join ${groupId}`);
    }, NOTIFY_GAP_MS - since);
    this.pending.set(groupId, { count: 1, timer });
  }

  private show(groupId: string, userId: string, body: string): void {
    this.last.set(groupId, Date.now());
    const n = new Notification('groupshare: join request', { body, tag: `join-${groupId}` });
    n.onclick = () => {
      window.focus();
      this.onOpen(groupId, userId);
      n.close();
    };
  }
}

/** Moves focus to the Accept button of `userId`'s request in the open group page. */
export function focusAccept(groupId: string, userId: string): void {
  openGroup(groupId);
  const tryFocus = (left: number): void => {
    const button = document.querySelector<HTMLButtonElement>(`[data-request-group="${CSS.escape(groupId)}"][data-request-user="${CSS.escape(userId)}"] button.accept`);
    if (button) button.focus();
    else if (left > 0) window.setTimeout(() => tryFocus(left - 1), 100);
  };
  tryFocus(20);
}

/** Pending requests for every group `me` owns, and a function to drop one once answered. */
export function useRequests(groups: Group[], me: string | undefined, onNew: (r: JoinRequest) => void): { requests: JoinRequest[]; answered: (r: JoinRequest) => void; reload: () => void } {
  const [requests, setRequests] = useState<JoinRequest[]>([]);
  const notifier = useRef(new Notifier(focusAccept));
  const owned = groups.filter((g) => isOwner(g, me)).map((g) => g.id);
  const key = owned.join('\u0000');
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let cancelled = false;
    void Promise.all(
      owned.map((id) =>
        get<{ requests: { userId: string }[] }>(`/api/groups/${seg(id)}/requests`)
          .then((r) => r.requests.map((q) => ({ groupId: id, userId: q.userId })))
          .catch(() => [] as JoinRequest[]),
      ),
    ).then((lists) => {
      if (!cancelled) setRequests(lists.flat());
    });
    return () => {
      cancelled = true;
    };
  }, [key, tick]);

  useEffect(
    () =>
      onEvent('request', (data) => {
        const r = data as JoinRequest;
        if (typeof r?.groupId !== 'string' || typeof r.userId !== 'string') return;
        setRequests((list) => (list.some((q) => q.groupId === r.groupId && q.userId === r.userId) ? list : [...list, { groupId: r.groupId, userId: r.userId }]));
        notifier.current.request(r.groupId, r.userId);
        onNew(r);
      }),
    [],
  );

  const answered = (r: JoinRequest): void => setRequests((list) => list.filter((q) => !(q.groupId === r.groupId && q.userId === r.userId)));
  return { requests, answered, reload: () => setTick((t) => t + 1) };
}
