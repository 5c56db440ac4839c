/**
 * The operator console of an in-process tracker, driven through PassThrough streams: what an
 * operator types goes in, and what the console prints is collected as text.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { startConsole } from '../src/console/console.js';
import type { Tracker } from '../src/index.js';

export interface TestConsole {
  /** Everything printed so far. */
  readonly text: string;
  /** How many times the console asked the tracker to stop. */
  readonly quits: number;
  /** Types `line` (without a TTY: a line of piped input) and resolves with what it printed next. */
  run(line: string): Promise<string>;
  /** Writes raw input (keys on a terminal: `\r` is Enter, `\x03` Ctrl-C). */
  type(keys: string): void;
  /** Resolves once the output from `from` on matches `pattern`; returns that output. */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<string>;
  /** Ends the input, as Ctrl-D or a closed pipe would. */
  end(): void;
  /** Writes lines as the tracker's log does on a terminal. */
  writeAbove(text: string): void;
}

export function startTestConsole(tracker: Tracker, interactive = false): TestConsole {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  let quits = 0;
  output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const handle = startConsole({ tracker, input, output, interactive, onQuit: () => (quits += 1) });
  const con: TestConsole = {
    get text() {
      return text;
    },
    get quits() {
      return quits;
    },
    async run(line) {
      const mark = text.length;
      input.write(`${line}\n`);
      // Every console message is one write ending in a newline.
      return con.waitFor(/\n$/, mark);
    },
    type: (keys) => input.write(keys),
    async waitFor(pattern, from = 0, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text.slice(from))) {
        if (Date.now() > deadline) throw new Error(`console did not print ${pattern}; it printed:\n${text.slice(from)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return text.slice(from);
    },
    end: () => input.end(),
    writeAbove: (text) => handle.writeAbove(text),
  };
  return con;
}

/** A file in `dir` whose first line is `password` (what --password-file reads). */
export async function passwordFile(dir: string, password: string, name = 'pw.txt'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${password}\nthe rest of the file is not read\n`, { mode: 0o600 });
  return file;
}
