// `pnpm generate`: runs the local `prisma generate` offline, writing src/generated/prisma.
//
// Every Prisma CLI command first tries to download a native schema-engine binary, from a host
// that may be unreachable (offline CI, sandboxes). `generate` itself never runs that engine
// (client generation is WASM), so pointing PRISMA_SCHEMA_ENGINE_BINARY at any executable skips
// the download. Migrations are handled by scripts/db-diff.mjs and src/db/migrate.ts instead.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const trackerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(trackerDir, 'package.json'));
const prismaCli = require.resolve('prisma/build/index.js');

/** A stub "engine" that fails if anything ever runs it, so misuse is loud rather than silent. */
function stubEngine() {
  const file = path.join(os.tmpdir(), 'groupshare-prisma-schema-engine-stub');
  if (!fs.existsSync(file)) {
    // Written under a unique name then renamed, so concurrent runs never see a half-written file.
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, '#!/bin/sh\necho "schema-engine stub: use scripts/db-diff.mjs" >&2\nexit 1\n', {
      mode: 0o755,
    });
    fs.renameSync(tmp, file);
  }
  return file;
}

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || stubEngine(),
  CHECKPOINT_DISABLE: '1', // no telemetry / version check request
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};

const result = spawnSync(process.execPath, [prismaCli, 'generate', ...process.argv.slice(2)], {
  cwd: trackerDir, // picks up prisma.config.ts, which names the schema
  env,
  stdio: ['ignore', 'inherit', 'inherit'], // no stdin: never wait for a prompt
});
if (result.error) throw result.error;
process.exit(result.status ?? 1);
