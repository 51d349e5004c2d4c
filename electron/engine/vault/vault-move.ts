// Moving the vault to another folder (an external disk, a bigger one), safely: every restore point
// is copied, each copy is checked against its manifest's SHA-256, then settings switch to the new
// place in one atomic write, and only then are the old files removed. A journal in the data folder
// says how far a move got, so a crash at any moment leaves the old vault or the new one in use,
// never half of each: the next start (or the next write into the vault) rolls back a move that had
// not switched yet and finishes one that had. While a move runs nothing writes into the vault: every
// writer holds its source's lock and then checks here (`withSourceLock`).
import { existsSync } from 'node:fs';
import { copyFile, lstat, readFile, readdir, realpath, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JobProgress } from '../../../shared/model.ts';
import { pageStoreLockFile, sourceLockFile } from '../common/data-folder.ts';
import { folderPlace, PAGES_DIR } from '../pages/pack-place.ts';
import { type EngineContext } from './context.ts';
import { ensureDir, ensureFreeSpace, fsyncDir, fsyncFile, hashFile, writeFileDurable } from '../common/durable-fs.ts';
import { LifeboatError, errorCode, explainWriteError, isLifeboatError } from '../common/errors.ts';
import { restorePointOfName } from './names.ts';
import { TEMP_PREFIX } from '../common/data-folder.ts';
import { formatBytes } from '../../../shared/bytes.ts';
import { acquireLock, type Lock } from '../common/locks.ts';
import { filesOf, readManifest } from './manifest.ts';
import { VAULT_MARKER, markVault, requireVault, sourceFolders } from './vault.ts';

const JOURNAL = 'vault-move.json';

interface Journal {
  from: string;
  to: string;
  startedAt: string;
  pid: number;
}

export interface VaultMoveOptions {
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
}

export interface VaultMoveResult {
  from: string;
  to: string;
  restorePoints: number;
  bytes: number;
}

const journalFile = (ctx: Pick<EngineContext, 'dataDir'>) => path.join(ctx.dataDir, JOURNAL);
const moveLockFile = (ctx: Pick<EngineContext, 'dataDir'>) => path.join(ctx.dataDir, 'locks', 'vault-move.lock');

/** The vault folder settings name now (`<data folder>/vault` unless moved). */
export function configuredVaultDir(ctx: Pick<EngineContext, 'dataDir' | 'settings'>): string {
  return path.resolve(ctx.dataDir, ctx.settings.read().vaultDir ?? 'vault');
}

/**
 * Makes the vault usable after a move: refuses (busy) while a move runs in another process,
 * finishes or rolls back one that was interrupted, and points `ctx.vaultDir` where settings say.
 */
export async function settleVaultMove(ctx: EngineContext): Promise<void> {
  if (existsSync(journalFile(ctx))) {
    let lock: Lock;
    try {
      lock = await acquireLock(moveLockFile(ctx), 'finishing an interrupted move of the vault');
    } catch (e) {
      if (isLifeboatError(e) && e.code === 'busy') throw new LifeboatError('busy', 'The vault is being moved to another folder', 'Wait for the move to finish (Settings shows how far it is), then try again');
      throw e;
    }
    try {
      await recoverVaultMove(ctx);
    } finally {
      await lock.release();
    }
  }
  ctx.vaultDir = configuredVaultDir(ctx);
}

/** Points `ctx.vaultDir` where settings say, unless a move is under way (cheap: no lock). */
export function followVaultMove(ctx: EngineContext): void {
  if (!existsSync(journalFile(ctx))) ctx.vaultDir = configuredVaultDir(ctx);
}

/** At start: finishes (or rolls back) a move a crash interrupted, unless another process is moving the vault now. */
export async function recoverInterruptedVaultMove(ctx: Pick<EngineContext, 'dataDir' | 'settings'>): Promise<void> {
  if (!existsSync(journalFile(ctx))) return;
  const lock = await acquireLock(moveLockFile(ctx), 'finishing an interrupted move of the vault').catch(() => undefined);
  if (!lock) return; // a move runs in another process: it finishes its own
  try {
    await recoverVaultMove(ctx);
  } finally {
    await lock.release();
  }
}

