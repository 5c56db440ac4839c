// Two codec endpoints piped back to back through PassThrough streams (no socket): a downloader
// and a seeder exchange handshakes, extended handshakes (with a ticket), a bitfield, a request
// and the piece that answers it. Every write is split at an odd offset, so messages also cross
// chunk boundaries the way they do on TCP.
import { PassThrough } from 'node:stream';

import { BLOCK_SIZE, Bitfield } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';

import { WireDecoder, type WireFrame } from './decoder.js';
import { decodeExtendedHandshake, extendedHandshakeMessage } from './extended.js';
import { encodeHandshake, encodeMessage, type WireMessage } from './messages.js';

/** One side of a connection: decodes what arrives, lets `react` answer, records everything. */
class Endpoint {
  readonly received: WireFrame[] = [];
  readonly decoder = new WireDecoder();

  constructor(
    private readonly out: PassThrough,
    incoming: PassThrough,
    react: (frame: WireFrame, self: Endpoint) => void,
  ) {
    incoming.on('data', (chunk: Buffer) => {
      const { frames, error } = this.decoder.push(chunk);
      for (const frame of frames) {
        this.received.push(frame);
        react(frame, this);
      }
      if (error !== undefined) throw error;
    });
  }

  /** Writes raw bytes in two pieces, cut at an odd offset. */
  write(bytes: Buffer): void {
    const cut = Math.min(bytes.length, 7);
    this.out.write(bytes.subarray(0, cut));
    if (cut < bytes.length) this.out.write(bytes.subarray(cut));
  }

  send(...messages: WireMessage[]): void {
    this.write(Buffer.concat(messages.map(encodeMessage)));
  }
}

describe('two wires back to back', () => {
  it('exchange handshake, extended handshake, bitfield, request and piece', async () => {
    const infoHash = Buffer.alloc(20, 0x5a);
    const pieceLength = 2 * BLOCK_SIZE;
    const data = Buffer.from(Array.from({ length: 3 * pieceLength }, (_, i) => (i * 31) % 251));
    const pieceCount = data.length / pieceLength;
    const ticket = 'eyJ2IjoxfQ.c2lnbmF0dXJl';

    const aToB = new PassThrough();
    const bToA = new PassThrough();
    let peerTicket: string | undefined;
    let resolveBlock: (block: Buffer) => void = () => {};
    const gotBlock = new Promise<Buffer>((resolve) => {
      resolveBlock = resolve;
    });

    // The seeder answers a handshake for its file with its own, its extended handshake and a
    // full bitfield; it unchokes once it has seen a ticket, and serves requests from `data`.
    const seeder = new Endpoint(bToA, aToB, (frame, self) => {
      if (frame.type === 'handshake' && frame.infoHash.equals(infoHash)) {
        self.write(encodeHandshake({ infoHash, peerId: Buffer.from('-GS0001-seederseeder'), fast: true, extended: true }));
        self.send(
          extendedHandshakeMessage({ extensions: new Map([['gs_test', 1]]), client: 'groupshare test', maxRequests: 250 }),
          { type: 'bitfield', bytes: Bitfield.full(pieceCount).bytes },
        );
      } else if (frame.type === 'extended' && frame.id === 0) {
        peerTicket = decodeExtendedHandshake(frame.payload).ticket;
        if (peerTicket !== undefined) self.send({ type: 'unchoke' });
      } else if (frame.type === 'request') {
        const start = frame.index * pieceLength + frame.begin;
        self.send({ type: 'piece', index: frame.index, begin: frame.begin, block: data.subarray(start, start + frame.length) });
      }
    });

    // The downloader shows its ticket, says it is interested in what the bitfield offers, and
    // requests the second block of piece 1 once unchoked.
    let offered: Bitfield | undefined;
    const downloader = new Endpoint(aToB, bToA, (frame, self) => {
      if (frame.type === 'handshake') {
        self.send(extendedHandshakeMessage({ ticket, maxBlock: BLOCK_SIZE }));
      } else if (frame.type === 'bitfield') {
        offered = new Bitfield(pieceCount, frame.bytes);
        self.send({ type: 'interested' });
      } else if (frame.type === 'unchoke' && offered?.has(1) === true) {
        self.send({ type: 'request', index: 1, begin: BLOCK_SIZE, length: BLOCK_SIZE });
      } else if (frame.type === 'piece') {
        resolveBlock(frame.block);
      }
    });
    downloader.write(encodeHandshake({ infoHash, peerId: Buffer.from('-GS0001-downloader00'), fast: true, extended: true }));

    const block = await gotBlock;
    expect(block.equals(data.subarray(pieceLength + BLOCK_SIZE, 2 * pieceLength))).toBe(true);
    expect(peerTicket).toBe(ticket);
    expect(downloader.received.map((f) => f.type)).toEqual(['handshake', 'extended', 'bitfield', 'unchoke', 'piece']);
    expect(seeder.received.map((f) => f.type)).toEqual(['handshake', 'extended', 'interested', 'request']);

    const seen = downloader.received[0];
    expect(seen?.type === 'handshake' && { fast: seen.fast, extended: seen.extended, id: seen.peerId.toString() }).toEqual({
      fast: true,
      extended: true,
      id: '-GS0001-seederseeder',
    });
    const ext = downloader.received[1];
    expect(ext?.type === 'extended' && decodeExtendedHandshake(ext.payload)).toMatchObject({
      client: 'groupshare test',
      maxRequests: 250,
      extensions: new Map([['gs_test', 1]]),
    });
    for (const side of [seeder, downloader]) {
      expect(side.decoder.error).toBeUndefined();
      expect(side.decoder.pendingBytes).toBe(0);
    }
  });
});
