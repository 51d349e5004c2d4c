// Reading SQLite files safely: checks before opening, read-only connections, errors explained,
// integrity checks on copies, and a description of a copy for its manifest.
import Database from 'better-sqlite3';
import { once } from 'node:events';
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { LifeboatError, errorCode } from '../common/errors.ts';
import type { IntegrityWorkerInput, IntegrityWorkerReply } from './integrity-worker.ts';
import { holderNames, type Holder } from './open-holders.ts';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export type SqliteDb = Database.Database;

/** What `preflight` learned about a database file before any SQLite connection touched it. */
export interface FileFacts {
  bytes: number;
  walBytes: number;
}

/**
 * Checks that `file` exists, is a readable regular file with a SQLite header, and explains
 * exactly what is wrong otherwise. Reads 100 bytes; writes nothing.
 */
export async function preflight(file: string): Promise<FileFacts> {
  let info;
  try {
    info = await stat(file);
  } catch (e) {
    if (errorCode(e) === 'ENOENT' || errorCode(e) === 'ENOTDIR') {
      throw new LifeboatError('not-found', `${file} does not exist`, 'Check the path (or whether the disk holding it is connected)');
    }
    if (errorCode(e) === 'EACCES' || errorCode(e) === 'EPERM') {
      throw new LifeboatError('unreadable', `${file} cannot be read: permission denied`, 'Run Lifeboat as a user who can read the database, or fix its permissions');
    }
    throw e;
  }
  if (info.isDirectory()) {
    throw new LifeboatError('is-directory', `${file} is a folder, not a database file`, 'Point Lifeboat at the database file inside it (for example store.db)');
  }
  if (!info.isFile()) {
    throw new LifeboatError('not-sqlite', `${file} is not a regular file`, 'Point Lifeboat at the SQLite database file itself');
  }
  if (info.size === 0) {
    throw new LifeboatError('empty-file', `${file} is empty (0 bytes), so there is nothing to back up`, 'Check that this is the right file; an application creates its tables when it first runs');
  }
  const header = Buffer.alloc(100);
  let read: number;
  try {
    const handle = await open(file, 'r');
    try {
      ({ bytesRead: read } = await handle.read(header, 0, 100, 0));
    } finally {
      await handle.close();
    }
  } catch (e) {
    if (errorCode(e) === 'EACCES' || errorCode(e) === 'EPERM') {
      throw new LifeboatError('unreadable', `${file} cannot be read: permission denied`, 'Run Lifeboat as a user who can read the database, or fix its permissions');
    }
    throw e;
  }
  if (read < 100 || !header.subarray(0, 16).equals(SQLITE_HEADER)) {
    throw new LifeboatError(
      'not-sqlite',
      `${file} is not a SQLite database (or it is encrypted, for example with SQLCipher, which Lifeboat cannot read)`,
      'Choose the database file itself; an encrypted database has to be backed up by the application that holds its key',
    );
  }
  let walBytes = 0;
  try {
    walBytes = (await stat(`${file}-wal`)).size;
  } catch {
    // no WAL file: nothing to add
  }
  return { bytes: info.size, walBytes };
}

