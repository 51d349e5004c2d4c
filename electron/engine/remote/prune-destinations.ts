// Retention at the destinations: each enabled destination's own rules applied to what it holds, read
// from the destination itself, never deleting what the vault's side says it should hold.
import type { EngineContext } from '../vault/context.ts';
import { isLifeboatError } from '../common/errors.ts';
import type { PruneResult } from '../vault/prune.ts';
import type { ConfiguredDestination } from '../storage/restore-points.ts';
import { planAtDestination } from './destination-sync.ts';
import { collectGarbageAt } from './page-copies.ts';

export interface DestinationPruneResult extends PruneResult {
  destinationId: string;
  error?: string;
}

/**
 * Applies each enabled destination's retention (its own rules over the source's and the global
 * ones) to what it holds, read from the destination itself. Deletes (permanently) only restore
 * points described by a valid Lifeboat manifest there, never one the vault's side says it should
 * hold (see planAtDestination), and the same never-delete rules hold (pins count from either side).
 */
export async function pruneDestinations(ctx: EngineContext, targets: ConfiguredDestination[], opts: { sourceId?: string; dryRun?: boolean; collect?: 'now' | 'when-due' } = {}): Promise<DestinationPruneResult[]> {
  const results: DestinationPruneResult[] = [];
  for (const { destination, store } of targets) {
    if (!destination.enabled) continue;
    let points;
    let problems: string[];
    try {
      ({ points, problems } = await store.list());
    } catch (e) {
      results.push({ destinationId: destination.id, sourceId: opts.sourceId ?? '*', keep: [], remove: [], dryRun: opts.dryRun ?? false, error: isLifeboatError(e) ? e.oneLine : String(e) });
      continue;
    }
    const plans = planAtDestination(ctx, destination, points.map((p) => p.manifest), opts.sourceId);
    const removed = new Set<string>();
    for (const [sourceId, plan] of [...plans].sort(([a], [b]) => a.localeCompare(b))) {
      if (!opts.dryRun) {
        for (const d of plan.remove) {
          const point = points.find((p) => p.manifest.id === d.id);
          if (!point) continue;
          await store.remove(point);
          ctx.catalog.removeReplica(d.id, destination.id);
          if (point.manifest.pages) removed.add(point.manifest.id);
        }
      }
      results.push({ destinationId: destination.id, sourceId, ...plan, dryRun: opts.dryRun ?? false });
    }
    // The pages only forgotten restore points needed go too (never while a manifest there could not be read).
    if (removed.size && problems.length === 0) await collectGarbageAt(ctx, { destination, store }, { whenDue: opts.collect === 'when-due' });
  }
  return results;
}
