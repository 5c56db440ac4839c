/**
 * How the peer server finds the file an incoming connection asks for (by info-hash): a file
 * shared from the library, else a download serving its verified pieces. Each comes with what its
 * connections share: the sharer's first-copies record, the upload tally, and the file's info
 * dictionary and whole-file SHA-1 (served by ut_metadata to admitted members, so one can start a
 * download from us with no tracker reachable).
 *
 * A file the user shares in several groups has one info-hash in all of them, and an incoming
 * handshake names only the info-hash: it is served to a member of any of those groups.
 */
import { fromHex, infoDictionary } from '@groupshare/protocol';

import { UploadTally } from './download/upload-tally.js';
import { FIRST_COPIES_MIN_BYTES, FirstCopies } from './peer/first-copies.js';
import { seedBlockSource, type PeerFile } from './peer/types.js';
import type { DownloadEntry } from './peer-node.js';
import type { ShareManager } from './share/share-manager.js';

export class ServedLookup {
  /**
   * Per file we share (info-hash): which connection each piece last went to, so concurrent
   * downloaders take different pieces from us (`first-copies.ts`). 12 bytes per piece.
   */
  private readonly firstCopies = new Map<string, FirstCopies>();
  /** Per shared file (info-hash): what went out, to whom, and who is connected (upload-tally.ts). */
  readonly shareUploads = new Map<string, { groupId: string; name: string; tally: UploadTally }>();
  /** The info dictionary per shared file (info-hash), built once. */
  private readonly infos = new Map<string, Uint8Array>();

  constructor(private readonly shares: ShareManager, private readonly downloads: () => readonly DownloadEntry[]) {}

  /** The file to serve for `infoHash` (hex), if any. */
  lookup(infoHash: string): PeerFile | undefined {
    const [served, ...others] = this.shares.sources(infoHash);
    if (served) {
      let copies = this.firstCopies.get(infoHash);
      if (copies === undefined || copies.pieceCount !== served.source.pieceCount) {
        copies = new FirstCopies({ pieceCount: served.source.pieceCount, now: () => performance.now() });
        this.firstCopies.set(infoHash, copies);
      }
      const source = seedBlockSource(served.source);
      const otherGroupIds = others.map((o) => o.groupId);
      let uploads = this.shareUploads.get(infoHash);
      if (uploads === undefined) this.shareUploads.set(infoHash, (uploads = { groupId: served.groupId, name: served.name, tally: new UploadTally() }));
      let info = this.infos.get(infoHash);
      if (info === undefined) {
        info = infoDictionary({ name: served.name, length: served.size, pieceLength: served.pieceLength, pieces: fromHex(served.pieces) });
        this.infos.set(infoHash, info);
      }
      return {
        groupId: served.groupId, otherGroupIds, size: served.size, pieceLength: served.pieceLength, source, firstCopies: served.size > FIRST_COPIES_MIN_BYTES ? copies : undefined, uploads: uploads.tally,
        metadata: { info, sha1: fromHex(served.sha1) },
      };
    }
    // A file being downloaded: serve the pieces verified so far.
    for (const entry of this.downloads()) {
      if (entry.download.infoHash === infoHash && entry.download.state !== 'stopped') return entry.download.peerFile();
    }
    return undefined;
  }
}
