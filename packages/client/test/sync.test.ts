// The folder sync commands through the shell: bad input gets a clear sentence and binds nothing;
// a binding is listed, shown by show_downloads, remembered across logout and login, and ended.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startWorld, TestShell } from './helpers.js';

describe('sync_folder, list_synced, unsync_folder', () => {
  it('refuse what cannot be synced, and keep a binding across logout and login', async () => {
    await using world = await startWorld();
    const dir = path.join(world.dir, 'lab files');
    await mkdir(path.join(dir, 'inner'), { recursive: true });
    await writeFile(path.join(dir, 'a.txt'), 'a');
    const notDir = path.join(world.dir, 'plain.txt');
    await writeFile(notDir, 'x');
    const alice = TestShell.start(world, 'alice');
    alice.send(
      'create_user alice alice-password',
      'login alice alice-password',
      'create_group lab',
      `sync_folder nolab "${dir}"`,
      `sync_folder lab "${notDir}"`,
      `sync_folder lab "${dir}" --mirror`,
      'list_synced',
      `sync_folder lab "${dir}"`,
      `sync_folder lab "${dir}"`,
      `sync_folder lab "${path.join(dir, 'inner')}"`,
    );
    await alice.waitFor(/sync_folder: .*inside or around/, 'err');
    expect(alice.err).toMatch(/^sync_folder: there is no group\b/m);
    expect(alice.err).toContain(`sync_folder: ${notDir} is a file, not a folder`);
    expect(alice.err).toContain('sync_folder: "--mirror" is not --mirror-deletes');
    expect(alice.out).toContain('no folders synced; sync_folder <group_id> <folder> binds one');
    expect(alice.out).toContain(`syncing ${dir} with lab; list_synced shows how far it is`);
    expect(alice.err).toContain(`sync_folder: ${dir} is already synced with lab`);

    alice.send('logout', 'login alice alice-password', 'show_downloads');
    await alice.waitFor(/^\[S\] \[lab\] .*lab files: /m);
    // The remembered folder is back at login; its first round may still be running.
    const listed = new RegExp(`^lab  ${dir.replaceAll('/', '\\/')}  1 file, up to date$`, 'm');
    for (let i = 0; i < 50 && !listed.test(alice.out); i++) {
      alice.send('list_synced');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(alice.out).toMatch(listed);

    alice.send(`unsync_folder lab "${dir}"`, `unsync_folder lab "${dir}"`, 'list_synced');
    await alice.waitFor(/unsync_folder: .*is not synced with lab/, 'err');
    expect(alice.out).toContain(`stopped syncing ${dir} with lab; its files stay there`);
    expect(await alice.end()).toBe(1); // the refusals were failures
  });
});
