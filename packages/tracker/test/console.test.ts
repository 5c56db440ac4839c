// The operator console of one tracker, as an operator meets it: commands typed (piped, or on a
// terminal) and what they print, and what clients notice of each command.
import { afterEach, describe, expect, it } from 'vitest';
import { groupWith, loggedIn, shareFields, startTestTracker, testBytes, type TestTracker } from './helpers.js';
import { passwordFile, startTestConsole } from './console-helpers.js';

let t: TestTracker;
afterEach(async () => t?.stop());

const DATA = testBytes(40_000, 7);
/** The prompt, shown again (readline may end with moving the cursor behind it). */
const AT_PROMPT = /tracker> (\x1b\[\d+G)?$/;

describe('console: help and accounts', () => {
  it('help lists every command with its usage', async () => {
    t = await startTestTracker();
    const con = startTestConsole(t.tracker);
    const help = await con.run('help');
    for (const usage of [
      'status',
      'list_users',
      'add_user <id> [--password-file FILE]',
      'reset_password <id> [--password-file FILE]',
      'remove_user <id> [--yes]',
      'list_groups',
      'registration [open|closed]',
      'set_admin_password [--password-file FILE]',
      'help',
      'quit',
    ]) {
      expect(help).toMatch(new RegExp(`^  ${usage.replace(/[[\]|]/g, '\\$&')} +\\S`, 'm'));
    }
  });

  it('add_user --password-file makes an account a client logs in with; list_users shows last login and who is online', async () => {
    t = await startTestTracker();
    const con = startTestConsole(t.tracker);
    const file = await passwordFile(t.dataDir, 'Bob has a long password');
    expect(await con.run(`add_user Bob --password-file ${file}`)).toBe('added user bob\n');
    expect(await con.run(`add_user bob --password-file=${file}`)).toBe('error: user id "bob" is taken\n');
    expect(await con.run('list_users')).toMatch(/^user +created \(UTC\) +last login \(UTC\) +groups +online\nbob +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +never +- +no\n$/);

    const bob = await t.connect();
    expect(await bob.fails('login', { userId: 'bob', password: 'the-wrong-password' })).toBe('ERR_BAD_CREDENTIALS');
    const before = Date.now();
    await bob.ok('login', { userId: 'bob', password: 'Bob has a long password' });
    await bob.ok('create_group', { groupId: 'lab' });
    const listed = await con.run('list_users');
    const row = listed.split('\n')[1]!.split(/ {2,}/);
    expect(row[0]).toBe('bob');
    expect(Date.parse(`${row[2]!.replace(' ', 'T')}Z`)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(row.slice(3)).toEqual(['lab', 'yes']);
    bob.close();
    await expect.poll(async () => (await con.run('list_users')).split('\n')[1]).toMatch(/ no$/);
  });

  it('list_users shows group ids, or how many when there are many', async () => {
    t = await startTestTracker();
    const con = startTestConsole(t.tracker);
    const ann = await loggedIn(t, 'ann');
    for (const g of ['g1', 'g2', 'g3', 'g4']) await ann.ok('create_group', { groupId: g });
    const cy = await loggedIn(t, 'cy');
    await groupWith('g5', cy, []);
    await ann.ok('join_group', { groupId: 'g5' });
    expect((await con.run('list_users')).split('\n').slice(1, 3).map((l) => l.split(/ {2,}/).slice(3))).toEqual([
      ['4 groups', 'yes'],
      ['g5', 'yes'],
    ]);
  });

  it('refuses bad ids, bad password files and a password on piped stdin, creating nothing', async () => {
    t = await startTestTracker();
    const con = startTestConsole(t.tracker);
    const short = await passwordFile(t.dataDir, 'short');
    expect(await con.run('add_user ../etc --password-file x')).toMatch(/^error: user id "\.\.\/etc" may only use letters/);
    expect(await con.run(`add_user bob --password-file ${short}`)).toBe(`error: the first line of ${short}: password must be at least 8 characters; nothing was changed\n`);
    expect(await con.run('add_user bob --password-file /nonexistent/pw.txt')).toBe('error: cannot read the password file /nonexistent/pw.txt: ENOENT\n');
    expect(await con.run('add_user bob --password-file')).toBe('error: --password-file needs a value; usage: add_user <id> [--password-file FILE]\n');
    expect(await con.run('add_user')).toBe('error: missing argument; usage: add_user <id> [--password-file FILE]\n');
    expect(await con.run('add_user bob --pasword-file x')).toMatch(/^error: unknown option "--pasword-file"/);
    // Without a terminal the password is never taken from the next line: that line is a command.
    expect(await con.run('add_user bob')).toMatch(/^error: this console is not a terminal, so the password cannot be asked for: .*--password-file/);
    expect(await con.run('bob-password-1')).toBe('unknown command "bob-password-1"; type help\n');
    expect(await con.run('list_users')).toBe('no users\n');
    expect((await t.tracker.status()).users).toBe(0);
  });

  it('console commands are not part of the client API', async () => {
    t = await startTestTracker();
    const c = await t.connect();
    for (const type of ['add_user', 'remove_user', 'reset_password', 'list_users', 'registration', 'registration_set', 'user_removed']) {
      expect(await c.fails(type as never, { userId: 'x', password: 'long-enough-pw' } as never)).toBe('ERR_UNKNOWN_TYPE');
    }
  });
});

describe('console on a terminal', () => {
  it('asks for the password twice with nothing echoed, refuses a mismatch, and Ctrl-C cancels only the question', async () => {
    t = await startTestTracker();
    const con = startTestConsole(t.tracker, true);
    await con.waitFor(AT_PROMPT);

    let mark = con.text.length;
    con.type('add_user carol\r');
    await con.waitFor(/new password for carol: $/, mark);
    con.type('first-secret-1\r');
    await con.waitFor(/the same password again: $/, mark);
    con.type('other-secret-2\r');
    expect(await con.waitFor(AT_PROMPT, mark)).toContain('error: the two passwords differ; nothing was changed');

    mark = con.text.length;
    con.type('add_user carol\r');
    await con.waitFor(/new password for carol: $/, mark);
    con.type('\x03');
    expect(await con.waitFor(AT_PROMPT, mark)).toContain('cancelled');
    expect(con.quits).toBe(0);

    mark = con.text.length;
    con.type('add_user carol\r');
    await con.waitFor(/new password for carol: $/, mark);
    con.type('carol-secret-3\r');
    await con.waitFor(/the same password again: $/, mark);
    con.type('carol-secret-3\r');
    expect(await con.waitFor(AT_PROMPT, mark)).toContain('added user carol');
    for (const secret of ['first-secret', 'other-secret', 'carol-secret']) expect(con.text).not.toContain(secret);
    // Not in readline's history either: the up arrow brings back the command, not the password.
    mark = con.text.length;
    con.type('\x1b[A');
    await con.waitFor(/add_user carol/, mark);
    expect(con.text.slice(mark)).not.toContain('secret');

    const c = await t.connect();
    await c.ok('login', { userId: 'carol', password: 'carol-secret-3' });
    con.type('\x15\x03'); // clear the line; Ctrl-C at the prompt stops the tracker, as before
    await expect.poll(() => con.quits).toBe(1);
  });

  it('log lines go above the prompt or question, which is drawn again with what was typed (nothing hidden shows)', async () => {
    t = await startTestTracker();
    const con = startTestConsole(t.tracker, true);
    await con.waitFor(AT_PROMPT);
    con.type('list_us');
    await con.waitFor(/list_us$/);
    let mark = con.text.length;
    con.writeAbove('{"msg":"login"}\n');
    // Back to the start of the line, cleared, the log line, then the prompt and the typed text again.
    expect(con.text.slice(mark)).toMatch(/^(\x1b\[\d*[A-G])*\x1b\[0J\{"msg":"login"\}\n(\x1b\[\d*[A-G])*(\x1b\[0J)?tracker> list_us(\x1b\[\d+G)?$/);
    con.type('ers\r');
    expect(await con.waitFor(/no users/, mark)).not.toContain('unknown command');

    await con.waitFor(AT_PROMPT, mark);
    mark = con.text.length;
    con.type('add_user hal\r');
    await con.waitFor(/new password for hal: $/, mark);
    con.type('hal-sec');
    con.writeAbove('{"msg":"client connected"}\n');
    expect(con.text.slice(mark)).toMatch(/\{"msg":"client connected"\}\nnew password for hal: $/);
    con.type('ret-1\r');
    await con.waitFor(/again: $/, mark);
    con.type('hal-secret-1\r');
    await con.waitFor(/added user hal/, mark);
    expect(con.text).not.toContain('hal-sec');

    // Without a prompt on screen (no terminal, or a command running) lines are written as they come.
    const busy = startTestConsole(t.tracker);
    busy.writeAbove('plain\n');
    expect(busy.text).toBe('plain\n');
  });

  it('remove_user asks first and does nothing unless the answer is y', async () => {
    t = await startTestTracker();
    const con = startTestConsole(t.tracker, true);
    await loggedIn(t, 'dan');
    let mark = con.text.length;
    con.type('remove_user dan\r');
    await con.waitFor(/remove user dan and everything of theirs\? \[y\/N\] (\x1b\[\d+G)?$/, mark);
    con.type('n\r');
    expect(await con.waitFor(AT_PROMPT, mark)).toContain('dan was not removed');
    expect((await t.tracker.status()).users).toBe(1);

    mark = con.text.length;
    con.type('remove_user dan\r');
    await con.waitFor(/\[y\/N\] (\x1b\[\d+G)?$/, mark);
    con.type('y\r');
    expect(await con.waitFor(AT_PROMPT, mark)).toContain('removed user dan: 1 session ended');
    expect((await t.tracker.status()).users).toBe(0);
  });
});

describe('console: registration', () => {
  it('closed refuses a client register with ERR_REGISTRATION_CLOSED; add_user still works; open again lets clients register', async () => {
    t = await startTestTracker();
    const con = startTestConsole(t.tracker);
    expect(await con.run('registration')).toBe('registration is open: clients may create accounts with create_user\n');
    expect(await con.run('registration closed')).toBe('registration is now closed on every tracker of the cluster\n');
    expect(await con.run('registration closed')).toBe('registration was already closed\n');
    expect(await con.run('registration')).toBe('registration is closed: accounts are made with add_user on a tracker console\n');
    expect(await con.run('registration shut')).toBe('error: registration is open or closed, not "shut"; usage: registration [open|closed]\n');

    const c = await t.connect();
    const refused = await c.request('register', { userId: 'eve', password: 'eve-password-1' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'ERR_REGISTRATION_CLOSED' } });
    expect(await con.run(`add_user eve --password-file ${await passwordFile(t.dataDir, 'eve-password-1')}`)).toBe('added user eve\n');
    await c.ok('login', { userId: 'eve', password: 'eve-password-1' });

    expect(await con.run('registration open')).toBe('registration is now open on every tracker of the cluster\n');
    await c.ok('register', { userId: 'fay', password: 'fay-password-1' });
  });

  it('survives a restart (it is state, not memory)', async () => {
    t = await startTestTracker();
    await startTestConsole(t.tracker).run('registration closed');
    const dataDir = t.dataDir;
    await t.tracker.stop();
    t = await startTestTracker({ dataDir });
    const c = await t.connect();
    expect(await c.fails('register', { userId: 'gil', password: 'gil-password-1' })).toBe('ERR_REGISTRATION_CLOSED');
  });
});

describe('console: remove_user and reset_password', () => {
  it('remove_user logs the user out, withdraws their shares, and hands their groups on as leave_group would', async () => {
    t = await startTestTracker();
    const con = startTestConsole(t.tracker);
    const ann = await loggedIn(t, 'ann', '127.0.0.1:6001');
    const bob = await loggedIn(t, 'bob', '127.0.0.1:6002');
    const cy = await loggedIn(t, 'cy', '127.0.0.1:6003');
    await groupWith('lab', ann, [[bob, 'bob'], [cy, 'cy']]); // ann owns lab; bob joined before cy
    await ann.ok('create_group', { groupId: 'solo' });
    await ann.ok('share_file', shareFields('lab', 'a.bin', DATA));
    await bob.ok('share_file', shareFields('lab', 'a.bin', DATA));
    await ann.ok('share_file', shareFields('lab', 'only-ann.bin', testBytes(1000, 9)));
    await cy.ok('create_group', { groupId: 'cy-lab' });
    await ann.ok('join_group', { groupId: 'cy-lab' }); // a request left pending

    expect(await con.run('remove_user ann')).toBe('error: this console is not a terminal, so it cannot ask for confirmation: add --yes; nothing was removed\n');
    expect(await con.run('remove_user nobody --yes')).toBe('error: there is no user "nobody"\n');
    expect(await con.run('list_groups')).toBe(['group   owner  members  files', 'cy-lab  cy     1        0', 'lab     ann    3        2', 'solo    ann    1        0', ''].join('\n'));

    expect(await con.run('remove_user ann --yes')).toBe(
      [
        'removed user ann: 1 session ended, 2 shares and 1 join request dropped (1 file nobody else shared withdrawn)',
        '  group lab: bob owns it now',
        '  group solo: deleted (ann was its last member)',
        '',
      ].join('\n'),
    );
    // Ann's connection is logged out at once, and told why.
    expect((await ann.waitForPush('session_ended')).data.reason).toMatch(/removed your account/);
    expect(await ann.fails('list_groups')).toBe('ERR_NOT_LOGGED_IN');
    expect(await ann.fails('login', { userId: 'ann', password: 'ann-secret-pw' })).toBe('ERR_BAD_CREDENTIALS');
    // The others see the hand-over and the withdrawn file.
    expect((await bob.waitForPush('owner_changed')).data).toEqual({ groupId: 'lab', ownerId: 'bob' });
    expect((await cy.waitForPush('file_withdrawn')).data.name).toBe('only-ann.bin');
    expect((await cy.ok('list_groups')).groups).toEqual([
      { groupId: 'cy-lab', owner: 'cy', memberCount: 1, membership: 'owner' },
      { groupId: 'lab', owner: 'bob', memberCount: 2, membership: 'member' },
    ]);
    expect((await cy.ok('list_requests', { groupId: 'cy-lab' })).requests).toEqual([]);
    const files = (await cy.ok('list_files', { groupId: 'lab' })).files;
    expect(files.map((f: { name: string; seeders: number }) => [f.name, f.seeders])).toEqual([['a.bin', 1]]);
    expect(await con.run('list_groups')).toBe(['group   owner  members  files', 'cy-lab  cy     1        0', 'lab     bob    2        1', ''].join('\n'));
    // The id is free again.
    await (await t.connect()).ok('register', { userId: 'ann', password: 'a-new-ann-password' });
  });

  it('reset_password: the old password fails, the new one works, and every old session ends', async () => {
    t = await startTestTracker();
    const con = startTestConsole(t.tracker);
    const first = await loggedIn(t, 'dora');
    const second = await t.connect();
    const { token } = await second.ok('login', { userId: 'dora', password: 'dora-secret-pw' });
    const file = await passwordFile(t.dataDir, 'dora-new-password');
    expect(await con.run(`reset_password nobody --password-file ${file}`)).toBe('error: there is no user "nobody"\n');
    expect(await con.run(`reset_password dora --password-file ${file}`)).toBe('new password set for dora; 2 sessions ended\n');
    for (const c of [first, second]) {
      expect((await c.waitForPush('session_ended')).data.reason).toMatch(/reset your password/);
      expect(await c.fails('list_groups')).toBe('ERR_NOT_LOGGED_IN');
    }
    expect(await second.fails('resume', { token })).toBe('ERR_SESSION_INVALID');
    expect(await first.fails('login', { userId: 'dora', password: 'dora-secret-pw' })).toBe('ERR_BAD_CREDENTIALS');
    await first.ok('login', { userId: 'dora', password: 'dora-new-password' });
    await first.ok('create_group', { groupId: 'after-reset' }); // the new session acts normally
    expect(await con.run(`reset_password dora --password-file ${file}`)).toBe('new password set for dora; 1 session ended\n');
  });
});
