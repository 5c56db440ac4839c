/**
 * Yes/no questions on the terminal (`delete the 312 MiB already downloaded? [y/N]`). Like a
 * password prompt, a question needs the terminal to itself, so the shell's own line reader is
 * suspended around it (shell.ts) and a short-lived readline interface asks. Only used
 * interactively: piped input has no one to ask, and its next line is the next command.
 */
import readline from 'node:readline';

import { readlineSurface, type Output } from './output.js';

export interface ConfirmIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Told where the question is, so lines printed meanwhile (a download completing) go above it. */
  out?: Output;
}

/** `y`/`yes` and `n`/`no` in any case; anything else (an empty line too) is no answer. */
export function parseYesNo(answer: string): boolean | undefined {
  const a = answer.trim().toLowerCase();
  if (a === 'y' || a === 'yes') return true;
  if (a === 'n' || a === 'no') return false;
  return undefined;
}

/**
 * Asks `question` followed by `[Y/n]` or `[y/N]`; the capital is what an empty answer, Ctrl-C
 * or Ctrl-D mean. An answer that is neither yes nor no is asked again.
 */
export async function confirm(question: string, defaultYes: boolean, io: ConfirmIo): Promise<boolean> {
  // The terminal went away (hang-up): nobody can answer, and readline would wait forever.
  if ((io.input as { readableEnded?: boolean }).readableEnded === true) return defaultYes;
  const rl = readline.createInterface({ input: io.input, output: io.output, terminal: true });
  const prompt = `${question} ${defaultYes ? '[Y/n]' : '[y/N]'} `;
  try {
    for (;;) {
      const answer = await new Promise<string | undefined>((resolve) => {
        const onClose = (): void => resolve(undefined);
        const onInterrupt = (): void => {
          io.output.write('\n');
          resolve(undefined);
        };
        rl.once('close', onClose);
        rl.once('SIGINT', onInterrupt);
        rl.question(prompt, (line) => {
          rl.off('close', onClose);
          rl.off('SIGINT', onInterrupt);
          resolve(line);
        });
        io.out?.setPrompt(readlineSurface(rl, io.output));
      });
      io.out?.setPrompt(undefined);
      if (answer === undefined || answer.trim() === '') return defaultYes;
      const yes = parseYesNo(answer);
      if (yes !== undefined) return yes;
      io.output.write('please answer y or n\n');
    }
  } finally {
    io.out?.setPrompt(undefined);
    rl.close();
  }
}