/**
 * Finishes what an interrupted move left (the caller holds the move's lock): a move that had
 * switched settings removes the rest of the old vault; one that had not removes its partial copy.
 * Only Lifeboat's own files are ever removed.
 */
export async function recoverVaultMove(ctx: Pick<EngineContext, 'dataDir' | 'settings'>): Promise<void> {
  let journal: Journal;
  try {
    journal = JSON.parse(await readFile(journalFile(ctx), 'utf8')) as Journal;
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return;
    // A journal cut by a crash before it was complete: nothing was copied yet.
    await rm(journalFile(ctx), { force: true });
    return;
  }
  if (configuredVaultDir(ctx) === journal.to) await removeVaultFiles(journal.from, journal.to);
  else await removeVaultFiles(journal.to);
  await rm(journalFile(ctx), { force: true });
  await fsyncDir(ctx.dataDir);
}

/** Why `to` cannot take the vault from `from`, as an error with what to do; nothing when it can. */
async function checkTarget(from: string, to: string): Promise<void> {
  let info;
  try {
    info = await stat(to);
  } catch {
    throw new LifeboatError('not-found', `${to} does not exist`, 'Create the folder first (on the disk that should hold the restore points, connected), then choose it; Lifeboat never creates a missing path');
  }
  if (!info.isDirectory()) throw new LifeboatError('usage', `${to} is not a folder`, 'Choose an empty folder');
  const [realFrom, realTo] = await Promise.all([realpath(from).catch(() => from), realpath(to)]);
  if (realFrom === realTo) throw new LifeboatError('usage', `The vault is already in ${to}`, 'Choose another, empty folder');
  const inside = path.relative(realFrom, realTo);
  if (!inside.startsWith('..') && !path.isAbsolute(inside)) throw new LifeboatError('usage', `${to} is inside the vault`, 'Choose an empty folder outside it');
  const entries = await readdir(to);
  if (entries.length > 0) {
    throw new LifeboatError('exists', `${to} is not empty (${entries.length} item${entries.length === 1 ? '' : 's'} in it)`, 'Choose an empty folder: the vault is moved into a folder of its own, never mixed with other files');
  }
}

/** Whether a file name is a restore point's manifest. */
const isManifest = (name: string) => restorePointOfName(name)?.isManifest === true;

/** Lifeboat's files in one source folder of a vault (artifacts before manifests: a manifest makes a restore point exist). */
async function ownFiles(vaultDir: string, sourceId: string): Promise<string[]> {
  const names = (await readdir(path.join(vaultDir, sourceId)).catch(() => [] as string[])).filter((n) => restorePointOfName(n));
  return [...names.filter((n) => !isManifest(n)), ...names.filter(isManifest)];
}

/**
 * Removes Lifeboat's own files from a vault folder (artifacts, manifests, temp files, the marker)
 * and the folders left empty. With `keptIn`, only files that have a copy of the same size there.
 * Anything else (a file Lifeboat did not create) stays, and so does the folder holding it.
 */
async function removeVaultFiles(vaultDir: string, keptIn?: string): Promise<void> {
  if (!existsSync(vaultDir)) return;
  await removePageStore(vaultDir, keptIn);
  for (const sourceId of await sourceFolders(vaultDir)) {
    const dir = path.join(vaultDir, sourceId);
    const names = await readdir(dir).catch(() => [] as string[]);
    // Manifests first: a restore point stops existing before its artifact goes.
    const order = [...names.filter(isManifest), ...names.filter((n) => !isManifest(n))];
    for (const name of order) {
      if (name.startsWith(TEMP_PREFIX)) {
        await rm(path.join(dir, name), { force: true });
        continue;
      }
      if (!restorePointOfName(name)) continue;
      if (keptIn) {
        const [here, there] = await Promise.all([lstat(path.join(dir, name)), lstat(path.join(keptIn, sourceId, name)).catch(() => undefined)]);
        if (!there?.isFile() || there.size !== here.size) continue;
      }
      await rm(path.join(dir, name), { force: true });
    }
    await fsyncDir(dir).catch(() => undefined);
    await rmdir(dir).catch(() => undefined); // only when empty
  }
  const leftover = (await readdir(vaultDir).catch(() => [] as string[])).filter((n) => n !== VAULT_MARKER);
  if (leftover.length === 0) {
    await rm(path.join(vaultDir, VAULT_MARKER), { force: true });
    if (keptIn) await rmdir(vaultDir).catch(() => undefined); // the old vault, now empty (a folder the person chose for the new one stays)
  }
}

