/**
 * On-disk storage for the engine: hashing files for sharing, the piece store of a download
 * (partial file + resume state + safe final placement), and the read side of a shared file.
 */
export { hashFile, type HashFileOptions, type HashedFile } from './hash-file.js';
export { PieceStore } from './piece-store.js';
export { DEFAULT_STATE_FLUSH_MS, type PieceStoreInit, type ResumeReport } from './piece-store-init.js';
export { SeedSource, type SeedCheck, type SeedSourceInit } from './seed-source.js';
export { READ_CHUNK_SIZE } from './file-io.js';
export type { DownloadPaths } from './safe-path.js';
export * from './errors.js';
