/**
 * The client WebSocket endpoint (`GET /ws`, upgraded). Text frames are JSON requests handled in
 * order; a binary frame gets an error reply; a frame over MAX_MESSAGE_BYTES is refused by ws
 * itself, which closes the socket with 1009 (message too big). A socket past the per-address cap
 * is closed at once with 1008 and a reason (address-limit.ts).
 */
import { ProtocolError } from '@groupshare/protocol';
import type { FastifyInstance } from 'fastify';
import type { TrackerServices } from './context.js';
import type { AddressLimit } from './address-limit.js';
import { ClientConnection, normaliseRemoteAddress } from './client-connection.js';
import { dispatch } from './dispatch.js';

export interface ClientSocketInit {
  services: TrackerServices;
  /** Promises of requests being handled, so stopping can wait for them. */
  inFlight: Set<Promise<void>>;
  /** Open sockets per remote address, shared with the replication route. */
  limit: AddressLimit;
}

export async function clientSocketRoutes(app: FastifyInstance, init: ClientSocketInit): Promise<void> {
  const { services, inFlight, limit } = init;
  app.get('/ws', { websocket: true }, (socket, request) => {
    const ip = normaliseRemoteAddress(request.socket.remoteAddress);
    if (!limit.admit(socket, ip)) return;
    // request.ip is the socket's address unless it is a trusted proxy (tracker.ts: trustProxy).
    const conn = new ClientConnection(socket, ip, normaliseRemoteAddress(request.ip));
    services.hub.add(conn);
    services.log.debug({ conn: conn.id, ip: conn.remoteAddress }, 'client connected');

    socket.on('message', (data, isBinary) => {
      const text = isBinary ? null : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      // Even a refusal waits its turn, so replies always come in request order.
      const task = conn.enqueue(async () => {
        if (text === null) {
          const error = new ProtocolError('ERR_BAD_MESSAGE', 'binary frames are not accepted; send JSON text');
          conn.reply({ id: null, ok: false, error: error.toBody() });
          return;
        }
        conn.reply(await dispatch({ conn, services }, text));
      }).catch((err: unknown) => {
        // dispatch answers every failure itself; this is the last guard against a crash.
        services.log.error({ err: err as Error, conn: conn.id }, 'unexpected error handling a message');
        conn.reply({ id: null, ok: false, error: { code: 'ERR_INTERNAL', message: 'the tracker failed to handle this message' } });
      });
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    });
    socket.on('close', (code) => {
      services.hub.remove(conn);
      services.log.debug({ conn: conn.id, code, user: conn.session?.userId }, 'client disconnected');
    });
    // Socket errors are logged once, by the websocket plugin's errorHandler (tracker.ts).
  });
}
