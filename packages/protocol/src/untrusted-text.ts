/**
 * Quoting text that came from the other side of a connection (a client's unknown message type,
 * say) inside an error message that goes back out and may end up on a terminal or in a log.
 *
 * Why: a reply that echoes input verbatim lets the sender plant escape sequences, invisible
 * characters or bidi overrides (U+202E makes the rest of a line read backwards: "Trojan
 * Source") in whatever shows the message; and an unbounded echo turns a small refusal into a
 * large reply. So echoed text is cut to a few characters and every control or invisible
 * formatting character becomes a visible `\uXXXX` escape.
 */

/**
 * What JSON.stringify leaves raw but must not reach a reader unescaped: DEL and the C1 controls
 * (0x9b is a one-byte CSI on some terminals), the Arabic letter mark, zero-width and bidi
 * formatting characters (LRM/RLM, embeddings, overrides, isolates), the line and paragraph
 * separators, word joiner and BOM. (JSON.stringify already escapes C0 controls, quotes,
 * backslashes and lone surrogates.)
 */
const INVISIBLE = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

/** Longest stretch of untrusted text an error message quotes, in code points. */
export const MAX_ECHOED_CHARS = 40;

/**
 * `text` as a double-quoted, escaped string literal of at most `maxChars` of its code points
 * (never splitting a surrogate pair), safe to embed in any message: printable text, including
 * non-Latin scripts, stays readable; everything else is a `\uXXXX` escape.
 */
export function quoteUntrusted(text: string, maxChars: number = MAX_ECHOED_CHARS): string {
  let cut = '';
  let count = 0;
  for (const ch of text) {
    if (count++ === maxChars) break;
    cut += ch;
  }
  return escapeInvisible(JSON.stringify(cut));
}

/**
 * `text` with every control or invisible formatting character replaced by a `\uXXXX` escape;
 * for messages that are already built (a last guard before a reply leaves).
 */
export function escapeInvisible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, unicodeEscape).replace(INVISIBLE, unicodeEscape);
}

function unicodeEscape(ch: string): string {
  return `\\u${(ch.codePointAt(0) as number).toString(16).padStart(4, '0')}`;
}
