/**
 * The peer wire codec (BEP 3 with BEP 6 fast extension and BEP 10 extension protocol): typed
 * messages, their encoders, an incremental decoder and the extended handshake. No I/O; the
 * connection state machine and the transport build on it.
 */
export * from './messages.js';
export { WireDecoder, type DecodeResult, type WireDecoderInit, type WireFrame } from './decoder.js';
export type { HandshakeFrame } from './parse-message.js';
export * from './extended.js';
export * from './metadata.js';
