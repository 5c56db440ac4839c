/**
 * WebSocket framing for TcpProxy's frame-aware faults: cuts one direction of a proxied
 * WebSocket connection into whole frames (after the HTTP upgrade), so that a test can lose a
 * whole message, as a network that loses data without breaking the stream would from the
 * application's point of view (the replication link must then notice by its acks), rather than
 * a chunk, which corrupts the stream and only tests reconnecting.
 *
 * Frames are held until complete (RFC 6455 §5.2: 2–14 header bytes, a masking key on frames
 * from the dialing side, then the payload), so this is for tests, not for throughput.
 */

/** Which frames to lose: text frames whose payload starts with `prefix`, the next `count` of them. */
export interface FrameDrop {
  prefix: string;
  count: number;
}

/** Splits a byte stream into the HTTP upgrade and then whole frames; drops the ones `drop` asks for. */
export class WsFrameCutter {
  private pending: Buffer = Buffer.alloc(0);
  private upgraded = false;

  /**
   * Takes the next chunk of the stream; returns the bytes to forward now (complete frames and
   * the upgrade text), with lost frames left out. `lose` is asked about every text frame.
   */
  push(chunk: Buffer, lose: (payloadStart: string) => boolean): Buffer {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    if (!this.upgraded) {
      const end = this.pending.indexOf('\r\n\r\n');
      if (end < 0) return Buffer.alloc(0);
      out.push(this.pending.subarray(0, end + 4));
      this.pending = this.pending.subarray(end + 4);
      this.upgraded = true;
    }
    for (;;) {
      const frame = frameLength(this.pending);
      if (frame === undefined || this.pending.length < frame.total) break;
      const bytes = this.pending.subarray(0, frame.total);
      this.pending = this.pending.subarray(frame.total);
      const text = (bytes[0]! & 0x0f) === 1;
      if (!(text && lose(payloadStart(bytes, frame, 64)))) out.push(bytes);
    }
    return Buffer.concat(out);
  }
}

interface FrameShape {
  total: number;
  headerBytes: number;
  mask: Buffer | undefined;
}

/** The frame's size if its header is complete, else undefined. */
function frameLength(buf: Buffer): FrameShape | undefined {
  if (buf.length < 2) return undefined;
  const masked = (buf[1]! & 0x80) !== 0;
  let length = buf[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return undefined;
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buf.length < 10) return undefined;
    length = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  if (masked && buf.length < offset + 4) return undefined;
  const mask = masked ? Buffer.from(buf.subarray(offset, offset + 4)) : undefined;
  const headerBytes = offset + (masked ? 4 : 0);
  return { total: headerBytes + length, headerBytes, mask };
}

/** The first `max` payload bytes, unmasked, as text. */
function payloadStart(frame: Buffer, shape: FrameShape, max: number): string {
  const payload = Buffer.from(frame.subarray(shape.headerBytes, Math.min(frame.length, shape.headerBytes + max)));
  if (shape.mask) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ shape.mask[i % 4]!;
  return payload.toString('utf8');
}