/** Removes a vault's page store files (with `keptIn`, only those copied there with the same size), then its empty folders. */
async function removePageStore(vaultDir: string, keptIn?: string): Promise<void> {
  const root = path.join(vaultDir, PAGES_DIR);
  if (!existsSync(root)) return;
  for (const f of await folderPlace(root).list('')) {
    const file = path.join(root, ...f.name.split('/'));
    if (keptIn && !path.basename(f.name).startsWith(TEMP_PREFIX)) {
      const there = await lstat(path.join(keptIn, PAGES_DIR, ...f.name.split('/'))).catch(() => undefined);
      if (!there?.isFile() || there.size !== f.bytes) continue;
    }
    await rm(file, { force: true });
  }
  // Folders left empty, deepest first (a folder holding something Lifeboat did not write stays).
  const dirs = (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => path.join(e.parentPath, e.name));
  for (const dir of dirs.sort((a, b) => b.length - a.length)) await rmdir(dir).catch(() => undefined);
  await rmdir(root).catch(() => undefined);
}

/** Copies `file` to `target` durably: a temp name beside it, fsync, rename, fsync the folder. */
async function copyDurable(file: string, target: string): Promise<void> {
  const temp = path.join(path.dirname(target), `${TEMP_PREFIX}${path.basename(target)}`);
  try {
    await copyFile(file, temp);
    await fsyncFile(temp);
    await rename(temp, target);
  } catch (e) {
    await rm(temp, { force: true });
    throw explainWriteError(e, path.dirname(target));
  }
}

/** One file of the old vault to copy. */
type Planned = { sourceId: string; name: string; bytes: number };

/** Copies each planned file from `from` into `to` durably (making its source folder as needed); `copied` is told each one's size. */
async function copyAll(plan: Planned[], from: string, to: string, signal: AbortSignal | undefined, copied: (bytes: number) => void): Promise<void> {
  for (const f of plan) {
    signal?.throwIfAborted();
    const dir = path.dirname(path.join(to, f.sourceId, f.name));
    if (!existsSync(dir)) {
      await ensureDir(dir);
      await fsyncDir(path.dirname(dir));
    }
    await copyDurable(path.join(from, f.sourceId, f.name), path.join(to, f.sourceId, f.name));
    copied(f.bytes);
  }
}

/**
 * Checks each copy before the old files may go: manifests byte for byte, and each restore point's
 * stored files against its manifest's SHA-256 (filesOf); `checked` is told each file's size.
 * Returns how many restore points were checked.
 */
async function checkCopies(plan: Planned[], from: string, to: string, signal: AbortSignal | undefined, checked: (bytes: number) => void): Promise<number> {
  let restorePoints = 0;
  for (const f of plan) {
    signal?.throwIfAborted();
    const copied = path.join(to, f.sourceId, f.name);
    if (isManifest(f.name)) {
      const [a, b] = await Promise.all([readFile(path.join(from, f.sourceId, f.name)), readFile(copied)]);
      if (!a.equals(b)) throw new LifeboatError('tampered', `The copy of ${f.name} in ${to} differs from the original`, 'Nothing was moved; check the disk of the new folder');
      const m = await readManifest(to, copied);
      for (const stored of filesOf(to, m).stored) {
        const h = await hashFile(stored.file, { signal });
        if (h.sha256 !== stored.sha256) throw new LifeboatError('tampered', `The copy of ${path.basename(stored.file)} in ${to} does not match its checksum`, 'Nothing was moved; check the disk of the new folder');
      }
      restorePoints++;
    } else if (f.sourceId === PAGES_DIR) {
      // The page store's files are checked against the originals (a pack names no checksum of its own).
      const [a, b] = await Promise.all([hashFile(path.join(from, f.sourceId, f.name), { signal }), hashFile(copied, { signal })]);
      if (a.sha256 !== b.sha256) throw new LifeboatError('tampered', `The copy of ${PAGES_DIR}/${f.name} in ${to} differs from the original`, 'Nothing was moved; check the disk of the new folder');
    }
    checked(f.bytes);
  }
  return restorePoints;
}

