import { describe, expect, it } from 'vitest';

import {
  FileNameSchema,
  GroupIdSchema,
  LoginPasswordSchema,
  NewFileNameSchema,
  NewPasswordSchema,
  UserIdSchema,
  fileNameProblem,
  idProblem,
  normaliseId,
  lookAlikeProblem,
  passwordProblem,
} from './ids.js';

/** The first issue message of a failed parse, or undefined if the value was accepted. */
function refusal(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  return result.success ? undefined : (result.error?.issues[0]?.message ?? '?');
}

// User and group ids stay plain, short, lower-case ASCII: safe in paths, logs and terminals.
describe('user and group ids', () => {
  it('accepts letters, digits, ".", "_" and "-" after a letter or digit', () => {
    for (const id of ['a', '7', 'alice', 'bob_2', 'team-x', 'v1.2', 'a'.repeat(32), '0-_.z']) {
      expect(idProblem(id), id).toBeUndefined();
      expect(UserIdSchema.parse(id)).toBe(id);
      expect(GroupIdSchema.parse(id)).toBe(id);
    }
  });

  it('lower-cases through the schema, so ids are case-insensitive', () => {
    expect(UserIdSchema.parse('Alice')).toBe('alice');
    expect(UserIdSchema.parse('BOB_2')).toBe('bob_2');
    expect(GroupIdSchema.parse('Team-X')).toBe('team-x');
  });

  it('refuses the empty id and ids over 32 characters', () => {
    expect(idProblem('')).toBe('is empty');
    expect(refusal(UserIdSchema, '')).toBe('user id is empty');
    expect(idProblem('a'.repeat(33))).toBe('is longer than 32 characters');
    expect(refusal(GroupIdSchema, 'a'.repeat(33))).toBe('group id is longer than 32 characters');
    expect(refusal(UserIdSchema, 'A'.repeat(33))).toBe('user id is longer than 32 characters');
  });

  it('refuses a leading "-", "." or "_", "..", slashes, spaces and control characters', () => {
    for (const id of ['-bob', '.bob', '_bob', 'a/b', 'a\\b', '../etc', 'a b', ' bob', 'bob ', 'bob\u0000', 'bob\u001b[31m', 'bob\n']) {
      expect(refusal(UserIdSchema, id), JSON.stringify(id)).toMatch(/^user id may only use letters, digits/);
    }
    expect(idProblem('a..b')).toBe('may not contain ".."');
    expect(refusal(GroupIdSchema, 'a..b')).toBe('group id may not contain ".."');
  });

  it('refuses non-ASCII look-alikes (Cyrillic, Greek, full-width, accents)', () => {
    // 'аlice' starts with CYRILLIC SMALL LETTER A; 'ο' is GREEK SMALL LETTER OMICRON.
    for (const id of ['\u0430lice', 'b\u03bfb', '\uff41lice', 'ünïcode', 'e\u0301', 'bob\u200b']) {
      expect(refusal(UserIdSchema, id), JSON.stringify(id)).toMatch(/may only use letters, digits/);
    }
  });

  it('never yields anything but [a-z0-9._-] however Unicode case mapping behaves', () => {
    // toLowerCase folds KELVIN SIGN (U+212A) into ASCII 'k' and İ (U+0130) into 'i' + a combining dot.
    for (const id of ['\u212A', 'Bob\u212A', '\u0130stanbul', 'STRASSE', '\u1E9E', 'ǅ']) {
      const result = UserIdSchema.safeParse(id);
      if (result.success) expect(result.data, JSON.stringify(id)).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
    }
    expect(UserIdSchema.safeParse('\u0130stanbul').success).toBe(false);
  });

  it('refuses non-ASCII letters that Unicode lower-cases into ASCII, so no id aliases another', () => {
    // KELVIN SIGN lower-cases to 'k': '\u212Aelvin' must not become 'kelvin'.
    for (const id of ['\u212Aelvin', 'Bob\u212A', '\u212A', '\u0130stanbul', '\u212Bngstrom']) {
      expect(refusal(UserIdSchema, id), JSON.stringify(id)).toMatch(/^user id may only use letters, digits/);
      expect(refusal(GroupIdSchema, id), JSON.stringify(id)).toMatch(/^group id may only use letters, digits/);
      expect(normaliseId(id), JSON.stringify(id)).not.toMatch(/^[a-z0-9._-]+$/);
    }
    expect(normaliseId('KeLvIn')).toBe('kelvin');
  });

  it('refuses non-strings', () => {
    for (const value of [42, null, undefined, ['a'], { id: 'a' }]) expect(UserIdSchema.safeParse(value).success).toBe(false);
  });
});

