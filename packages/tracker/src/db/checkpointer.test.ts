// With checkpoints on their own thread, the WAL stays bounded while writes never stop, nothing
// written is lost, and closing the database still removes the WAL file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './open-database.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'groupshare-checkpointer-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('background checkpoints', () => {
  it('keep the WAL bounded under a steady stream of commits', async () => {
    const file = path.join(tmp, 'tracker.db');
    const errors: string[] = [];
    const db = await openDatabase({ file, backgroundCheckpoints: true, onCheckpointError: (m) => errors.push(m) });
    try {
      const writer = db.sqlite.writer;
      expect(Number(writer.pragma('wal_autocheckpoint', { simple: true }))).toBe(0); // none in the commits
      const insert = writer.prepare('INSERT INTO "Snapshot" ("id", "horizon", "vector", "rows") VALUES (?, ?, ?, ?)');
      const row = 'x'.repeat(64 * 1024);
      let maxWal = 0;
      // 96 MiB through the WAL in 64 KiB commits, yielding between them as the tracker does.
      for (let i = 1; i <= 1_536; i++) {
        for (;;) {
          try {
            insert.run(i, 'h', '{}', row);
            break;
          } catch (err) {
            // The checkpointer holds the lock while it rewinds the WAL: busy, never blocked.
            if (!String((err as { code?: string }).code).startsWith('SQLITE_BUSY')) throw err;
            await new Promise((r) => setTimeout(r, 2));
          }
        }
        if (i % 16 === 0) {
          maxWal = Math.max(maxWal, fs.statSync(`${file}-wal`).size);
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      expect(maxWal).toBeLessThan(64 * 2 ** 20);
      expect(db.sqlite.reader.prepare('SELECT count(*) FROM "Snapshot"').pluck().get()).toBe(1_536n);
    } finally {
      await db.close();
    }
    expect(errors).toEqual([]);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });
});
