import { defineConfig } from 'vitest/config';

// Tests run on the TypeScript sources (the `source` export condition), so no build is needed
// between an edit and a test run. Each package is its own project.
export default defineConfig({
  test: {
    projects: ['packages/*'],
  },
});
