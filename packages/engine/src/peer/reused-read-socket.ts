/**
 * Outgoing peer connections that read into one buffer of their own, reused for every read.
 *
 * A socket's `data` events otherwise bring a fresh 64 KiB buffer per read: a gigabyte downloaded
 * is a gigabyte of short-lived memory that V8 counts as external, and it answered with a full
 * garbage collection every few hundred milliseconds (docs/benchmarks.md, Transfer). With Node's
 * `onread` the kernel copies into the same buffer each time; the connection's decoder is told
 * the reads are transient (wire/decoder.ts): it copies every frame but a piece, and what is left
 * of a message, before the next read can overwrite them, and the download copies each block
 * into its piece at once.
 *
 * Only for connections we open: Node offers `onread` to `net.connect`, not to a server's
 * accepted sockets, which keep ordinary reads.
 */
import { connect, type Socket } from 'node:net';

/**
 * Bytes per read: 512 KiB, one buffer per outgoing connection. Node's own 64 KiB meant a read
 * call, a callback and a decoder push per 64 KiB; a 1 GiB transfer from 3 seeders here ran at
 * 262–279 MB/s with 64 KiB reads, 310–335 with 256 KiB and 315–339 with 512 KiB
 * (docs/benchmarks.md, Transfer). Reads only fill what the socket has queued, so a slow link
 * still gets its bytes at once.
 */
const READ_BUFFER_BYTES = 512 * 1024;
const TRANSIENT_READS = Symbol('groupshare.transientReads');

/**
 * Connects to `host:port`; the socket emits `data` with views of its one read buffer. Attach the
 * `data` listener in the same tick (as `PeerTransport.start` is called): reads begin once the
 * connection is up, and with `onread` a read nobody listens to is not kept for later.
 */
export function connectReusingReadBuffer(host: string, port: number): Socket {
  const socket: Socket = connect({
    host,
    port,
    onread: {
      buffer: Buffer.allocUnsafeSlow(READ_BUFFER_BYTES),
      callback: (bytes: number, buffer: Uint8Array): boolean => socket.emit('data', buffer.subarray(0, bytes)) || true,
    },
  });
  (socket as Socket & { [TRANSIENT_READS]?: true })[TRANSIENT_READS] = true;
  return socket;
}

/** Whether `socket`'s `data` chunks are views of a buffer its next read overwrites. */
export function readsAreTransient(socket: object): boolean {
  return (socket as { [TRANSIENT_READS]?: true })[TRANSIENT_READS] === true;
}
