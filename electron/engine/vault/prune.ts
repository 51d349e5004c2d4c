// Prune: apply each source's retention policy to the vault. Deletes only restore points described by
// a valid manifest in the vault (never a file Lifeboat did not create), manifest first so a
// restore point stops being listed before its bytes go.
import path from 'node:path';
import type { Manifest } from '../../../shared/model.ts';
import { uploadLockFile } from '../common/data-folder.ts';
import { type EngineContext } from './context.ts';
import { fsyncDir } from '../common/durable-fs.ts';
import { acquireLock, type Lock } from '../common/locks.ts';
import { withSourceLock } from './source-lock.ts';
import { manifestPath } from './manifest.ts';
import { planRetention, type RetentionDecision, type RetentionOptions } from './retention.ts';
import { effectiveRetention } from '../common/settings.ts';
import { listSources } from './sources.ts';
import { requireVault, scanVault } from './vault.ts';
import { isLifeboatError, LifeboatError } from '../common/errors.ts';
import { loadRestorePoint, removeFromVault } from './restore-points.ts';
import { collectVaultGarbage } from './page-store.ts';
import { readManifest } from './manifest.ts';

/**
 * The one rule every retention path follows (prune, destination prune, what a destination should
 * hold, the app's preview): the engine's clock, the safety window and the time zone from settings
 * (the machine's own when unset).
 */
export function retentionOptions(ctx: EngineContext): RetentionOptions {
  const settings = ctx.settings.read();
  return { now: ctx.now(), safetyWindowDays: settings.safetyWindowDays, timeZone: settings.timeZone };
}

/** Restore points whose last verification failed: damaged in the vault, never sent anywhere. */
export function failedVerificationIds(ctx: EngineContext): Set<string> {
  return new Set([...ctx.catalog.verifications().values()].filter((v) => v.status === 'failed').map((v) => v.id));
}

export interface PruneResult {
  sourceId: string;
  keep: RetentionDecision[];
  remove: RetentionDecision[];
  dryRun: boolean;
}

/**
 * Takes the upload locks of the copies of `id` still on their way (so none starts), or none and
 * false when one is being made right now (retention leaves that restore point for next time).
 */
async function holdUploads(ctx: EngineContext, id: string): Promise<Lock[] | false> {
  const held: Lock[] = [];
  for (const r of ctx.catalog.replicas({ restorePointId: id })) {
    if (r.status === 'completed') continue;
    try {
      held.push(await acquireLock(uploadLockFile(ctx, r.destinationId, id), `retention removing ${id}`));
    } catch (e) {
      for (const l of held) await l.release();
      if (isLifeboatError(e) && e.code === 'busy') return false;
      throw e;
    }
  }
  return held;
}

/**
 * Plans (and unless `dryRun`, carries out) retention for every source, or one. Garbage collection of
 * the page store follows when page-level restore points went: at once, or with `collect:
 * 'when-due'` (after every backup) at most once a day.
 */
export async function prune(ctx: EngineContext, opts: { sourceId?: string; dryRun?: boolean; collect?: 'now' | 'when-due' } = {}): Promise<PruneResult[]> {
  const settings = ctx.settings.read();
  await requireVault(ctx.vaultDir);
  const { manifests } = await scanVault(ctx.vaultDir);
  const bySource = new Map<string, Manifest[]>();
  for (const m of manifests) {
    if (opts.sourceId && m.source.id !== opts.sourceId) continue;
    bySource.set(m.source.id, [...(bySource.get(m.source.id) ?? []), m]);
  }
  const results: PruneResult[] = [];
  const removedPages: string[] = [];
  for (const [sourceId, points] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
    const source = listSources(ctx).find((s) => s.id === sourceId);
    const plan = planRetention(points, effectiveRetention(settings, source), { ...retentionOptions(ctx), failedVerification: failedVerificationIds(ctx) });
    if (!opts.dryRun && plan.remove.length > 0) {
      const removed: string[] = [];
      await withSourceLock(ctx, sourceId, `pruning ${sourceId}`, async () => {
        for (const d of plan.remove) {
          const m = points.find((p) => p.id === d.id) as Manifest;
          const uploads = await holdUploads(ctx, m.id);
          if (!uploads) continue; // being copied right now: next time
          try {
            await removeFromVault(ctx, m);
            removed.push(m.id);
            if (m.pages) removedPages.push(m.id);
          } finally {
            for (const l of uploads) await l.release();
          }
        }
        await fsyncDir(path.join(ctx.vaultDir, sourceId));
      }, { waitMs: 60_000 });
      if (removed.length) ctx.events.emit('restore-points-removed', { ids: removed });
      results.push({ sourceId, keep: [...plan.keep, ...plan.remove.filter((d) => !removed.includes(d.id)).map((d) => ({ ...d, reasons: ['being copied to a destination right now; next time'] }))], remove: plan.remove.filter((d) => removed.includes(d.id)), dryRun: false });
      continue;
    }
    results.push({ sourceId, ...plan, dryRun: opts.dryRun ?? false });
  }
  // Forgotten page-level restore points free only what no restore point left in the vault needs.
  if (removedPages.length) await collectVaultGarbage(ctx, { whenDue: opts.collect === 'when-due' });
  return results;
}

/**
 * Deletes one restore point from the vault at the person's request (copies at destinations stay).
 * Refuses a pinned one and the newest restore point of a source that passed its integrity check:
 * deleting that would leave the database with nothing good to go back to.
 */
export async function deleteRestorePoint(ctx: EngineContext, idOrPrefix: string): Promise<Manifest> {
  const found = await loadRestorePoint(ctx, idOrPrefix);
  return withSourceLock(ctx, found.source.id, `deleting ${found.id}`, async () => {
    const m = await readManifest(ctx.vaultDir, manifestPath(ctx.vaultDir, found));
    if (m.pinned) throw new LifeboatError('usage', `Restore point ${m.id} is pinned`, 'Unpin it first if you really want to delete it');
    const newestGood = ctx.catalog.list({ sourceId: m.source.id }).find((p) => p.integrity.status === 'ok');
    if (newestGood?.id === m.id) {
      throw new LifeboatError('usage', `Restore point ${m.id} is the newest good copy of ${m.source.name}`, 'Take a new restore point first; Lifeboat never deletes the last good one');
    }
    await removeFromVault(ctx, m);
    await fsyncDir(path.join(ctx.vaultDir, m.source.id));
    ctx.events.emit('restore-points-removed', { ids: [m.id] });
    return m;
  });
}
