#!/usr/bin/env node
// Benchmark 5, "Tracker": one real tracker process holding `clients` WebSocket connections, all
// logged in, answering list_files and get_peers under a steady load.
//
//   node bench/tracker-load.mjs [clients=1000] [--rate 1000] [--seconds 20] [--saturate-seconds 10]
//        [--groups 4] [--files 25] [--seeders 3] [--partials 7] [--cpu-prof <dir>]
//
// --cpu-prof runs the tracker under `node --cpu-prof` and prints where its time went during the
// steady phase (the .cpuprofile stays in <dir> for DevTools).
//
// Set-up (timed, reported apart from the load): connect every client; register and log in each
// once (argon2id, deliberately slow and capped at 2 hashes at a time by the tracker, so this is
// the slow part); `groups` groups whose members are the clients (client i joins group i mod
// groups, the owner accepts); in each group `files` files, each shared by `seeders` members and
// reported partly downloaded (update_pieces) by `partials` others, with real SHA-1 piece hashes
// and the info-hash checked against the tracker's. Every client logs in with its own peer
// address, so all shares are online and get_peers lists seeders + partials.
//
// Load, all from this one process with one clock (performance.now):
// - steady: an open-loop offered load of `rate` requests/s for `seconds`, alternating list_files
//   and get_peers, spread round-robin over all clients (each client one request every
//   clients/rate s). A request's latency runs from the moment it was *due*, not the moment it
//   was sent, so a lagging load generator counts against the result (no coordinated omission).
// - saturate: every client sends its next request as soon as the previous one is answered
//   (closed loop, `clients` requests always outstanding): the most the tracker can answer.
//   Latency there is queueing (about clients / throughput), not a target.
// The tracker's RSS (VmHWM, the kernel's peak, and VmRSS now) and CPU time come from /proc.
// This process shares the machine's 2 cores with the tracker; its CPU time is printed beside.
//
// Prints tables and writes bench/results/tracker-load.json. Needs the workspace built.
import { createHash, randomFillSync } from 'node:crypto';
import path from 'node:path';

import { parseArgv } from './lib/args.mjs';
import { cpuProfilesIn, monotonicMicros, summarizeCpuProfile } from './lib/cpu-profile.mjs';
import { groupshareVersion } from './lib/groupshare.mjs';
import { cpuTimes, machineInfo, warnIfBusy } from './lib/machine.mjs';
import { mib, readProcStats, watchProcess } from './lib/proc-stats.mjs';
import { protocol } from './lib/protocol.mjs';
import { printTable, writeResults } from './lib/results.mjs';
import { makeTmpDir } from './lib/tmp.mjs';
import { benchCluster, connectClient, requestSettled, START_TIMEOUT_MS, STOP_GRACE_MS } from './lib/tracker-testing.mjs';

/** The targets (docs/benchmarks.md). */
const TARGET = { p99Ms: 50, rssMiB: 512 };

const { positionals, flags } = parseArgv();
const count = (value, name, fallback) => {
  const n = Number(value ?? fallback);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`--${name}: expected a whole number, got "${value}"`);
  return n;
};
const opts = {
  clients: count(positionals[0], 'clients', 1000),
  rate: count(flags.rate, 'rate', 1000),
  seconds: count(flags.seconds, 'seconds', 20),
  saturateSeconds: count(flags['saturate-seconds'], 'saturate-seconds', 10),
  groups: count(flags.groups, 'groups', 4),
  files: count(flags.files, 'files', 25),
  seeders: count(flags.seeders, 'seeders', 3),
  partials: count(flags.partials, 'partials', 7),
};
if (opts.clients < opts.groups * (opts.seeders + opts.partials + 1)) {
  throw new RangeError(`${opts.clients} clients are too few for ${opts.groups} groups of ${opts.seeders + opts.partials} sharers and a downloader`);
}
if (opts.clients > 40_000) throw new RangeError('at most 40,000 clients (one peer port each from 20000)');

const PASSWORD_OF = (userId) => `${userId}-password`;
const WARMUP_SECONDS = 2;

