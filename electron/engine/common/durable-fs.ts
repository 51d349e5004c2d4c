// Small filesystem primitives with the durability the promises need: fsync before rename,
// fsync the folder after, hash while streaming.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, rename, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { LifeboatError, errorCode, explainWriteError } from './errors.ts';
import { TEMP_PREFIX } from './data-folder.ts';
import { formatBytes } from '../../../shared/bytes.ts';

/** Flushes a folder's entries (new names, renames) to disk. A no-op where the OS cannot (Windows). */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a file's bytes to disk. */
export async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `file` so that after a crash the file is either absent/old or complete:
 * temp name in the same folder, fsync, rename, fsync the folder. Owner-only unless `mode` says
 * otherwise: what Lifeboat writes is as private as the database it describes.
 */
export async function writeFileDurable(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `${TEMP_PREFIX}${process.pid}-${Date.now()}-${path.basename(file)}`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await rm(temp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  await fsyncDir(dir);
}

export interface HashResult {
  sha256: string;
  bytes: number;
}

/** A pass-through stream that hashes and counts what flows through it. */
export function hashingStream(onBytes?: (bytes: number) => void): Transform & { result(): HashResult } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes?.(bytes);
      done(null, chunk);
    },
  });
  let digest: string | undefined;
  return Object.assign(stream, {
    result(): HashResult {
      digest ??= hash.digest('hex');
      return { sha256: digest, bytes };
    },
  });
}

const READ_CHUNK = 1 << 20;

/**
 * SHA-256 of a file in one read through a single reused buffer: memory stays flat (a stream would
 * leave a megabyte of garbage per chunk until the next collection — tens of MB for a large file).
 */
export async function hashFile(file: string, opts: { onBytes?: (bytes: number) => void; signal?: AbortSignal } = {}): Promise<HashResult> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  const handle = await open(file, 'r');
  let bytes = 0;
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, bytes);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
      opts.onBytes?.(bytes);
    }
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Creates a folder (and its parents), owner-only (0700) unless `mode` says otherwise, or explains
 * why it cannot. An existing folder is left as it is. Node reports a recursive mkdir on a
 * read-only file system as ENOENT; asking again without recursion surfaces the real reason.
 */
export async function ensureDir(dir: string, mode = 0o700): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode });
  } catch (first) {
    try {
      if (errorCode(first) !== 'ENOENT') throw first;
      await mkdir(dir, { mode });
    } catch (e) {
      throw explainWriteError(e, dir);
    }
  }
}

/**
 * Makes an existing file or folder of Lifeboat's owner-only (`mode`), where it can: one it does
 * not own (a shared data folder) or a file system without modes (Windows, some network shares)
 * is left as it is.
 */
export async function makePrivate(file: string, mode: number): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const info = await stat(file);
    if ((info.mode & 0o777) !== mode) await chmod(file, mode);
  } catch (e) {
    if (!['ENOENT', 'EPERM', 'EACCES', 'EROFS', 'ENOTSUP', 'EOPNOTSUPP'].includes(errorCode(e) ?? '')) throw e;
  }
}

/** Refuses early, with numbers, when the disk holding `dir` cannot take `needed` more bytes. */
export async function ensureFreeSpace(dir: string, needed: number, what: string, hint: string): Promise<void> {
  const fs = await statfs(dir).catch(() => undefined);
  if (!fs) return;
  const free = fs.bavail * fs.bsize;
  if (free < needed + 16 * 1024 * 1024) {
    throw new LifeboatError('disk-full', `The disk holding ${dir} has ${formatBytes(free)} free, not enough for ${what} of ${formatBytes(needed)}`, hint);
  }
}

/**
 * Creates `file` empty and owner-only if it does not exist yet (a database SQLite will open: SQLite
 * gives its -wal and -journal files the mode of the database file).
 */
export async function createPrivateFile(file: string): Promise<void> {
  try {
    await (await open(file, 'wx', 0o600)).close();
  } catch (e) {
    if (errorCode(e) !== 'EEXIST') throw explainWriteError(e, path.dirname(file));
  }
}
