// A copy of a database file that takes no lock at all, and proves afterwards that it is one
// committed state. Any reader that holds SQLite's SHARED lock while a rollback-journal writer
// commits makes that commit fail; a program without a busy handler then loses its writes. So
// Lifeboat reads such a database like this instead:
//
//   read the change counter (header offset 24), check that no process holds SQLite's PENDING or
//   EXCLUSIVE lock (writer-lock.ts: asked of the kernel, never taken) and that the rollback journal
//   is not active, note the file's inode/size/mtime/ctime, copy the file while watching the lock,
//   then check again: no writer's lock seen at any moment, journal still not active, the counter
//   and the file's stamp unchanged, and the copy's own page 1 carrying the same counter.
//
// Why that proves a single state: a connection writes pages into the database file only while it
// holds EXCLUSIVE (PENDING first), and keeps it until its transaction has committed or rolled back.
// In journal_mode MEMORY or OFF that lock is the only sign of an open transaction whose pages have
// spilled into the file: no journal, and the counter and stamp stay still while it is open. So a
// copy during which no writer held the lock saw no write, unless a whole write happened between two
// looks at the lock; then it either committed (a commit writes page 1 first, with the incremented
// counter) or rolled back (rewriting the pages, which changes the file's stamp). In the journal
// modes that keep a file (delete, truncate, persist) the journal says the same once more: it is
// written and synced before the database is touched and only deleted, truncated or zeroed after.
//
// The same holds for a WAL database whose -wal file does not exist: nobody has it open, and the main
// file is the whole database. Reading it this way also leaves no -wal/-shm behind and works in a
// folder Lifeboat cannot write. And for an empty -wal that a closed program left behind (the last
// connection to close was read-only, or it was killed after a truncating checkpoint): the WAL holds
// nothing, and any commit meanwhile would write it first, so the copy is valid only while that -wal
// keeps its exact stamp (inode, size 0, mtime, ctime).
//
// A copy that a commit overlapped is thrown away and taken again, right after the next commit ends,
// until `deadlineMs`. `fs.copyFile` clones the file where the filesystem can (APFS, btrfs, XFS), so
// there the copy is near-instant; elsewhere the kernel copies it.
import { constants } from 'node:fs';
import { copyFile, open, rm, stat, truncate } from 'node:fs/promises';
import { LifeboatError, errorCode } from '../common/errors.ts';

const HEADER_BYTES = 100;
const SQLITE_MAGIC = 'SQLite format 3\0';

/** What a database's 100-byte header says, read without SQLite. */
export interface DatabaseHeader {
  /** WAL (file format 2) or a rollback journal (1). */
  wal: boolean;
  pageSize: number;
  changeCounter: number;
  /** Bytes of the database as the header counts them (its page count is valid), else the file's size. */
  bytes: number;
}

/** Reads and checks a database file's header; throws 'not-sqlite' when it is not one. */
export async function readDatabaseHeader(file: string): Promise<DatabaseHeader> {
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    const { size } = await handle.stat();
    return parseHeader(header, bytesRead, size, file);
  } finally {
    await handle.close();
  }
}

function parseHeader(header: Buffer, bytesRead: number, fileBytes: number, file: string): DatabaseHeader {
  if (bytesRead < HEADER_BYTES || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new LifeboatError('not-sqlite', `${file} is not a SQLite database (or it is encrypted)`, 'Choose the database file itself');
  }
  const raw = header.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  const changeCounter = header.readUInt32BE(24);
  const pageCount = header.readUInt32BE(28);
  // The in-header size is valid when "version-valid-for" (offset 92) equals the change counter.
  const bytes = header.readUInt32BE(92) === changeCounter && pageCount > 0 ? pageCount * pageSize : fileBytes;
  return { wal: header[18] === 2 || header[19] === 2, pageSize, changeCounter, bytes };
}

/** Whether a rollback journal beside `file` is in use: it exists, has a header, and its magic is not zeroed. */
export async function journalActive(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(`${file}-journal`, 'r');
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return false;
    throw e;
  }
  try {
    const magic = Buffer.alloc(8);
    const { bytesRead } = await handle.read(magic, 0, 8, 0);
    return bytesRead === 8 && !magic.equals(Buffer.alloc(8));
  } finally {
    await handle.close();
  }
}

/** How a rollback-journal database keeps its journal between transactions, as SQLite names it. */
export async function rollbackJournalMode(file: string): Promise<'delete' | 'truncate' | 'persist'> {
  const info = await stat(`${file}-journal`).catch(() => undefined);
  if (!info) return 'delete';
  return info.size === 0 ? 'truncate' : 'persist';
}

/** The stamp of a database's -wal file (see `stampOf`), or 'absent' when it has none. */
export async function walStamp(source: string): Promise<string> {
  try {
    return await stampOf(`${source}-wal`);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return 'absent';
    throw e;
  }
}

