// Group commit: what queues up together commits together, a failing job is undone alone, and a
// database locked by another connection delays writes without failing them.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WriteQueue } from './write-queue.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'groupshare-write-queue-'));
const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function setUp(name: string) {
  const db = new Database(path.join(tmp, `${name}.db`));
  open.push(db);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 0');
  db.exec('CREATE TABLE t (v TEXT NOT NULL UNIQUE)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const values = () => (db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all() as string[]);
  const committed: string[][] = [];
  const queue = new WriteQueue<{ wrote: string[] }>({
    db,
    begin: () => ({ wrote: [] }),
    mark: (s) => s.wrote.length,
    reset: (s, mark) => void (s.wrote.length = mark as number),
    committed: (s) => void committed.push(s.wrote),
  });
  const write = (v: string) =>
    queue.run((s) => {
      insert.run(v);
      s.wrote.push(v);
      return v;
    });
  return { db, queue, insert, write, values, committed };
}

describe('WriteQueue', () => {
  it('commits the jobs queued together in one transaction, and resolves them after it', async () => {
    const { queue, write, values, committed } = setUp('group');
    const results = await Promise.all([write('a'), write('b'), write('c')]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(queue.groups).toBe(1);
    expect(committed).toEqual([['a', 'b', 'c']]);
    await write('d');
    expect(queue.groups).toBe(2);
    expect(values()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('rolls back a failing job alone; the others in its group commit', async () => {
    const { write, insert, values, committed, queue } = setUp('failure');
    const failing = queue.run((s) => {
      // It wrote a row and noted it, then failed: both must be undone.
      insert.run('x');
      s.wrote.push('x');
      throw new Error('refused');
    });
    // The second 'a' breaks the UNIQUE constraint: a database error, undone alone as well.
    const outcomes = await Promise.allSettled([write('a'), failing, write('a'), write('b')]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(values()).toEqual(['a', 'b']);
    expect(committed).toEqual([['a', 'b']]);
  });

  it('runs an exclusive job in a transaction of its own', async () => {
    const { queue, write } = setUp('exclusive');
    await Promise.all([write('a'), queue.run(() => 'alone', { exclusive: true }), write('b')]);
    expect(queue.groups).toBe(3);
  });

  it('waits, without blocking the event loop, while another connection holds the write lock', async () => {
    const { db, write, values } = setUp('busy');
    const other = new Database(db.name);
    open.push(other);
    other.prepare('BEGIN IMMEDIATE').run();
    let settled = false;
    const pending = write('a').then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50)); // timers run: the event loop is free
    expect(settled).toBe(false);
    other.prepare('COMMIT').run();
    await pending;
    expect(values()).toEqual(['a']);
  });
});
