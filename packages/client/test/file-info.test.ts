// file_info in the shell: the whole metadata of a file and every member holding it, online or
// not, with how many pieces each holds; a member who logs out stays listed as offline.
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hashPieces, infoHash } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';
import { startWorld, TestShell } from './helpers.js';

describe('file_info', () => {
  it('shows size, pieces, SHA-1, the full info-hash and each holder; logging out marks a holder offline', async () => {
    await using world = await startWorld();
    const data = randomBytes(600_000);
    const file = path.join(world.dir, 'scan.tif');
    await writeFile(file, data);
    const sha1 = createHash('sha1').update(data).digest('hex');
    const hash = infoHash({ name: 'scan.tif', length: data.length, pieceLength: 262_144, pieces: hashPieces(data, 262_144) });

    const alice = TestShell.start(world, 'alice');
    const bob = TestShell.start(world, 'bob');
    alice.send('create_user alice alice-password', 'create_user bob bob-password', 'login alice alice-password', 'create_group lab', `upload_file ${file} lab`);
    await alice.waitFor('sharing scan.tif in lab');
    bob.send('login bob bob-password', 'join_group lab');
    await alice.waitFor('bob asked to join lab');
    alice.send('accept_request lab bob');
    await bob.waitFor('you are a member now');
    bob.send('file_info lab scan.tif');
    await bob.waitFor(/alice\s+yes\s+3\/3 \(complete\)/);
    expect(bob.out).toContain('scan.tif in lab');
    expect(bob.out).toContain(`  size        586 KiB (600000 bytes), 3 pieces of 256 KiB`);
    expect(bob.out).toContain(`  SHA-1       ${sha1}`);
    expect(bob.out).toContain(`  info-hash   ${hash}`);
    expect(bob.out).toContain('  available   yes: the members online hold every piece');

    alice.send('logout');
    await alice.waitFor('logged out alice');
    bob.send('file_info lab scan.tif', 'file_info lab nothing.bin');
    await bob.waitFor(/alice\s+no\s+3\/3 \(complete\)/);
    expect(bob.out).toContain('  available   no: some pieces are held only by members who are offline');
    // The second command's answer comes after the first's: wait for it rather than read stderr at once.
    await bob.waitFor('file_info: that group has no such file', 'err');
    await alice.end();
    expect(await bob.end()).toBe(1);
  });
});
