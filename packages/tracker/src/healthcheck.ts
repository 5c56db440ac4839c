#!/usr/bin/env node
/**
 * `node packages/tracker/dist/healthcheck.js <tracker_info> <n> [/health|/ready]`: exits 0 when
 * tracker n of the file answers 200 on that route (default /health), else prints why and exits 1.
 * For container healthchecks and service managers: the slim Node image has no curl, and the
 * address comes from the same file the tracker reads, so the two cannot disagree.
 */
import { formatHostPort, parseTrackerInfo, trackerAt } from '@groupshare/protocol';
import { readFileSync } from 'node:fs';

const TIMEOUT_MS = 3_000;

async function main(): Promise<number> {
  const [infoFile, n, route = '/health'] = process.argv.slice(2);
  if (infoFile === undefined || n === undefined || !/^\d+$/.test(n) || !['/health', '/ready'].includes(route)) {
    process.stderr.write('usage: healthcheck <tracker_info> <n> [/health|/ready]\n');
    return 2;
  }
  let url: string;
  try {
    const me = trackerAt(parseTrackerInfo(readFileSync(infoFile, 'utf8')), Number(n));
    url = `http://${formatHostPort(me)}${route}`;
  } catch (err) {
    process.stderr.write(`healthcheck: ${infoFile}: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const reply = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = await reply.text();
    if (reply.ok) return 0;
    process.stdout.write(`${url}: ${reply.status} ${body}\n`);
  } catch (err) {
    process.stdout.write(`${url}: ${(err as Error).message}\n`);
  }
  return 1;
}

process.exitCode = await main();