/** Runs `fn(i)` for i in [0, n) with at most `limit` running at once. */
async function pool(n, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** Times `fn` and returns a set-up row. */
async function timed(rows, phase, n, fn) {
  const start = performance.now();
  await fn();
  const s = (performance.now() - start) / 1000;
  rows.push({ phase, count: n, s: +s.toFixed(2), 'per s': +(n / s).toFixed(1) });
  console.error(`  ${phase}: ${n} in ${s.toFixed(1)} s`);
}

/** p-quantile of a sorted array (nearest rank). */
const quantile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
const ms = (x) => +x.toFixed(2);

function latencyRow(phase, type, lat, errors, seconds, offered) {
  lat.sort((a, b) => a - b);
  return {
    phase,
    op: type,
    requests: lat.length,
    ...(offered === undefined ? {} : { 'offered/s': offered }),
    'achieved/s': +(lat.length / seconds).toFixed(0),
    'p50 ms': ms(quantile(lat, 0.5)),
    'p90 ms': ms(quantile(lat, 0.9)),
    'p99 ms': ms(quantile(lat, 0.99)),
    'max ms': ms(lat[lat.length - 1] ?? NaN),
    errors,
  };
}

/**
 * Files made of real bytes: slices of one random pool at different offsets and lengths, each
 * hashed as a client would (whole-file SHA-1, SHA-1 per piece at groupshare's piece length).
 */
function makeFiles(n) {
  const maxSize = 32 * 2 ** 20;
  const data = randomFillSync(Buffer.allocUnsafe(maxSize + n * 4099));
  return Array.from({ length: n }, (_, j) => {
    const size = (1 + (j % 8)) * 4 * 2 ** 20 - j * 1000; // 4–32 MiB, most with a short last piece
    const bytes = data.subarray(j * 4099, j * 4099 + size);
    const pieceLength = protocol.choosePieceLength(size);
    const whole = createHash('sha1');
    const pieces = [];
    for (let at = 0; at < size; at += pieceLength) {
      const piece = bytes.subarray(at, at + pieceLength);
      whole.update(piece);
      pieces.push(createHash('sha1').update(piece).digest());
    }
    const piecesBytes = Buffer.concat(pieces);
    return { size, pieceLength, pieceCount: pieces.length, sha1: whole.digest('hex'), pieces: piecesBytes };
  });
}

/** A partial peer's bitfield: about half the pieces, never all, never none. */
function partialBitfield(pieceCount, seed) {
  const bits = new protocol.Bitfield(pieceCount);
  for (let i = 0; i < pieceCount; i++) if ((i * 7 + seed) % 11 < 6) bits.set(i);
  if (bits.isComplete()) bits.clear(pieceCount - 1);
  return bits.toBase64();
}

const cpuProfDir = typeof flags['cpu-prof'] === 'string' ? path.resolve(flags['cpu-prof']) : undefined;
const tmp = makeTmpDir('groupshare-tracker-load-');
let cluster;
let watch;
/** performance.now() at the start and end of the steady phase, for --cpu-prof. */
let steadyWindow;
const clients = [];
try {
  const busyBefore = await warnIfBusy();
  // A "cluster" of one: a lone tracker that can run under --cpu-prof (no peer to replicate to).
  // A lone tracker with its default limits: the clients come from 20 per source address below.
  cluster = await benchCluster({ root: tmp.path, size: 1, cpuProfDir });
  await cluster.start(1, START_TIMEOUT_MS);
  const address = cluster.address(1);
  const pid = cluster.process(1).pid;
  watch = watchProcess(pid, { intervalMs: 200 });
  const atStart = readProcStats(pid);
  console.error(`tracker ${address} (pid ${pid}); set-up:`);
  const setup = [];

  // --- Set-up: connections, accounts, groups, files ---------------------------------------
  await timed(setup, 'connect', opts.clients, () =>
    pool(opts.clients, 50, async (i) => {
      // 20 clients per source address, as users behind a few dozen NATs: the tracker limits
      // registrations per address (a burst of 30), which one address for all would hit.
      clients[i] = await connectClient(address, { localAddress: `127.1.${Math.floor(i / 20)}.1` });
    }),
  );
  const userOf = (i) => `u${i}`;
  // 16 in flight: enough to keep the tracker's 2 hashing slots busy, well inside its queue of 64.
  await timed(setup, 'register', opts.clients, () =>
    pool(opts.clients, 16, (i) => clients[i].ok('register', { userId: userOf(i), password: PASSWORD_OF(userOf(i)) })),
  );
  const peerAddressOf = (i) => `127.0.0.1:${20000 + i}`;
  await timed(setup, 'login', opts.clients, () =>
    pool(opts.clients, 16, (i) => clients[i].ok('login', { userId: userOf(i), password: PASSWORD_OF(userOf(i)), peerAddress: peerAddressOf(i) })),
  );

  const groupOf = (i) => `g${i % opts.groups}`;
  const members = Array.from({ length: opts.groups }, (_, g) => Array.from({ length: Math.ceil((opts.clients - g) / opts.groups) }, (_, k) => g + k * opts.groups));
  await timed(setup, 'groups: create, join, accept', opts.clients, async () => {
    await Promise.all(members.map((m, g) => clients[m[0]].ok('create_group', { groupId: `g${g}` })));
    const joiners = members.flatMap((m) => m.slice(1));
    await pool(joiners.length, 32, (k) => clients[joiners[k]].ok('join_group', { groupId: groupOf(joiners[k]) }));
    await pool(joiners.length, 32, (k) => clients[joiners[k] % opts.groups].ok('accept_request', { groupId: groupOf(joiners[k]), userId: userOf(joiners[k]) }));
  });

  const fileData = makeFiles(opts.files);
  /** catalog[g][j] = { name, infoHash, … } of file j in group g; sharers per file. */
  const catalog = members.map(() => []);
  const sharersPerFile = opts.seeders + opts.partials;
  const shareOps = opts.groups * opts.files * sharersPerFile;
  await timed(setup, 'files: share_file, update_pieces', shareOps, () =>
    pool(opts.groups * opts.files, 8, async (k) => {
      const g = k % opts.groups;
      const j = Math.floor(k / opts.groups);
      const f = fileData[j];
      const name = `file-${String(j).padStart(3, '0')}.bin`;
      const infoHash = protocol.infoHash({ name, length: f.size, pieceLength: f.pieceLength, pieces: f.pieces });
      const sharers = Array.from({ length: sharersPerFile }, (_, s) => members[g][(j * sharersPerFile + s) % members[g].length]);
      const share = { groupId: `g${g}`, name, size: f.size, sha1: f.sha1, pieceLength: f.pieceLength, pieces: f.pieces.toString('hex') };
      for (const i of sharers.slice(0, opts.seeders)) {
        const { file } = await clients[i].ok('share_file', share);
        if (file.infoHash !== infoHash) throw new Error(`tracker computed info-hash ${file.infoHash} for ${name}, we computed ${infoHash}`);
      }
      for (const [s, i] of sharers.slice(opts.seeders).entries()) {
        await clients[i].ok('update_pieces', { groupId: `g${g}`, infoHash, have: [] }); // a download registers first
        await clients[i].ok('update_pieces', { groupId: `g${g}`, infoHash, bitfield: partialBitfield(f.pieceCount, s + j) });
      }
      catalog[g][j] = { name, infoHash, sharers: new Set(sharers) };
    }),
  );

  // Sanity: what a member who shares nothing sees.
  for (let g = 0; g < opts.groups; g++) {
    const viewer = members[g].find((i) => catalog[g].every((f) => !f.sharers.has(i)));
    if (viewer === undefined) break; // every member shares something: skip the check
    const { files } = await clients[viewer].ok('list_files', { groupId: `g${g}` });
    const wrong = files.filter((f) => f.seeders !== opts.seeders || f.partialPeers !== opts.partials || !f.available);
    if (files.length !== opts.files || wrong.length > 0) throw new Error(`list_files in g${g}: ${files.length} files, unexpected counts: ${JSON.stringify(wrong[0])}`);
    const { peers } = await clients[viewer].ok('get_peers', { groupId: `g${g}`, infoHash: catalog[g][0].infoHash });
    if (peers.length !== sharersPerFile) throw new Error(`get_peers in g${g}: ${peers.length} peers, expected ${sharersPerFile}`);
  }
  const idle = readProcStats(pid);
  console.error(`  tracker RSS after set-up: ${mib(idle.rssBytes)} MiB (peak ${mib(idle.peakRssBytes)} MiB)`);

  // --- Load ---------------------------------------------------------------------------------
  const fileCursor = new Array(opts.clients).fill(0);
  /** Request `k`: client k mod clients; list_files and get_peers in turn (per client, too). */
  const requestAt = (k) => {
    const i = k % opts.clients;
    const g = i % opts.groups;
    const groupId = `g${g}`;
    // Alternate per round over the clients, so each client also alternates its own two ops.
    if ((Math.floor(k / opts.clients) + i) % 2 === 0) return { i, type: 'list_files', fields: { groupId } };
    const file = catalog[g][fileCursor[i]++ % opts.files];
    return { i, type: 'get_peers', fields: { groupId, infoHash: file.infoHash } };
  };

  /** Open loop: request k is due at start + k/rate; latency from due time to reply. */
  async function openLoop(rate, seconds) {
    const total = Math.round(rate * seconds);
    const lat = { list_files: [], get_peers: [] };
    const errors = { list_files: 0, get_peers: 0 };
    const sendLag = [];
    const inflight = [];
    const start = performance.now() + 5;
    let sent = 0;
    let lastReply = start;
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        while (sent < total && start + (sent * 1000) / rate <= now) {
          const due = start + (sent * 1000) / rate;
          const { i, type, fields } = requestAt(sent++);
          sendLag.push(now - due);
          inflight.push(
            requestSettled(clients[i], type, fields).then((reply) => {
              lastReply = performance.now();
              if (reply.ok) lat[type].push(lastReply - due);
              else errors[type] += 1;
            }),
          );
        }
        if (sent < total) setTimeout(tick, Math.max(0, start + (sent * 1000) / rate - performance.now()));
        else resolve();
      };
      setTimeout(tick, 5);
    });
    await Promise.all(inflight);
    sendLag.sort((a, b) => a - b);
    return { lat, errors, seconds: (lastReply - start) / 1000, sendLagP99: quantile(sendLag, 0.99) };
  }

  /** Closed loop: every client keeps one request outstanding for `seconds`. */
  async function closedLoop(seconds) {
    const lat = { list_files: [], get_peers: [] };
    const errors = { list_files: 0, get_peers: 0 };
    const start = performance.now();
    const end = start + seconds * 1000;
    let k = 0;
    await Promise.all(
      clients.map(async () => {
        while (performance.now() < end) {
          const { i, type, fields } = requestAt(k++);
          const sentAt = performance.now();
          const reply = await requestSettled(clients[i], type, fields);
          if (reply.ok) lat[type].push(performance.now() - sentAt);
          else errors[type] += 1;
        }
      }),
    );
    return { lat, errors, seconds: (performance.now() - start) / 1000 };
  }

  /**
   * Runs `fn` and measures, in cores (1.0 = one core busy throughout), the CPU of the tracker, of
   * this process, and of everything else on the machine (other sessions' work on shared cores:
   * a figure taken beside it is low and noisy).
   */
  async function withCpu(fn) {
    const cores = machineInfo().cores;
    const t0 = readProcStats(pid);
    const b0 = process.cpuUsage();
    const m0 = cpuTimes();
    const w0 = performance.now();
    const result = await fn();
    const wall = (performance.now() - w0) / 1000;
    const t1 = readProcStats(pid);
    const b1 = process.cpuUsage(b0);
    const m1 = cpuTimes();
    const trackerCpu = (t1.cpuSeconds - t0.cpuSeconds) / wall;
    const benchCpu = (b1.user + b1.system) / 1e6 / wall;
    const machineCpu = (1 - (m1.idle - m0.idle) / Math.max(1, m1.total - m0.total)) * cores;
    return {
      ...result,
      trackerCpu: +trackerCpu.toFixed(2),
      benchCpu: +benchCpu.toFixed(2),
      otherCpu: +Math.max(0, machineCpu - trackerCpu - benchCpu).toFixed(2),
    };
  }

  console.error(`load: warm-up ${WARMUP_SECONDS} s, steady ${opts.rate}/s for ${opts.seconds} s, saturation ${opts.saturateSeconds} s`);
  await openLoop(opts.rate, WARMUP_SECONDS);
  const steadyFrom = performance.now();
  const steady = await withCpu(() => openLoop(opts.rate, opts.seconds));
  steadyWindow = [steadyFrom, performance.now()];
  const saturate = opts.saturateSeconds > 0 ? await withCpu(() => closedLoop(opts.saturateSeconds)) : undefined;

  // Still held: the tracker's own count of logged-in connections, after the load.
  const status = await cluster.status(1);
  const end = readProcStats(pid);
  const proc = watch.stop();

  // --- Report -------------------------------------------------------------------------------
  const loadRows = [];
  for (const type of ['list_files', 'get_peers']) loadRows.push(latencyRow('steady', type, steady.lat[type], steady.errors[type], steady.seconds, opts.rate / 2));
  if (saturate) for (const type of ['list_files', 'get_peers']) loadRows.push(latencyRow('saturate', type, saturate.lat[type], saturate.errors[type], saturate.seconds));
  const steadyAchieved = (steady.lat.list_files.length + steady.lat.get_peers.length) / steady.seconds;
  const saturateAchieved = saturate ? (saturate.lat.list_files.length + saturate.lat.get_peers.length) / saturate.seconds : undefined;
  const resources = [
    { phase: 'started, no client', 'tracker RSS MiB': mib(atStart.rssBytes), 'tracker VmHWM MiB': mib(atStart.peakRssBytes) },
    { phase: 'after set-up', 'tracker RSS MiB': mib(idle.rssBytes), 'tracker VmHWM MiB': mib(idle.peakRssBytes) },
    { phase: 'steady', 'req/s': +steadyAchieved.toFixed(0), 'tracker CPU (cores)': steady.trackerCpu, 'bench CPU (cores)': steady.benchCpu, 'others CPU (cores)': steady.otherCpu },
    ...(saturate
      ? [{ phase: 'saturate', 'req/s': +saturateAchieved.toFixed(0), 'tracker CPU (cores)': saturate.trackerCpu, 'bench CPU (cores)': saturate.benchCpu, 'others CPU (cores)': saturate.otherCpu }]
      : []),
    { phase: 'end', 'tracker RSS MiB': mib(end.rssBytes), 'tracker VmHWM MiB': mib(proc.peakRssBytes) },
  ];
  const p99 = (type) => loadRows.find((r) => r.phase === 'steady' && r.op === type)['p99 ms'];
  const targets = [
    { target: 'clients held (logged in at the end)', value: status.loggedIn, limit: opts.clients, met: status.loggedIn === opts.clients },
    { target: 'list_files p99 ms (steady)', value: p99('list_files'), limit: TARGET.p99Ms, met: p99('list_files') < TARGET.p99Ms },
    { target: 'get_peers p99 ms (steady)', value: p99('get_peers'), limit: TARGET.p99Ms, met: p99('get_peers') < TARGET.p99Ms },
    { target: 'tracker peak RSS MiB (VmHWM)', value: mib(proc.peakRssBytes), limit: TARGET.rssMiB, met: mib(proc.peakRssBytes) < TARGET.rssMiB },
  ];
  const title = `${opts.clients} clients, ${opts.groups} groups × ${opts.files} files × ${opts.seeders} seeders + ${opts.partials} partial peers`;
  printTable(`Set-up (${title})`, setup);
  printTable(`Load: steady ${opts.rate}/s offered for ${opts.seconds} s (latency from due time; sender lag p99 ${ms(steady.sendLagP99)} ms), saturation ${opts.saturateSeconds} s`, loadRows);
  printTable(`Tracker process (CPU in cores: 1.0 = one core busy; this machine has ${machineInfo().cores}, shared by the tracker, this benchmark and others)`, resources);
  printTable('Targets', targets);
  const file = writeResults('tracker-load', {
    version: groupshareVersion(),
    options: opts,
    busyBefore,
    setup,
    load: loadRows,
    steady: { offeredPerS: opts.rate, achievedPerS: +steadyAchieved.toFixed(1), senderLagP99Ms: ms(steady.sendLagP99), trackerCpuCores: steady.trackerCpu, benchCpuCores: steady.benchCpu, otherCpuCores: steady.otherCpu },
    ...(saturate ? { saturate: { achievedPerS: +saturateAchieved.toFixed(1), trackerCpuCores: saturate.trackerCpu, benchCpuCores: saturate.benchCpu, otherCpuCores: saturate.otherCpu } } : {}),
    tracker: {
      rssAtStartMiB: mib(atStart.rssBytes),
      rssAfterSetupMiB: mib(idle.rssBytes),
      rssEndMiB: mib(end.rssBytes),
      peakRssMiB: mib(proc.peakRssBytes),
      cpuSeconds: proc.cpuSeconds,
      connected: status.clients,
      loggedIn: status.loggedIn,
    },
    targets,
  });
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
} finally {
  watch?.stop();
  for (const c of clients) c?.close();
  await cluster?.stop({ graceMs: STOP_GRACE_MS });
  tmp.remove();
}

if (cpuProfDir && steadyWindow) {
  const [fromUs, toUs] = steadyWindow.map((t) => monotonicMicros(t));
  for (const file of cpuProfilesIn(cpuProfDir)) {
    const { busyMs, totalMs, rows } = summarizeCpuProfile(file, { top: 15, fromUs, toUs });
    printTable(`Tracker CPU profile, steady phase: busy ${busyMs} of ${totalMs} ms (${path.basename(file)})`, rows);
  }
}
