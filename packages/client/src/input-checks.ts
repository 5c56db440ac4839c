/**
 * Checks of what the user typed, before anything is sent. The tracker would refuse the same
 * things, but only after a round trip and in terms of schema fields; the protocol exports its
 * rules (`idProblem`, `fileNameProblem`, `passwordProblem`) precisely so the shell and the web API
 * can say "group id may not contain ..." in the user's terms. Below the service layer and the
 * commands, which both use it.
 */
import { fileNameProblem, idProblem, normaliseId, passwordProblem } from '@groupshare/protocol';
import { CommandError } from './errors.js';
import { safeText } from './render.js';

/** A user or group id, lower-cased (ids ignore case). */
export function checkId(what: 'user id' | 'group id', value: string): string {
  const id = normaliseId(value);
  const problem = idProblem(id);
  if (problem) throw new CommandError(`"${safeText(value)}" is not a valid ${what}: it ${problem}`);
  return id;
}

/** A shared file's name, NFC-normalised like the tracker does. */
export function checkFileName(value: string): string {
  const name = value.isWellFormed() ? value.normalize('NFC') : value;
  const problem = fileNameProblem(name);
  if (problem) throw new CommandError(`"${safeText(value)}" is not a valid file name: it ${problem}`);
  return name;
}

/** A new password (create_user): the registration rules. */
export function checkNewPassword(password: string): string {
  const problem = passwordProblem(password);
  if (problem) throw new CommandError(problem);
  return password;
}
