/**
 * Routes one text frame to its handler and turns every outcome into a reply: a result, a
 * ProtocolError's code, or ERR_INTERNAL (logged with the stack; the client sees no internals).
 */
import { ProtocolError, parseRequest, type Reply, type Request, type RequestType } from '@groupshare/protocol';
import type { Handler, HandlerContext, HandlerTable } from './context.js';
import { accountHandlers } from './handlers-accounts.js';
import { fileHandlers } from './handlers-files.js';
import { groupHandlers } from './handlers-groups.js';
import { lanHandlers } from './handlers-lan.js';

export const handlers: HandlerTable = { ...accountHandlers, ...groupHandlers, ...fileHandlers, ...lanHandlers };

function callHandler<T extends RequestType>(ctx: HandlerContext, request: Request<T>) {
  const handler = handlers[request.type as T] as Handler<T>;
  return handler(ctx, request);
}

export async function dispatch(ctx: HandlerContext, text: string): Promise<Reply> {
  const started = performance.now();
  const reply = await answer(ctx, text);
  ctx.services.metrics?.observeRequest(reply.type ?? 'invalid', reply.reply.ok ? 'ok' : reply.reply.error.code, (performance.now() - started) / 1000);
  return reply.reply;
}

/** The reply to one frame, with the request's type when it parsed. */
async function answer(ctx: HandlerContext, text: string): Promise<{ type?: RequestType; reply: Reply }> {
  const parsed = parseRequest(text);
  if (!parsed.ok) return { reply: { id: parsed.id, ok: false, error: parsed.error.toBody() } };
  const { request } = parsed;
  const reply = await answerRequest(ctx, request);
  return { type: request.type, reply };
}

async function answerRequest(ctx: HandlerContext, request: Request<RequestType>): Promise<Reply> {
  try {
    const result = await callHandler(ctx, request);
    return { id: request.id, ok: true, result };
  } catch (err) {
    if (err instanceof ProtocolError) return { id: request.id, ok: false, error: err.toBody() };
    ctx.services.log.error({ err: err as Error, type: request.type, conn: ctx.conn.id }, 'request failed');
    return { id: request.id, ok: false, error: { code: 'ERR_INTERNAL', message: 'the tracker failed to handle this request; nothing was changed' } };
  }
}
