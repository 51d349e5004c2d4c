// A folder as storage: an external disk or a NAS mount. Objects are files under their names
// (`<folder>/<source>/<file>`, the vault's own layout, so the folder alone is enough to restore
// from), written like the vault's (temp name, fsync, rename, fsync folder) so a half-written file is
// never visible. A marker file written when the destination is added tells a connected disk from an
// empty mount point, so an unmounted disk is reported instead of silently filling the system disk.
// What anyone on the network may have put there is read only as the regular file it claims to be,
// never through a link, and nothing is written or deleted through a link out of the folder.
import { createReadStream, createWriteStream, type Dirent } from 'node:fs';
import { access, lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pMap from 'p-map';
import { TEMP_PREFIX } from '../../engine/common/data-folder.ts';
import { ensureDir, fsyncDir, fsyncFile } from '../../engine/common/durable-fs.ts';
import { LifeboatError, errorCode, explainWriteError } from '../../engine/common/errors.ts';
import { createMarker, isInside, openRegularFile } from '../../engine/common/safe-files.ts';
import { checkObjectName, type LoadOptions, type ObjectInfo, type SaveOptions, type Storage } from '../../engine/storage/storage.ts';

export const MARKER = '.lifeboat-destination';

/**
 * Prepares a folder to be a destination and leaves the marker. The folder must exist, or at least
 * its parent (then only the last folder is made, owner-only): a whole missing path is a disk that
 * is not mounted, and making it would fill the system disk with what was meant to leave it. The
 * marker is created exclusively and never through a link: a `.lifeboat-destination` planted as a
 * symbolic link (to a file of the person's) is refused, not written through. A marker that is
 * already a regular file is kept as it is.
 */
export async function initFolder(folder: string): Promise<void> {
  const info = await stat(folder).catch(() => undefined);
  if (info && !info.isDirectory()) throw new LifeboatError('usage', `${folder} is not a folder`, 'Give a folder on another disk or a NAS');
  if (!info) {
    const parent = path.dirname(folder);
    if (!(await stat(parent).then((p) => p.isDirectory(), () => false))) {
      throw new LifeboatError(
        'not-found',
        `${parent} does not exist, so ${folder} cannot be made there`,
        'Connect the disk or mount the share first, or create the folder yourself (Lifeboat never creates a missing path: it would be a folder on this computer, not on the disk)',
      );
    }
    try {
      await mkdir(folder, { mode: 0o700 });
    } catch (e) {
      if (errorCode(e) !== 'EEXIST') throw explainWriteError(e, parent);
    }
  }
  await createMarker(path.join(folder, MARKER), 'This folder holds Lifeboat restore points. Keep this file: it tells Lifeboat the disk is connected.\n', 'Remove it and add the destination again');
}

/** Throws, saying what to do, unless `root` is a folder holding its marker (the disk is connected). */
async function checkFolder(root: string, named: string): Promise<void> {
  let info;
  try {
    info = await stat(root);
  } catch {
    throw new LifeboatError('not-found', `The destination folder ${named} is not there`, 'Connect the disk or mount the share, then run `lifeboat push`');
  }
  if (!info.isDirectory()) throw new LifeboatError('not-found', `The destination ${named} is not a folder`, 'Point the destination at a folder');
  try {
    await access(path.join(root, MARKER));
  } catch {
    throw new LifeboatError('not-found', `The destination folder ${named} looks disconnected: its ${MARKER} file is missing`, 'Connect the disk or mount the share (or re-add the destination if this really is the folder)');
  }
}

/** Why an entry that is not a regular file or a folder is never read (a link, a pipe, a device). */
function refusal(file: string, entry: Pick<Dirent, 'isSymbolicLink'>): string {
  return entry.isSymbolicLink()
    ? `${file} is a symbolic link, so Lifeboat does not read what it points to. Only what Lifeboat wrote is read; remove the link`
    : `${file} is not a regular file (a device, a pipe or a socket), so Lifeboat will not read it. Only what Lifeboat wrote is read; remove it`;
}

/** A pass-through that reports how many bytes went by. */
function counting(onBytes?: (bytes: number) => void): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      onBytes?.(n);
      done(null, chunk);
    },
  });
}

const missing = (e: unknown) => ['ENOENT', 'ENOTDIR'].includes(errorCode(e) ?? '');

/**
 * Every object under `dir` (named `rel/…`) whose name could start with `prefix`, two levels deep at
 * most (names are `file` or `folder/file`): links and devices refused, temp files and the marker
 * unseen, deeper folders (someone's own, beside Lifeboat's) not walked.
 */
