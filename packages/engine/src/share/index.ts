/**
 * Sharing: the share manager (hash, register, serve, stop; suspend at logout, resume at login)
 * and its per-user library file.
 */
export { ShareManager } from './share-manager.js';
export type * from './types.js';
export { LIBRARY_FORMAT, MAX_LIBRARY_BYTES, libraryPath, type LibraryEntry, type ShareRecord } from './library.js';
export * from './errors.js';
