import { defineProject } from 'vitest/config';

export default defineProject({
  // Resolve workspace packages to their TypeScript sources (the `source` export condition).
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'client',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The end-to-end tests run a real tracker in-process: argon2id hashing for every
    // register and login (19 MiB, t=2) takes a few hundred ms each.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
