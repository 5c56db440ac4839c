/**
 * The admin API's data routes. Reads: the cluster, users, groups, files, security events.
 * Writes: add a user, reset a password, remove a user, through the very functions the console's
 * add_user, reset_password and remove_user call (admin/users.ts): each is one op, replicated to
 * every tracker like the console's.
 */
import { ProtocolError, passwordProblem } from '@groupshare/protocol';
import type { FastifyInstance, FastifyReply, preHandlerAsyncHookHandler } from 'fastify';
import { OperatorError } from '../admin/errors.js';
import { addUser, listUsers, parseUserId, removeUser, resetPassword } from '../admin/users.js';
import { describeRemoval } from '../console/account-commands.js';
import type { Tracker } from '../tracker.js';
import { clusterView } from './cluster-view.js';
import { listGroupsWithMembers, listSharedFiles } from './listings.js';
import { clusterSchema, credentialsBody, doneSchema, errorSchema, eventsSchema, filesSchema, groupsSchema, sendError, userIdBody, usersSchema } from './schemas.js';

const STATUS_OF: Record<string, number> = { ERR_NO_SUCH_USER: 404, ERR_USER_EXISTS: 409, ERR_BUSY: 503 };

/** A failure of an operation as its HTTP answer; anything unexpected is rethrown (500, logged). */
function sendFailure(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof OperatorError || err instanceof ProtocolError) return sendError(reply, STATUS_OF[err.code] ?? 400, err.code, err.message);
  throw err;
}

function checkedPassword(password: string): string {
  const problem = passwordProblem(password);
  if (problem) throw new OperatorError('ERR_BAD_PASSWORD', `${problem}; nothing was changed`);
  return password;
}

type Credentials = { Body: { userId: string; password: string } };

export function registerDataRoutes(app: FastifyInstance, tracker: Tracker, required: preHandlerAsyncHookHandler): void {
  const services = tracker.services;
  const read = (schema: object) => ({ preHandler: required, schema: { response: { 200: schema, '4xx': errorSchema } } });
  const write = (body: object) => ({ preHandler: required, schema: { body, response: { 200: doneSchema, '4xx': errorSchema } } });

  app.get('/api/cluster', read(clusterSchema), async () => ({ self: tracker.init.trackerNumber, trackers: await clusterView(tracker) }));
  app.get('/api/users', read(usersSchema), async () => ({
    users: (await listUsers(services)).map((u) => ({ ...u, createdAt: u.createdAt.toISOString(), lastLoginAt: u.lastLoginAt?.toISOString() ?? null })),
  }));
  app.get('/api/groups', read(groupsSchema), async () => listGroupsWithMembers(services));
  app.get('/api/files', read(filesSchema), async () => listSharedFiles(services));
  app.get('/api/events', read(eventsSchema), async () => ({ events: services.securityEvents.list() }));

  app.post<Credentials>('/api/users/add', write(credentialsBody), async (request, reply) => {
    try {
      const userId = parseUserId(request.body.userId);
      await addUser(services, userId, checkedPassword(request.body.password), 'admin page');
      return { message: `added user ${userId}`, userId };
    } catch (err) {
      return sendFailure(reply, err);
    }
  });

  app.post<Credentials>('/api/users/reset-password', write(credentialsBody), async (request, reply) => {
    try {
      const userId = parseUserId(request.body.userId);
      const sessionsEnded = await resetPassword(services, userId, checkedPassword(request.body.password), 'admin page');
      return { message: `new password set for ${userId}; ${sessionsEnded} session(s) ended`, userId, sessionsEnded };
    } catch (err) {
      return sendFailure(reply, err);
    }
  });

  app.post<{ Body: { userId: string } }>('/api/users/remove', write(userIdBody), async (request, reply) => {
    try {
      const removed = await removeUser(services, parseUserId(request.body.userId), 'admin page');
      return { message: describeRemoval(removed), userId: removed.userId, sessionsEnded: removed.sessions };
    } catch (err) {
      return sendFailure(reply, err);
    }
  });
}