async function walk(dir: string, rel: string, prefix: string): Promise<ObjectInfo[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: unknown) => {
    if (missing(e)) return [] as Dirent[];
    throw e;
  });
  const found = await pMap(entries, async (e): Promise<ObjectInfo[]> => {
    const objectName = rel ? `${rel}/${e.name}` : e.name;
    if (e.name.startsWith(TEMP_PREFIX) || objectName === MARKER) return [];
    if (!objectName.startsWith(prefix) && !prefix.startsWith(`${objectName}/`)) return [];
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return rel === '' ? walk(file, objectName, prefix) : [];
    if (!objectName.startsWith(prefix)) return [];
    if (!e.isFile()) return [{ name: objectName, size: 0, refused: refusal(file, e) }];
    const info = await lstat(file).catch(() => undefined);
    return info?.isFile() ? [{ name: objectName, size: info.size }] : [];
  }, { concurrency: 16 });
  return found.flat();
}

/**
 * Copies `from` to `final` the way the vault writes: a temp name beside it (named after the object,
 * so what a killed save left is replaced, never written through), fsync, rename, fsync the folder.
 */
async function writeDurably(root: string, from: string, final: string, opts: SaveOptions): Promise<void> {
  const dir = path.dirname(final);
  const temp = path.join(dir, `${TEMP_PREFIX}${path.basename(final)}`);
  try {
    await rm(temp, { force: true });
    await pipeline(createReadStream(from, { highWaterMark: 1 << 20 }), counting(opts.onBytes), createWriteStream(temp, { flags: 'wx', mode: 0o600, highWaterMark: 1 << 20 }), { signal: opts.signal });
    await fsyncFile(temp);
    await rename(temp, final);
    await fsyncDir(dir);
  } catch (e) {
    await rm(temp, { force: true });
    throw explainWriteError(e, root);
  }
}

/** At most `length` bytes of `file` from `offset`: only the regular file inside `root`, never through a link, a device or a pipe. */
async function readSlice(root: string, file: string, what: string, opts: LoadOptions): Promise<Readable> {
  let opened;
  try {
    opened = await openRegularFile(file, { within: root, what });
  } catch (e) {
    if (missing(e)) throw new LifeboatError('not-found', `${what} is missing`, 'Try another destination, or another restore point');
    throw e;
  }
  const start = opts.offset ?? 0;
  const end = Math.min(opened.size, opts.length === undefined ? Infinity : start + opts.length);
  if (end <= start) {
    await opened.handle.close();
    return Readable.from([]);
  }
  return opened.handle.createReadStream({ start, end: end - 1, highWaterMark: 1 << 20, autoClose: true });
}

/** The storage of a folder destination at `root` (`name`: how the person calls it, for messages). */
export function folderStorage(root: string, name: string = root): Storage {
  // A folder destination is named after its path unless the person named it: say the path once.
  const named = name === root ? root : `${root} (${name})`;
  const check = () => checkFolder(root, named);
  /** The file of an object; a name that is Lifeboat's own bookkeeping (the marker, a temp file) is refused. */
  const fileOf = (objectName: string) => {
    const segments = checkObjectName(objectName);
    if (objectName === MARKER || segments.some((s) => s.startsWith(TEMP_PREFIX))) throw new LifeboatError('usage', `"${objectName}" is a name Lifeboat keeps for itself`, 'Use another name');
    return path.join(root, ...segments);
  };
  /** Refuses a folder inside the destination that is a link to somewhere else (written or deleted through). */
  const insideRoot = async (dir: string) => {
    if (!(await isInside(root, path.join(dir, MARKER)))) {
      throw new LifeboatError('tampered', `${dir} on ${name} is a link to a folder outside ${root}`, 'Remove the link at the destination; Lifeboat writes only inside the destination folder');
    }
  };
  return {
    localPath: root,
    init: () => initFolder(root),
    check,
    async save(objectName, from, opts: SaveOptions = {}) {
      await check();
      const final = fileOf(objectName);
      await ensureDir(path.dirname(final));
      await insideRoot(path.dirname(final));
      await writeDurably(root, from, final, opts);
      return { size: (await stat(final)).size };
    },
    async load(objectName, opts: LoadOptions = {}) {
      await check();
      const file = fileOf(objectName);
      return readSlice(root, file, `${file} on ${name}`, opts);
    },
    async stat(objectName) {
      await check();
      const file = fileOf(objectName);
      const info = await lstat(file).catch((e: unknown) => {
        if (missing(e)) return undefined;
        throw e;
      });
      if (!info || info.isDirectory()) return undefined;
      return info.isFile() ? { name: objectName, size: info.size } : { name: objectName, size: 0, refused: refusal(file, info) };
    },
    async list(prefix) {
      await check();
      return walk(root, '', prefix);
    },
    async remove(objectName) {
      await check();
      const file = fileOf(objectName);
      const dir = path.dirname(file);
      if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) return;
      await insideRoot(dir);
      try {
        await rm(file, { force: true });
      } catch (e) {
        throw explainWriteError(e, root);
      }
      await fsyncDir(dir);
    },
  };
}
