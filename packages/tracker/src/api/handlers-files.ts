/**
 * share_file, list_files, get_file, file_info, get_peers, update_pieces, stop_share.
 */
import { Bitfield, MAX_PIECES, ProtocolError, infoHash, pieceCount } from '@groupshare/protocol';
import { requireMember, requireMemberToRead, requireSession, type HandlerContext, type HandlerTable } from './context.js';

type FileHandlers = Pick<HandlerTable, 'share_file' | 'list_files' | 'get_file' | 'file_info' | 'get_peers' | 'update_pieces' | 'stop_share'>;

function requirePeerAddress(ctx: HandlerContext): { userId: string; account: string; peerAddress: string } {
  const session = requireSession(ctx);
  if (!session.peerAddress) {
    throw new ProtocolError('ERR_NO_PEER_ADDRESS', 'this client did not give a peer address at login, so it cannot serve files');
  }
  return { userId: session.userId, account: session.account, peerAddress: session.peerAddress };
}

function noSuchFile(groupId: string, what: string): ProtocolError {
  return new ProtocolError('ERR_NO_SUCH_FILE', `there is no file ${what} in group "${groupId}"`);
}

export const fileHandlers: FileHandlers = {
  async share_file(ctx, req) {
    const { userId, account, peerAddress } = requirePeerAddress(ctx);
    const count = pieceCount(req.size, req.pieceLength);
    if (count > MAX_PIECES || req.pieces.length !== count * 40) {
      throw new ProtocolError(
        'ERR_BAD_FILE_INFO',
        `a ${req.size}-byte file with ${req.pieceLength}-byte pieces has ${count} pieces, but ${req.pieces.length / 40} piece hashes were sent`,
      );
    }
    const hash = infoHash({ name: req.name, length: req.size, pieceLength: req.pieceLength, pieces: Buffer.from(req.pieces, 'hex') });
    const { value: alreadyShared, effects } = await ctx.services.store.mutate(async (w) => {
      requireMember(w.read, req.groupId, userId);
      const existing = w.read.fileNamed(req.groupId, req.name);
      if (existing !== undefined && existing !== hash) {
        throw new ProtocolError(
          'ERR_FILE_NAME_TAKEN',
          `group "${req.groupId}" already has a different file named "${req.name}"; rename yours to share it`,
        );
      }
      if (existing !== undefined) {
        const share = w.read.share(req.groupId, hash, userId);
        // Sharing again is a no-op, unless a login or logout since paused the share.
        if (share?.complete && share.serving && share.peerAddress === peerAddress) return true;
      }
      await w.commit({
        kind: 'file_shared',
        account,
        groupId: req.groupId,
        infoHash: hash,
        name: req.name,
        size: req.size,
        sha1: req.sha1,
        pieceLength: req.pieceLength,
        pieces: req.pieces,
        userId,
        peerAddress,
      });
      return false;
    });
    ctx.services.hub.deliver(effects);
    if (!alreadyShared) {
      ctx.services.log.info({ event: 'file_shared', groupId: req.groupId, name: req.name, infoHash: hash, size: req.size, userId }, 'file shared');
    }
    const file = ctx.services.queries.getFile(req.groupId, req.name);
    if (!file) throw noSuchFile(req.groupId, `"${req.name}"`); // withdrawn in between: vanishingly rare
    const { pieces: _pieces, ...summary } = file;
    return { file: summary, alreadyShared };
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
