/** Console `backup <path>`: an online copy of the database (ops/backup.ts). */
import type { ConsoleCommand } from './command.js';

export const backupCommand: ConsoleCommand = {
  name: 'backup',
  usage: 'backup <path>',
  summary: 'copy the database, online, to a new file (restore: docs/operations.md)',
  args: [1, 1],
  async run({ tracker, io }, { args }) {
    const { file, bytes, ms } = tracker.backup(args[0]!);
    io.print(`backed up the database to ${file} (${bytes} bytes, ${ms} ms); restore it with the tracker stopped, in place of tracker.db`);
  },
};
