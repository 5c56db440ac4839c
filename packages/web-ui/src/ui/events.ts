/**
 * The peer's server-sent events (GET /api/events): one EventSource for the page, shared by
 * every component that listens. The browser reconnects by itself after a drop; `onStatus`
 * tells the page when the stream is down so it can say so.
 */

type Listener = (data: unknown) => void;

const listeners = new Map<string, Set<Listener>>();
const statusListeners = new Set<(open: boolean) => void>();
let source: EventSource | undefined;

function dispatch(type: string, raw: string): void {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return;
  }
  for (const l of listeners.get(type) ?? []) l(data);
}

function attach(type: string): void {
  source?.addEventListener(type, (e) => dispatch(type, (e as MessageEvent<string>).data));
}

/** Opens the stream (after login); idempotent. */
export function openEvents(): void {
  if (source) return;
  source = new EventSource('/api/events');
  for (const type of listeners.keys()) attach(type);
  source.onopen = () => statusListeners.forEach((l) => l(true));
  source.onerror = () => statusListeners.forEach((l) => l(false));
}

/** Closes the stream (at logout). */
export function closeEvents(): void {
  source?.close();
  source = undefined;
}

/** Calls `listener` with each `type` event's JSON data; returns the unsubscribe function. */
export function onEvent(type: string, listener: Listener): () => void {
  let set = listeners.get(type);
  if (!set) {
    set = new Set();
    listeners.set(type, set);
    attach(type);
  }
  set.add(listener);
  return () => set.delete(listener);
}

/** Calls `listener(open)` whenever the stream opens or drops. */
export function onEventStatus(listener: (open: boolean) => void): () => void {
  statusListeners.add(listener);
  return () => statusListeners.delete(listener);
}

/** The array in an event's data, whether sent bare or wrapped (`{downloads: [...]}`). */
export function itemsOf<T>(data: unknown, key: string): T[] {
  if (Array.isArray(data)) return data as T[];
  const inner = (data as Record<string, unknown> | null)?.[key];
  if (Array.isArray(inner)) return inner as T[];
  return data && typeof data === 'object' ? [data as T] : [];
}
