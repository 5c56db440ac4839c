#!/usr/bin/env node
// The README's first command. Starts the two trackers of tracker_info.txt.example and three
// scripted peers (real ./client processes fed through stdin): ann shares a sample file in group
// "demo", bob and cy join and download it (cy a moment after bob, so bob is a source for her
// too), and the story is printed as it happens. Then an interactive shell opens on the same cluster; when
// it ends, everything the demo started is stopped. Everything lives in data/demo/ (made anew).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const infoFile = path.join(root, 'tracker_info.txt.example');
const dir = path.join(root, 'data', 'demo');
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (text) => process.stdout.write(`${bold('[demo]')} ${text}\n`);
const children = [];

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

/** A child process whose stdout lines are echoed with a prefix and can be waited for. */
function start(label, command, args, { echo = true } = {}) {
  const child = spawn(command, args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = [];
  const waiters = [];
  const onLine = (line) => {
    lines.push(line);
    if (echo) process.stdout.write(`  [${label}] ${line}\n`);
    for (const w of [...waiters]) if (w.pattern.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
  };
  readline.createInterface({ input: child.stdout }).on('line', onLine);
  readline.createInterface({ input: child.stderr }).on('line', onLine);
  const proc = {
    child,
    send: (...cmds) => child.stdin.write(cmds.map((c) => `${c}\n`).join('')),
    waitFor(pattern, timeoutMs = 60_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pattern, resolve };
        waiters.push(w);
        setTimeout(() => reject(new Error(`${label}: no line matching ${pattern} within ${timeoutMs / 1000} s`)), timeoutMs).unref();
      });
    },
  };
  children.push(proc);
  return proc;
}

const tracker = (n) =>
  start(`tracker ${n}`, path.join(root, 'tracker'), [infoFile, String(n), '--data-dir', path.join(dir, `tracker-${n}`), '--log-level', 'warn']);
const peer = (name) => start(name, path.join(root, 'client'), ['127.0.0.1:0', infoFile, '--data-dir', path.join(dir, name)]);

async function healthy(port) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tracker on port ${port} did not start`);
}

async function stopAll() {
  for (const p of children) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
}

const sha1 = (file) => createHash('sha1').update(readFileSync(file)).digest('hex');

try {
  say('starting two trackers (tracker_info.txt.example); they replicate everything to each other,');
  say('authenticated by the secret the first of them created in tracker_info.txt.example.secret');
  tracker(1);
  tracker(2);
  await Promise.all([healthy(7001), healthy(7002)]);

  const sample = path.join(dir, 'sample.bin');
  writeFileSync(sample, randomBytes(8 * 1024 * 1024));
  say(`ann shares an 8 MiB sample file (SHA-1 ${sha1(sample).slice(0, 16)}…) in a new group "demo"; the bytes stay on ann's peer`);
  const ann = peer('ann');
  ann.send('create_user ann ann-password', 'create_user bob bob-password', 'create_user cy cy-password', 'login ann ann-password', 'create_group demo', `upload_file ${sample} demo`);
  await ann.waitFor(/sharing sample\.bin in demo/);

  say('bob and cy log in (the client picks whichever tracker answers) and ask to join; ann accepts');
  const bob = peer('bob');
  const cy = peer('cy');
  bob.send('login bob bob-password', 'join_group demo');
  cy.send('login cy cy-password', 'join_group demo');
  await ann.waitFor(/bob asked to join demo/);
  await ann.waitFor(/cy asked to join demo/);
  ann.send('accept_request demo bob', 'accept_request demo cy');
  await Promise.all([bob.waitFor(/member now/), cy.waitFor(/member now/)]);

  say('bob downloads it from ann; every piece is SHA-1-checked and served on by bob as soon as he has it');
  bob.send('download_file demo sample.bin bob-downloads');
  await new Promise((r) => setTimeout(r, 300));
  say('cy starts a moment later: the tracker lists ann and bob (with the pieces bob has so far) as her sources');
  cy.send('download_file demo sample.bin cy-downloads');
  await Promise.all([bob.waitFor(/\[C\] \[demo\] sample\.bin/), cy.waitFor(/\[C\] \[demo\] sample\.bin/)]);
  bob.send('show_downloads', 'list_files demo');
  await bob.waitFor(/seeders/);
  const same = [path.join(dir, 'bob-downloads', 'sample.bin'), path.join(dir, 'cy-downloads', 'sample.bin')].every((f) => sha1(f) === sha1(sample));
  say(same ? 'both copies match the original byte for byte; all three peers now seed it' : 'the copies do NOT match: please report this');

  if (!process.stdin.isTTY) {
    say('stdin is not a terminal, so no interactive shell: stopping everything');
  } else {
    say('now your own shell on the same cluster. Try: create_user you, login you, list_groups, join_group demo');
    say('(ann is still running and accepts nobody automatically; download_file needs membership). exit to finish.');
    for (const p of children) p.child.stdout.removeAllListeners('data');
    const shell = spawn(path.join(root, 'client'), ['127.0.0.1:0', infoFile, '--data-dir', path.join(dir, 'you')], { cwd: dir, stdio: 'inherit' });
    await new Promise((resolve) => shell.once('exit', resolve));
  }
} catch (err) {
  say(`demo failed: ${err.message}`);
  process.exitCode = 1;
} finally {
  await stopAll();
  say('stopped the trackers and peers the demo started');
}
