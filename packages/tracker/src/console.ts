/**
 * The tracker's operator console on stdin: `status`, `help`, `quit`. Without a TTY it reads
 * commands without a prompt (so scripts can pipe `quit`), and when stdin ends the tracker keeps
 * running as a service: only `quit` or a signal stops it.
 */
import readline from 'node:readline';
import type { Tracker } from './tracker.js';

export interface ConsoleInit {
  tracker: Tracker;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  interactive: boolean;
  /** Called once when the operator types `quit`. */
  onQuit: () => void;
}

const HELP = `commands:
  status   connected clients and counts of users, groups, files
  help     this list
  quit     stop the tracker cleanly (also: exit, Ctrl-D does not stop it)`;

export function formatStatus(s: Awaited<ReturnType<Tracker['status']>>): string {
  return [
    `tracker ${s.tracker} on ${s.address}, up ${s.uptimeS} s`,
    `clients: ${s.clients} connected, ${s.loggedIn} logged in`,
    `users: ${s.users}  groups: ${s.groups}  files: ${s.files}  shares: ${s.shares}`,
    `replication: ${s.sync}, state digest ${s.digest.slice(0, 16)}`,
    ...s.links.map((l) => `  tracker ${l.peer || '?'}: ${l.state}${l.caughtUp ? ', caught up' : ''} (sent ${l.sentOps} ops, received ${l.receivedOps})`),
  ].join('\n');
}

export function startConsole(init: ConsoleInit): readline.Interface {
  const rl = readline.createInterface({
    input: init.input,
    output: init.interactive ? init.output : undefined,
    terminal: init.interactive,
    prompt: 'tracker> ',
  });
  const print = (text: string): void => {
    init.output.write(`${text}\n`);
  };
  // On a TTY readline takes Ctrl-C itself (raw mode), so no SIGINT reaches the process.
  rl.on('SIGINT', () => {
    rl.close();
    init.onQuit();
  });
  if (init.interactive) rl.prompt();
  // Commands run one after another, so `status` then `quit` prints the status before stopping.
  let queue: Promise<void> = Promise.resolve();
  rl.on('line', (line) => {
    const command = line.trim();
    queue = queue.then(async () => {
      switch (command) {
        case '':
          break;
        case 'quit':
        case 'exit':
          rl.close();
          init.onQuit();
          return;
        case 'status':
          print(formatStatus(await init.tracker.status()));
          break;
        case 'help':
          print(HELP);
          break;
        default:
          print(`unknown command "${command.slice(0, 40)}"; type help`);
      }
      if (init.interactive) rl.prompt();
    }).catch((err: unknown) => print(`error: ${(err as Error).message}`));
  });
  return rl;
}
