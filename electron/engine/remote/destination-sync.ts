// What each destination should hold, and keeping it so: the restore points its retention keeps
// among those it receives (the history too, for a destination added later), what it lacks once
// the catalog was rebuilt (read from the destination itself), and its own retention, which never
// deletes what it should hold, so uploads and pruning never undo each other.
import type { Destination, Manifest, Replica, RetentionPolicy, Source } from '../../../shared/model.ts';
import type { EngineContext } from '../vault/context.ts';
import { RECONCILE_NOTE } from '../vault/open.ts';
import { isLifeboatError } from '../common/errors.ts';
import type { ConfiguredDestination } from '../storage/restore-points.ts';
import { failedVerificationIds, retentionOptions } from '../vault/prune.ts';
import { planRetention, type RetentionDecision } from '../vault/retention.ts';
import { effectiveRetention, type Settings } from '../common/settings.ts';


/** A destination's retention for one source: its own rules over the source's over the global ones. */
export function destinationPolicy(settings: Settings, source: Source | undefined, destination: Destination): RetentionPolicy {
  return { ...effectiveRetention(settings, source), ...(destination.retention ?? {}) };
}

/** Whether `destination` receives `manifest` on its own (the automatic rules: trigger, the source's switch). */
export function receives(manifest: Manifest, destination: Destination, sources: Source[]): boolean {
  if (!destination.enabled || manifest.trigger === 'safety') return false;
  if (sources.find((s) => s.id === manifest.source.id)?.autoUpload === false) return false;
  return destination.upload[manifest.trigger];
}

function bySource<T>(items: T[], sourceOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) out.set(sourceOf(t), [...(out.get(sourceOf(t)) ?? []), t]);
  return out;
}

/**
 * The vault's restore points that `destination` should hold: among those it receives (good ones:
 * integrity ok, no failed verification), the ones its retention keeps. A destination added later
 * gets exactly these, history included.
 */
export function wantedAt(ctx: EngineContext, destination: Destination, all: Manifest[] = ctx.catalog.list()): Manifest[] {
  const settings = ctx.settings.read();
  const sources = settings.sources;
  const bad = failedVerificationIds(ctx);
  const eligible = all.filter((m) => receives(m, destination, sources) && m.integrity.status === 'ok' && !bad.has(m.id));
  const keep = new Set<string>();
  for (const [sourceId, points] of bySource(eligible, (m) => m.source.id)) {
    const policy = destinationPolicy(settings, sources.find((s) => s.id === sourceId), destination);
    for (const d of planRetention(points, policy, retentionOptions(ctx)).keep) keep.add(d.id);
  }
  return eligible.filter((m) => keep.has(m.id));
}

/** Queues (status pending) what each enabled destination should hold and has no copy of yet; returns the new replicas. */
export function queueMissing(ctx: EngineContext, targets: ConfiguredDestination[]): Replica[] {
  const queued: Replica[] = [];
  const all = ctx.catalog.list();
  for (const { destination } of targets) {
    if (!destination.enabled) continue;
    const known = new Set(ctx.catalog.replicas({ destinationId: destination.id }).map((r) => r.restorePointId));
    for (const m of wantedAt(ctx, destination, all)) {
      if (known.has(m.id)) continue;
      const replica: Replica = { restorePointId: m.id, destinationId: destination.id, status: 'pending', attempts: 0 };
      ctx.catalog.upsertReplica(replica);
      ctx.events.emit('replica-changed', { replica });
      queued.push(replica);
    }
  }
  return queued;
}

export interface ReconcileResult {
  destinationId: string;
  /** Restore points the destination holds (read from it), when it could be read. */
  held?: number;
  /** Copies queued because the destination lacks them (or could not be read). */
  queued: number;
  error?: string;
}

/**
 * After the catalog was rebuilt (it was lost or damaged: its record of copies went with it), reads
 * what each enabled destination holds, records those copies, and queues what it lacks. A
 * destination that cannot be read gets everything it should hold queued (copying is idempotent);
 * the note stays until every destination was read.
 */
export async function reconcileDestinations(ctx: EngineContext, targets: ConfiguredDestination[]): Promise<ReconcileResult[]> {
  const inVault = new Set(ctx.catalog.ids());
  const results: ReconcileResult[] = [];
  let allRead = true;
  for (const target of targets) {
    const { destination } = target;
    if (!destination.enabled) continue;
    let held: number | undefined;
    let error: string | undefined;
    try {
      const { points: remote } = await target.store.list();
      held = remote.length;
      const completed = new Set(ctx.catalog.replicas({ destinationId: destination.id }).filter((r) => r.status === 'completed').map((r) => r.restorePointId));
      for (const { manifest, remoteId } of remote) {
        if (!inVault.has(manifest.id) || completed.has(manifest.id)) continue;
        ctx.catalog.upsertReplica({ restorePointId: manifest.id, destinationId: destination.id, status: 'completed', remoteId, bytes: manifest.artifact.bytes, sha256: manifest.artifact.sha256, attempts: 0, finishedAt: ctx.now().toISOString() });
      }
    } catch (e) {
      allRead = false;
      error = isLifeboatError(e) ? e.oneLine : String(e);
    }
    results.push({ destinationId: destination.id, held, queued: queueMissing(ctx, [target]).length, ...(error ? { error } : {}) });
  }
  if (allRead) ctx.catalog.setNote(RECONCILE_NOTE, undefined);
  return results;
}

export interface DestinationPlan {
  keep: RetentionDecision[];
  remove: RetentionDecision[];
}

/**
 * What a destination's retention removes from what it holds (`held`, read from it). Planned over
 * what it holds together with what it should receive from the vault, so both sides agree; and what
 * it should hold (`wantedAt`) is never removed, so pruning never deletes what the upload queue
 * would send again.
 */
export function planAtDestination(ctx: EngineContext, destination: Destination, held: Manifest[], sourceId?: string): Map<string, DestinationPlan> {
  const settings = ctx.settings.read();
  const all = ctx.catalog.list();
  const wanted = new Set(wantedAt(ctx, destination, all).map((m) => m.id));
  const sources = settings.sources;
  const heldIds = new Set(held.map((m) => m.id));
  const vaultSide = all.filter((m) => !heldIds.has(m.id) && wanted.has(m.id));
  const plans = new Map<string, DestinationPlan>();
  for (const [id, points] of bySource([...held, ...vaultSide], (m) => m.source.id)) {
    if (sourceId && id !== sourceId) continue;
    const policy = destinationPolicy(settings, sources.find((s) => s.id === id), destination);
    // Pins count from either side.
    const marked = points.map((p) => ({ ...p, pinned: p.pinned || ctx.catalog.get(p.id)?.pinned === true }));
    const plan = planRetention(marked, policy, retentionOptions(ctx));
    const keep = plan.keep.filter((d) => heldIds.has(d.id));
    const remove: RetentionDecision[] = [];
    for (const d of plan.remove) {
      if (!heldIds.has(d.id)) continue;
      if (wanted.has(d.id)) keep.push({ ...d, reasons: ['kept in the vault, so kept here too'] });
      else remove.push(d);
    }
    plans.set(id, { keep, remove });
  }
  return plans;
}
