// Prune: apply each source's retention policy to the vault. Deletes only restore points described by
// a valid manifest in the vault (never a file Lifeboat did not create), manifest first so a
// restore point stops being listed before its bytes go.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../../shared/model.ts';
import { sourceLockFile, type EngineContext } from './context.ts';
import { fsyncDir } from './durable-fs.ts';
import { withLock } from './locks.ts';
import { artifactPath, manifestPath } from './manifest.ts';
import { planRetention, type RetentionDecision } from './retention.ts';
import { effectiveRetention } from './settings.ts';
import { listSources } from './sources.ts';
import { requireVault, scanVault } from './vault.ts';
import type { ConfiguredDestination } from './replication.ts';
import { isLifeboatError, LifeboatError } from './errors.ts';
import { loadRestorePoint } from './restore-points.ts';
import { readManifest } from './manifest.ts';

export interface PruneResult {
  sourceId: string;
  keep: RetentionDecision[];
  remove: RetentionDecision[];
  dryRun: boolean;
}

/** Plans (and unless `dryRun`, carries out) retention for every source, or one. */
export async function prune(ctx: EngineContext, opts: { sourceId?: string; dryRun?: boolean; timeZone?: string } = {}): Promise<PruneResult[]> {
  const settings = ctx.settings.read();
  await requireVault(ctx.vaultDir);
  const { manifests } = await scanVault(ctx.vaultDir);
  const bySource = new Map<string, Manifest[]>();
  for (const m of manifests) {
    if (opts.sourceId && m.source.id !== opts.sourceId) continue;
    bySource.set(m.source.id, [...(bySource.get(m.source.id) ?? []), m]);
  }
  const results: PruneResult[] = [];
  for (const [sourceId, points] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
    const source = listSources(ctx).find((s) => s.id === sourceId);
    const plan = planRetention(points, effectiveRetention(settings, source), { now: ctx.now(), safetyWindowDays: settings.safetyWindowDays, timeZone: opts.timeZone });
    if (!opts.dryRun && plan.remove.length > 0) {
      await withLock(sourceLockFile(ctx, sourceId), `pruning ${sourceId}`, async () => {
        for (const d of plan.remove) {
          const m = points.find((p) => p.id === d.id) as Manifest;
          await rm(manifestPath(ctx.vaultDir, m), { force: true });
          await rm(artifactPath(ctx.vaultDir, m), { force: true });
          ctx.catalog.remove(m.id);
        }
        await fsyncDir(path.join(ctx.vaultDir, sourceId));
      });
      ctx.events.emit('restore-points-removed', { ids: plan.remove.map((d) => d.id) });
    }
    results.push({ sourceId, ...plan, dryRun: opts.dryRun ?? false });
  }
  return results;
}

/**
 * Deletes one restore point from the vault at the person's request (copies at destinations stay).
 * Refuses a pinned one and the newest restore point of a source that passed its integrity check:
 * deleting that would leave the database with nothing good to go back to.
 */
export async function deleteRestorePoint(ctx: EngineContext, idOrPrefix: string): Promise<Manifest> {
  const found = await loadRestorePoint(ctx, idOrPrefix);
  return withLock(sourceLockFile(ctx, found.source.id), `deleting ${found.id}`, async () => {
    const m = await readManifest(ctx.vaultDir, manifestPath(ctx.vaultDir, found));
    if (m.pinned) throw new LifeboatError('usage', `Restore point ${m.id} is pinned`, 'Unpin it first if you really want to delete it');
    const newestGood = ctx.catalog.list({ sourceId: m.source.id }).find((p) => p.integrity.status === 'ok');
    if (newestGood?.id === m.id) {
      throw new LifeboatError('usage', `Restore point ${m.id} is the newest good copy of ${m.source.name}`, 'Take a new restore point first; Lifeboat never deletes the last good one');
    }
    await rm(manifestPath(ctx.vaultDir, m), { force: true });
    await rm(artifactPath(ctx.vaultDir, m), { force: true });
    ctx.catalog.remove(m.id);
    await fsyncDir(path.join(ctx.vaultDir, m.source.id));
    ctx.events.emit('restore-points-removed', { ids: [m.id] });
    return m;
  });
}

export interface DestinationPruneResult extends PruneResult {
  destinationId: string;
  error?: string;
}

/**
 * Applies retention at each destination that has its own rules (`destinations set --keep-…`).
 * It reads what the destination holds and deletes (permanently) only restore points described by a
 * valid Lifeboat manifest there; the same never-delete rules hold (pins count from either side).
 */
export async function pruneDestinations(ctx: EngineContext, targets: ConfiguredDestination[], opts: { sourceId?: string; dryRun?: boolean; timeZone?: string } = {}): Promise<DestinationPruneResult[]> {
  const settings = ctx.settings.read();
  const results: DestinationPruneResult[] = [];
  for (const { destination, driver } of targets) {
    if (!destination.retention) continue;
    let points;
    try {
      points = await driver.list();
    } catch (e) {
      results.push({ destinationId: destination.id, sourceId: opts.sourceId ?? '*', keep: [], remove: [], dryRun: opts.dryRun ?? false, error: isLifeboatError(e) ? e.oneLine : String(e) });
      continue;
    }
    const bySource = new Map<string, typeof points>();
    for (const p of points) {
      if (opts.sourceId && p.manifest.source.id !== opts.sourceId) continue;
      bySource.set(p.manifest.source.id, [...(bySource.get(p.manifest.source.id) ?? []), p]);
    }
    for (const [sourceId, list] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
      const source = listSources(ctx).find((s) => s.id === sourceId);
      const policy = { ...effectiveRetention(settings, source), ...destination.retention };
      const manifests = list.map((p) => ({ ...p.manifest, pinned: p.manifest.pinned || ctx.catalog.get(p.manifest.id)?.pinned === true }));
      const plan = planRetention(manifests, policy, { now: ctx.now(), safetyWindowDays: settings.safetyWindowDays, timeZone: opts.timeZone ?? settings.timeZone });
      if (!opts.dryRun) {
        for (const d of plan.remove) {
          const point = list.find((p) => p.manifest.id === d.id);
          if (!point) continue;
          await driver.remove(point);
          ctx.catalog.removeReplica(d.id, destination.id);
        }
      }
      results.push({ destinationId: destination.id, sourceId, ...plan, dryRun: opts.dryRun ?? false });
    }
  }
  return results;
}