/** Explains a SQLite error raised while reading `file`, naming the file and the way out. */
export function explainSqliteError(e: unknown, file: string): unknown {
  const code = errorCode(e) ?? '';
  if (code === 'SQLITE_NOTADB') {
    return new LifeboatError('not-sqlite', `${file} is not a SQLite database (or it is encrypted)`, 'Choose the database file itself', { cause: e });
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new LifeboatError('corrupt', `${file} is damaged: SQLite reports "${(e as Error).message}"`, 'Restore it from an earlier restore point (`lifeboat list`, then `lifeboat restore <id>`)', { cause: e });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return lockedError(file, undefined, { cause: e });
  if (code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_READONLY_CANTINIT') {
    return new LifeboatError(
      'read-only',
      `${file} is in WAL mode and open in another program, and Lifeboat cannot write to its folder ${path.dirname(file)} (SQLite keeps a shared-memory file, ${path.basename(file)}-shm, there for everyone reading the database)`,
      'Give your user write access to that folder, or back the database up while the program using it is closed',
      { cause: e },
    );
  }
  if (code === 'SQLITE_READONLY_ROLLBACK' || code === 'SQLITE_READONLY_RECOVERY') {
    return new LifeboatError(
      'hot-journal',
      `${file} has an unfinished transaction left by a program that crashed`,
      'Open it once with its application (or `sqlite3`) so SQLite can roll the transaction back, then back up again',
      { cause: e },
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) {
    return new LifeboatError('unreadable', `SQLite cannot open ${file}`, 'Check that the file and its folder are readable by you', { cause: e });
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new LifeboatError('unreadable', `Reading ${file} failed with an I/O error (${code})`, 'Check the disk holding it', { cause: e });
  }
  return e;
}

/**
 * The one wording for a database another program keeps locked, naming the program when it is known:
 * "chromium keeps /…/History locked while it runs".
 */
export function lockedError(file: string, holders: Holder[] | undefined, o: { sourceId?: string; whenClosed?: boolean; cause?: unknown } = {}): LifeboatError {
  const who = holders?.length ? holderNames(holders) : '';
  const program = who || 'the program using it';
  return new LifeboatError(
    'locked',
    who ? `${who} keeps ${file} locked while it runs` : `Another program keeps ${file} locked`,
    o.whenClosed
      ? `Close ${program}, or leave it: Lifeboat backs the database up as soon as ${program} closes it`
      : `Close ${program} (or wait for it to finish) and try again${o.sourceId ? `, or let Lifeboat back it up when ${program} closes it: \`lifeboat sources set ${o.sourceId} --when-closed\`` : ''}`,
    { cause: o.cause },
  );
}

/** Opens an existing database read-only: no journal-mode change, no checkpoint, no write. */
export function openReadOnly(file: string, busyTimeoutMs: number): SqliteDb {
  try {
    return new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  } catch (e) {
    throw explainSqliteError(e, file);
  }
}

/**
 * Opens `file` read-write, reads its schema and closes it. When no other connection has it open,
 * SQLite then checkpoints the WAL into the database and removes its -wal and -shm, as the last
 * program to close it does. No row changes. Best effort: in a folder Lifeboat cannot write, or with
 * a program that opened the database meanwhile (its own close will do it), things stay as they are.
 */
export function closeAsLastConnection(file: string): void {
  let db: SqliteDb | undefined;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 0 });
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch {
    // as documented: nothing to do
  } finally {
    db?.close();
  }
}

export interface CopyDescription {
  pageSize: number;
  pageCount: number;
  freelistCount: number;
  userVersion: number;
  applicationId: number;
  sqliteVersion: string;
}

/**
 * Makes a freshly written copy a self-contained rollback-journal file (so `sqlite3` can open it
 * anywhere, even read-only) and describes it, from its 100-byte header: a WAL database's copy has
 * its two file-format bytes (offsets 18 and 19) set from 2 (WAL) to 1 (rollback journal), which is
 * what SQLite itself writes when it leaves WAL mode with an empty WAL — and a copy has no WAL. No
 * SQLite connection is opened, so this costs nothing and works on a damaged copy too (its integrity
 * check says what is wrong). Touches only the copy.
 */
export function finishCopy(copy: string): CopyDescription {
  const fd = openSync(copy, 'r+');
  try {
    const header = Buffer.alloc(100);
    if (readSync(fd, header, 0, 100, 0) < 100 || header.toString('latin1', 0, 16) !== 'SQLite format 3\0') {
      throw new LifeboatError('corrupt', `The copy ${copy} has no SQLite header`, 'The database may be damaged; restore it from an earlier restore point');
    }
    if (header[18] === 2 || header[19] === 2) writeSync(fd, Buffer.from([1, 1]), 0, 2, 18);
    const raw = header.readUInt16BE(16);
    const pageSize = raw === 1 ? 65536 : raw;
    const counter = header.readUInt32BE(24);
    const inHeader = header.readUInt32BE(28);
    return {
      pageSize,
      // The in-header size is valid when "version-valid-for" (offset 92) matches the change counter.
      pageCount: header.readUInt32BE(92) === counter && inHeader > 0 ? inHeader : Math.floor(fstatSync(fd).size / pageSize),
      freelistCount: header.readUInt32BE(36),
      userVersion: header.readInt32BE(60),
      applicationId: header.readInt32BE(68),
      sqliteVersion: sqliteVersion(),
    };
  } finally {
    closeSync(fd);
  }
}

/** The version of the SQLite library Lifeboat reads and checks databases with. */
export function sqliteVersion(): string {
  const memory = new Database(':memory:');
  try {
    return String(memory.prepare('select sqlite_version()').pluck().get());
  } finally {
    memory.close();
  }
}

export type IntegrityKind = IntegrityWorkerInput['kind'];
export interface IntegrityResult {
  check: IntegrityKind;
  status: 'ok' | 'failed';
  message: string;
}

/** The integrity check's worker module (see integrity-worker.ts): run from the sources as it is, its own file in each build. */
const INTEGRITY_WORKER = new URL('./integrity-worker.ts', import.meta.url);

/**
 * Where better-sqlite3 is, for the worker. In the packaged app it is unpacked from the asar archive
 * (native code cannot load from inside it); requiring it from there works in any worker.
 */
export function betterSqlitePath(): string {
  const resolved = createRequire(import.meta.url).resolve('better-sqlite3');
  const unpacked = resolved.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
  return unpacked !== resolved && existsSync(unpacked) ? unpacked : resolved;
}

/**
 * Runs SQLite's integrity check on a copy (never on a live database), off the calling thread, and
 * reports what it said. A copy SQLite cannot even open is reported as failed, not thrown; `signal`
 * stops the check (the promise then rejects).
 */
export async function checkIntegrity(copy: string, kind: IntegrityKind = 'quick_check', signal?: AbortSignal): Promise<IntegrityResult> {
  // A small heap: the worker only runs one pragma (its isolate costs ~20 MB whatever the limit).
  const workerData: IntegrityWorkerInput = { module: betterSqlitePath(), file: copy, kind };
  const worker = new Worker(INTEGRITY_WORKER, { workerData, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 } });
  try {
    // Rejects when the signal aborts (the worker is then terminated below).
    const [reply] = (await once(worker, 'message', { signal })) as [IntegrityWorkerReply];
    if ('error' in reply) return { check: kind, status: 'failed', message: `SQLite could not check the copy: ${reply.error}` };
    const lines = reply.lines;
    const ok = lines.length === 1 && lines[0] === 'ok';
    return { check: kind, status: ok ? 'ok' : 'failed', message: lines.join('\n').slice(0, 20_000) };
  } finally {
    await worker.terminate();
  }
}
