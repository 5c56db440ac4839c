import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  ClusterSecretError,
  clusterSecretLogLine,
  MIN_SECRET_LENGTH,
  readOrCreateSecretFile,
  resolveClusterSecret,
  SECRET_ENV,
  type ResolveClusterSecretOptions,
} from './cluster-secret.js';

let dir: string;
let infoFile: string;
let besideInfo: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'groupshare-secret-'));
  infoFile = path.join(dir, 'tracker_info.txt');
  besideInfo = `${infoFile}.secret`;
  await writeFile(infoFile, '127.0.0.1:7001\n127.0.0.1:7002\n');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Two trackers listed, no flag, no environment variable: the bare `./tracker tracker_info.txt 1`. */
function bare(extra: Partial<ResolveClusterSecretOptions> = {}): Promise<Awaited<ReturnType<typeof resolveClusterSecret>>> {
  return resolveClusterSecret({ infoFile, trackerCount: 2, env: {}, ...extra });
}

async function refusal(promise: Promise<unknown>): Promise<ClusterSecretError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClusterSecretError);
  expect((err as ClusterSecretError).code).toBe('ERR_CLUSTER_SECRET');
  return err as ClusterSecretError;
}

const modeOf = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

describe('the secret file beside tracker_info', () => {
  it('is created by the first tracker: 256 random bits in hex, mode 0600', async () => {
    const got = await bare();
    expect(got?.source).toEqual({ kind: 'beside-info', file: besideInfo, created: true });
    expect(got?.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(await readFile(besideInfo, 'utf8')).toBe(`${got?.secret}\n`);
    expect(await modeOf(besideInfo)).toBe(0o600);
    // Nothing else is left in the directory (no temporary file).
    expect((await readdir(dir)).sort()).toEqual(['tracker_info.txt', 'tracker_info.txt.secret']);
  });

  it('is read, not replaced, by every later tracker', async () => {
    const first = await bare();
    const second = await bare();
    expect(second).toEqual({ secret: first?.secret, source: { kind: 'beside-info', file: besideInfo, created: false } });
    // One an operator wrote (or copied from another host) is used as it is.
    const copied = 'copied-from-the-first-host-0123456789';
    await writeFile(besideInfo, `${copied}\n`, { mode: 0o600 });
    expect((await bare())?.secret).toBe(copied);
    expect(await readFile(besideInfo, 'utf8')).toBe(`${copied}\n`);
  });

  it('racing creators agree on one secret, and exactly one of them created the file', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => readOrCreateSecretFile(besideInfo)));
    const secrets = new Set(results.map((r) => r.secret));
    expect(secrets.size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await readFile(besideInfo, 'utf8')).trim()).toBe([...secrets][0]);
    expect(await modeOf(besideInfo)).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['tracker_info.txt', 'tracker_info.txt.secret']);
  });

  it('is neither needed nor created for a lone tracker', async () => {
    expect(await resolveClusterSecret({ infoFile, trackerCount: 1, env: {} })).toBeUndefined();
    expect(await readdir(dir)).toEqual(['tracker_info.txt']);
  });

  it.each(['0644', '0640', '0604', '0620', '0602', '0660'])('is refused with mode %s, naming the file and `chmod 600`', async (octal) => {
    const mode = parseInt(octal, 8);
    await writeFile(besideInfo, 'a-long-enough-cluster-secret\n');
    await chmod(besideInfo, mode);
    const err = await refusal(bare());
    expect(err.message).toBe(
      `the cluster secret file ${besideInfo} can be read or written by other users (mode ${octal}): run \`chmod 600 ${besideInfo}\``,
    );
    // Refused, not repaired behind the operator's back.
    expect(await modeOf(besideInfo)).toBe(mode);
  });

  it('is refused when shorter than the minimum, after trimming', async () => {
    const short = 'x'.repeat(MIN_SECRET_LENGTH - 1);
    await writeFile(besideInfo, `  ${short}\n\n`, { mode: 0o600 });
    const err = await refusal(bare());
    expect(err.message).toContain(`the cluster secret in ${besideInfo} is too short (15 characters, at least 16)`);
    expect(err.message).toContain(`openssl rand -hex 32 > ${besideInfo}`);
    await writeFile(besideInfo, 'x'.repeat(MIN_SECRET_LENGTH), { mode: 0o600 });
    expect((await bare())?.secret).toBe('x'.repeat(MIN_SECRET_LENGTH));
  });

  it('is refused when it is not a regular file', async () => {
    await mkdir(besideInfo, { mode: 0o700 });
    expect((await refusal(bare())).message).toBe(`the cluster secret file ${besideInfo} is not a regular file`);
  });

  it('says clearly when it cannot be created', async () => {
    const nowhere = path.join(dir, 'missing-dir', 'tracker_info.txt');
    const err = await refusal(resolveClusterSecret({ infoFile: nowhere, trackerCount: 2, env: {} }));
    expect(err.message).toMatch(new RegExp(`^cannot create the cluster secret file ${nowhere}\\.secret: ENOENT`));
    expect(err.message).toContain('--cluster-secret-file');
  });
});

