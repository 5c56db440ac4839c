export { SyncBindingError, SyncManager, type SyncManagerInit } from './sync-manager.js';
export type { SyncBinding } from './sync-store.js';
export type { SyncEvent, SyncRequester, SyncStatus, SyncWatcherOptions } from './types.js';
export { isSyncVersionName } from './version-name.js';
