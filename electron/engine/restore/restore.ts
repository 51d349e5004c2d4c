// Restoring a restore point, in place or to a new file. The restore point is verified and materialised
// next to the target before anything is touched; in place, a safety copy is taken first; the target
// is never left torn; and a database another process holds open is never renamed over.
import Database from 'better-sqlite3';
import type { Stats } from 'node:fs';
import { chmod, chown, copyFile, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JobProgress, Manifest } from '../../../shared/model.ts';
import { backupLocked } from '../vault/backup.ts';
import { changeReasonOf, type ChangeReason } from '../vault/catalog.ts';
import { pendingRestoresDir } from '../common/data-folder.ts';
import { type EngineContext } from '../vault/context.ts';
import type { DecryptWith } from '../artifact/artifact-codec.ts';
import { ensureDir, ensureFreeSpace, fsyncDir, fsyncFile, writeFileDurable } from '../common/durable-fs.ts';
import { LifeboatError, errorCode, explainWriteError, isLifeboatError } from '../common/errors.ts';
import { withSourceLock } from '../vault/source-lock.ts';
import { describeHolders, findHolders, holderNames, type Holder } from '../snapshot/open-holders.ts';
import { isProcessAlive } from '../common/process-alive.ts';
import { openRestorePoint } from '../vault/read-restore-point.ts';
import { discardSafetyCopy, loadRestorePoint } from '../vault/restore-points.ts';
import { getSource, listSources } from '../vault/sources.ts';
import { checkIntegrity } from '../snapshot/sqlite-files.ts';

export interface RestoreRequest {
  /** Restore point id (or unique prefix). */
  id: string;
  /** Restore to this new file instead of over the source. */
  to?: string;
  /** Passphrases and age identities for an encrypted restore point. */
  keys?: DecryptWith;
  /** Recorded on the safety copy: a plain restore, or the undo of one. */
  reason?: 'restore' | 'undo';
  /**
   * Go ahead in place although another program has the database open. Without it such a restore is
   * refused, naming the program: one that keeps data in memory would write it back over the
   * restored database (a browser mixes restored and newer data; a till keeps posting from memory).
   */
  whileOpen?: boolean;
  waitMs?: number;
  onProgress?: (progress: JobProgress) => void;
  signal?: AbortSignal;
}

export interface RestoreResult {
  restored: Manifest;
  target: string;
  inPlace: boolean;
  /** The restore point taken of the database just before it was replaced (in place only). */
  safetyCopy?: Manifest;
  /** How the bytes got there: through SQLite's own locking, or by renaming a new file into place. */
  method: 'sqlite-backup' | 'rename';
  /** Other processes that had the database open; they should be restarted to drop cached data. */
  holders: Holder[];
  requiresRestart: boolean;
  /** Where the files of an unreadable database were moved before it was replaced. */
  quarantinedTo?: string;
}

const COMPANIONS = ['-wal', '-shm', '-journal'];

/** Restores a restore point; see the module comment for the guarantees. */
export async function restore(ctx: EngineContext, req: RestoreRequest): Promise<RestoreResult> {
  const manifest = await loadRestorePoint(ctx, req.id);
  return withSourceLock(ctx, manifest.source.id, `a restore of ${manifest.source.id}`, () => restoreLocked(ctx, manifest, req), { waitMs: req.waitMs });
}

/** One restore under way: what it restores where, and what the cleanup after a failure must know. */
interface RestoreRun {
  ctx: EngineContext;
  manifest: Manifest;
  req: RestoreRequest;
  target: string;
  reason: 'restore' | 'undo';
  inPlace: boolean;
  /** The restored database, materialised next to the target before anything is touched. */
  temp: string;
  /** The note that lets the next start finish what a killed restore left (recoverInterruptedRestores). */
  pending: string;
  report: (phase: JobProgress['phase'], done: number, total: number) => void;
  /** The safety copy taken for this restore: discarded when the target was not replaced after all. */
  safetyCopy?: Manifest;
  replaced: boolean;
}

