/**
 * What the client does when its output goes away: a reader that closed early
 * (`./client --help | head -3`, a script piping the shell into `head -1`) or a terminal that
 * hung up. Node ignores SIGPIPE, so such a write fails with EPIPE, and an 'error' event nobody
 * listens to ends the process with a stack trace. Here the failure is expected and quiet:
 *
 * - stderr: a failed write is dropped (there is nowhere left to say anything);
 * - stdout: `closed` resolves. The shell then ends as a double Ctrl-C would (downloads resume at
 *   the next login) and the process exits with the shell's status, 0 unless a command had
 *   failed: the reader stopping is not the client's failure (`set -o pipefail` scripts ending
 *   in `| head` keep working), as with Node's and Python's well-behaved CLIs, rather than the
 *   141 of a process killed by SIGPIPE. A headless peer is a service, not a filter: it keeps
 *   serving (its record is client.log), since a log reader or a restarted journal going away
 *   must not take the peer down.
 *
 * The listeners stay for the life of the process: the EPIPE of `--help`'s text arrives after
 * runShell has already returned.
 */

/** Resolves once stdout has failed (EPIPE or another write error); never rejects. */
export function whenOutputCloses(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<void> {
  stderr.on('error', () => undefined);
  return new Promise<void>((resolve) => stdout.on('error', () => resolve()));
}
