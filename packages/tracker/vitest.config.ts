import { defineProject } from 'vitest/config';

export default defineProject({
  // Resolve workspace packages to their TypeScript sources (the `source` export condition).
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'tracker',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // API tests hash real argon2id passwords (19 MiB, t=2) and start real processes.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
