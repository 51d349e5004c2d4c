// The backup part of the Engine: a restore point of a registered source, or of a database path
// (registered first), with the source's compression and encryption, and retention after it.
import type { Manifest, Schedule } from '../../../shared/model.ts';
import { resolveEncryption, type EncryptRequest } from '../artifact/keys.ts';
import { isLifeboatError } from '../common/errors.ts';
import { backup, type BackupRequest } from '../vault/backup.ts';
import type { EngineContext } from '../vault/context.ts';
import { prune } from '../vault/prune.ts';
import { listRestorePoints } from '../vault/restore-points.ts';
import { addSource, findSourceByPath, getSource, removeSource } from '../vault/sources.ts';

export type BackupTarget = { sourceId: string } | { path: string };
export type BackupOptions = Omit<BackupRequest, 'source' | 'encryption' | 'compressLevel'> & {
  compressLevel?: number | false;
  encrypt?: EncryptRequest;
  /** Apply the source's retention in the vault after a good backup (the default; false skips it once). */
  prune?: boolean;
  /**
   * The first backup of a source registered just for it (the app adds a database, then backs it
   * up): a database it finds damaged is not kept as a source, as with a path target.
   */
  firstBackup?: boolean;
  /** The schedule a database registered by this backup (a path target) gets; none when absent. */
  newSourceSchedule?: Schedule;
};

/** Errors that say the database itself is damaged (not busy, not too large: settings fix those). */
const DAMAGED = ['corrupt', 'not-sqlite', 'empty-file', 'hot-journal'];

/** Backs up a registered source, or a database path (registering it first); see BackupOptions. */
export async function backUp(ctx: EngineContext, target: BackupTarget, req: BackupOptions): Promise<Manifest> {
  const known = 'path' in target ? await findSourceByPath(ctx, target.path).catch(() => undefined) : undefined;
  const source = 'sourceId' in target ? getSource(ctx, target.sourceId) : (known ?? (await addSource(ctx, target.path, req.newSourceSchedule ? { schedule: req.newSourceSchedule } : {})));
  const registeredForIt = ('path' in target && !known) || (req.firstBackup === true && listRestorePoints(ctx, { sourceId: source.id }).length === 0);
  let manifest: Manifest;
  try {
    const compressLevel = req.compressLevel === false ? undefined : (req.compressLevel ?? source.compressLevel);
    const encryption = await resolveEncryption(ctx, source, req.encrypt);
    manifest = await backup(ctx, { ...req, source, compressLevel, encryption });
    // A damaged database registered by this very backup is not kept as a source (its failed copy stays, for whoever repairs it).
    if (registeredForIt && manifest.integrity.status !== 'ok') removeSource(ctx, source.id);
  } catch (e) {
    // Nor one whose first backup found it damaged. (A database too large, or busy, stays: its settings fix that.)
    const damaged = isLifeboatError(e) && DAMAGED.includes(e.code);
    if (registeredForIt && damaged && listRestorePoints(ctx, { sourceId: source.id }).length === 0) removeSource(ctx, source.id);
    throw e;
  }
  if (req.prune !== false && manifest.integrity.status === 'ok') await pruneAfterBackup(ctx, source.id);
  return manifest;
}

/**
 * Whoever takes a backup (the app, the daemon, `lifeboat backup`) applies retention after it, so
 * hourly backups never fill the disk. A failure here never fails the backup: it is told.
 */
async function pruneAfterBackup(ctx: EngineContext, sourceId: string): Promise<void> {
  try {
    const [result] = await prune(ctx, { sourceId, collect: 'when-due' });
    ctx.events.emit('retention-applied', { sourceId, removed: result?.remove.map((d) => d.id) ?? [] });
  } catch (e) {
    ctx.events.emit('retention-applied', { sourceId, removed: [], error: isLifeboatError(e) ? e.oneLine : String(e) });
  }
}
