/**
 * @groupshare/engine: the client library. No terminal I/O: a typed API and events, so the shell
 * and a future web UI are both thin fronts. Today: the tracker link (failover, session resume).
 */
export * from './tracker-link.js';
export * from './errors.js';
export * from './retry-policy.js';
export * from './constants.js';
export type { BackoffOptions } from './backoff.js';
export * from './wire/index.js';
export * from './storage/index.js';
export * from './picker/index.js';
export * from './share/index.js';
export * from './peer/index.js';
export * from './peer-node.js';
export * from './download/index.js';
export type { ServedFileRow } from './served-files.js';
