/** @groupshare/tracker: build and run a tracker in-process (tests, embedding). */
export { Tracker, type TrackerInit, type TrackerStatus } from './tracker.js';
export { createTrackerLogger } from './logger.js';
export { AdminServer, type AdminServerInit } from './admin-web/admin-server.js';
