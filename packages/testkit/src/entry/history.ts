// @groupshare/testkit/history: the write history of a scenario and its checker, and seeded
// client traffic. Needs @groupshare/protocol and @groupshare/tracker/testing.
export * from '../history.js';
export * from '../history-check.js';
export * from '../traffic.js';