// File names are one safe, visible path component with one spelling, at most 255 UTF-8 bytes.
describe('file names', () => {
  it('accepts ordinary names, Unicode and inner spaces', () => {
    for (const name of ['report.pdf', 'My Holiday Photos.zip', '.bashrc', 'naïve café.txt', '日本語のファイル.txt', 'Ünïcödé 😀.png', 'a']) {
      expect(fileNameProblem(name), name).toBeUndefined();
      expect(FileNameSchema.parse(name)).toBe(name);
    }
  });

  it('NFC-normalises, so "e" + combining acute becomes "é"', () => {
    const decomposed = 'caf' + 'e\u0301' + '.txt';
    const parsed = FileNameSchema.parse(decomposed);
    expect(parsed).toBe('caf\u00e9.txt');
    expect(parsed.length).toBe(8);
  });

  it('allows exactly 255 UTF-8 bytes and refuses 256, counting multi-byte characters as bytes', () => {
    const ok = ['a'.repeat(255), 'é'.repeat(127) + 'a', '日'.repeat(85), '😀'.repeat(63) + 'abc'];
    for (const name of ok) {
      expect(Buffer.byteLength(name)).toBe(255);
      expect(FileNameSchema.parse(name)).toBe(name);
    }
    const tooLong = ['a'.repeat(256), 'é'.repeat(128), '日'.repeat(85) + 'a', '😀'.repeat(64)];
    for (const name of tooLong) {
      expect(Buffer.byteLength(name)).toBe(256);
      expect(fileNameProblem(name)).toBe('is longer than 255 bytes');
      expect(refusal(FileNameSchema, name)).toBe('file name is longer than 255 bytes');
    }
  });

  it('measures the length after NFC: 85 decomposed "é"s (255 bytes) are 170 bytes once composed', () => {
    const name = 'e\u0301'.repeat(85);
    expect(FileNameSchema.parse(name)).toBe('\u00e9'.repeat(85));
    expect(refusal(FileNameSchema, 'e\u0301'.repeat(128))).toBe('file name is longer than 255 bytes');
  });

  it('refuses path separators, "." and ".."', () => {
    expect(refusal(FileNameSchema, 'a/b')).toBe('file name may not contain "/" or "\\"');
    expect(refusal(FileNameSchema, 'a\\b')).toBe('file name may not contain "/" or "\\"');
    expect(refusal(FileNameSchema, '/etc/passwd')).toBe('file name may not contain "/" or "\\"');
    expect(refusal(FileNameSchema, '.')).toBe('file name may not be "." or contain ".."');
    expect(refusal(FileNameSchema, '..')).toBe('file name may not be "." or contain ".."');
    expect(refusal(FileNameSchema, 'x..y')).toBe('file name may not be "." or contain ".."');
  });

  it('refuses empty names and leading or trailing white space', () => {
    expect(refusal(FileNameSchema, '')).toBe('file name is empty');
    for (const name of [' a.txt', 'a.txt ', '\u00a0a.txt', 'a.txt\u3000']) {
      expect(refusal(FileNameSchema, name), JSON.stringify(name)).toBe('file name may not start or end with white space');
    }
  });

  it('refuses control characters and invisible formatting characters', () => {
    const invisible = 'file name may not contain control or invisible formatting characters';
    const cases = {
      NUL: 'a\u0000b',
      'tab': 'a\tb',
      newline: 'a\nb',
      'ESC colour': '\u001b[31mred',
      DEL: 'a\u007fb',
      'C1 CSI': 'a\u009b31mb',
      'bidi override': 'invoice\u202efdp.exe',
      'bidi isolate': 'a\u2066b',
      'zero-width space': 'pay\u200bpal.txt',
      'zero-width joiner': 'a\u200db',
      'word joiner': 'a\u2060b',
      BOM: '\ufeffa.txt',
    };
    for (const [what, name] of Object.entries(cases)) {
      expect(refusal(FileNameSchema, name), what).toBe(invisible);
    }
  });

  it('refuses a lone surrogate instead of normalising or storing it', () => {
    expect(fileNameProblem('a\ud800b')).toBe('is not valid Unicode');
    expect(refusal(FileNameSchema, '\ud800')).toBe('file name is not valid Unicode');
    expect(refusal(FileNameSchema, 'x\udc00')).toBe('file name is not valid Unicode');
  });

  it('refuses 4 KiB names with the real limit in the message, not the schema\'s cheap bound', () => {
    expect(refusal(FileNameSchema, 'a'.repeat(4096))).toBe('file name is longer than 255 bytes');
    expect(refusal(UserIdSchema, 'a'.repeat(4096))).toBe('user id is longer than 32 characters');
    expect(refusal(GroupIdSchema, 'a'.repeat(4096))).toBe('group id is longer than 32 characters');
  });

  it('refuses a new name whose words mix Latin, Greek or Cyrillic letters (look-alikes), not names in one script', () => {
    for (const name of ['n\u043etes.txt', 'p\u0430yroll.xlsx', '\u03a1aypal', 'ab\u03b1.txt']) {
      expect(lookAlikeProblem(name), name).toMatch(/^mixes Latin, Greek or Cyrillic letters in one word/);
      expect(refusal(NewFileNameSchema, name), name).toMatch(/^file name mixes/);
      expect(refusal(FileNameSchema, name), name).toBeUndefined(); // existing files stay reachable
    }
    for (const name of ['notes.txt', '\u043e\u0442\u0447\u0451\u0442 report.txt', '\u03b1\u03b2\u03b3-abc.txt', '\u6f22\u5b57abc.txt', 'caf\u00e9.txt', 'x\u00b2.csv']) {
      expect(lookAlikeProblem(name), name).toBeUndefined();
    }
  });
});

