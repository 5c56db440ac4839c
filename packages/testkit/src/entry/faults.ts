// @groupshare/testkit/faults: a seeded fault-injecting TCP proxy, WebSocket frame cutting and
// chaos schedules. Needs @groupshare/protocol (seeded randomness).
export * from '../chaos.js';
export * from '../tcp-proxy.js';
export * from '../ws-frames.js';
