// @groupshare/testkit/scenario: what every scenario needs whatever it runs: cleanup, seeds,
// figures for the soak report, test bytes and file fixtures. Needs @groupshare/protocol (types).
export * from '../cleanup.js';
export * from '../figures.js';
export * from '../fixtures.js';
export * from '../seeds.js';
