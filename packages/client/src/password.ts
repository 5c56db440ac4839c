/**
 * Hidden password entry on a terminal, with @inquirer/password (nothing is echoed, not even
 * a mask, so the length does not show either). Only used interactively: piped input has no
 * one to ask, and the next line of it is the next command.
 */
import password from '@inquirer/password';
import { CommandError } from './errors.js';

export interface PasswordIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/**
 * Asks for a password. Ctrl-C (or Ctrl-D) at the prompt cancels the command, not the shell.
 *
 * @throws {CommandError} `cancelled` when the user backs out.
 */
export async function askPassword(message: string, io: PasswordIo): Promise<string> {
  try {
    return await password({ message, mask: false }, { input: io.input, output: io.output, clearPromptOnDone: false });
  } catch (err) {
    // ExitPromptError (Ctrl-C) and AbortPromptError; matched by name, as @inquirer/core is
    // not a direct dependency.
    if (err instanceof Error && /PromptError$/.test(err.name)) throw new CommandError('cancelled');
    throw err;
  }
}