/**
 * Moves the vault into `to`, an empty folder that exists: copies every restore point (and the
 * vault's marker), checks each copy, switches settings to it, then removes the old files. Refused
 * onto a folder that does not exist, is not empty or is inside the vault; refused while anything
 * writes into the vault. Cancelling (`signal`) before the switch leaves the old vault as it was.
 */
export async function moveVault(ctx: EngineContext, given: string, o: VaultMoveOptions = {}): Promise<VaultMoveResult> {
  const to = path.resolve(given);
  await settleVaultMove(ctx);
  const from = ctx.vaultDir;
  await checkTarget(from, to);
  await requireVault(from);
  const moveLock = await acquireLock(moveLockFile(ctx), `moving the vault to ${to}`);
  const held: Lock[] = [];
  try {
    // Every writer finishes what it does (and none starts: the journal says a move runs).
    await writeFileDurable(journalFile(ctx), JSON.stringify({ from, to, startedAt: ctx.now().toISOString(), pid: process.pid } satisfies Journal));
    const sources = [...new Set([...(await sourceFolders(from)), ...ctx.settings.read().sources.map((s) => s.id)])];
    for (const id of sources) held.push(await acquireLock(sourceLockFile(ctx, id), `moving the vault to ${to}`, { waitMs: 10 * 60_000 }));

    // The page store's files first: a manifest copied into the new vault names only pages already there.
    held.push(await acquireLock(pageStoreLockFile(ctx), `moving the vault to ${to}`, { waitMs: 10 * 60_000 }));
    const plan: Planned[] = (await folderPlace(path.join(from, PAGES_DIR)).list(''))
      .filter((f) => !path.basename(f.name).startsWith(TEMP_PREFIX))
      .map((f) => ({ sourceId: PAGES_DIR, name: f.name, bytes: f.bytes }));
    for (const sourceId of await sourceFolders(from)) {
      for (const name of await ownFiles(from, sourceId)) plan.push({ sourceId, name, bytes: (await stat(path.join(from, sourceId, name))).size });
    }
    const total = plan.reduce((n, f) => n + f.bytes, 0);
    await ensureFreeSpace(to, total, 'the restore points', 'Free some space there, or choose a folder on a bigger disk');
    let done = 0;
    const report = (phase: JobProgress['phase']) => o.onProgress?.({ phase, done, total, unit: 'bytes' });
    report('moving');
    try {
      await copyAll(plan, from, to, o.signal, (bytes) => {
        done += bytes;
        report('moving');
      });
      done = 0;
      const restorePoints = await checkCopies(plan, from, to, o.signal, (bytes) => {
        done += bytes;
        report('hashing');
      });
      await markVault(to);
      await ctx.checkpoint('vault-move:copied');
      // The switch: one atomic write of the settings. From here on the new vault is the vault.
      o.signal?.throwIfAborted();
      ctx.settings.update((s) => ({ ...s, vaultDir: to }));
      ctx.vaultDir = to;
      report('finishing');
      await ctx.checkpoint('vault-move:switched');
      await removeVaultFiles(from, to);
      await rm(journalFile(ctx), { force: true });
      await fsyncDir(ctx.dataDir);
      return { from, to, restorePoints, bytes: total };
    } catch (e) {
      // Not switched: the old vault stays in use, and what was copied goes.
      if (configuredVaultDir(ctx) !== to) {
        await removeVaultFiles(to).catch(() => undefined);
        await rm(journalFile(ctx), { force: true });
      }
      if (o.signal?.aborted) throw new LifeboatError('cancelled', 'The vault was not moved', `The restore points stay in ${from}`);
      throw e;
    }
  } finally {
    for (const lock of held) await lock.release();
    await moveLock.release();
  }
}

/** How a move reads in one line ("Moved 12 restore points (1.2 GB) to …"). */
export function describeVaultMove(r: VaultMoveResult): string {
  return `Moved ${r.restorePoints} restore point${r.restorePoints === 1 ? '' : 's'} (${formatBytes(r.bytes)}) from ${r.from} to ${r.to}`;
}
