/**
 * share_file, share_files, list_files, get_file, file_info, get_peers, update_pieces, stop_share.
 */
import {
  Bitfield,
  MAX_PIECES,
  ProtocolError,
  SharedFileSchema,
  describeIssues,
  infoHash,
  pieceCount,
  type SharedFileFields,
} from '@groupshare/protocol';
import type { Writer } from '../state/store-types.js';
import { requireMember, requireMemberToRead, requireSession, type HandlerContext, type HandlerTable } from './context.js';

type FileHandlers = Pick<HandlerTable, 'share_file' | 'share_files' | 'list_files' | 'get_file' | 'file_info' | 'get_peers' | 'update_pieces' | 'stop_share'>;

/** Who shares: the session's user and the peer address it serves from. */
interface Sharer {
  userId: string;
  account: string;
  peerAddress: string;
}

function requirePeerAddress(ctx: HandlerContext): Sharer {
  const session = requireSession(ctx);
  if (!session.peerAddress) {
    throw new ProtocolError('ERR_NO_PEER_ADDRESS', 'this client did not give a peer address at login, so it cannot serve files');
  }
  return { userId: session.userId, account: session.account, peerAddress: session.peerAddress };
}

function noSuchFile(groupId: string, what: string): ProtocolError {
  return new ProtocolError('ERR_NO_SUCH_FILE', `there is no file ${what} in group "${groupId}"`);
}

/** A file shared by `shareOne`: its name and info-hash, and whether it was shared already. */
interface Shared {
  name: string;
  infoHash: string;
  size: number;
  alreadyShared: boolean;
}

/** The file's info-hash, once its size, piece length and piece hashes agree (else ERR_BAD_FILE_INFO). */
function checkedInfoHash(f: SharedFileFields): string {
  const count = pieceCount(f.size, f.pieceLength);
  if (count > MAX_PIECES || f.pieces.length !== count * 40) {
    throw new ProtocolError(
      'ERR_BAD_FILE_INFO',
      `a ${f.size}-byte file with ${f.pieceLength}-byte pieces has ${count} pieces, but ${f.pieces.length / 40} piece hashes were sent`,
    );
  }
  return infoHash({ name: f.name, length: f.size, pieceLength: f.pieceLength, pieces: Buffer.from(f.pieces, 'hex') });
}

/**
 * Shares one file (share_file, or an item of share_files) whose geometry `checkedInfoHash` passed
 * as `hash`, inside a write whose caller is known to be a member of `groupId`. Throws a ProtocolError, having written nothing, when it cannot.
 */
async function shareOne(w: Writer, groupId: string, f: SharedFileFields, hash: string, who: Sharer): Promise<Shared> {
  const shared = { name: f.name, infoHash: hash, size: f.size };
  const existing = w.read.fileNamed(groupId, f.name);
  if (existing !== undefined && existing !== hash) {
    throw new ProtocolError(
      'ERR_FILE_NAME_TAKEN',
      `group "${groupId}" already has a different file named "${f.name}"; rename yours to share it`,
    );
  }
  if (existing !== undefined) {
    const share = w.read.share(groupId, hash, who.userId);
    // Sharing again is a no-op, unless a login or logout since paused the share.
    if (share?.complete && share.serving && share.peerAddress === who.peerAddress) return { ...shared, alreadyShared: true };
  }
  await w.commit({
    kind: 'file_shared',
    account: who.account,
    groupId,
    infoHash: hash,
    name: f.name,
    size: f.size,
    sha1: f.sha1,
    pieceLength: f.pieceLength,
    pieces: f.pieces,
    userId: who.userId,
    peerAddress: who.peerAddress,
  });
  return { ...shared, alreadyShared: false };
}

function logShared(ctx: HandlerContext, groupId: string, s: Shared, userId: string): void {
  if (s.alreadyShared) return;
  ctx.services.log.info({ event: 'file_shared', groupId, name: s.name, infoHash: s.infoHash, size: s.size, userId }, 'file shared');
}

/** The reply to a share_file: the file's summary as it is now. */
function summaryOf(ctx: HandlerContext, groupId: string, s: Shared, userId: string) {
  logShared(ctx, groupId, s, userId);
  const file = ctx.services.queries.getFile(groupId, s.name);
  if (!file) throw noSuchFile(groupId, `"${s.name}"`); // withdrawn in between: vanishingly rare
  const { pieces: _pieces, ...summary } = file;
  return { file: summary, alreadyShared: s.alreadyShared };
}