/** The parts of a file's metadata that any write changes. */
async function stampOf(file: string): Promise<string> {
  const s = await stat(file, { bigint: true });
  return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

async function counterOf(file: string): Promise<number> {
  return (await readDatabaseHeader(file)).changeCounter;
}

export interface QuietCopyOptions {
  /** Give up after this long without a quiet enough moment. */
  deadlineMs: number;
  /** For a WAL database: the copy is only valid while no -wal file exists (nobody has it open). */
  wal: boolean;
  /**
   * For a WAL database with a left-over empty -wal (see the module comment): that file's stamp
   * (`walStamp`), which must stay as it is instead of the file staying absent.
   */
  leftWal?: string;
  /**
   * For a rollback-journal database: who holds SQLite's PENDING or EXCLUSIVE lock right now (a
   * process id, 0 when unknown), or undefined when nobody does (`WriterLockProbe.writer`). Required
   * for a rollback-journal database: without it, a transaction that spilled pages into the file in
   * journal_mode MEMORY or OFF is invisible.
   */
  writer?: () => number | undefined;
  signal?: AbortSignal;
  onProgress?: (copiedBytes: number, totalBytes: number) => void;
  /** Called when the journal has stayed active for a while: throws if it is a crashed program's hot journal. */
  onJournalStuck?: () => Promise<void>;
}

export interface QuietCopyResult {
  /** Copies taken, the last one the good one. */
  attempts: number;
  /** Time spent waiting for commits to end and copies that a commit overlapped. */
  waitedMs: number;
}

/** Thrown when the database never stayed unchanged long enough to be copied before the deadline. */
export class NeverQuiet extends Error {
  readonly attempts: number;
  readonly waitedMs: number;
  /** A WAL database that another program opened meanwhile: read it with SQLite instead. */
  readonly walOpened: boolean;
  /** The process seen holding the write lock last (0 when the kernel did not say which), if any. */
  readonly writerPid: number | undefined;

  constructor(attempts: number, waitedMs: number, walOpened: boolean, writerPid?: number) {
    super('The database never stayed unchanged long enough to copy it');
    this.attempts = attempts;
    this.waitedMs = waitedMs;
    this.walOpened = walOpened;
    this.writerPid = writerPid;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Copies `source` to the new file `dest` without any lock, retrying until a copy is proven to be
 * one committed state (see the module comment). Never writes anything beside `source`.
 */
export async function quietCopy(source: string, dest: string, opts: QuietCopyOptions): Promise<QuietCopyResult> {
  if (!opts.wal && !opts.writer) throw new Error('quietCopy: a rollback-journal database needs a writer-lock probe');
  const started = Date.now();
  let attempts = 0;
  let journalSince: number | undefined;
  let stuckChecked = false;
  /** The writer seen holding the lock at the last look that found one (for the message). */
  let lastWriter: number | undefined;
  const cancelled = () => new LifeboatError('cancelled', 'The backup was cancelled', 'Nothing was added to the vault');
  /** Something that makes the source unsafe to copy right now (a write under way, a WAL opened). */
  const busy = async (): Promise<'writer' | 'journal' | 'wal' | undefined> => {
    if (opts.wal) return (await walStamp(source)) === (opts.leftWal ?? 'absent') ? undefined : 'wal';
    const writer = opts.writer?.();
    if (writer !== undefined) {
      lastWriter = writer;
      return 'writer';
    }
    return (await journalActive(source)) ? 'journal' : undefined;
  };

  for (;;) {
    if (opts.signal?.aborted) throw cancelled();
    if (Date.now() - started > opts.deadlineMs) throw new NeverQuiet(attempts, Date.now() - started, false, lastWriter);
    const counter = await counterOf(source);
    const state = await busy();
    if (state === 'wal') throw new NeverQuiet(attempts, Date.now() - started, true);
    if (state === 'journal') {
      journalSince ??= Date.now();
      if (!stuckChecked && Date.now() - journalSince > 500 && opts.onJournalStuck) {
        stuckChecked = true;
        await opts.onJournalStuck();
      }
    }
    if (state) {
      await sleep(1);
      continue;
    }
    journalSince = undefined;
    const stamp = await stampOf(source);
    attempts++;
    const header = await readDatabaseHeader(source);
    await rm(dest, { force: true });
    const watch = watchWriter(opts.writer);
    try {
      await copyFile(source, dest, constants.COPYFILE_FICLONE);
    } finally {
      watch.stop();
    }
    if (watch.seen !== undefined) lastWriter = watch.seen;
    // A file longer than the header's count holds nothing SQLite reads; keep the copy exact.
    if ((await stat(dest)).size > header.bytes) await truncate(dest, header.bytes);
    const after = await busy();
    if (after === 'wal') throw new NeverQuiet(attempts, Date.now() - started, true);
    const unchanged = !after && watch.seen === undefined && (await counterOf(source)) === counter && (await stampOf(source)) === stamp;
    if (unchanged && (await counterOf(dest)) === counter) {
      opts.onProgress?.(header.bytes, header.bytes);
      return { attempts, waitedMs: Date.now() - started };
    }
    // A write overlapped the copy: start again as soon as the one under way has ended.
    opts.onProgress?.(0, header.bytes);
    await waitForCommitEnd(source, counter, Math.min(50, Math.max(0, opts.deadlineMs - (Date.now() - started))));
  }
}

/**
 * Looks at the writer lock every millisecond while a copy runs (the copy itself runs on libuv's
 * thread pool): a write that starts and ends between the looks before and after the copy is seen.
 */
function watchWriter(writer: (() => number | undefined) | undefined): { readonly seen: number | undefined; stop: () => void } {
  let seen: number | undefined;
  const look = () => {
    seen ??= writer?.();
  };
  const timer = writer ? setInterval(look, 1) : undefined;
  return {
    get seen() {
      return seen;
    },
    stop: () => {
      clearInterval(timer);
      look();
    },
  };
}

/** Waits (at most `ms`) until the change counter has moved on from `counter` and no journal is active. */
async function waitForCommitEnd(source: string, counter: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await counterOf(source)) !== counter && !(await journalActive(source))) return;
    await sleep(1);
  }
}
