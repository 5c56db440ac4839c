// Part of `pnpm run setup`: the browser tests drive Debian's Chromium at /usr/bin/chromium
// (packages/web-ui/test). When it is missing we install it with apt-get if we are root, and
// otherwise stop with what to run: the tests must never be skipped for want of a browser.
// GROUPSHARE_CHROMIUM points at another Chromium binary instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.GROUPSHARE_CHROMIUM || '/usr/bin/chromium';
if (existsSync(chromium)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (!isRoot || !hasApt) {
  console.error(
    `setup: Chromium is missing (${chromium}); the browser tests need it.\n` +
      (hasApt ? '  Install it as root:  sudo apt-get update && sudo apt-get install -y chromium\n' : '  Install Chromium with your system\'s package manager,\n') +
      '  or point GROUPSHARE_CHROMIUM at a Chromium binary, then run setup again.',
  );
  process.exit(1);
}

console.log('setup: installing Chromium for the browser tests (apt-get install -y chromium)…');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
// The package lists may be missing or old on a fresh machine: update once, then install.
if (!run(['install', '-y', '--no-install-recommends', 'chromium'])) {
  if (!run(['update']) || !run(['install', '-y', '--no-install-recommends', 'chromium'])) {
    console.error('setup: apt-get could not install chromium; install it by hand (apt-get install -y chromium) and run setup again.');
    process.exit(1);
  }
}
if (!existsSync(chromium)) {
  console.error(`setup: apt-get installed chromium but ${chromium} is still missing.`);
  process.exit(1);
}
console.log(`setup: Chromium installed at ${chromium}.`);
