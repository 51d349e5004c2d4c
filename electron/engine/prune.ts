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
import { scanVault } from './vault.ts';

export interface PruneResult {
  sourceId: string;
  keep: RetentionDecision[];
  remove: RetentionDecision[];
  dryRun: boolean;
}

/** Plans (and unless `dryRun`, carries out) retention for every source, or one. */
export async function prune(ctx: EngineContext, opts: { sourceId?: string; dryRun?: boolean; timeZone?: string } = {}): Promise<PruneResult[]> {
  const settings = ctx.settings.read();
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
