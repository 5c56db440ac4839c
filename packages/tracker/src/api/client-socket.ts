/**
 * The client WebSocket endpoint (`GET /ws`, upgraded). Text frames are JSON requests handled in
 * order; a binary frame gets an error reply. A frame over the connection's size limit (small
 * before login, the largest request after: frame-guard.ts) is refused by ws from its header,
 * which closes the socket with 1009 (message too big); a frame nested deeper or holding more
 * values than any request is refused before it is parsed. Requests in flight are capped per
 * connection and per address, and a connection at a cap is not read until answers free room
 * (flow-control.ts). A socket past the per-address cap is closed at once with 1008 and a reason
 * (address-limit.ts).
 */
import { ProtocolError, type Reply } from '@groupshare/protocol';
import type { FastifyInstance } from 'fastify';
import type { TrackerServices } from './context.js';
import type { AddressLimit } from './address-limit.js';
import { ClientConnection, normaliseRemoteAddress } from './client-connection.js';
import { dispatch } from './dispatch.js';
import { AddressBytes, ConnectionFlow, type FlowLimits } from './flow-control.js';
import { requestShapeProblem } from './frame-guard.js';

/**
 * Default caps on requests in flight. 32 pipelined requests keep a busy client's link full;
 * 16 MiB per connection admits the largest request (share_file, ~10 MiB) with another behind
 * it; 64 MiB per address leaves room for several clients behind one NAT sharing files at once.
 */
export const DEFAULT_FLOW_LIMITS: FlowLimits = { maxRequests: 32, maxBytes: 16 * 1024 * 1024, maxAddressBytes: 64 * 1024 * 1024 };

export interface ClientSocketInit {
  services: TrackerServices;
  /** Promises of requests being handled, so stopping can wait for them. */
  inFlight: Set<Promise<void>>;
  /** Open sockets per remote address, shared with the replication route. */
  limit: AddressLimit;
  flow?: FlowLimits;
}

function refusal(message: string): Reply {
  return { id: null, ok: false, error: new ProtocolError('ERR_BAD_MESSAGE', message).toBody() };
}

export async function clientSocketRoutes(app: FastifyInstance, init: ClientSocketInit): Promise<void> {
  const { services, inFlight, limit } = init;
  const limits = init.flow ?? DEFAULT_FLOW_LIMITS;
  const addressBytes = new AddressBytes(limits.maxAddressBytes);
  app.get('/ws', { websocket: true }, (socket, request) => {
    const ip = normaliseRemoteAddress(request.socket.remoteAddress);
    if (!limit.admit(socket, ip)) return;
    // request.ip is the socket's address unless it is a trusted proxy (tracker.ts: trustProxy).
    const conn = new ClientConnection(socket, ip, normaliseRemoteAddress(request.ip));
    const flow = new ConnectionFlow(socket, ip, limits, addressBytes);
    services.hub.add(conn);
    services.log.debug({ conn: conn.id, ip: conn.remoteAddress }, 'client connected');

    socket.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      const size = bytes.length;
      // Judged on arrival, against the limit the frame was read under (ws checks the same limit
      // from the header; this is the guard should it not).
      const tooBig = size > conn.maxRequestBytes ? `message of ${size} bytes is over the limit of ${conn.maxRequestBytes} bytes${conn.session ? '' : ' before login'}` : undefined;
      flow.received(size);
      // Even a refusal waits its turn, so replies always come in request order.
      const task = conn.enqueue(async () => {
        if (isBinary) {
          await conn.reply(refusal('binary frames are not accepted; send JSON text'));
          return;
        }
        const problem = tooBig ?? requestShapeProblem(bytes);
        if (problem) {
          await conn.reply(refusal(problem));
          return;
        }
        await conn.reply(await dispatch({ conn, services }, bytes.toString('utf8')));
      }).catch((err: unknown) => {
        // dispatch answers every failure itself; this is the last guard against a crash.
        services.log.error({ err: err as Error, conn: conn.id }, 'unexpected error handling a message');
        return conn.reply({ id: null, ok: false, error: { code: 'ERR_INTERNAL', message: 'the tracker failed to handle this message' } });
      }).finally(() => flow.answered(size));
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
