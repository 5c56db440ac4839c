/**
 * GET /api/events: the peer's event bus as server-sent events. Notices (a join request, an
 * answer, a failover, the session) go out as they happen; download progress is coalesced: every
 * 150 ms each stream is sent the downloads whose view changed since it last saw them, and nothing
 * when none did; synced folders likewise (the whole list, when it changed). An idle stream costs one comment line every 50 s.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { WebContext } from './context.js';
import { SECURITY_HEADERS } from './guards.js';
import { syncedViews } from './routes-sync.js';
import { downloadView } from './views.js';

const TICK_MS = 150;
/** How often an open stream is sent {@link HEARTBEAT}, so that proxies keep an idle stream open. */
export const HEARTBEAT_MS = 50_000;
/** The whole of what an idle stream is sent every {@link HEARTBEAT_MS}: one SSE comment line. */
export const HEARTBEAT = ': ping\n\n';

interface Stream {
  res: ServerResponse;
  sessionId: string | undefined;
  /** The last JSON sent per download id. */
  seen: Map<string, string>;
  removed: string[];
  /** The last synced-folders JSON sent (`[]`: none, which is never sent). */
  synced: string;
}

/** While no folder is busy and nothing was told, synced folders are looked at every this many ticks (about 1 s). */
const SYNC_IDLE_TICKS = 7;

export function eventRoutes(app: FastifyInstance, ctx: WebContext): { close(): void } {
  const streams = new Set<Stream>();
  const bus = ctx.service.events;

  const send = (s: Stream, event: string, data: unknown): void => {
    s.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const broadcast = (event: string, data: unknown): void => {
    for (const s of streams) send(s, event, data);
  };

  // Synced folders: looked at on every tick while one is busy or after the service told of a
  // change (an event, a binding), else about once a second; sent to each stream when changed.
  let syncDirty = true;
  let syncBusy = false;
  let ticks = 0;
  const tickSynced = (): void => {
    if (!syncDirty && !syncBusy && ++ticks % SYNC_IDLE_TICKS !== 0) return;
    syncDirty = false;
    const folders = syncedViews(ctx);
    syncBusy = folders.some((f) => f.state !== 'up-to-date');
    const json = JSON.stringify(folders);
    for (const s of streams) {
      if (s.synced === json) continue;
      s.synced = json;
      send(s, 'synced', { folders });
    }
  };

  const tick = (): void => {
    tickSynced();
    const entries = ctx.service.downloads();
    for (const s of streams) {
      const changed = [];
      for (const entry of entries) {
        const id = ctx.ids.of(entry);
        const view = downloadView(entry, id);
        const json = JSON.stringify(view);
        if (s.seen.get(id) !== json) {
          s.seen.set(id, json);
          changed.push(view);
        }
      }
      if (changed.length > 0 || s.removed.length > 0) {
        send(s, 'downloads', { downloads: changed, removed: s.removed });
        s.removed = [];
      }
    }
  };
  const timer = setInterval(() => {
    if (streams.size > 0) tick();
  }, TICK_MS);
  timer.unref();
  const heartbeat = setInterval(() => {
    for (const s of streams) s.res.write(HEARTBEAT);
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const listeners = {
    shares: () => broadcast('shares', {}),
    synced: () => void (syncDirty = true),
    groups: (d: { groupId: string }) => broadcast('groups', d),
    request: (d: { groupId: string; userId: string }) => broadcast('request', d),
    requestAnswered: (d: { groupId: string; accepted: boolean }) => broadcast('request-answered', d),
    tracker: (d: { state: string; address: string }) => broadcast('tracker', d),
    downloadRemoved: ({ entry }: { entry: Parameters<typeof ctx.ids.of>[0] }) => {
      const id = ctx.ids.of(entry);
      for (const s of streams) if (s.seen.delete(id)) s.removed.push(id);
    },
    session: (d: { loggedIn: boolean }) => {
      if (d.loggedIn) return;
      // The web sessions end with the peer's: say so, and end every stream.
      for (const s of streams) {
        send(s, 'session', { loggedIn: false });
        s.res.end();
      }
      streams.clear();
    },
  };
  bus.on('shares', listeners.shares);
  bus.on('synced', listeners.synced);
  bus.on('groups', listeners.groups);
  bus.on('request', listeners.request);
  bus.on('requestAnswered', listeners.requestAnswered);
  bus.on('tracker', listeners.tracker);
  bus.on('downloadRemoved', listeners.downloadRemoved);
  bus.on('session', listeners.session);

  app.get('/api/events', {
    schema: {
      summary: 'server-sent events: downloads, synced, shares, groups, request, request-answered, tracker, session',
      produces: ['text/event-stream'],
    },
    handler: (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      // A retry hint, and a first comment so the browser's EventSource opens at once.
      res.write('retry: 3000\n: open\n\n');
      const s: Stream = { res, sessionId: request.caller.session?.id, seen: new Map(), removed: [], synced: '[]' };
      syncDirty = true; // its first tick sends the synced folders, if any
      // Nothing counts as seen yet: the first tick sends every download, so nothing is missed.
      streams.add(s);
      request.raw.on('close', () => streams.delete(s));
    },
  });

  return {
    close() {
      clearInterval(timer);
      clearInterval(heartbeat);
      bus.off('shares', listeners.shares);
      bus.off('synced', listeners.synced);
      bus.off('groups', listeners.groups);
      bus.off('request', listeners.request);
      bus.off('requestAnswered', listeners.requestAnswered);
      bus.off('tracker', listeners.tracker);
      bus.off('downloadRemoved', listeners.downloadRemoved);
      bus.off('session', listeners.session);
      for (const s of streams) s.res.end();
      streams.clear();
    },
  };
}
