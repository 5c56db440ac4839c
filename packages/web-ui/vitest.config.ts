import { defineProject } from 'vitest/config';

export default defineProject({
  // Workspace packages resolve to their TypeScript sources (the `source` export condition); the
  // tracker and client *processes* the browser tests start run the built dist/.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'web-ui',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    // Real trackers, peers and a real Chromium: start-up, argon2id logins and transfers.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // One browser and its processes at a time: the machine has two cores.
    fileParallelism: false,
  },
});
