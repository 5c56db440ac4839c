// Browser uploads are bounded (`--web-max-upload`, default 4 GiB): one over the limit is refused
// with 413 while it streams (before its end, whether or not it declared its length), and leaves
// nothing on disk; one under it is stored byte for byte and shared. JSON bodies are bounded too.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPiped, startWorld, until } from './helpers.js';
import { startWebShell, type WebClient } from './web-client.js';

const MiB = 1024 * 1024;
const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

/**
 * Starts an upload of `first` bytes and does not end it. `answer` resolves with the server's
 * answer if it gives one while the body is still open, or undefined once `abandon()` drops the
 * request (as a closed browser tab does).
 */
function openUpload(web: WebClient, url: string, first: Buffer, headers: Record<string, string> = {}): { answer: Promise<{ status: number; json: any } | undefined>; abandon(): void } {
  const h: Record<string, string> = {
    cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    origin: web.origin,
    'sec-fetch-site': 'same-origin',
    'x-csrf-token': web.csrf,
    'content-type': 'application/octet-stream',
    ...headers,
  };
  const req = http.request(new URL(url, web.base), { method: 'POST', headers: h, agent: false });
  let abandon = (): void => undefined;
  const answer = new Promise<{ status: number; json: any } | undefined>((resolve) => {
    abandon = () => {
      req.destroy();
      resolve(undefined);
    };
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s: string) => (text += s));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) });
      });
    });
    req.on('error', () => undefined);
    req.write(first);
  });
  return { answer, abandon: () => abandon() };
}

describe('browser uploads', () => {
  it('refuses one over --web-max-upload with 413 while it streams, leaving nothing on disk; stores one under it byte for byte', async () => {
    await using world = await startWorld();
    const { shell, web } = await startWebShell(world, 'alice', ['--web-max-upload', '1MiB']);
    const session = (await web.get('/api/session')).json;
    web.csrf = session.csrfToken;
    // The page learns the limit before sending anything, so it can refuse a larger file at once.
    expect(session.peer.maxUploadBytes).toBe(MiB);
    await web.post('/api/accounts', { userId: 'alice', password: 'alice-password' });
    expect((await web.login('alice', 'alice-password')).status).toBe(200);
    await web.post('/api/groups', { groupId: 'lab' });
    const folder = path.join(world.dir, 'alice', 'downloads', 'up');

    // Under the limit (exactly 1 MiB, sent without a declared length): stored and shared.
    const small = randomBytes(MiB);
    const ok = await web.post('/api/groups/lab/uploads?folder=up&name=small.bin', small);
    expect(ok.json).toEqual({ name: 'small.bin', alreadyShared: false });
    expect(sha1(await readFile(path.join(folder, 'small.bin')))).toBe(sha1(small));
    expect((await web.get('/api/groups/lab/files')).json.files).toMatchObject([{ name: 'small.bin', size: MiB, sha1: sha1(small) }]);

    // The same name again: refused, the file untouched.
    const again = await web.post('/api/groups/lab/uploads?folder=up&name=small.bin', randomBytes(1000));
    expect([again.status, again.json.error.code]).toEqual([409, 'ERR_PATH']);
    expect(sha1(await readFile(path.join(folder, 'small.bin')))).toBe(sha1(small));

    // One under way is written under a hidden name of its own: its own name never exists half
    // written, and when the browser gives up, nothing is left.
    const partial = openUpload(web, '/api/groups/lab/uploads?folder=up&name=partial.bin', randomBytes(512 * 1024));
    const hidden = await until('the upload to reach the disk', async () => (await readdir(folder)).find((n) => n.startsWith('.groupshare-upload-')));
    expect(await readdir(folder)).toEqual(['small.bin', hidden].sort());
    partial.abandon();
    await until('the abandoned upload to be removed', async () => (await readdir(folder)).length === 1);

    // Over it without a declared length: 1 MiB and 64 KiB sent, the body still open, and the answer is already there.
    const streamed = await openUpload(web, '/api/groups/lab/uploads?folder=up&name=streamed.bin', randomBytes(MiB + 64 * 1024)).answer;
    expect(streamed).toEqual({ status: 413, json: { error: { code: 'ERR_TOO_LARGE', message: 'the file is larger than this peer accepts from the web page (1 MiB; see --web-max-upload)' } } });
    // Over it by its declared length: refused before a byte is stored.
    const declared = await openUpload(web, '/api/groups/lab/uploads?folder=up&name=declared.bin', randomBytes(16 * 1024), { 'content-length': String(3 * MiB) }).answer;
    expect(declared?.status).toBe(413);
    expect(declared?.json.error.code).toBe('ERR_TOO_LARGE');
    // A whole body over the limit, sent to its end: the same answer.
    const whole = await web.post('/api/groups/lab/uploads?folder=up&name=whole.bin', randomBytes(3 * MiB));
    expect([whole.status, whole.json.error.code]).toEqual([413, 'ERR_TOO_LARGE']);

    // Nothing of them on disk, not even a hidden part, and the group lists only the small file.
    expect(await readdir(folder)).toEqual(['small.bin']);
    expect((await web.get('/api/groups/lab/files')).json.files.map((f: { name: string }) => f.name)).toEqual(['small.bin']);
    // A JSON body is bounded by the API's own limit (64 KiB), with the same code.
    const big = await web.post('/api/groups', { groupId: 'x'.repeat(100 * 1024) });
    expect([big.status, big.json.error.code]).toEqual([413, 'ERR_TOO_LARGE']);
    await shell.end();
  }, 60_000);

  it('refuses a --web-max-upload that is not a size, and one without --web', async () => {
    await using world = await startWorld();
    const bad = await runPiped(['--data-dir', path.join(world.dir, 'x'), '--web', '127.0.0.1:0', '--web-max-upload', 'lots', '127.0.0.1:0', world.infoFile], []);
    expect([bad.status, bad.err]).toEqual([2, 'client: --web-max-upload lots: not a size (expected e.g. 4GiB, 500MiB or a number of bytes)\n']);
    const alone = await runPiped(['--data-dir', path.join(world.dir, 'x'), '--web-max-upload', '1GiB', '127.0.0.1:0', world.infoFile], []);
    expect([alone.status, alone.err]).toEqual([2, 'client: --web-max-upload needs --web <host:port>\n']);
  });
});
