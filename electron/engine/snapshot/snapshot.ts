// The consistent copy at the heart of a restore point, taken so that the program writing the
// database never notices: no VACUUM, no journal-mode change, no checkpoint, no lock that could make
// one of its commits fail, no file left beside it, and no wait without a deadline.
//
// Rollback-journal mode, and a WAL database nobody has open (no -wal file, or an empty one a closed
// program left behind while no process holds the database): a lock-free copy proven
// to be one committed state (quiet-copy.ts), watching SQLite's locks without taking one
// (writer-lock.ts). Any SHARED lock, however short, can make a commit of a program without a busy
// handler fail, and such a program then silently loses its writes; so none is taken. A program that
// never pauses long enough for a copy is reported, not interrupted, unless the source allows holding
// it off for a moment (`lockIfBusy`). Where the platform cannot report SQLite's locks (Windows), a
// rollback-journal database is read through SQLite's own locking instead, with the same deadline:
// nothing on disk proves a lock-free copy there.
// WAL mode with the database open elsewhere: one read transaction is held for the whole copy through
// SQLite's backup API. The snapshot is fixed by it, writers append to the WAL undisturbed, and the
// copy never restarts.
// Every wait for another program's lock has a deadline and ends with a message naming the program.
import { rm, stat } from 'node:fs/promises';
import { LifeboatError, errorCode, explainWriteError } from '../common/errors.ts';
import { findHolders, holderNames } from './open-holders.ts';
import { NeverQuiet, quietCopy, readDatabaseHeader, rollbackJournalMode, walStamp } from './quiet-copy.ts';
import { closeAsLastConnection, explainSqliteError, lockedError, openReadOnly, type SqliteDb } from './sqlite-files.ts';
import { openWriterLockProbe } from './writer-lock.ts';

export interface SnapshotOptions {
  /** Take a compacted copy with `VACUUM INTO` (rebuilt, free pages dropped) instead of a page copy. */
  compact?: boolean;
  /** How long to wait for a lock another program holds. */
  busyTimeoutMs?: number;
  /** How long to wait for a moment when the database is not being written. */
  quietWaitMs?: number;
  /** A rollback-journal database that never goes quiet is copied holding its writers off for a moment. */
  lockIfBusy?: boolean;
  /** Named in messages: the source's id, for the commands that change its settings. */
  sourceId?: string;
  /** The source is backed up when its program closes it (messages say so). */
  whenClosed?: boolean;
  /** Pages per backup step: how often progress is reported and cancellation is checked. */
  stepPages?: number;
  /** Restarts tolerated in a locked rollback-journal copy before holding writers off for one pass. */
  maxRestarts?: number;
  onProgress?: (done: number, total: number, unit: 'pages' | 'bytes') => void;
  signal?: AbortSignal;
}

export interface SnapshotResult {
  method: 'quiet-copy' | 'backup-api' | 'vacuum-into';
  journalMode: string;
  /** Copies thrown away because the database changed meanwhile. */
  restarts: number;
  /** Whether the source's writers were held off (only with `lockIfBusy`). */
  heldLock: boolean;
  /** How long the backup waited for the database to be quiet. */
  waitedMs: number;
}

class RestartLimit extends Error {}
/** A backup step met another connection's lock; the step is retried after a pause. */
class StepBusy extends Error {}

