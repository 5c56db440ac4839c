/**
 * One peer as a user runs it: the peer server on the address given at start, and what it
 * serves. Serving follows the session: `login()` verifies tickets with the key the tracker gave
 * and resumes every share the user had; `logout()` stops serving (shares stay in the library for
 * the next login). The shell and a future web UI drive this; it prints nothing.
 *
 * A file the user shares in two groups is served under the first group found for its info-hash:
 * the incoming handshake names only the info-hash, before the ticket says which group.
 */
import type { Server } from 'node:net';
import { ticketPublicKey } from '@groupshare/protocol';
import { PeerServer } from './peer/peer-server.js';
import { createPeerId } from './peer/peer-id.js';
import { seedBlockSource, type PeerFile } from './peer/types.js';
import { ShareManager } from './share/share-manager.js';
import type { SharesResumeReport, TrackerRequester } from './share/types.js';

export interface PeerNodeInit {
  link: TrackerRequester;
  /** Where per-user state lives (share libraries). */
  dataDir: string;
  /** The bound listener of this peer's address; served while a user is logged in. */
  server: Server;
}

export class PeerNode {
  readonly shares: ShareManager;
  readonly peerId = createPeerId();
  private peerServer: PeerServer | undefined;

  constructor(private readonly init: PeerNodeInit) {
    this.shares = new ShareManager({ link: init.link, dataDir: init.dataDir });
  }

  /** After a successful login or resume: serve, with tickets checked against `ticketKey`. */
  async login(userId: string, ticketKey: string): Promise<SharesResumeReport> {
    await this.stopServing();
    const server = new PeerServer({
      server: this.init.server,
      lookup: (infoHash) => this.lookup(Buffer.from(infoHash).toString('hex')),
      connection: { peerId: this.peerId, ticketKey: ticketPublicKey(ticketKey) },
    });
    await server.start();
    this.peerServer = server;
    return this.shares.resumeAll(userId);
  }

  /** Before logging out: stop serving until the next login. */
  async logout(): Promise<void> {
    await this.stopServing();
    await this.shares.suspend();
  }

  async stop(): Promise<void> {
    await this.stopServing();
    await this.shares.stop();
  }

  private lookup(infoHash: string): PeerFile | undefined {
    const served = this.shares.source(infoHash);
    if (!served) return undefined;
    return { groupId: served.groupId, size: served.size, pieceLength: served.pieceLength, source: seedBlockSource(served.source) };
  }

  private async stopServing(): Promise<void> {
    const server = this.peerServer;
    this.peerServer = undefined;
    await server?.stop();
  }
}
