#!/usr/bin/env node
// Part of `pnpm run setup`: the system tools the tests call that npm cannot install.
// - Chromium at /usr/bin/chromium (or GROUPSHARE_CHROMIUM): the browser tests (packages/web-ui/test).
// - docker-compose (Debian's 1.29): the compose file's test runs `docker-compose config`.
// Missing and running as root with apt-get: installed (one apt-get run for all of them).
// Otherwise: says what to run and exits 1, so the tests are never skipped for want of a tool.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.GROUPSHARE_CHROMIUM || '/usr/bin/chromium';

function works(command, args) {
  const run = spawnSync(command, args, { stdio: 'ignore' });
  return run.error === undefined && run.status === 0;
}

const TOOLS = [
  { name: `Chromium (${chromium})`, present: () => existsSync(chromium), aptPackage: 'chromium', usedBy: 'the browser tests' },
  { name: 'docker-compose', present: () => works('docker-compose', ['version']), aptPackage: 'docker-compose', usedBy: 'the compose file test (docker-compose config)' },
];

function apt(args) {
  const run = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return run.error === undefined && run.status === 0;
}

const missing = TOOLS.filter((t) => !t.present());
if (missing.length === 0) process.exit(0);
const packages = missing.map((t) => t.aptPackage);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (root && works('apt-get', ['--version'])) {
  console.log(`setup: installing ${packages.join(', ')} with apt-get (needed by ${missing.map((t) => t.usedBy).join('; ')})`);
  // The package lists may be missing or old on a fresh machine: try as they are, then update once.
  const install = () => apt(['install', '-y', '--no-install-recommends', ...packages]);
  if ((install() || (apt(['update']) && install())) && missing.every((t) => t.present())) process.exit(0);
  console.error(`setup: apt-get could not install ${packages.join(', ')}; install it by hand and run setup again`);
  process.exit(1);
}
for (const t of missing) console.error(`setup: ${t.name} is missing; ${t.usedBy} need it`);
console.error(
  `setup: install ${missing.length > 1 ? 'them' : 'it'}, e.g. \`sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}\` on Debian or Ubuntu ` +
    '(setup installs them itself when run as root; GROUPSHARE_CHROMIUM may point at another Chromium binary), then run setup again',
);
process.exit(1);