function cancelled(): LifeboatError {
  return new LifeboatError('cancelled', 'The backup was cancelled', 'Nothing was added to the vault');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isBusy = (e: unknown) => e instanceof StepBusy || /^SQLITE_(BUSY|LOCKED)/.test(errorCode(e) ?? '');
const companions = (file: string) => [file, `${file}-journal`, `${file}-wal`, `${file}-shm`];
const fileExists = (file: string) => stat(file).then(() => true, () => false);

/** Copies `source` to the new file `dest` as one consistent snapshot (see the module comment). */
export async function takeSnapshot(source: string, dest: string, opts: SnapshotOptions = {}): Promise<SnapshotResult> {
  try {
    const header = await readDatabaseHeader(source);
    const leftWal = header.wal ? await leftOverWal(source) : undefined;
    if (header.wal && (leftWal || !(await fileExists(`${source}-wal`)))) {
      const done = await copyQuietly(source, dest, { wal: true, leftWal }, opts);
      if (done) return done;
    }
    if (!header.wal) {
      const probe = await openWriterLockProbe(source);
      // Without a view of the locks a lock-free copy proves nothing: read through SQLite's locking.
      if (!probe) return await copyWithSqlite(source, dest, opts);
      try {
        const done = await copyQuietly(source, dest, { wal: false, writer: probe.writer }, opts);
        if (done) return done;
      } finally {
        await probe.close();
      }
    }
    return await copyWithSqlite(source, dest, opts);
  } catch (e) {
    await rm(dest, { force: true });
    throw explainWriteError(explainSqliteError(e, source), 'the vault');
  }
}

/**
 * The stamp of an empty -wal that no program has open (left by a closed program's read-only
 * connection, or a killed one after a truncating checkpoint), or undefined when there is none or
 * this platform cannot tell who has the database open.
 */
async function leftOverWal(source: string): Promise<string | undefined> {
  const info = await stat(`${source}-wal`).catch(() => undefined);
  if (info?.size !== 0) return undefined;
  const stamp = await walStamp(source);
  const holders = await findHolders(companions(source));
  return holders?.length === 0 ? stamp : undefined;
}

/**
 * The lock-free path. Returns undefined when a WAL database turned out to be open elsewhere (read it
 * with SQLite instead); throws when the database never went quiet.
 */
async function copyQuietly(
  source: string,
  dest: string,
  how: { wal: boolean; leftWal?: string; writer?: () => number | undefined },
  opts: SnapshotOptions,
): Promise<SnapshotResult | undefined> {
  const plain = opts.compact ? `${dest}.plain` : dest;
  const { wal } = how;
  try {
    const q = await quietCopy(source, plain, {
      deadlineMs: opts.quietWaitMs ?? 60_000,
      ...how,
      signal: opts.signal,
      onProgress: (done, total) => opts.onProgress?.(done, total, 'bytes'),
      onJournalStuck: async () => {
        // An active journal that no program holds open was left by a crash: SQLite must roll it back.
        if ((await findHolders(companions(source)))?.length === 0) throw hotJournal(source);
      },
    });
    const journalMode = wal ? 'wal' : await rollbackJournalMode(source);
    if (opts.compact) await vacuumInto(plain, dest, opts);
    return { method: opts.compact ? 'vacuum-into' : 'quiet-copy', journalMode, restarts: q.attempts - 1, heldLock: false, waitedMs: q.waitedMs };
  } catch (e) {
    if (!(e instanceof NeverQuiet)) throw e;
    if (e.walOpened) return undefined;
    if (!opts.lockIfBusy) throw await neverQuiet(source, e, opts);
    const locked = await copyWithSqlite(source, dest, opts);
    return { ...locked, waitedMs: e.waitedMs + locked.waitedMs };
  } finally {
    if (plain !== dest) for (const f of [plain, `${plain}-wal`, `${plain}-shm`]) await rm(f, { force: true });
  }
}

function hotJournal(file: string): LifeboatError {
  return new LifeboatError(
    'hot-journal',
    `${file} has an unfinished transaction left by a program that crashed`,
    'Open it once with its application (or `sqlite3`) so SQLite can roll the transaction back, then back up again',
  );
}

/** The program(s) writing `source` never paused long enough for a copy: say who, and what can be done. */
async function neverQuiet(source: string, e: NeverQuiet, opts: SnapshotOptions): Promise<LifeboatError> {
  const holders = (await findHolders(companions(source))) ?? [];
  // The process seen holding SQLite's write lock, when the kernel named it.
  const writing = holders.filter((h) => h.pid === e.writerPid);
  const who = writing.length ? holderNames(writing) : holders.length ? holderNames(holders) : 'Another program';
  const seconds = Math.round(e.waitedMs / 1000);
  const what =
    e.writerPid !== undefined
      ? `${who} has been writing ${source} for ${seconds} s without committing (an unfinished transaction, or a program that keeps its database locked while it runs), so no restore point was taken: a copy now could be a state the database was never in`
      : `${who} kept writing ${source} for ${seconds} s without a pause long enough to copy it, so no restore point was taken`;
  return new LifeboatError(
    'busy',
    `${what} (Lifeboat never holds up a program writing its database in rollback-journal mode: its writes could fail)`,
    `${opts.whenClosed ? `Lifeboat backs it up as soon as ${who === 'Another program' ? 'the program' : who} closes it.` : 'Lifeboat tries again later on its own.'} To back it up while it is being written, switch the database to WAL mode (see "Databases in use" in the README)${opts.sourceId ? `, or let Lifeboat hold it for a moment if the program waits for locks: \`lifeboat sources set ${opts.sourceId} --lock-if-busy\`` : ''}${opts.sourceId && !opts.whenClosed ? `; or back it up when the program closes it: \`lifeboat sources set ${opts.sourceId} --when-closed\`` : ''}`,
  );
}

/** SQLite's own reading: a held read transaction (WAL), or a stepped copy under locks (`lockIfBusy`). */
async function copyWithSqlite(source: string, dest: string, opts: SnapshotOptions): Promise<SnapshotResult> {
  const deadline = Date.now() + (opts.busyTimeoutMs ?? 10_000);
  const started = Date.now();
  const heldElsewhere = ((await findHolders(companions(source))) ?? []).length > 0;
  // No busy handler of our own: it would block this thread inside SQLite. Waits happen here, with a deadline.
  const db = openReadOnly(source, 0);
  let wal = false;
  try {
    // The copy reads each page once: a small page cache is enough and keeps memory flat.
    await whileBusy(() => db.pragma('cache_size = -2000'), source, deadline, opts);
    const journalMode = String(await whileBusy(() => db.pragma('journal_mode', { simple: true }), source, deadline, opts)).toLowerCase();
    wal = journalMode === 'wal';
    if (opts.compact) {
      await whileBusy(() => db.prepare('VACUUM INTO ?').run(dest), source, deadline, opts);
      return { method: 'vacuum-into', journalMode, restarts: 0, heldLock: journalMode !== 'wal', waitedMs: 0 };
    }
    if (journalMode === 'wal') {
      await copyInReadTransaction(db, source, dest, deadline, opts);
      return { method: 'backup-api', journalMode, restarts: 0, heldLock: false, waitedMs: Date.now() - started };
    }
    try {
      const restarts = await copyStepped(db, source, dest, deadline, opts);
      return { method: 'backup-api', journalMode, restarts, heldLock: true, waitedMs: Date.now() - started };
    } catch (e) {
      if (!(e instanceof RestartLimit)) throw e;
      await rm(dest, { force: true });
      await copyInReadTransaction(db, source, dest, deadline, opts);
      return { method: 'backup-api', journalMode, restarts: opts.maxRestarts ?? 3, heldLock: true, waitedMs: Date.now() - started };
    }
  } finally {
    db.close();
    if (wal && heldElsewhere) await finishProgramsClose(source);
  }
}

/**
 * A program that closed a WAL database while this backup's read transaction was open could not
 * checkpoint it and remove its -wal and -shm (that needs a moment when nobody reads), and Lifeboat's
 * read-only connection cannot either: both files would stay beside the database. So when a program
 * had it open as the backup began and nobody has it open now, Lifeboat does what that program's
 * close would have done (closeAsLastConnection). The database's content does not change.
 */
async function finishProgramsClose(source: string): Promise<void> {
  if (!(await fileExists(`${source}-wal`)) && !(await fileExists(`${source}-shm`))) return;
  if ((await findHolders(companions(source)))?.length !== 0) return;
  closeAsLastConnection(source);
}

/** Runs `step`, retrying while another program's lock is in the way, until `deadline`. */
async function whileBusy<T>(step: () => T | Promise<T>, source: string, deadline: number, opts: SnapshotOptions): Promise<T> {
  for (;;) {
    if (opts.signal?.aborted) throw cancelled();
    try {
      return await step();
    } catch (e) {
      if (!isBusy(e)) throw e;
      if (Date.now() > deadline) throw lockedError(source, await findHolders(companions(source)), { sourceId: opts.sourceId, whenClosed: opts.whenClosed });
    }
    await sleep(100);
  }
}

/** Starts a read transaction: from here until COMMIT this connection sees one fixed snapshot. */
function beginRead(db: SqliteDb): void {
  db.exec('BEGIN');
  try {
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (e) {
    db.exec('COMMIT');
    throw e;
  }
}

async function copyInReadTransaction(db: SqliteDb, source: string, dest: string, deadline: number, opts: SnapshotOptions): Promise<void> {
  await whileBusy(() => beginRead(db), source, deadline, opts);
  try {
    await runBackup(db, source, dest, deadline, opts, () => undefined);
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
  }
}

async function copyStepped(db: SqliteDb, source: string, dest: string, deadline: number, opts: SnapshotOptions): Promise<number> {
  let restarts = 0;
  let lastRemaining = Number.POSITIVE_INFINITY;
  const maxRestarts = opts.maxRestarts ?? 3;
  await runBackup(db, source, dest, deadline, opts, (remaining) => {
    if (remaining > lastRemaining) {
      restarts++;
      if (restarts > maxRestarts) throw new RestartLimit();
    }
    lastRemaining = remaining;
  });
  return restarts;
}

/**
 * Drives better-sqlite3's stepped backup. A step that meets a lock makes no progress (and better-
 * sqlite3 would go on stepping forever), and a first step that meets one resolves with zero pages:
 * both are retried after a pause, until `deadline`.
 */
async function runBackup(db: SqliteDb, source: string, dest: string, deadline: number, opts: SnapshotOptions, onStep: (remaining: number) => void): Promise<void> {
  const step = opts.stepPages ?? 4096;
  await whileBusy(
    async () => {
      let lastRemaining = -1;
      await rm(dest, { force: true });
      const result = await db.backup(dest, {
        progress: ({ totalPages, remainingPages }) => {
          if (opts.signal?.aborted) throw cancelled();
          if (remainingPages === lastRemaining) throw new StepBusy();
          lastRemaining = remainingPages;
          onStep(remainingPages);
          opts.onProgress?.(totalPages - remainingPages, totalPages, 'pages');
          return step;
        },
      });
      if (result.totalPages === 0) throw new StepBusy();
      opts.onProgress?.(result.totalPages, result.totalPages, 'pages');
    },
    source,
    deadline,
    opts,
  );
}

/** A compacted copy of a private copy (never of the live database). */
async function vacuumInto(copy: string, dest: string, opts: SnapshotOptions): Promise<void> {
  if (opts.signal?.aborted) throw cancelled();
  await rm(dest, { force: true });
  const db = openReadOnly(copy, 0);
  try {
    db.prepare('VACUUM INTO ?').run(dest);
  } finally {
    db.close();
  }
}
