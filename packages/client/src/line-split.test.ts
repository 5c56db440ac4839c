import { describe, expect, it } from 'vitest';
import { LineSyntaxError, quoteWord, scanLine, splitLine } from './line-split.js';

describe('splitLine', () => {
  it('splits on any run of white space', () => {
    expect(splitLine('  list_files \t lab  ')).toEqual(['list_files', 'lab']);
  });

  it('keeps names with spaces together in double or single quotes', () => {
    expect(splitLine('upload_file "my file.txt" lab')).toEqual(['upload_file', 'my file.txt', 'lab']);
    expect(splitLine("upload_file 'my file.txt' lab")).toEqual(['upload_file', 'my file.txt', 'lab']);
  });

  it('joins quoted and unquoted parts of one word, like a shell', () => {
    expect(splitLine('stop_share lab my" "file.txt')).toEqual(['stop_share', 'lab', 'my file.txt']);
    expect(splitLine('x ""')).toEqual(['x', '']);
  });

  it('takes \\" and \\\\ literally inside double quotes, everything literally inside single quotes', () => {
    expect(splitLine('x "say \\"hi\\" \\\\ \\n"')).toEqual(['x', 'say "hi" \\ \\n']);
    expect(splitLine("x 'a \\ \"b\"'")).toEqual(['x', 'a \\ "b"']);
  });

  it('escapes one character with a backslash outside quotes', () => {
    expect(splitLine('stop_share lab my\\ file.txt')).toEqual(['stop_share', 'lab', 'my file.txt']);
  });

  it('expands nothing: $, *, ~ and ; mean themselves', () => {
    expect(splitLine('upload_file $HOME/*.txt;rm ~ lab')).toEqual(['upload_file', '$HOME/*.txt;rm', '~', 'lab']);
  });

  it('treats a line starting with # as a comment, and # inside a line as a character', () => {
    expect(splitLine('   # a comment')).toEqual([]);
    expect(splitLine('stop_share lab #notes')).toEqual(['stop_share', 'lab', '#notes']);
  });

  it('refuses an unterminated quote and a trailing backslash', () => {
    expect(() => splitLine('upload_file "my file.txt lab')).toThrow(LineSyntaxError);
    expect(() => splitLine('upload_file "my file.txt lab')).toThrow(/unterminated double quote/);
    expect(() => splitLine("x 'a")).toThrow(/unterminated single quote/);
    expect(() => splitLine('x a\\')).toThrow(/backslash/);
  });

  it('keeps non-ASCII names whole', () => {
    expect(splitLine('stop_share lab "résumé 😀.pdf"')).toEqual(['stop_share', 'lab', 'résumé 😀.pdf']);
  });
});

describe('scanLine', () => {
  it('reports the word being typed and where it starts, even inside an open quote', () => {
    expect(scanLine('stop_share lab "my f')).toMatchObject({
      words: ['stop_share', 'lab', 'my f'],
      partial: { text: 'my f', start: 15 },
      openQuote: '"',
    });
    expect(scanLine('list_files ').partial).toBeUndefined();
  });
});

describe('quoteWord', () => {
  it('leaves plain words alone and quotes the rest so that splitLine gives them back', () => {
    expect(quoteWord('notes.txt')).toBe('notes.txt');
    for (const word of ['my file.txt', 'say "hi"', 'back\\slash', "it's", '#tag', '']) {
      expect(splitLine(`x ${quoteWord(word)}`)).toEqual(['x', word]);
    }
  });
});
