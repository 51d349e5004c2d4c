// Verification on a schedule: the newest restore point of each source (weekly by default), every
// restore point the vault keeps (monthly), and each time a sample of the copies at each destination,
// downloaded and checked as the vault's own are. A damaged vault artifact is recorded (health, list,
// retention never counts it as good); a damaged or missing copy is recorded and sent again.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../../../shared/model.ts';
import type { DecryptWith } from '../artifact/artifact-codec.ts';
import type { CopyCheckRecord } from '../vault/catalog.ts';
import { workDir } from '../common/data-folder.ts';
import { type EngineContext } from '../vault/context.ts';
import type { ConfiguredDestination, RemoteRestorePoint } from '../storage/restore-points.ts';
import { ensureDir } from '../common/durable-fs.ts';
import { isLifeboatError } from '../common/errors.ts';
import { verifyArtifactFile, verifyRestorePoint, type VerifyResult } from './verify.ts';

export type VerificationScope = 'newest' | 'all';

export interface VerificationReport {
  scope: VerificationScope;
  at: string;
  restorePoints: { checked: number; failed: { id: string; sourceId: string; message: string }[]; unchecked: number };
  copies: { checked: number; failed: CopyCheckRecord[]; unchecked: number; unreachable: { destinationId: string; error: string }[] };
}

