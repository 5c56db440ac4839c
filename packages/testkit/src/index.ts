// @groupshare/testkit: the harness the integration and robustness suites share (README.md).
export * from './bins.js';
export * from './chaos.js';
export * from './cleanup.js';
export * from './client-process.js';
export * from './figures.js';
export * from './fixtures.js';
export * from './history.js';
export * from './history-check.js';
export * from './process-cluster.js';
export * from './raw-peer.js';
export * from './scripted-peer.js';
export * from './seeds.js';
export * from './tcp-proxy.js';
export * from './traffic.js';
export * from './ws-client.js';
export * from './ws-frames.js';
