/**
 * JSON schemas of the admin API's answers. fastify serialises each answer through its schema,
 * which drops any property not listed: a password hash, a session token or the cluster secret
 * could not reach the page even if a listing carried one by mistake.
 */
import type { FastifyReply } from 'fastify';

/** Every failure: `{ error: { code, message } }`, with a stable code. */
export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
} as const;

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const nullable = (type: 'string' | 'integer' | 'boolean') => ({ type: [type, 'null'] }) as const;

export const clusterSchema = {
  type: 'object',
  required: ['self', 'trackers'],
  properties: {
    self: int,
    trackers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['tracker', 'address', 'self', 'up', 'digestEqual', 'opsBehind'],
        properties: {
          tracker: int,
          address: str,
          self: bool,
          up: bool,
          error: str,
          sync: str,
          digest: str,
          digestEqual: nullable('boolean'),
          lastApplied: { type: 'object', additionalProperties: int },
          opsBehind: nullable('integer'),
          link: { type: 'object', properties: { state: str, caughtUp: bool, unackedMs: int, lastAckAt: nullable('integer') } },
          users: int,
          groups: int,
          files: int,
          clients: int,
        },
      },
    },
  },
} as const;

export const usersSchema = {
  type: 'object',
  required: ['users'],
  properties: {
    users: {
      type: 'array',
      items: {
        type: 'object',
        required: ['userId', 'createdAt', 'lastLoginAt', 'groups', 'online'],
        properties: { userId: str, createdAt: str, lastLoginAt: nullable('string'), groups: { type: 'array', items: str }, online: bool },
      },
    },
  },
} as const;

export const groupsSchema = {
  type: 'object',
  required: ['total', 'groups'],
  properties: {
    total: int,
    groups: {
      type: 'array',
      items: {
        type: 'object',
        required: ['groupId', 'ownerId', 'members', 'requests', 'files'],
        properties: {
          groupId: str,
          ownerId: str,
          members: { type: 'array', items: { type: 'object', required: ['userId', 'joinedAt'], properties: { userId: str, joinedAt: str } } },
          requests: int,
          files: int,
        },
      },
    },
  },
} as const;

export const filesSchema = {
  type: 'object',
  required: ['total', 'files'],
  properties: {
    total: int,
    files: {
      type: 'array',
      items: {
        type: 'object',
        required: ['groupId', 'infoHash', 'name', 'size', 'sharedBy', 'holders', 'seeders'],
        properties: {
          groupId: str,
          infoHash: str,
          name: str,
          size: int,
          sharedBy: str,
          seeders: int,
          holders: {
            type: 'array',
            items: { type: 'object', required: ['userId', 'complete', 'serving', 'online'], properties: { userId: str, complete: bool, serving: bool, online: bool } },
          },
        },
      },
    },
  },
} as const;

export const eventsSchema = {
  type: 'object',
  required: ['events'],
  properties: {
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'at', 'count', 'message'],
        properties: { kind: str, at: str, count: int, message: str, ip: str, userId: str, peer: int },
      },
    },
  },
} as const;

/** A user id and a new password (add, reset). */
export const credentialsBody = {
  type: 'object',
  required: ['userId', 'password'],
  additionalProperties: false,
  properties: { userId: { type: 'string', minLength: 1, maxLength: 256 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
} as const;

export const userIdBody = {
  type: 'object',
  required: ['userId'],
  additionalProperties: false,
  properties: { userId: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

export const doneSchema = {
  type: 'object',
  required: ['message'],
  properties: { message: str, userId: str, sessionsEnded: int },
} as const;
