/**
 * The password of a command: from the line, else asked for on a terminal.
 */
import { CommandError } from '../errors.js';
import type { CommandContext } from './types.js';

/**
 * The password from the line, else asked for on a terminal. Piped input cannot answer a
 * prompt (the next line is the next command), so there a missing password is an error.
 */
export async function passwordFrom(ctx: CommandContext, given: string | undefined, message: string): Promise<string> {
  if (given !== undefined) return given;
  if (!ctx.interactive) throw new CommandError('give the password on the line when input is not a terminal');
  return ctx.askPassword(message);
}
