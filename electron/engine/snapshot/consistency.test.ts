// Promise 1 and 2 under load: another process moves money between accounts (the total never
// changes) while restore points are taken. Every copy must pass the integrity check and show the
// exact total, in WAL and rollback-journal mode; in WAL mode the writer must keep committing
// while a copy is being taken.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine.ts';
import { databaseOf } from '../testing/restore-point-file.ts';
import { bankState, makeBankDb, startHelper, tempDir } from '../testing/fixtures.ts';

let t: ReturnType<typeof tempDir>;
let engine: Engine;
beforeEach(async () => {
  t = tempDir();
  engine = await createEngine({ dataDir: path.join(t.dir, 'home'), appVersion: '0.0.0-test' });
});
afterEach(() => {
  engine.close();
  t.cleanup();
});

function liveBlobCount(db: string): number {
  const conn = new Database(db, { readonly: true, timeout: 30_000 });
  try {
    return conn.prepare('SELECT count(*) FROM blobs').pluck().get() as number;
  } finally {
    conn.close();
  }
}

describe.each(['wal', 'delete'] as const)('restore points of a database being written (%s mode)', (mode) => {
  it('each equals one committed transaction: integrity ok and the invariant holds', async () => {
    const db = path.join(t.dir, 'bank.db');
    makeBankDb(db, { mode, accounts: 500, blobRows: 6000, blobBytes: 4000 });
    const writer = startHelper('bank-writer.ts', [db, mode]);
    await writer.waitFor('ready');
    const source = await engine.sources.add(db);
    // Whole files: this writer grows the database by megabytes a second, and what is proven here is
    // the snapshot (torn-copy.test.ts proves the same of page-level restore points).
    await engine.sources.update(source.id, { wholeFile: true });
    if (mode === 'delete') {
      // This writer never pauses, but it waits for locks (a 30 s busy handler): the source may be
      // held for a moment if no quiet moment comes within 2 s, whatever the machine's load.
      await engine.sources.update(source.id, { lockIfBusy: true });
      engine.updateSettings({ quietWaitMs: 2_000, busyTimeoutMs: 60_000 });
    }
    const sizes = new Set<number>();
    try {
      for (let i = 0; i < (mode === 'wal' ? 6 : 3); i++) {
        let liveDuringCopy = -1;
        const m = await engine.backup({ sourceId: source.id }, {
          trigger: 'manual',
          onProgress: (p) => {
            if (mode !== 'wal' || p.phase !== 'copying' || p.done >= p.total || liveDuringCopy >= 0) return;
            // Mid-copy, with the snapshot's read transaction open: the writer must still get
            // commits through. Poll (up to 30 s) until it has; a stalled writer never would.
            const atStart = liveBlobCount(db);
            liveDuringCopy = atStart;
            for (let waited = 0; liveDuringCopy <= atStart && waited < 30_000; waited += 20) {
              Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
              liveDuringCopy = liveBlobCount(db);
            }
          },
        });
        expect(m.integrity.status).toBe('ok');
        const artifact = await databaseOf(engine, m, t.dir);
        expect(bankState(artifact)).toEqual({ total: 500 * 100, accounts: 500, check: 'ok' });
        sizes.add(m.database.pageCount);
        if (mode === 'wal') {
          expect(m.snapshot).toMatchObject({ restarts: 0, heldLock: false });
          // The writer committed while the copy was being taken: it was not stalled by it.
          expect(liveDuringCopy).toBeGreaterThan(liveBlobCount(artifact));
        }
      }
    } finally {
      const stderr = await writer.stop();
      expect(stderr).toBe('');
    }
    const commits = Number(/commits (\d+)/.exec(writer.lines.join('\n'))?.[1]);
    expect(commits).toBeGreaterThan(20);
    // Later copies saw the writer's later commits.
    expect(sizes.size).toBeGreaterThan(1);
  });
});

// Promise 2 for a program without a busy handler: any lock Lifeboat took while it commits would make
// that commit fail (and such a program then loses its writes). Over 20 backups it sees no error.
describe.each(['delete', 'wal'] as const)('a writer with no busy handler (%s mode)', (mode) => {
  it('sees no error while 20 restore points are taken, and every one is a committed state', async () => {
    const db = path.join(t.dir, 'books.db');
    makeBankDb(db, { mode, accounts: 2000, blobRows: 1000, blobBytes: 4000 });
    const writer = startHelper('impatient-writer.ts', [db, mode]);
    await writer.waitFor('ready');
    const source = await engine.sources.add(db);
    try {
      for (let i = 0; i < 20; i++) {
        const m = await engine.backup({ sourceId: source.id }, { trigger: 'manual' });
        expect(m.integrity.status).toBe('ok');
        expect(bankState(await databaseOf(engine, m, t.dir))).toEqual({ total: 2000 * 100, accounts: 2000, check: 'ok' });
        expect(m.snapshot).toMatchObject({ method: mode === 'wal' ? 'backup-api' : 'quiet-copy', heldLock: false });
      }
    } finally {
      const stderr = await writer.stop();
      expect(stderr).toBe('');
    }
    expect(writer.lines.join('\n')).toMatch(/commits [1-9]\d* errors 0$/m);
    expect(bankState(db)).toEqual({ total: 2000 * 100, accounts: 2000, check: 'ok' });
  });
});