export const fileHandlers: FileHandlers = {
  async share_file(ctx, req) {
    const who = requirePeerAddress(ctx);
    const hash = checkedInfoHash(req); // before the membership check: it uses only the request's own fields
    const { value, effects } = await ctx.services.store.mutate(async (w) => {
      requireMember(w.read, req.groupId, who.userId);
      return shareOne(w, req.groupId, req, hash, who);
    });
    ctx.services.hub.deliver(effects);
    return summaryOf(ctx, req.groupId, value, who.userId);
  },

  async share_files(ctx, req) {
    const who = requirePeerAddress(ctx);
    // One write for the whole batch (one transaction, one replication wake-up); an item refused
    // writes nothing and gets its error, the others are shared.
    const { value: outcomes, effects } = await ctx.services.store.mutate(async (w) => {
      requireMember(w.read, req.groupId, who.userId);
      const out: Array<Shared | ProtocolError> = [];
      for (const raw of req.files) {
        const item = SharedFileSchema.safeParse(raw);
        if (!item.success) {
          out.push(new ProtocolError('ERR_BAD_MESSAGE', `a file of share_files is not valid: ${describeIssues(item.error)}`));
          continue;
        }
        try {
          out.push(await shareOne(w, req.groupId, item.data, checkedInfoHash(item.data), who));
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          out.push(err);
        }
      }
      return out;
    });
    ctx.services.hub.deliver(effects);
    // Not each file's summary, as share_file answers: reading it back was a third of the
    // tracker's work for a batch, and the client that shares has what it needs.
    const results = outcomes.map((o) => {
      if (o instanceof ProtocolError) return { error: { code: o.code, message: o.message } };
      logShared(ctx, req.groupId, o, who.userId);
      return { infoHash: o.infoHash, alreadyShared: o.alreadyShared };
    });
    return { results };
  },

  async list_files(ctx, req) {
    const { userId } = requireSession(ctx);
    requireMemberToRead(ctx, req.groupId, userId);
    return { files: ctx.services.queries.listFiles(req.groupId) };
  },

  async get_file(ctx, req) {
    const { userId } = requireSession(ctx);
    requireMemberToRead(ctx, req.groupId, userId);
    const file = ctx.services.queries.getFile(req.groupId, req.name);
    if (!file) throw noSuchFile(req.groupId, `"${req.name}"`);
    return { file };
  },

  async file_info(ctx, req) {
    const { userId } = requireSession(ctx);
    requireMemberToRead(ctx, req.groupId, userId);
    const info = ctx.services.queries.fileInfo(req.groupId, req.name);
    if (!info) throw noSuchFile(req.groupId, `"${req.name}"`);
    return info;
  },

  async get_peers(ctx, req) {
    const session = requireSession(ctx);
    requireMemberToRead(ctx, req.groupId, session.userId);
    const peers = ctx.services.queries.getPeers(req.groupId, req.infoHash, session);
    if (!peers) throw noSuchFile(req.groupId, `with info-hash ${req.infoHash}`);
    // The peers will ask for this before sending any piece (the caller is a member: checked above).
    const { ticket, expiresAt } = ctx.services.tickets.issue(session.userId, req.groupId, req.infoHash, ctx.services.now());
    return { peers, ticket, ticketExpiresAt: expiresAt };
  },

  async update_pieces(ctx, req) {
    const { userId, account, peerAddress } = requirePeerAddress(ctx);
    const { value } = await ctx.services.store.mutate(async (w) => {
      requireMember(w.read, req.groupId, userId);
      const key = { groupId: req.groupId, infoHash: req.infoHash };
      const file = w.read.file(req.groupId, req.infoHash);
      if (!file) throw noSuchFile(req.groupId, `with info-hash ${req.infoHash}`);
      const count = pieceCount(file.size, file.pieceLength);
      const share = w.read.share(req.groupId, req.infoHash, userId);
      const reported = req.bitfield !== undefined ? parseBitfield(req.bitfield, count) : new Bitfield(count);
      for (const index of req.have ?? []) {
        if (index >= count) throw new ProtocolError('ERR_BAD_MESSAGE', `piece ${index} is out of range: the file has ${count} pieces`);
        reported.set(index);
      }
      // Claims are bounded to files the member shares or downloads: a download registers with
      // a report of nothing first, so pieces cannot be claimed of any file in the group at once.
      if (!share && reported.count() > 0) {
        throw new ProtocolError(
          'ERR_NOT_SHARING',
          `you neither share nor download the file with info-hash ${req.infoHash} in group "${req.groupId}": share it with share_file, or start its download with a report of no pieces (have: []) before reporting pieces`,
        );
      }
      // A paused share (its peer logged in again) starts over: the peer now tells what it has
      // after the restart, and pieces it claimed before are not promised on its behalf. With
      // `replace` the report is the whole truth: pieces not in it are withdrawn.
      const current = share?.serving ? new Bitfield(count, share.bitfield) : new Bitfield(count);
      const bits = req.replace ? reported : current.or(reported);
      const before = current.toBase64();
      const after = bits.toBase64();
      // A first report with no pieces registers a downloader, so get_peers can list it to others.
      const unchanged = share !== undefined && share.serving && after === before && share.peerAddress === peerAddress;
      if (unchanged) return { count: bits.count(), complete: bits.isComplete() };
      await w.commit({ kind: 'pieces_updated', account, ...key, userId, peerAddress, bitfield: after });
      return { count: bits.count(), complete: bits.isComplete() };
    });
    return value;
  },

  async stop_share(ctx, req) {
    const { userId, account } = requireSession(ctx);
    const { value: withdrawn, effects } = await ctx.services.store.mutate(async (w) => {
      requireMember(w.read, req.groupId, userId);
      const infoHash = w.read.fileNamed(req.groupId, req.name);
      if (infoHash === undefined) throw noSuchFile(req.groupId, `"${req.name}"`);
      if (!w.read.share(req.groupId, infoHash, userId)) throw new ProtocolError('ERR_NO_SUCH_FILE', `you are not sharing "${req.name}" in group "${req.groupId}"`);
      await w.commit({ kind: 'share_stopped', account, groupId: req.groupId, infoHash, userId });
      return w.read.file(req.groupId, infoHash) === undefined;
    });
    ctx.services.hub.deliver(effects);
    ctx.services.log.info({ event: 'share_stopped', groupId: req.groupId, name: req.name, userId, withdrawn }, 'share stopped');
    return { withdrawn };
  },
};

/** A report's bitfield, or ERR_BAD_MESSAGE naming what is wrong with it. */
function parseBitfield(base64: string, count: number): Bitfield {
  try {
    return Bitfield.fromBase64(base64, count);
  } catch (err) {
    throw new ProtocolError('ERR_BAD_MESSAGE', `bitfield: ${(err as Error).message}`, undefined, { cause: err });
  }
}