describe('the flag and the environment variable', () => {
  it(`${SECRET_ENV} is used as it is, and no file is created`, async () => {
    const got = await bare({ env: { [SECRET_ENV]: '  env-secret-0123456789  ' } });
    expect(got).toEqual({ secret: 'env-secret-0123456789', source: { kind: 'env' } });
    expect(await readdir(dir)).toEqual(['tracker_info.txt']);
    const err = await refusal(bare({ env: { [SECRET_ENV]: 'short' } }));
    expect(err.message).toMatch(new RegExp(`^${SECRET_ENV} is too short \\(5 characters, at least 16\\)`));
  });

  it('--cluster-secret-file wins over the environment variable and over the file beside tracker_info', async () => {
    await bare(); // creates the file beside tracker_info
    const flagFile = path.join(dir, 'cluster-secret.txt');
    await writeFile(flagFile, 'flag-secret-0123456789\n', { mode: 0o600 });
    const got = await bare({ secretFile: flagFile, env: { [SECRET_ENV]: 'env-secret-0123456789' } });
    expect(got).toEqual({ secret: 'flag-secret-0123456789', source: { kind: 'flag', file: flagFile } });
  });

  it('--cluster-secret-file must be private, long enough, and exist', async () => {
    const flagFile = path.join(dir, 'cluster-secret.txt');
    await writeFile(flagFile, 'flag-secret-0123456789\n');
    await chmod(flagFile, 0o644);
    expect((await refusal(bare({ secretFile: flagFile }))).message).toBe(
      `the cluster secret file ${flagFile} can be read or written by other users (mode 0644): run \`chmod 600 ${flagFile}\``,
    );
    await chmod(flagFile, 0o600);
    await writeFile(flagFile, 'too-short\n');
    expect((await refusal(bare({ secretFile: flagFile }))).message).toMatch(/too short \(9 characters, at least 16\)/);
    const missing = path.join(dir, 'nope');
    expect((await refusal(bare({ secretFile: missing }))).message).toBe(`cannot read the cluster secret file ${missing}: ENOENT`);
    // None of these fell back to creating the file beside tracker_info.
    expect(await readdir(dir)).not.toContain('tracker_info.txt.secret');
  });

  it('a lone tracker given a secret uses it; given an empty one, runs without', async () => {
    const got = await resolveClusterSecret({ infoFile, trackerCount: 1, env: { [SECRET_ENV]: 'lone-secret-0123456789' } });
    expect(got?.secret).toBe('lone-secret-0123456789');
    expect(await resolveClusterSecret({ infoFile, trackerCount: 1, env: { [SECRET_ENV]: '' } })).toBeUndefined();
  });
});

describe('clusterSecretLogLine', () => {
  it('gives the absolute path and says other hosts need a copy, never the secret', () => {
    const line = clusterSecretLogLine({ kind: 'beside-info', file: 'tracker_info.txt.secret', created: true });
    const abs = path.resolve('tracker_info.txt.secret');
    expect(line.fields).toEqual({ source: 'beside-info', file: abs, created: true });
    expect(line.msg).toBe(
      `created the cluster secret in ${abs} (mode 0600); trackers on other hosts need a copy of this file (mode 0600) beside their tracker_info file, or --cluster-secret-file`,
    );
    expect(clusterSecretLogLine({ kind: 'env' }).msg).toBe(`cluster secret read from ${SECRET_ENV}`);
  });
});