// Passwords: at least 8 characters, at most 256 UTF-8 bytes, no NUL; login only bounds them.
describe('passwords', () => {
  it('needs at least 8 characters, counted as code points', () => {
    expect(passwordProblem('1234567')).toBe('password must be at least 8 characters');
    expect(refusal(NewPasswordSchema, '1234567')).toBe('password must be at least 8 characters');
    expect(passwordProblem('12345678')).toBeUndefined();
    expect(NewPasswordSchema.parse('12345678')).toBe('12345678');
    // 7 emoji are 14 UTF-16 units but still only 7 characters.
    expect(passwordProblem('😀'.repeat(7))).toBe('password must be at least 8 characters');
    expect(passwordProblem('😀'.repeat(8))).toBeUndefined();
  });

  it('allows 256 UTF-8 bytes and refuses 257, also for multi-byte characters', () => {
    expect(NewPasswordSchema.parse('p'.repeat(256))).toBe('p'.repeat(256));
    expect(NewPasswordSchema.safeParse('p'.repeat(257)).success).toBe(false);
    expect(passwordProblem('p'.repeat(257))).toBe('password must be at most 256 bytes');
    // 128 'é' are 256 bytes; 129 are 258 bytes though only 129 characters.
    expect(NewPasswordSchema.parse('é'.repeat(128))).toBe('é'.repeat(128));
    expect(refusal(NewPasswordSchema, 'é'.repeat(129))).toBe('password must be at most 256 bytes');
    expect(refusal(NewPasswordSchema, 'p'.repeat(255) + 'é')).toBe('password must be at most 256 bytes');
  });

  it('refuses NUL anywhere', () => {
    expect(passwordProblem('abcdefgh\u0000')).toBe('password may not contain NUL');
    expect(refusal(NewPasswordSchema, '\u0000abcdefgh')).toBe('password may not contain NUL');
  });

  it('login passwords are only bounded: 1 to 256 characters, short ones allowed', () => {
    expect(LoginPasswordSchema.safeParse('').success).toBe(false);
    expect(LoginPasswordSchema.parse('x')).toBe('x');
    expect(LoginPasswordSchema.parse('1234567')).toBe('1234567');
    expect(LoginPasswordSchema.parse('p'.repeat(256))).toBe('p'.repeat(256));
    expect(LoginPasswordSchema.safeParse('p'.repeat(257)).success).toBe(false);
    expect(LoginPasswordSchema.safeParse(12345678).success).toBe(false);
  });
});
