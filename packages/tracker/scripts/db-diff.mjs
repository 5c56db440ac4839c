// `pnpm db:diff <migration_name>`: writes prisma/migrations/<yyyymmddhhmmss>_<name>/migration.sql
// with the SQL that takes "what the committed migrations produce" to prisma/schema.prisma.
// It is the offline stand-in for `prisma migrate dev --create-only` (which needs a native engine
// download). The tracker applies these files at start (src/db/migrate.ts); the tracker's
// conformance test fails when schema.prisma changed and this was not run.
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  diffScript,
  lockfileContent,
  migrationsDir,
  applyMigrations,
  liveDatabaseTarget,
  openSchemaEngine,
  readMigrationsList,
  readSchemas,
} from './schema-engine.mjs';

const rawName = process.argv[2];
// Same spirit as the prisma CLI: the name becomes part of a directory name, so keep it simple.
const name = (rawName ?? '').trim().toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
if (!name) {
  console.error('usage: pnpm db:diff <migration_name>   (e.g. pnpm db:diff add_share_expiry)');
  process.exit(2);
}

const list = await readMigrationsList();
const { engine, close } = await openSchemaEngine();
let script;
try {
  // Replay the committed migrations on an in-memory database, then diff it to the schema.
  await applyMigrations(engine, list);
  const schemas = await readSchemas();
  script = await diffScript(engine, liveDatabaseTarget(schemas), { tag: 'schemaDatamodel', ...schemas });
} finally {
  await close();
}
if (script === null) {
  console.log('no changes: the migrations already produce prisma/schema.prisma');
  process.exit(0);
}

// UTC timestamp prefix, as prisma does, so directory names sort in creation order.
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dirName = `${stamp}_${name}`;
const last = list.migrationDirectories.at(-1)?.path;
if (last !== undefined && dirName.localeCompare(last) <= 0) {
  throw new Error(`new migration ${dirName} would not sort after the latest one (${last}); check the clock`);
}
const dir = path.join(migrationsDir, dirName);
await fs.mkdir(dir, { recursive: true });
await fs.writeFile(path.join(dir, 'migration.sql'), script, 'utf8');
await fs.writeFile(path.join(migrationsDir, 'migration_lock.toml'), lockfileContent, 'utf8');
console.log(`wrote ${path.relative(process.cwd(), path.join(dir, 'migration.sql'))}`);
console.log('review it, then commit it with the schema change; the tracker applies it at start.');
