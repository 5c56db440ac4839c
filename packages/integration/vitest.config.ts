import { defineProject } from 'vitest/config';

export default defineProject({
  // Resolve workspace packages to their TypeScript sources (the `source` export condition),
  // like the other packages. The tracker *processes* still run the built dist/main.js.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'integration',
    include: ['test/**/*.test.ts'],
    // Real processes: start-up, argon2id logins, kill -9, restart and catch-up.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
