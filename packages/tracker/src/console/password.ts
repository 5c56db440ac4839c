/**
 * A new password for add_user and reset_password: the first line of `--password-file`, or typed
 * twice, hidden, on a terminal. Never the next line of piped stdin: that would put the password
 * in shell history, scripts and process listings of whoever wrote to the pipe.
 */
import { passwordProblem } from '@groupshare/protocol';
import { open } from 'node:fs/promises';
import { OperatorError } from '../admin/errors.js';
import type { ConsoleIo } from './terminal.js';

/** More than any valid first line (256 UTF-8 bytes) needs: a huge file is not read whole. */
const READ_LIMIT = 4_096;

function checked(password: string, where: string): string {
  const problem = passwordProblem(password);
  if (problem) throw new OperatorError('ERR_BAD_PASSWORD', `${where}${problem}; nothing was changed`);
  return password;
}

/** The whole first line of `file` (spaces included; CR LF, LF or CR ends it; a BOM is skipped). */
export async function passwordFromFile(file: string): Promise<string> {
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(READ_LIMIT);
      const { bytesRead } = await handle.read(buffer, 0, READ_LIMIT, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new OperatorError('ERR_PASSWORD_FILE', `cannot read the password file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const line = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/, 1)[0]!;
  return checked(line, `the first line of ${file}: `);
}

/** The new password for `userId`: from `file` if given, else asked twice on the terminal. */
export async function readNewPassword(io: ConsoleIo, userId: string, file: string | undefined): Promise<string> {
  if (file !== undefined) return passwordFromFile(file);
  if (!io.interactive) {
    throw new OperatorError(
      'ERR_NEEDS_TERMINAL',
      'this console is not a terminal, so the password cannot be asked for: put it on the first line of a file and add --password-file <file>',
    );
  }
  const first = checked(await io.ask(`new password for ${userId}: `, { hidden: true }), '');
  const again = await io.ask(`the same password again: `, { hidden: true });
  if (again !== first) throw new OperatorError('ERR_BAD_PASSWORD', 'the two passwords differ; nothing was changed');
  return first;
}
