// The consistent copy at the heart of a restore point: SQLite's online backup API, run so that the
// copy equals the database as of one committed transaction and the source's writers keep going.
//
// WAL mode: one read transaction is held for the whole copy. The snapshot is fixed by it, writers
// append to the WAL undisturbed, and the stepped copy never restarts (SQLite restarts a backup only
// when a *new* read transaction sees another connection's change).
// Rollback-journal mode: a reader holds off writers, so the copy is stepped without a transaction,
// letting writers in between steps; each of their commits restarts the copy. After a few restarts
// it falls back to one read transaction for the rest, holding writers off for one pass.
import { rm } from 'node:fs/promises';
import { LifeboatError, explainWriteError } from './errors.ts';
import { explainSqliteError, openReadOnly, type SqliteDb } from './sqlite-files.ts';

export interface SnapshotOptions {
  /** Take a compacted copy with `VACUUM INTO` (rebuilt, free pages dropped) instead of a page copy. */
  compact?: boolean;
  busyTimeoutMs?: number;
  /** Pages per backup step: how often progress is reported and cancellation is checked. */
  stepPages?: number;
  /** Restarts tolerated in rollback-journal mode before holding writers off for one pass. */
  maxRestarts?: number;
  onProgress?: (copiedPages: number, totalPages: number) => void;
  signal?: AbortSignal;
}

export interface SnapshotResult {
  method: 'backup-api' | 'vacuum-into';
  journalMode: string;
  restarts: number;
  heldLock: boolean;
}

class RestartLimit extends Error {}

function cancelled(): LifeboatError {
  return new LifeboatError('cancelled', 'The backup was cancelled', 'Nothing was added to the vault');
}

/** Copies `source` (opened read-only) to the new file `dest` as one consistent snapshot. */
export async function takeSnapshot(source: string, dest: string, opts: SnapshotOptions = {}): Promise<SnapshotResult> {
  const db = openReadOnly(source, opts.busyTimeoutMs ?? 10_000);
  try {
    const journalMode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
    if (opts.compact) {
      if (opts.signal?.aborted) throw cancelled();
      db.prepare('VACUUM INTO ?').run(dest);
      return { method: 'vacuum-into', journalMode, restarts: 0, heldLock: journalMode !== 'wal' };
    }
    if (journalMode === 'wal') {
      await copyInReadTransaction(db, dest, opts);
      return { method: 'backup-api', journalMode, restarts: 0, heldLock: false };
    }
    try {
      const restarts = await copyStepped(db, dest, opts);
      return { method: 'backup-api', journalMode, restarts, heldLock: false };
    } catch (e) {
      if (!(e instanceof RestartLimit)) throw e;
      await rm(dest, { force: true });
      await copyInReadTransaction(db, dest, opts);
      return { method: 'backup-api', journalMode, restarts: opts.maxRestarts ?? 3, heldLock: true };
    }
  } catch (e) {
    await rm(dest, { force: true });
    throw explainWriteError(explainSqliteError(e, source), 'the vault');
  } finally {
    db.close();
  }
}

/** Starts a read transaction: from here until COMMIT this connection sees one fixed snapshot. */
function beginRead(db: SqliteDb): void {
  db.exec('BEGIN');
  db.prepare('SELECT count(*) FROM sqlite_schema').get();
}

async function copyInReadTransaction(db: SqliteDb, dest: string, opts: SnapshotOptions): Promise<void> {
  beginRead(db);
  try {
    await runBackup(db, dest, opts, () => undefined);
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
  }
}

async function copyStepped(db: SqliteDb, dest: string, opts: SnapshotOptions): Promise<number> {
  let restarts = 0;
  let lastRemaining = Number.POSITIVE_INFINITY;
  const maxRestarts = opts.maxRestarts ?? 3;
  await runBackup(db, dest, opts, (remaining) => {
    if (remaining > lastRemaining) {
      restarts++;
      if (restarts > maxRestarts) throw new RestartLimit();
    }
    lastRemaining = remaining;
  });
  return restarts;
}

/**
 * Drives better-sqlite3's stepped backup. Before its first successful step SQLite reports zero
 * pages; if that step met a lock, the wrapper would resolve as if done, so a zero-page result is
 * retried until the busy timeout.
 */
async function runBackup(db: SqliteDb, dest: string, opts: SnapshotOptions, onStep: (remaining: number) => void): Promise<void> {
  const step = opts.stepPages ?? 4096;
  const deadline = Date.now() + (opts.busyTimeoutMs ?? 10_000);
  for (;;) {
    const result = await db.backup(dest, {
      progress: ({ totalPages, remainingPages }) => {
        if (opts.signal?.aborted) throw cancelled();
        onStep(remainingPages);
        opts.onProgress?.(totalPages - remainingPages, totalPages);
        return step;
      },
    });
    if (result.totalPages > 0) {
      opts.onProgress?.(result.totalPages, result.totalPages);
      return;
    }
    if (Date.now() > deadline) {
      throw new LifeboatError('locked', 'The database stayed locked by another program', 'Close the program holding it (or wait for it to finish) and try again');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