async function restoreLocked(ctx: EngineContext, manifest: Manifest, req: RestoreRequest): Promise<RestoreResult> {
  const inPlace = req.to === undefined;
  const target = restoreTarget(ctx, manifest, req.to);
  const reason = req.reason ?? 'restore';
  const targetExists = await exists(target);
  await checkRestoreTarget(manifest, target, { inPlace, targetExists, reason, whileOpen: req.whileOpen });
  const run: RestoreRun = {
    ctx,
    manifest,
    req,
    target,
    reason,
    inPlace,
    temp: path.join(path.dirname(target), `.${path.basename(target)}.lifeboat-restore-${manifest.id}.tmp`),
    pending: path.join(pendingRestoresDir(ctx), `${manifest.id}-${process.pid}.json`),
    report: (phase, done, total) => req.onProgress?.({ phase, done, total, unit: 'bytes' }),
    replaced: false,
  };
  await ensureDir(pendingRestoresDir(ctx));
  await writeFileDurable(run.pending, JSON.stringify({ temp: run.temp, target, id: manifest.id, startedAt: ctx.now().toISOString() }));
  try {
    await materialise(run);
    // In place over an existing database: safety copy first. Otherwise (a new file with --to, or the
    // database is gone) there is nothing to protect.
    return inPlace && targetExists ? await replaceExisting(run) : await renameNew(run);
  } catch (e) {
    await rm(run.temp, { force: true });
    await rm(`${run.temp}-journal`, { force: true });
    await rm(run.pending, { force: true });
    // The live database was not changed (SQLite rolled its transaction back, or nothing was renamed):
    // the safety copy taken for this restore would only make `undo` bring back what is already there.
    if (run.safetyCopy && !run.replaced) await discardSafetyCopy(ctx, run.safetyCopy);
    throw e;
  }
}

/** Refuses a restore that must not start: onto an existing file with --to, into a missing folder, over a database open elsewhere, onto a full disk. */
async function checkRestoreTarget(manifest: Manifest, target: string, o: { inPlace: boolean; targetExists: boolean; reason: 'restore' | 'undo'; whileOpen?: boolean }): Promise<void> {
  if (!o.inPlace) {
    for (const f of [target, ...COMPANIONS.map((c) => target + c)]) {
      if (await exists(f)) throw new LifeboatError('exists', `${f} already exists`, 'Restore to a path that does not exist yet (Lifeboat never overwrites a file with --to)');
    }
  }
  const dir = path.dirname(target);
  if (!(await exists(dir))) throw new LifeboatError('not-found', `The folder ${dir} does not exist`, 'Create it first, or restore somewhere else with --to');
  if (o.inPlace && o.targetExists && !o.whileOpen) {
    const open = await findHolders([target, ...COMPANIONS.map((c) => target + c)]);
    if (open?.length) throw openElsewhere(target, open, o.reason);
  }
  await ensureFreeSpace(dir, manifest.database.bytes, 'a restore', 'Free some space and try again; nothing was changed');
}

/** Step 1: the restore point materialised next to the target (verified on the way: openRestorePoint), then integrity-checked. */
async function materialise(run: RestoreRun): Promise<void> {
  const { ctx, manifest, req } = run;
  await rm(run.temp, { force: true });
  await openRestorePoint(ctx, manifest, { to: run.temp, keys: req.keys, signal: req.signal, onProgress: (done, total) => run.report('restoring', done, total), refusal: '; nothing was restored' });
  run.report('checking', 0, 1);
  const integrity = await checkIntegrity(run.temp, ctx.settings.read().integrityCheck);
  if (integrity.status !== 'ok') {
    throw new LifeboatError('integrity-failed', `Restore point ${manifest.id} fails SQLite's integrity check (${integrity.message.split('\n')[0]}); nothing was restored`, 'Choose another restore point');
  }
  await ctx.checkpoint('restore:materialised');
}

