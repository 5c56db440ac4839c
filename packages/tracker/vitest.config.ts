import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  test: {
    name: 'tracker',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // API tests hash real argon2id passwords (19 MiB, t=2) and start real processes.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
