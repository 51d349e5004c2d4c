// Promise 1 and 2 under load: another process moves money between accounts (the total never
// changes) while restore points are taken. Every copy must pass the integrity check and show the
// exact total, in WAL and rollback-journal mode; in WAL mode the writer must keep committing
// while a copy is being taken.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from './engine.ts';
import { artifactPath } from './manifest.ts';
import { bankState, makeBankDb, startHelper, tempDir } from './testing/fixtures.ts';

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
        const artifact = artifactPath(engine.vaultDir, m);
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
