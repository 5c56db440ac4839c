/**
 * Client ↔ tracker messages (JSON over one WebSocket per client). One schema per message; the
 * TypeScript types are inferred from them. docs/protocol.md describes each with an example.
 *
 *   client → tracker   { id, type, ...fields }                  a request
 *   tracker → client   { id, ok: true, result }                 its reply
 *                      { id, ok: false, error: { code, message, retryAfterMs? } }
 *                      { push, data }                           an event nobody asked for
 */
import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import {
  FileNameSchema,
  GroupIdSchema,
  LoginPasswordSchema,
  NewFileNameSchema,
  NewPasswordSchema,
  Sha1HexSchema,
  UserIdSchema,
} from './ids.js';
import { MAX_HAVE_BATCH, MAX_SHARE_BATCH } from './limits.js';
import { natural } from './natural.js';
import { MAX_FILE_SIZE, MAX_PIECES, isValidPieceLength } from './pieces.js';
import { parseHostPort } from './tracker-info.js';

/** Request ids are chosen by the client and echoed in the reply. */
export const RequestIdSchema = natural(Number.MAX_SAFE_INTEGER);

/** `host:port` where a peer's server listens; a host of 0.0.0.0 or :: means "my address as you see it". */
export const PeerAddressSchema = z
  .string()
  .max(300)
  .superRefine((value, ctx) => {
    try {
      parseHostPort(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

/** Session tokens: 32 random bytes, base64url (43 characters). */
export const TokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not a session token');

/** A BEP 3 bitfield, base64. Its length is checked against the file's piece count later. */
export const BitfieldBase64Schema = z
  .string()
  .max(Math.ceil(Math.ceil(MAX_PIECES / 8) / 3) * 4)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'is not base64');

/** True when `s` is only hex digits. A loop, not a regex: V8's regex engine can overflow its
 * stack on a 10 MiB piece list. */
function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20; // fold A-F to a-f
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

const PiecesHexSchema = z
  .string()
  .max(MAX_PIECES * 40)
  .refine((s) => s.length % 40 === 0 && isHex(s), 'must be concatenated 40-hex-digit SHA-1 digests')
  .transform((s) => s.toLowerCase());

function request<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.object({ id: RequestIdSchema, type: z.literal(type), ...shape });
}

const group = { groupId: GroupIdSchema };

/** One file as `share_file` describes it (and each item of `share_files`). */
const sharedFile = {
  name: NewFileNameSchema,
  size: natural(MAX_FILE_SIZE),
  sha1: Sha1HexSchema,
  pieceLength: z.number().int().refine(isValidPieceLength, 'is not a valid piece length'),
  pieces: PiecesHexSchema,
};

/** An item of `share_files`, parsed on its own so that one bad item fails alone. */
export const SharedFileSchema = z.object(sharedFile);
export type SharedFileFields = z.output<typeof SharedFileSchema>;

export const RequestSchemas = {
  ping: request('ping', {}),
  register: request('register', { userId: UserIdSchema, password: NewPasswordSchema }),
  login: request('login', {
    userId: UserIdSchema,
    password: LoginPasswordSchema,
    peerAddress: PeerAddressSchema.optional(),
  }),
  /** Continue an existing session on a new connection (after a reconnect or a tracker failover). */
  resume: request('resume', { token: TokenSchema, peerAddress: PeerAddressSchema.optional() }),
  logout: request('logout', {}),
  create_group: request('create_group', group),
  list_groups: request('list_groups', {}),
  join_group: request('join_group', group),
  leave_group: request('leave_group', group),
  list_requests: request('list_requests', group),
  accept_request: request('accept_request', { ...group, userId: UserIdSchema }),
  reject_request: request('reject_request', { ...group, userId: UserIdSchema }),
  list_members: request('list_members', group),
  share_file: request('share_file', { ...group, ...sharedFile }),
  /**
   * Up to MAX_SHARE_BATCH `share_file`s of one group in one request (a synced folder's first
   * hash shares thousands). Items are checked one by one: a bad one gets its own error in the
   * reply and the others are shared.
   */
  share_files: request('share_files', { ...group, files: z.array(z.unknown()).min(1).max(MAX_SHARE_BATCH) }),
  list_files: request('list_files', group),
  get_file: request('get_file', { ...group, name: FileNameSchema }),
  /** A file and every member holding any of it, online or not: who could serve it, and how much. */
  file_info: request('file_info', { ...group, name: FileNameSchema }),
  get_peers: request('get_peers', { ...group, infoHash: Sha1HexSchema }),
  /** Batched BEP 3 "have"s from a downloading peer, or its whole bitfield. */
  update_pieces: request('update_pieces', {
    ...group,
    infoHash: Sha1HexSchema,
    have: z.array(natural(MAX_PIECES - 1)).max(MAX_HAVE_BATCH).optional(),
    bitfield: BitfieldBase64Schema.optional(),
    /** With `bitfield`: it replaces what the tracker knows instead of adding to it (withdrawal). */
    replace: z.boolean().optional(),
  })
    .refine((m) => (m.have === undefined) !== (m.bitfield === undefined), {
      message: 'give exactly one of "have" and "bitfield"',
    })
    .refine((m) => m.replace === undefined || m.bitfield !== undefined, {
      message: '"replace" goes with "bitfield" (a whole bitfield), not with "have"',
      path: ['replace'],
    }),
  stop_share: request('stop_share', { ...group, name: FileNameSchema }),
  /**
   * LAN discovery's credentials (docs/lan.md): for each group of the caller, its group key and a
   * member certificate binding the caller to `memberKey`, the Ed25519 public key (32 bytes,
   * base64) its LAN announces are signed with.
   */
  lan_credentials: request('lan_credentials', { memberKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'is not a base64 Ed25519 public key') }),
} as const;

export type RequestType = keyof typeof RequestSchemas;
export type Request<T extends RequestType = RequestType> = z.output<(typeof RequestSchemas)[T]>;
/** What a client sends (before the tracker normalises ids and names). */
export type RequestInput<T extends RequestType = RequestType> = z.input<(typeof RequestSchemas)[T]>;

export const REQUEST_TYPES = Object.keys(RequestSchemas) as RequestType[];

// ---- results ------------------------------------------------------------------------------

export const GroupSummarySchema = z.object({
  groupId: z.string(),
  owner: z.string(),
  memberCount: z.number().int(),
  /** The asking user's relation to the group. */
  membership: z.enum(['owner', 'member', 'requested', 'none']),
});

export const MemberSchema = z.object({ userId: z.string(), joinedAt: z.string(), owner: z.boolean() });

export const JoinRequestSummarySchema = z.object({ userId: z.string(), requestedAt: z.string() });

export const FileSummarySchema = z.object({
  name: z.string(),
  infoHash: z.string(),
  size: z.number(),
  sha1: z.string(),
  pieceLength: z.number().int(),
  pieceCount: z.number().int(),
  sharedBy: z.string(),
  sharedAt: z.string(),
  /** Online peers that have every piece. */
  seeders: z.number().int(),
  /** Online peers that have some pieces but not all (downloaders sharing as they go). */
  partialPeers: z.number().int(),
  /** Whether every piece is held by at least one online peer, so a download can complete now. */
  available: z.boolean(),
});

export const FileDetailSchema = FileSummarySchema.extend({ pieces: z.string() });

/** A member holding pieces of a file (file_info). */
export const HolderSchema = z.object({
  userId: z.string(),
  /** Logged in and offering the file now (a peer may download from them). */
  online: z.boolean(),
  /** Pieces of the file they hold (all of them when `complete`). */
  pieces: z.number().int(),
  complete: z.boolean(),
});

export const PeerSchema = z.object({
  userId: z.string(),
  address: z.string(),
  bitfield: z.string(),
  complete: z.boolean(),
});

/**
 * Something the user should know from while they were away, told at login and resume: today, a
 * group id they created that lost to the same id created concurrently on another tracker.
 */
export const NoticeSchema = z.object({ kind: z.string(), subject: z.string(), at: z.string(), message: z.string() });
export type Notice = z.infer<typeof NoticeSchema>;

export const ResultSchemas = {
  ping: z.object({ now: z.string() }),
  register: z.object({ userId: z.string() }),
  // `ticketKey`: the trackers' Ed25519 public key (32 bytes, base64), to verify other peers'
  // tickets with (tickets.ts).
  login: z.object({ userId: z.string(), token: z.string(), expiresAt: z.string(), peerAddress: z.string().nullable(), notices: z.array(NoticeSchema), ticketKey: z.string() }),
  resume: z.object({ userId: z.string(), expiresAt: z.string(), peerAddress: z.string().nullable(), notices: z.array(NoticeSchema), ticketKey: z.string() }),
  logout: z.object({}),
  create_group: z.object({ groupId: z.string() }),
  list_groups: z.object({ groups: z.array(GroupSummarySchema) }),
  join_group: z.object({ groupId: z.string(), status: z.literal('requested') }),
  leave_group: z.object({ groupId: z.string(), groupDeleted: z.boolean(), newOwner: z.string().nullable() }),
  list_requests: z.object({ requests: z.array(JoinRequestSummarySchema) }),
  accept_request: z.object({ groupId: z.string(), userId: z.string() }),
  reject_request: z.object({ groupId: z.string(), userId: z.string() }),
  list_members: z.object({ members: z.array(MemberSchema) }),
  share_file: z.object({ file: FileSummarySchema, alreadyShared: z.boolean() }),
  // In the order of the request's items: each shared (its info-hash; list_files has the rest), or why not.
  share_files: z.object({
    results: z.array(
      z.union([
        z.object({ infoHash: z.string(), alreadyShared: z.boolean() }),
        z.object({ error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }) }),
      ]),
    ),
  }),
  list_files: z.object({ files: z.array(FileSummarySchema) }),
  get_file: z.object({ file: FileDetailSchema }),
  file_info: z.object({ file: FileSummarySchema, holders: z.array(HolderSchema) }),
  // `ticket`: proves to those peers that the caller may fetch this file (tickets.ts).
  get_peers: z.object({ peers: z.array(PeerSchema), ticket: z.string(), ticketExpiresAt: z.string() }),
  update_pieces: z.object({ count: z.number().int(), complete: z.boolean() }),
  stop_share: z.object({ withdrawn: z.boolean() }),
  // `groupKey`: 32 bytes, base64, the key of the group's current key `epoch`; `certificate`:
  // member-certificates.ts (issued at that epoch).
  lan_credentials: z.object({
    expiresAt: z.string(),
    // A tracker from before key epochs sends none: its keys are those of epoch 0.
    groups: z.array(z.object({ groupId: z.string(), epoch: z.number().int().nonnegative().default(0), groupKey: z.string(), certificate: z.string() })),
  }),
} as const satisfies Record<RequestType, z.ZodType>;

