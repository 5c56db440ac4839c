// Prisma CLI configuration (Prisma 7 reads this instead of package.json#prisma).
// No datasource: `prisma generate` does not need one, and migrations are not run through the CLI
// (it needs a native engine download) but by scripts/db-diff.mjs (authoring, schema-engine WASM)
// and src/db/migrate.ts (applying, at tracker start).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