export interface VerificationOptions {
  keys?: DecryptWith;
  /** Copies checked at each destination (oldest-checked first, so all get their turn). */
  sample?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** The restore points a scheduled verification checks: the newest of each source, or all the vault keeps. */
export function pointsToVerify(ctx: EngineContext, scope: VerificationScope): Manifest[] {
  const all = ctx.catalog.list().filter((m) => m.trigger !== 'safety');
  if (scope === 'all') return all;
  const newest = new Map<string, Manifest>();
  for (const m of all) if (!newest.has(m.source.id)) newest.set(m.source.id, m); // the list is newest first
  return [...newest.values()];
}

/**
 * Downloads one copy from a destination and checks it like a vault artifact (stored SHA-256, and
 * the database inside when a key opens it). A copy that fails is recorded and queued to be sent
 * again; the restore point in the vault is untouched.
 */
export async function verifyCopy(ctx: EngineContext, target: ConfiguredDestination, point: RemoteRestorePoint, opts: VerificationOptions = {}): Promise<CopyCheckRecord> {
  // Downloaded into Lifeboat's private scratch folder, named for this process, so what a killed
  // check leaves is removed at the next start (leftovers.ts).
  const dir = workDir(ctx);
  await ensureDir(dir);
  const temp = path.join(dir, `${process.pid}-check-${target.destination.id}-${point.manifest.id}`);
  let result: Pick<VerifyResult, 'status' | 'message'>;
  try {
    await rm(temp, { force: true });
    if (point.manifest.pages && target.store.checkPages) {
      // A page-level copy: every blob it needs there, read and checked against its id.
      await target.store.checkPages(point.manifest, { signal: opts.signal });
      result = { status: 'ok', message: 'ok' };
    } else {
      await target.store.fetch(point, temp, { signal: opts.signal });
      result = await verifyArtifactFile(ctx, point.manifest, temp, { keys: opts.keys, signal: opts.signal });
    }
  } catch (e) {
    // A destination that cannot be reached now is not a damaged copy: the caller reports it.
    if (opts.signal?.aborted || (isLifeboatError(e) && ['busy', 'wrong-key', 'not-found', 'disk-full'].includes(e.code))) throw e;
    // A copy that cannot be downloaded whole (truncated, gone) is a failed copy.
    result = { status: 'failed', message: isLifeboatError(e) ? e.message : (e as Error).message };
  } finally {
    await rm(temp, { force: true });
  }
  const record: CopyCheckRecord = { id: point.manifest.id, destinationId: target.destination.id, at: ctx.now().toISOString(), status: result.status, message: result.message };
  ctx.catalog.recordCopyCheck(record);
  if (result.status === 'failed') sendAgain(ctx, target, point.manifest.id, `the copy at ${target.destination.name} failed its check (${result.message}); it is sent again`);
  return record;
}

/** Marks a copy as failed and due now, so the upload queue sends it again. */
function sendAgain(ctx: EngineContext, target: ConfiguredDestination, restorePointId: string, error: string): void {
  const previous = ctx.catalog.replicas({ restorePointId, destinationId: target.destination.id })[0];
  const replica = { restorePointId, destinationId: target.destination.id, status: 'failed' as const, attempts: previous?.attempts ?? 0, error, finishedAt: ctx.now().toISOString(), nextAttemptAt: ctx.now().toISOString() };
  ctx.catalog.upsertReplica(replica);
  ctx.events.emit('replica-changed', { replica });
}

/** Runs one scheduled verification: the restore points of `scope` in the vault, then a sample of copies at each enabled destination. */
export async function runVerification(ctx: EngineContext, targets: ConfiguredDestination[], scope: VerificationScope, opts: VerificationOptions = {}): Promise<VerificationReport> {
  const report: VerificationReport = {
    scope,
    at: ctx.now().toISOString(),
    restorePoints: { checked: 0, failed: [], unchecked: 0 },
    copies: { checked: 0, failed: [], unchecked: 0, unreachable: [] },
  };
  const points = pointsToVerify(ctx, scope);
  const sample = opts.sample ?? 2;
  const enabled = targets.filter((t) => t.destination.enabled);
  const total = points.length + enabled.length * sample;
  let done = 0;
  for (const m of points) {
    if (opts.signal?.aborted) throw new Error('cancelled');
    let r: Pick<VerifyResult, 'id' | 'sourceId' | 'status' | 'message'>;
    try {
      r = await verifyRestorePoint(ctx, m.id, { keys: opts.keys, signal: opts.signal });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      // Retention may have removed it meanwhile; anything else (a manifest that changed) is a failure.
      if (isLifeboatError(e) && e.code === 'unknown-restore-point') continue;
      r = { id: m.id, sourceId: m.source.id, status: 'failed', message: isLifeboatError(e) ? e.message : (e as Error).message };
      ctx.catalog.recordVerification({ id: m.id, at: ctx.now().toISOString(), status: 'failed', message: r.message });
    }
    report.restorePoints.checked++;
    if (r.status === 'failed') report.restorePoints.failed.push({ id: r.id, sourceId: r.sourceId, message: r.message });
    if (r.status === 'unchecked') report.restorePoints.unchecked++;
    opts.onProgress?.(++done, total);
  }
  if (sample <= 0) return report;
  const inVault = ctx.catalog.ids();
  for (const target of enabled) {
    const id = target.destination.id;
    const checked = new Map(ctx.catalog.copyChecks(id).map((c) => [c.id, c.at]));
    // Copies the catalog says are there, least recently checked first (never checked first, newest first among those).
    const candidates = ctx.catalog
      .replicas({ destinationId: id })
      .filter((r) => r.status === 'completed' && inVault.has(r.restorePointId))
      .map((r) => r.restorePointId)
      .sort((a, b) => (checked.get(a) ?? '').localeCompare(checked.get(b) ?? '') || b.localeCompare(a))
      .slice(0, sample);
    if (candidates.length === 0) continue;
    let listing: RemoteRestorePoint[];
    try {
      ({ points: listing } = await target.store.list());
    } catch (e) {
      report.copies.unreachable.push({ destinationId: id, error: isLifeboatError(e) ? e.oneLine : String(e) });
      continue;
    }
    for (const restorePointId of candidates) {
      if (opts.signal?.aborted) throw new Error('cancelled');
      const point = listing.find((p) => p.manifest.id === restorePointId);
      let record: CopyCheckRecord;
      if (!point) {
        record = { id: restorePointId, destinationId: id, at: ctx.now().toISOString(), status: 'failed', message: `the copy is missing at ${target.destination.name}` };
        ctx.catalog.recordCopyCheck(record);
        sendAgain(ctx, target, restorePointId, `${record.message}; it is sent again`);
      } else {
        try {
          record = await verifyCopy(ctx, target, point, opts);
        } catch (e) {
          if (opts.signal?.aborted) throw e;
          report.copies.unreachable.push({ destinationId: id, error: isLifeboatError(e) ? e.oneLine : String(e) });
          break;
        }
      }
      report.copies.checked++;
      if (record.status === 'failed') report.copies.failed.push(record);
      if (record.status === 'unchecked') report.copies.unchecked++;
      opts.onProgress?.(++done, total);
    }
  }
  return report;
}
