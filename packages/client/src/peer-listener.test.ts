import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { PeerListener, PeerListenerError } from './peer-listener.js';

describe('PeerListener', () => {
  it('reserves the port, and until the peer server exists closes every connection at once', async () => {
    const listener = await PeerListener.open({ host: '127.0.0.1', port: 0 });
    try {
      expect(listener.address.port).toBeGreaterThan(0);
      const socket = net.connect(listener.address.port, '127.0.0.1');
      const received: Buffer[] = [];
      socket.on('data', (d: Buffer) => received.push(d));
      socket.on('error', () => {});
      await new Promise((resolve) => socket.on('close', resolve));
      expect(received).toEqual([]);

      const second = PeerListener.open(listener.address);
      await expect(second).rejects.toBeInstanceOf(PeerListenerError);
      await expect(second).rejects.toThrow(/address already in use/);
    } finally {
      await listener.close();
      await listener.close(); // idempotent
    }
  });

  it('names an address that is not this machine\'s', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a real host.
    await expect(PeerListener.open({ host: '192.0.2.1', port: 0 })).rejects.toThrow(/not one of this machine's/);
  });
});
