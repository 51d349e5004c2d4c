// Whether another process is writing a SQLite database file right now, seen without taking any lock.
//
// A rollback-journal writer (journal_mode delete, truncate, persist, memory or off) writes pages into
// the database file only while it holds SQLite's EXCLUSIVE lock, and takes PENDING first; it keeps
// EXCLUSIVE until its transaction has committed or rolled back. In MEMORY and OFF modes nothing else
// on disk shows such a transaction: a big one that "spilled" pages into the file and is still open
// leaves the change counter and the rollback journal as they were. The lock shows it.
//
// SQLite's unix VFS keeps its locks as POSIX advisory record locks on bytes at 1 GiB (the "lock-byte
// page", which never holds data): PENDING at 0x40000000, RESERVED at +1, the 510-byte SHARED range
// at +2. EXCLUSIVE is a write lock on the SHARED range. `fcntl(F_GETLK)` asks the kernel whether a
// lock *would* conflict, and with whom, without taking one: the writer is never disturbed (taking
// even a SHARED lock could make a commit of a program without a busy handler fail). Asking with a
// read lock reports only write locks, so readers (SHARED) and a transaction that has not touched the
// file yet (RESERVED) do not count.
//
// Linux and macOS: fcntl through koffi (Node has no fcntl). Windows: SQLite's locks there are
// mandatory LockFileEx locks and no call reports them without taking one; `openWriterLockProbe`
// returns undefined, and the caller must use a sound way instead (SQLite's own locking).
import { open, type FileHandle } from 'node:fs/promises';

const PENDING_BYTE = 0x40000000;
const SHARED_FIRST = PENDING_BYTE + 2;
const SHARED_SIZE = 510;

/** Sees who is writing one database file; close it when done. */
export interface WriterLockProbe {
  /**
   * The process id of a process that holds PENDING or EXCLUSIVE on the file at this instant (0 when
   * the kernel does not say which), or undefined when none does. Costs a few microseconds.
   */
  writer(): number | undefined;
  close(): Promise<void>;
}

/** The fcntl constants and `struct flock` layout of one platform. */
interface PosixLocks {
  library: string;
  getLock: number;
  readLock: number;
  unlocked: number;
  /** Field order of `struct flock` (types: short, int64, int). */
  fields: Record<string, string>;
}

const PLATFORMS: Partial<Record<NodeJS.Platform, PosixLocks>> = {
  linux: {
    library: 'libc.so.6',
    getLock: 5,
    readLock: 0,
    unlocked: 2,
    fields: { l_type: 'short', l_whence: 'short', l_start: 'int64', l_len: 'int64', l_pid: 'int' },
  },
  darwin: {
    library: 'libSystem.B.dylib',
    getLock: 7,
    readLock: 1,
    unlocked: 2,
    fields: { l_start: 'int64', l_len: 'int64', l_pid: 'int', l_type: 'short', l_whence: 'short' },
  },
};

interface Flock {
  l_type: number;
  l_whence: number;
  l_start: number;
  l_len: number;
  l_pid: number;
}

/**
 * A probe of `file`'s write locks, or undefined when this platform (or this file's filesystem)
 * cannot report them: then nothing may be concluded from the lock state.
 */
export async function openWriterLockProbe(file: string): Promise<WriterLockProbe | undefined> {
  const platform = PLATFORMS[process.platform];
  if (!platform || (process.arch !== 'x64' && process.arch !== 'arm64')) return undefined;
  let getLock: (fd: number, lock: Flock) => number;
  try {
    getLock = await bindGetLock(platform);
  } catch {
    return undefined; // the FFI library or libc could not be loaded: the lock state is unknown
  }
  const handle: FileHandle = await open(file, 'r');
  const ask = (start: number, length: number): number | undefined => {
    const lock: Flock = { l_type: platform.readLock, l_whence: 0, l_start: start, l_len: length, l_pid: 0 };
    if (getLock(handle.fd, lock) !== 0) throw new Error(`fcntl(F_GETLK) failed on ${file}`);
    return lock.l_type === platform.unlocked ? undefined : Math.max(0, lock.l_pid);
  };
  try {
    ask(PENDING_BYTE, 1);
  } catch {
    await handle.close();
    return undefined; // a filesystem that does not answer lock queries
  }
  return {
    writer: () => ask(PENDING_BYTE, 1) ?? ask(SHARED_FIRST, SHARED_SIZE),
    close: () => handle.close(),
  };
}

async function bindGetLock(platform: PosixLocks): Promise<(fd: number, lock: Flock) => number> {
  const koffi = (await import('koffi')).default;
  const flock = koffi.inout(koffi.pointer(koffi.struct(platform.fields)));
  // fcntl is variadic: declared so, its third argument is passed where the platform's ABI puts
  // variadic arguments (on the stack on Apple silicon, not in a register).
  const fcntl = koffi.load(platform.library).func('int fcntl(int fd, int cmd, ...)');
  return (fd, lock) => fcntl(fd, platform.getLock, flock, lock) as number;
}
