#!/usr/bin/env node
/**
 * `./client <ip>:<port> tracker_info.txt`: the process around runShell. Everything else
 * (arguments, shell, clean-up) is in run-shell.ts so it can run in-process in tests.
 */
import { whenOutputCloses } from './closed-output.js';
import { runShell } from './run-shell.js';

// Before anything is written: a reader that closes early ends the shell quietly (closed-output.ts).
const outputClosed = whenOutputCloses(process.stdout, process.stderr);
let status: number;
try {
  status = await runShell({ argv: process.argv.slice(2), stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, outputClosed });
} catch (err) {
  // A bug, not a user error: say so plainly, with the stack for the report.
  process.stderr.write(`client: unexpected error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  status = 1;
}
process.exitCode = status;
// Everything is stopped by now, so the process ends on its own; if some handle still lingers
// (a socket in its closing handshake), do not let it hold the user's terminal for long.
setTimeout(() => process.exit(status), 2_000).unref();