/** Step 2, in place over an existing database: a safety copy, then the restored pages through SQLite if it can read the database, else a rename after its files are kept aside. */
async function replaceExisting(run: RestoreRun): Promise<RestoreResult> {
  const { ctx, manifest, req, target, reason } = run;
  const source = getSource(ctx, manifest.source.id);
  let unreadable: LifeboatError | undefined;
  run.report('safety-copy', 0, 1);
  try {
    run.safetyCopy = await backupLocked(ctx, { source, trigger: 'safety', safety: { before: reason, restoring: manifest.id }, signal: req.signal, onProgress: req.onProgress });
  } catch (e) {
    if (isLifeboatError(e) && ['not-sqlite', 'corrupt', 'empty-file'].includes(e.code)) unreadable = e;
    else throw e;
  }
  if (run.safetyCopy) {
    // Noted before the database is touched: if this process dies from here on, the next start
    // cannot tell whether the restore committed, so it records it as interrupted and `undo`
    // brings back this safety copy (the database as it was just before).
    await writeFileDurable(run.pending, JSON.stringify({ temp: run.temp, target, id: manifest.id, startedAt: ctx.now().toISOString(), sourceId: source.id, safetyCopyId: run.safetyCopy.id, reason }));
  }
  await ctx.checkpoint('restore:safety-copied');
  const holders = await findHolders([target, ...COMPANIONS.map((c) => target + c)]);
  if (!unreadable) {
    run.report('restoring', 0, manifest.database.bytes);
    await copyIntoLiveDatabase(run.temp, target, ctx.settings.read().busyTimeoutMs, holders);
    run.replaced = true;
    await ctx.checkpoint('restore:replaced');
    await rm(run.temp, { force: true });
    return finish(ctx, run.pending, reason, { restored: manifest, target, inPlace: true, safetyCopy: run.safetyCopy, method: 'sqlite-backup', holders: holders ?? [], requiresRestart: holders === undefined || holders.length > 0 });
  }
  // The current file is not a readable database: keep its bytes aside, then rename into place.
  if (holders === undefined || holders.length > 0) {
    throw new LifeboatError(
      'in-use',
      `${target} is unreadable and ${holders ? `held open by ${describeHolders(holders)}` : 'may be open in another program'}, so it cannot be replaced safely`,
      'Close the program using it and try again',
    );
  }
  const quarantinedTo = await quarantine(ctx, manifest.source.id, target);
  await renameIntoPlace(run.temp, target, manifest.database.journalMode, ctx);
  run.replaced = true;
  return finish(ctx, run.pending, reason, { restored: manifest, target, inPlace: true, method: 'rename', holders: [], requiresRestart: false, quarantinedTo });
}

/** Step 3, a new file (--to) or a database that is gone: renamed into place (a -wal it left kept aside, never replayed over it). */
async function renameNew(run: RestoreRun): Promise<RestoreResult> {
  const { ctx, manifest, target, inPlace } = run;
  let quarantinedTo: string | undefined;
  if (inPlace && (await Promise.all(COMPANIONS.map((c) => exists(target + c)))).some(Boolean)) {
    // A -wal left by the vanished database must never be replayed over the restored one.
    quarantinedTo = await quarantine(ctx, manifest.source.id, target);
  }
  await renameIntoPlace(run.temp, target, manifest.database.journalMode, ctx);
  run.replaced = true;
  return finish(ctx, run.pending, run.reason, { restored: manifest, target, inPlace, method: 'rename', holders: [], requiresRestart: false, ...(quarantinedTo ? { quarantinedTo } : {}) });
}

/** Ends a restore that changed its target: the pending note goes, and an in-place restore is recorded for `undo`. */
async function finish(ctx: EngineContext, pending: string, reason: 'restore' | 'undo', result: RestoreResult): Promise<RestoreResult> {
  if (result.inPlace) {
    ctx.catalog.recordRestore({
      sourceId: result.restored.source.id,
      restoredId: result.restored.id,
      safetyCopyId: result.safetyCopy?.id,
      target: result.target,
      reason,
      at: ctx.now().toISOString(),
      quarantinedTo: result.quarantinedTo,
    });
  }
  await rm(pending, { force: true });
  ctx.events.emit('restore-finished', { restoredId: result.restored.id, target: result.target, safetyCopyId: result.safetyCopy?.id, requiresRestart: result.requiresRestart });
  return result;
}


/**
 * Where a restore writes: `to` (a new file), else the registered source's own path. Never a path
 * read from a manifest: a manifest can come from a destination anyone may write to, and it must
 * not choose which file is overwritten. A restore point of a database not registered here needs `to`.
 */
export function restoreTarget(ctx: EngineContext, manifest: Pick<Manifest, 'id' | 'source'>, to: string | undefined): string {
  if (to !== undefined) return path.resolve(to);
  const registered = listSources(ctx).find((s) => s.id === manifest.source.id);
  if (registered) return registered.path;
  throw new LifeboatError(
    'usage',
    `Restore point ${manifest.id} is of "${manifest.source.id}", which is not a database registered on this machine, so it cannot be restored in place`,
    `Restore it into a new file with --to PATH (the app asks where), or register the database it belongs to first: \`lifeboat sources add PATH --name ${manifest.source.id}\``,
  );
}

