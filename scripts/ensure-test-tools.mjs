#!/usr/bin/env node
// Part of `pnpm run setup`: the system tools the tests call that npm cannot install.
// - docker-compose (Debian's 1.29): the compose file's test runs `docker-compose config`.
// Missing and running as root with apt-get: installed. Otherwise: says what to do, exits 1.
import { spawnSync } from 'node:child_process';

const TOOLS = [{ command: 'docker-compose', args: ['version'], aptPackage: 'docker-compose', usedBy: 'the compose file test (docker-compose config)' }];

function works(command, args) {
  const run = spawnSync(command, args, { stdio: 'ignore' });
  return run.error === undefined && run.status === 0;
}

function apt(args) {
  const run = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return run.error === undefined && run.status === 0;
}

const missing = TOOLS.filter((t) => !works(t.command, t.args));
if (missing.length === 0) process.exit(0);
const packages = missing.map((t) => t.aptPackage);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (root && works('apt-get', ['--version'])) {
  console.log(`setup: installing ${packages.join(', ')} with apt-get (needed by ${missing.map((t) => t.usedBy).join('; ')})`);
  if (apt(['update']) && apt(['install', '-y', '--no-install-recommends', ...packages]) && missing.every((t) => works(t.command, t.args))) process.exit(0);
  console.error(`setup: apt-get could not install ${packages.join(', ')}; install it by hand and run setup again`);
  process.exit(1);
}
for (const t of missing) console.error(`setup: ${t.command} is missing; ${t.usedBy} needs it`);
console.error(`setup: install it, e.g. \`sudo apt-get install ${packages.join(' ')}\` on Debian or Ubuntu (setup installs it itself when run as root), then run setup again`);
process.exit(1);
