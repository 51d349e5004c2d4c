// Cross-process locks for the vault, built on SQLite's own file locking: an exclusive transaction
// on a small lock database. The operating system drops the lock when the holder exits or is
// killed, so a crash never leaves a stale lock behind.
import Database from 'better-sqlite3';
import { closeSync, fchmodSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { ensureDir } from './durable-fs.ts';
import path from 'node:path';
import { LifeboatError, errorCode, explainWriteError } from './errors.ts';

export interface Lock {
  release(): Promise<void>;
}

/**
 * Creates `file` owner-only (0600) if it is missing, and makes it owner-only if it is not (an older
 * version left lock files 0644): SQLite would create it with the umask's mode, and gives its
 * journal the mode of the database.
 */
function ownerOnly(file: string): void {
  const fd = openSync(file, 'a', 0o600);
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/** Writes the note naming the holder, owner-only (it names what Lifeboat is doing). */
function writeOwner(file: string, owner: Owner): void {
  ownerOnly(`${file}.owner`);
  writeFileSync(`${file}.owner`, JSON.stringify(owner));
}

interface Owner {
  pid: number;
  what: string;
  since: string;
}

/**
 * Takes the lock at `file`, waiting up to `waitMs` for another holder to let go. Refuses with a
 * message naming what holds it (from the owner note the holder left) when it cannot.
 */
export async function acquireLock(file: string, what: string, opts: { waitMs?: number; now?: () => Date } = {}): Promise<Lock> {
  await ensureDir(path.dirname(file));
  let opened: Database.Database | undefined;
  try {
    ownerOnly(file);
    opened = new Database(file, { timeout: opts.waitMs ?? 0 });
    opened.pragma('journal_mode = DELETE');
    opened.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    opened?.close();
    const code = errorCode(e) ?? '';
    if (!code.startsWith('SQLITE_BUSY') && !code.startsWith('SQLITE_LOCKED')) throw explainWriteError(e, path.dirname(file));
    const owner = await readOwner(file);
    const by = owner ? ` by ${owner.what} (process ${owner.pid}, since ${owner.since})` : '';
    throw new LifeboatError('busy', `Lifeboat is already busy with this${by}`, 'Wait for it to finish, then try again');
  }
  const db = opened;
  const owner: Owner = { pid: process.pid, what, since: (opts.now?.() ?? new Date()).toISOString() };
  try {
    writeOwner(file, owner);
  } catch {
    // the owner note only improves a message
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await rm(`${file}.owner`, { force: true }).catch(() => undefined);
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    },
  };
}

/**
 * Runs `fn` while holding the lock at `file`, synchronously: for short critical sections that are
 * themselves synchronous (a read-modify-write of the settings file). Waits up to `waitMs` (SQLite's
 * busy timeout, so no polling here) and refuses like `acquireLock` after that.
 */
export function withLockSync<T>(file: string, what: string, fn: () => T, opts: { waitMs?: number } = {}): T {
  let db: Database.Database | undefined;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    ownerOnly(file);
    db = new Database(file, { timeout: opts.waitMs ?? 10_000 });
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db?.close();
    const code = errorCode(e) ?? '';
    if (!code.startsWith('SQLITE_BUSY') && !code.startsWith('SQLITE_LOCKED')) throw explainWriteError(e, path.dirname(file));
    throw new LifeboatError('busy', `Lifeboat is already busy with ${what} in another process`, 'Wait a moment, then try again');
  }
  try {
    writeOwner(file, { pid: process.pid, what, since: new Date().toISOString() });
  } catch {
    // the owner note only improves a message
  }
  try {
    return fn();
  } finally {
    rmSync(`${file}.owner`, { force: true });
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}

async function readOwner(file: string): Promise<Owner | undefined> {
  try {
    const owner = JSON.parse(await readFile(`${file}.owner`, 'utf8')) as Owner;
    return typeof owner.pid === 'number' && typeof owner.what === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `fn` while holding the lock at `file`. */
export async function withLock<T>(file: string, what: string, fn: () => Promise<T>, opts?: { waitMs?: number }): Promise<T> {
  const lock = await acquireLock(file, what, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
