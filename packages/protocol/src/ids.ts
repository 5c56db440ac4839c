/**
 * Rules for the names users type: user ids, group ids, file names and passwords. Each rule is a
 * plain function returning the reason a value is refused (so the shell can explain before it
 * sends anything) and a zod schema built on it (so the tracker refuses at the edge).
 */
import { z } from 'zod';
import { MAX_FILE_NAME_BYTES, MAX_ID_LENGTH, MAX_PASSWORD_BYTES, MIN_PASSWORD_LENGTH } from './limits.js';

const ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Why `id` (already lower-cased) is not a valid user or group id, or undefined if it is.
 * Ids are 1–32 characters of a–z, 0–9, `.`, `_`, `-`, starting with a letter or digit, with no
 * `..`. Being plain ASCII, they are safe in paths, logs and terminals, and cannot look alike.
 */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (id.length > MAX_ID_LENGTH) return `is longer than ${MAX_ID_LENGTH} characters`;
  if (!ID_PATTERN.test(id)) {
    return 'may only use letters, digits, ".", "_" and "-", and must start with a letter or digit';
  }
  if (id.includes('..')) return 'may not contain ".."';
  return undefined;
}

/**
 * Ids are case-insensitive: they are lower-cased once, here, and shown lower-case everywhere.
 * Only ASCII is folded: Unicode case mapping turns some non-ASCII letters into ASCII ones
 * (KELVIN SIGN U+212A into `k`, U+0130 into `i` and a combining dot), which would let
 * `\u212Aelvin` register or log in as `kelvin`. Anything else is left as it is, so the id rules
 * then refuse it.
 */
export function normaliseId(id: string): string {
  return id.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

function idSchema(what: string) {
  return z
    .string()
    // A cheap bound before any other work on hostile input, with the real rule's words (zod's
    // own "Too big: <=128 characters" would name a limit that is not the one that applies).
    .max(MAX_ID_LENGTH * 4, `${what} is longer than ${MAX_ID_LENGTH} characters`)
    .transform(normaliseId)
    .superRefine((id, ctx) => {
      const problem = idProblem(id);
      if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
    });
}

export const UserIdSchema = idSchema('user id');
export const GroupIdSchema = idSchema('group id');

// C0 and C1 controls and DEL (terminal escapes start with ESC or CSI), plus invisible
// formatting characters that can disguise a name: zero-width ones, bidi overrides and
// isolates (the "Trojan Source" trick), and the BOM.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/u;

/**
 * Why `name` is not an acceptable shared-file name, or undefined if it is. A name is one path
 * component: no `/` or `\`, no `..`, not `.`, no control or invisible formatting characters,
 * no leading or trailing white space, well-formed Unicode, at most 255 UTF-8 bytes. Names are
 * NFC-normalised first (see FileNameSchema) so one visible name has one spelling.
 */
export function fileNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_FILE_NAME_BYTES) {
    return `is longer than ${MAX_FILE_NAME_BYTES} bytes`;
  }
  if (!name.isWellFormed()) return 'is not valid Unicode';
  if (name.includes('/') || name.includes('\\')) return 'may not contain "/" or "\\"';
  if (name === '.' || name.includes('..')) return 'may not be "." or contain ".."';
  if (FORBIDDEN_NAME_CHARS.test(name)) return 'may not contain control or invisible formatting characters';
  if (name.trim() !== name) return 'may not start or end with white space';
  return undefined;
}

export const FileNameSchema = z
  .string()
  .max(MAX_FILE_NAME_BYTES * 4, `file name is longer than ${MAX_FILE_NAME_BYTES} bytes`)
  .transform((name) => (name.isWellFormed() ? name.normalize('NFC') : name))
  .superRefine((name, ctx) => {
    const problem = fileNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: `file name ${problem}` });
  });

const CONFUSABLE_SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Greek}/u, /\p{Script=Cyrillic}/u];

/**
 * Why a new file name is refused as a look-alike, or undefined. A word (a run of letters) that
 * mixes Latin, Greek and Cyrillic letters is how look-alike names are made ("nоtes.txt" with a
 * Cyrillic "о" beside "notes.txt"; UTS #39 calls it mixed-script), while real names keep each
 * word in one script ("отчёт report.txt" is fine). Names wholly in another script that happen
 * to look Latin are not caught: that needs the confusables table. Checked for new shares only
 * (NewFileNameSchema), so a file shared before the rule can still be fetched and stopped.
 */
export function lookAlikeProblem(name: string): string | undefined {
  for (const word of name.split(/[^\p{L}\p{M}]+/u)) {
    if (CONFUSABLE_SCRIPTS.filter((script) => script.test(word)).length > 1) {
      return 'mixes Latin, Greek or Cyrillic letters in one word, as look-alike names do (a Cyrillic "а" among Latin letters); rename the file';
    }
  }
  return undefined;
}

/** The name of a file being shared: FileNameSchema's rules and no look-alike words. */
export const NewFileNameSchema = FileNameSchema.superRefine((name, ctx) => {
  const problem = lookAlikeProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: `file name ${problem}` });
});

/**
 * Why `password` is refused, or undefined. At least 8 characters, at most 256 UTF-8 bytes (the
 * upper bound is checked before any hashing, so it is cheap to refuse), no NUL.
 */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return `password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    return `password must be at most ${MAX_PASSWORD_BYTES} bytes`;
  }
  if (password.includes('\u0000')) return 'password may not contain NUL';
  return undefined;
}

/** A password as sent at registration: the full rules. */
export const NewPasswordSchema = z
  .string()
  .max(MAX_PASSWORD_BYTES)
  .superRefine((password, ctx) => {
    const problem = passwordProblem(password);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * A password as sent at login: only bounded. Applying the registration rules here would tell an
 * attacker something, and an account never has a password that breaks them.
 */
export const LoginPasswordSchema = z
  .string()
  .min(1)
  .max(MAX_PASSWORD_BYTES)
  .refine((p) => Buffer.byteLength(p, 'utf8') <= MAX_PASSWORD_BYTES, `password must be at most ${MAX_PASSWORD_BYTES} bytes`);

/** Lower-case hex SHA-1 (40 characters): file digests and info-hashes. */
export const Sha1HexSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{40}$/, 'must be 40 hex digits')
  .transform((s) => s.toLowerCase());
