/**
 * Splits a shell line into words the way a POSIX shell does, minus every expansion: the words
 * go to a command handler as they are and never reach a real shell, so `$HOME`, `*` and `~`
 * mean themselves. What is kept is what users need to type names with spaces or quotes:
 *
 * - words are separated by white space;
 * - `'single quotes'` keep everything literally up to the next `'`;
 * - `"double quotes"` keep everything literally except `\"` and `\\`;
 * - outside quotes a backslash takes the next character literally (`my\ file.txt`);
 * - a line whose first non-blank character is `#` is a comment (for piped scripts). A `#`
 *   anywhere else is an ordinary character, because file names may contain one.
 *
 * `scanLine` is the tolerant core shared with tab completion, which must make sense of a line
 * that is still being typed (an unterminated quote is normal there).
 */

/** A line that cannot be split: an unterminated quote or a trailing backslash. */
export class LineSyntaxError extends Error {
  readonly code = 'ERR_LINE_SYNTAX';
  override readonly name = 'LineSyntaxError';
}

/** What {@link scanLine} found. */
export interface LineScan {
  /** The finished words (the last one too, unless the line ends inside it: see `partial`). */
  words: string[];
  /**
   * The word the line ends in, if it does not end in white space: its text so far (quotes
   * removed) and where it starts in the line, so a completer can replace it.
   */
  partial: { text: string; start: number } | undefined;
  /** The quote still open at the end of the line, if any. */
  openQuote: '"' | "'" | undefined;
  /** The line ends in a lone backslash. */
  danglingEscape: boolean;
}

const SPACE = /\s/;

/** Scans a line that may be incomplete. Never throws. */
export function scanLine(line: string): LineScan {
  const words: string[] = [];
  let word = '';
  let start = -1; // start of the current word, -1 between words
  let quote: '"' | "'" | undefined;
  let danglingEscape = false;
  const chars = [...line]; // code points, so an escape never splits a surrogate pair
  let offset = 0; // index in `line` (UTF-16 units) of chars[i]

  for (let i = 0; i < chars.length; offset += (chars[i] as string).length, i++) {
    const ch = chars[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
      continue;
    }
    if (quote === '"') {
      const next = chars[i + 1];
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && (next === '"' || next === '\\')) {
        word += next;
        offset += ch.length;
        i++;
      } else word += ch;
      continue;
    }
    if (SPACE.test(ch)) {
      if (start !== -1) words.push(word);
      word = '';
      start = -1;
      continue;
    }
    if (start === -1) start = offset;
    if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '\\') {
      const next = chars[i + 1];
      if (next === undefined) danglingEscape = true;
      else {
        word += next;
        offset += ch.length;
        i++;
      }
    } else {
      word += ch;
    }
  }
  const partial = start === -1 ? undefined : { text: word, start };
  if (partial) words.push(word);
  return { words, partial, openQuote: quote, danglingEscape };
}

/** True for a blank line or a `#` comment line. */
export function isBlankOrComment(line: string): boolean {
  const trimmed = line.trimStart();
  return trimmed === '' || trimmed.startsWith('#');
}

/**
 * The words of a complete line (see the module comment); [] for a blank or comment line.
 *
 * @throws {LineSyntaxError} for an unterminated quote or a trailing backslash.
 */
export function splitLine(line: string): string[] {
  if (isBlankOrComment(line)) return [];
  const scan = scanLine(line);
  if (scan.openQuote !== undefined) {
    const kind = scan.openQuote === '"' ? 'double' : 'single';
    throw new LineSyntaxError(`unterminated ${kind} quote (${scan.openQuote}); close it at the end of the name`);
  }
  if (scan.danglingEscape) throw new LineSyntaxError('the line ends in a backslash that escapes nothing');
  return scan.words;
}

const PLAIN_WORD = /^[\p{L}\p{N}._\-+=,:@/%~]+$/u;

/**
 * `word` written so that {@link splitLine} gives it back unchanged: as is when it is plain,
 * else in double quotes. Used to complete names that contain spaces or quotes.
 */
export function quoteWord(word: string): string {
  if (PLAIN_WORD.test(word) && !word.startsWith('#')) return word;
  return `"${word.replace(/["\\]/g, '\\$&')}"`;
}
