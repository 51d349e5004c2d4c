// Opening files that may have come from elsewhere (a destination folder anyone on the network can
// write to, a disk found in a drawer): only as the regular file they claim to be. The last path
// component is never followed if it is a symbolic link, a device or a FIFO is refused (the open is
// non-blocking, so a FIFO cannot hang it), the file must sit inside the folder it was found in, and
// it may be no larger than the caller allows. Reads stop at the size the caller expects.
import { constants, type ReadStream } from 'node:fs';
import { lstat, open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hashingStream, type HashResult } from './durable-fs.ts';
import { LifeboatError, errorCode, explainWriteError } from './errors.ts';
import { formatBytes } from '../../../shared/bytes.ts';

export interface OpenedFile {
  handle: FileHandle;
  size: number;
}

/** Whether `file` (resolved) lies inside the folder `root` (resolved). */
export async function isInside(root: string, file: string): Promise<boolean> {
  const [realRoot, realDir] = await Promise.all([realpath(root), realpath(path.dirname(file))]);
  const rel = path.relative(realRoot, realDir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Opens `file` for reading only if it is a regular file reached without following a symbolic link
 * at its last component, inside `within` when given, and no larger than `maxBytes` when given.
 * A missing file rethrows the system's ENOENT (callers tell "missing" from "refused"); anything
 * else refused is a LifeboatError with `code` (default 'tampered') naming the file.
 */
export async function openRegularFile(file: string, opts: { within?: string; maxBytes?: number; code?: 'tampered' | 'bad-manifest'; what?: string } = {}): Promise<OpenedFile> {
  const code = opts.code ?? 'tampered';
  const what = opts.what ?? file;
  const refuse = (why: string) => new LifeboatError(code, `${what} ${why}, so Lifeboat will not read it`, 'Only the regular files Lifeboat wrote are read back; remove what does not belong there');
  if (opts.within !== undefined) {
    let inside = false;
    try {
      inside = await isInside(opts.within, file);
    } catch (e) {
      if (errorCode(e) === 'ENOENT') throw e;
    }
    if (!inside) throw refuse(`is not inside ${opts.within} (a folder on the way is a link to somewhere else)`);
  }
  // Where the platform has no O_NOFOLLOW (Windows), an lstat stands in for it.
  if (constants.O_NOFOLLOW === undefined && (await lstat(file)).isSymbolicLink()) throw refuse('is a symbolic link');
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    if (errorCode(e) === 'ELOOP' || errorCode(e) === 'EMLINK') throw refuse('is a symbolic link');
    throw e;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw refuse(info.isDirectory() ? 'is a folder' : 'is not a regular file (a device, a pipe or a socket)');
    if (opts.maxBytes !== undefined && info.size > opts.maxBytes) throw refuse(`is ${formatBytes(info.size)}, more than the ${formatBytes(opts.maxBytes)} expected`);
    return { handle, size: info.size };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** A stream of at most `bytes` bytes of an opened file (the handle is closed when it ends). */
export function boundedReadStream(file: OpenedFile, bytes: number, highWaterMark = 1 << 20): ReadStream | Readable {
  if (bytes <= 0) {
    void file.handle.close();
    return Readable.from([]);
  }
  return file.handle.createReadStream({ start: 0, end: bytes - 1, highWaterMark, autoClose: true });
}

/**
 * A pass-through that fails with `error()` as soon as more than `maxBytes` have flowed through it,
 * so a stream that expands past what was declared (a zstd bomb, an endless download) stops there.
 */
export function limitStream(maxBytes: number, error: (seen: number) => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(error(seen));
      else done(null, chunk);
    },
  });
}

/** Reads a whole small file opened with `openRegularFile` (the caller bounded its size). */
export async function readOpened(file: OpenedFile): Promise<Buffer> {
  try {
    const buffer = Buffer.alloc(file.size);
    let at = 0;
    while (at < file.size) {
      const { bytesRead } = await file.handle.read(buffer, at, file.size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return buffer.subarray(0, at);
  } finally {
    await file.handle.close();
  }
}

/**
 * SHA-256 of a regular file that should be `bytes` long: one larger (or a link, a device, a pipe) is
 * refused (LifeboatError 'tampered') before it is read, and no more than `bytes` are ever read.
 */
export async function hashExpectedFile(file: string, bytes: number, opts: { onBytes?: (b: number) => void; signal?: AbortSignal } = {}): Promise<HashResult> {
  const opened = await openRegularFile(file, { maxBytes: bytes });
  const hasher = hashingStream(opts.onBytes);
  hasher.resume();
  await pipeline(boundedReadStream(opened, bytes), hasher, { signal: opts.signal });
  return hasher.result();
}

/**
 * Creates a small marker file that says a folder is Lifeboat's (a vault, a destination): exclusive
 * and never through a link, so a planted link cannot make Lifeboat write elsewhere. An existing
 * regular file is kept; anything else there is refused with `hint`.
 */
export async function createMarker(file: string, text: string, hint: string): Promise<void> {
  try {
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
  } catch (e) {
    if (errorCode(e) !== 'EEXIST') throw explainWriteError(e, path.dirname(file));
    if (!(await lstat(file)).isFile()) throw new LifeboatError('exists', `${file} is there but is not a regular file (a link or a folder), so Lifeboat will not write through it`, hint);
  }
}
