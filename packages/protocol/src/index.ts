/**
 * @groupshare/protocol: what trackers and peers agree on. Pure code, no I/O.
 */
export * from './limits.js';
export * from './errors.js';
export * from './ids.js';
export * from './messages.js';
export * from './parse-request.js';
export * from './bencode.js';
export * from './info-hash.js';
export * from './pieces.js';
export * from './bitfield.js';
export * from './tracker-info.js';
export * from './hex.js';
export * from './replication-ops.js';
export * from './replication-messages.js';
export * from './tickets.js';
export * from './member-certificates.js';
export * from './seeded-rng.js';
export * from './untrusted-text.js';
export * from './web-host.js';
