/**
 * A tracker that lies: a bare WebSocket server answering just enough of the protocol (login,
 * list_groups, list_files, create_group) with well-formed messages whose text is hostile:
 * terminal escapes, OSC window-title sequences, bidi overrides. The real tracker refuses such
 * names at its edge, so this is how the shell's own defence (safeText) is tested: a client
 * must not trust a tracker, or whoever sits between them, to keep its terminal safe.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const EVIL_FILE = 'evil\u001b[2Jname';
export const EVIL_GROUP = 'lab\u202etxt.exe';
export const EVIL_NOTICE = 'welcome\u001b]0;pwned\u0007 back';
export const EVIL_ERROR = 'no\u001b[31m way\u009b';

export class HostileTracker {
  private constructor(private readonly server: WebSocketServer) {}

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  static async start(): Promise<HostileTracker> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws' });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('connection', (ws) => ws.on('message', (data) => answer(ws, JSON.parse(String(data)) as { id: number; type: string })));
    return new HostileTracker(server);
  }

  stop(): Promise<void> {
    for (const ws of this.server.clients) ws.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function answer(ws: WebSocket, req: { id: number; type: string }): void {
  const ok = (result: unknown): void => ws.send(JSON.stringify({ id: req.id, ok: true, result }));
  switch (req.type) {
    case 'login':
      // The push first, as a real tracker sends pushes caused by a request before its reply.
      ws.send(JSON.stringify({ push: 'file_shared', data: { groupId: EVIL_GROUP, name: EVIL_FILE, infoHash: '00'.repeat(20), size: 1, sharedBy: 'eve\u001b[8m' } }));
      ok({
        userId: 'alice',
        token: 'A'.repeat(43),
        expiresAt: '2099-01-01T00:00:00.000Z',
        peerAddress: '127.0.0.1:1\u001b[2J',
        notices: [{ kind: 'group_id_taken', subject: 'lab', at: '2026-01-01T00:00:00.000Z', message: EVIL_NOTICE }],
        ticketKey: Buffer.alloc(32).toString('base64'),
      });
      break;
    case 'list_groups':
      ok({ groups: [{ groupId: EVIL_GROUP, owner: 'eve\u001b[8m', memberCount: 1, membership: 'member' }] });
      break;
    case 'list_files':
      ok({
        files: [
          {
            name: EVIL_FILE,
            infoHash: '\u001b[2J'.padEnd(40, 'a'),
            size: 5,
            sha1: '00'.repeat(20),
            pieceLength: 16384,
            pieceCount: 1,
            sharedBy: 'eve',
            sharedAt: '2026-01-01T00:00:00.000Z\u001b[2J',
            seeders: 1,
            partialPeers: 0,
            available: true,
          },
        ],
      });
      break;
    default:
      ws.send(JSON.stringify({ id: req.id, ok: false, error: { code: 'ERR_BAD_MESSAGE', message: EVIL_ERROR } }));
  }
}
