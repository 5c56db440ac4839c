import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { AddressLimit, CLOSE_TOO_MANY_CONNECTIONS } from './address-limit.js';

/** Just enough of a ws socket: close() records and emits 'close'. */
class FakeSocket extends EventEmitter {
  closed: { code: number; reason: string } | undefined;
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.emit('close', code, Buffer.from(reason));
  }
}
const socket = () => new FakeSocket();
const asWs = (s: FakeSocket) => s as unknown as WebSocket;

describe('AddressLimit', () => {
  it('admits up to the cap per address and refuses the next with 1008 and a reason naming the cap', () => {
    const refusals: string[] = [];
    const limit = new AddressLimit(2, (address) => refusals.push(address));
    const sockets = [socket(), socket(), socket(), socket()];
    const admitted = sockets.map((s) => limit.admit(asWs(s), '10.0.0.1'));
    expect(admitted).toEqual([true, true, false, false]);
    expect(sockets[2]!.closed).toEqual({ code: CLOSE_TOO_MANY_CONNECTIONS, reason: 'too many connections from 10.0.0.1 (at most 2); close some and retry' });
    expect(Buffer.byteLength(sockets[2]!.closed!.reason)).toBeLessThanOrEqual(123);
    // One log line per episode, not one per refused socket.
    expect(refusals).toEqual(['10.0.0.1']);
    expect(limit.count('10.0.0.1')).toBe(2);
  });

  it('leaves other addresses alone', () => {
    const limit = new AddressLimit(1);
    expect(limit.admit(asWs(socket()), '10.0.0.1')).toBe(true);
    expect(limit.admit(asWs(socket()), '10.0.0.1')).toBe(false);
    expect(limit.admit(asWs(socket()), '10.0.0.2')).toBe(true);
  });

  it('makes room when an admitted socket closes, and a refused one does not free a slot', () => {
    const refusals: string[] = [];
    const limit = new AddressLimit(1, (address) => refusals.push(address));
    const first = socket();
    limit.admit(asWs(first), 'a');
    const refused = socket();
    limit.admit(asWs(refused), 'a');
    expect(limit.count('a')).toBe(1); // the refused socket's own close released nothing
    first.close(1000, '');
    expect(limit.count('a')).toBe(0);
    expect(limit.admit(asWs(socket()), 'a')).toBe(true);
    expect(limit.admit(asWs(socket()), 'a')).toBe(false);
    expect(refusals).toEqual(['a', 'a']); // a new episode after dropping below the cap
  });

  it('refuses a cap that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new AddressLimit(bad)).toThrow(RangeError);
  });
});