export type Result<T extends RequestType> = z.infer<(typeof ResultSchemas)[T]>;
export type GroupSummary = z.infer<typeof GroupSummarySchema>;
export type FileSummary = z.infer<typeof FileSummarySchema>;
export type FileDetail = z.infer<typeof FileDetailSchema>;
export type PeerInfo = z.infer<typeof PeerSchema>;
export type Holder = z.infer<typeof HolderSchema>;

export const ErrorBodySchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  retryAfterMs: z.number().optional(),
});

// ---- pushes -------------------------------------------------------------------------------

export const PushSchemas = {
  /** To a group's owner: somebody asked to join. */
  join_requested: z.object({ groupId: z.string(), userId: z.string() }),
  /** To the requester. */
  request_accepted: z.object({ groupId: z.string() }),
  request_rejected: z.object({ groupId: z.string() }),
  /** To every member: the group has a new owner because the old one left. */
  owner_changed: z.object({ groupId: z.string(), ownerId: z.string() }),
  /** To every member: a file became available in the group. */
  file_shared: z.object({ groupId: z.string(), name: z.string(), infoHash: z.string(), size: z.number(), sharedBy: z.string() }),
  /**
   * To a client whose session ended without its asking: its registration lost a conflict with
   * one made concurrently on another tracker (docs/replication.md). Log in again.
   */
  session_ended: z.object({ reason: z.string() }),
  /** To every member: the last peer stopped sharing a file (or left the group). */
  file_withdrawn: z.object({ groupId: z.string(), name: z.string(), infoHash: z.string() }),
  /**
   * To the members downloading a file: a member holding pieces of it came online (logged in and
   * offers it again), so a download waiting for missing pieces asks for peers now.
   */
  holder_online: z.object({ groupId: z.string(), infoHash: z.string(), userId: z.string() }),
  /**
   * To the remaining members, and to the one who left: a membership of the group ended, so its
   * LAN key moved to key epoch `epoch`. Members ask for `lan_credentials` again; the one who
   * left gets none for the group any more (docs/lan.md).
   */
  lan_key_changed: z.object({ groupId: z.string(), epoch: z.number().int().nonnegative() }),
} as const;

export type PushType = keyof typeof PushSchemas;
export type Push<T extends PushType = PushType> = { [K in T]: { push: K; data: z.infer<(typeof PushSchemas)[K]> } }[T];

/** A reply as sent on the wire. `id` is null when the request was too broken to have one. */
export type Reply =
  | { id: number; ok: true; result: unknown }
  | { id: number | null; ok: false; error: z.infer<typeof ErrorBodySchema> };