/**
 * Writes the restored pages into the live database through SQLite's backup API: one write
 * transaction under SQLite's own locks, so other connections see the restored content and a crash
 * mid-way is rolled back by SQLite's journal. Waits for a writer holding the database.
 */
async function copyIntoLiveDatabase(restored: string, target: string, busyTimeoutMs: number, holders: Holder[] | undefined): Promise<void> {
  const src = new Database(restored, { readonly: true, fileMustExist: true });
  const deadline = Date.now() + busyTimeoutMs;
  const stillBusy = () =>
    new LifeboatError(
      'in-use',
      `${target} is busy in another program${holders?.length ? ` (${describeHolders(holders)})` : ''} that kept it locked for ${Math.round(busyTimeoutMs / 1000)} s`,
      'Close that program (or let it finish its work) and restore again; the database was not changed',
    );
  try {
    for (;;) {
      const result = await src.backup(target, {
        progress: () => {
          if (Date.now() > deadline) throw stillBusy();
          return 0x7fffffff;
        },
      });
      if (result.totalPages > 0) return;
      if (Date.now() > deadline) throw stillBusy();
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    const code = errorCode(e) ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw stillBusy();
    if (code.startsWith('SQLITE_READONLY')) {
      throw new LifeboatError('read-only', `SQLite refused to write ${target} (${(e as Error).message})`, 'Check that the file is writable; a WAL database with a different page size has to be restored with --to');
    }
    throw explainWriteError(e, path.dirname(target));
  } finally {
    src.close();
  }
}

/**
 * Puts a checked copy in place with one atomic rename, restoring the journal mode it had. The file
 * it replaces keeps its mode (and its owner, where this process may set it): a restore never makes
 * a database more readable than it was. A new file (or one whose database was gone) stays owner-only.
 */
async function renameIntoPlace(temp: string, target: string, journalMode: string, ctx: EngineContext): Promise<void> {
  const replaced = await stat(target).catch(() => undefined);
  if (journalMode === 'wal') {
    const db = new Database(temp);
    db.pragma('journal_mode = WAL');
    db.close();
  }
  if (replaced) await takeModeAndOwner(temp, replaced);
  await fsyncFile(temp);
  await ctx.checkpoint('restore:swapping');
  await rename(temp, target);
  await fsyncDir(path.dirname(target));
}

/** Gives `file` the owner (where permitted) and then the mode of `like`. */
async function takeModeAndOwner(file: string, like: Stats): Promise<void> {
  if (process.platform !== 'win32' && (like.uid !== process.getuid?.() || like.gid !== process.getgid?.())) {
    try {
      await chown(file, like.uid, like.gid);
    } catch (e) {
      if (errorCode(e) !== 'EPERM') throw e; // only root may give a file away: it stays ours
    }
  }
  await chmod(file, like.mode & 0o7777);
}

/**
 * Copies a database's files (main, -wal, -shm, -journal) into the vault's quarantine folder and
 * then removes the companions beside the target, so nothing is lost and nothing stale is replayed.
 */
async function quarantine(ctx: EngineContext, sourceId: string, target: string): Promise<string> {
  const stamp = ctx.now().toISOString().replace(/[-:.]/g, '');
  const dir = path.join(ctx.dataDir, 'quarantine', `${sourceId}-${stamp}`);
  await ensureDir(dir);
  for (const suffix of ['', ...COMPANIONS]) {
    const file = target + suffix;
    if (!(await exists(file))) continue;
    const copy = path.join(dir, path.basename(file));
    await copyFile(file, copy);
    await fsyncFile(copy);
  }
  await fsyncDir(dir);
  for (const c of COMPANIONS) await rm(target + c, { force: true });
  return dir;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finishes what an interrupted restore left: its temp copy next to the target is removed (the
 * target itself is intact: SQLite rolls back a half-written transaction, and a rename is atomic).
 * One that died after taking its safety copy is recorded as an interrupted restore, so `undo`
 * puts the database back as it was just before it (whether or not the restore got through).
 */
export async function recoverInterruptedRestores(ctx: EngineContext): Promise<string[]> {
  const dir = pendingRestoresDir(ctx);
  const names = await readdir(dir).catch(() => [] as string[]);
  const cleaned: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = path.join(dir, name);
    const pid = Number(/-(\d+)\.json$/.exec(name)?.[1]);
    if (pid && pid !== process.pid && isProcessAlive(pid)) continue; // still running elsewhere
    try {
      const record = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      if (typeof record.temp === 'string' && path.basename(record.temp).includes('.lifeboat-restore-')) {
        await rm(record.temp, { force: true });
        await rm(`${record.temp}-journal`, { force: true });
        cleaned.push(record.temp);
      }
      // It died after its safety copy: whether or not it committed, undo goes back to just before it.
      const { sourceId, safetyCopyId, id, target, reason, startedAt } = record;
      if (typeof safetyCopyId === 'string' && typeof sourceId === 'string' && typeof id === 'string' && typeof target === 'string' && ctx.catalog.get(safetyCopyId)) {
        ctx.catalog.recordRestore({ sourceId, restoredId: id, safetyCopyId, target, reason: changeReasonOf(reason), at: typeof startedAt === 'string' ? startedAt : ctx.now().toISOString(), interrupted: true });
      }
    } catch {
      // unreadable record: nothing we can safely remove
    }
    await rm(file, { force: true });
  }
  return cleaned;
}

/**
 * What `undo` would take back: the last in-place change that succeeded (a restore, an undo, rows
 * brought back; of one source, or of any) and the safety copy recorded with it. Lifeboat's own
 * record decides, never the dates or triggers inside manifests (a restore point pulled from a
 * destination can claim anything). Undefined when there is nothing to undo or the last change had
 * no safety copy (see `undo` for why).
 */
export function lastChange(ctx: EngineContext, sourceId?: string): LastChange | undefined {
  const record = ctx.catalog.lastRestore(sourceId);
  const safetyCopy = record?.safetyCopyId ? ctx.catalog.get(record.safetyCopyId) : undefined;
  return record && safetyCopy ? { safetyCopy, reason: record.reason, restoredId: record.restoredId } : undefined;
}

/** The last in-place change `undo` would take back: the safety copy it brings back, and what the change was. */
export interface LastChange {
  safetyCopy: Manifest;
  reason: ChangeReason;
  /** The restore point restored, or whose rows were brought back. */
  restoredId: string;
}

/** The refusal of an in-place restore (or undo) while programs have the database open, naming them. */
function openElsewhere(target: string, holders: Holder[], reason: 'restore' | 'undo'): LifeboatError {
  const who = holderNames(holders);
  return new LifeboatError(
    'in-use',
    `${who} has ${target} open, so the ${reason === 'undo' ? 'undo' : 'restore'} did not start (nothing was changed)`,
    `Close ${who} and try again: a program that keeps data in memory would write it back over the restored database. To go ahead while it stays open, add --while-open (in the app, confirm a second time), then restart ${who}`,
  );
}

/** Puts back the database as it was before the last restore or rows brought back (itself undoable: it takes a safety copy). */
export async function undo(ctx: EngineContext, opts: { sourceId?: string; waitMs?: number; keys?: DecryptWith; onProgress?: (p: JobProgress) => void; signal?: AbortSignal; whileOpen?: boolean } = {}): Promise<RestoreResult> {
  const record = ctx.catalog.lastRestore(opts.sourceId);
  if (!record) throw new LifeboatError('not-found', `There is no restore to undo${opts.sourceId ? ` for ${opts.sourceId}` : ''}`, 'Undo puts back the database as it was before the last restore Lifeboat made in place');
  if (!record.safetyCopyId) {
    throw new LifeboatError(
      'not-found',
      `The last restore of ${record.sourceId} (${record.at}) replaced a database that was unreadable or missing, so there is no safety copy to go back to`,
      record.quarantinedTo ? `The files it replaced were kept in ${record.quarantinedTo}` : 'Restore another restore point instead (`lifeboat list`)',
    );
  }
  if (!ctx.catalog.get(record.safetyCopyId)) {
    throw new LifeboatError('not-found', `The safety copy ${record.safetyCopyId} taken before the last restore of ${record.sourceId} is no longer in the vault`, 'It was deleted or pruned; restore another restore point instead (`lifeboat list`)');
  }
  return restore(ctx, { id: record.safetyCopyId, reason: 'undo', waitMs: opts.waitMs, keys: opts.keys, onProgress: opts.onProgress, signal: opts.signal, whileOpen: opts.whileOpen });
}

