// Copies restore points to destinations: a replica per restore point and destination, moving
// pending → uploading → completed / failed, with attempts, timings and the last error. Each
// destination succeeds or fails on its own and retries with backoff; nothing here can fail or
// remove a local restore point, and the vault works with no destination reachable at all.
import type { Destination, Manifest, Replica } from '../../../shared/model.ts';
import { uploadLockFile } from '../common/data-folder.ts';
import { isLifeboatError } from '../common/errors.ts';
import { acquireLock } from '../common/locks.ts';
import type { ConfiguredDestination } from '../storage/restore-points.ts';
import { unusableStorage, type Storage, type StorageContext } from '../storage/storage.ts';
import type { EngineContext } from '../vault/context.ts';
import { listSources } from '../vault/sources.ts';
import { prepareCopy } from './destination-encoding.ts';
import { checkPagesAt, sendPages, withPagesAt } from './page-copies.ts';
import { getDestination } from './destination-settings.ts';
import { receives } from './destination-sync.ts';
import { restorePointStore } from './restore-point-store.ts';


/**
 * Delays before attempt 2, 3, …; after the last, every 6 hours for as long as it takes (a disk
 * unplugged for a week gets its copies within hours of coming back, without anyone pushing), and
 * at once when a newer copy to the same destination succeeds.
 */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000, 6 * 60 * 60_000];

export type { ConfiguredDestination };

/** What a destination's storage may use of the engine. */
export function storageContext(ctx: EngineContext): StorageContext {
  return { dataDir: ctx.dataDir, secrets: ctx.secrets, settings: () => ctx.settings.read() };
}

/** The storage of one destination, built by its kind (which checks the destination's own settings first). */
export function storageOf(ctx: EngineContext, destination: Destination): Storage {
  return ctx.storages(destination, storageContext(ctx));
}

/**
 * A destination with the store of restore points over its storage; one whose storage cannot be
 * built (broken settings, a kind this build does not know) fails on its own, saying why.
 */
export function configured(ctx: EngineContext, destination: Destination): ConfiguredDestination {
  let storage: Storage;
  try {
    storage = storageOf(ctx, destination);
  } catch (e) {
    storage = unusableStorage(e);
  }
  const store = restorePointStore(destination, storage, { dataDir: ctx.dataDir, sleep: ctx.sleep, memo: ctx.manifestMemo });
  const target: ConfiguredDestination = { destination, store };
  store.checkPages = (manifest, o) => checkPagesAt(ctx, target, manifest, o);
  return target;
}

/** The enabled and disabled destinations in settings, in priority order, each with its store. */
export function configuredDestinations(ctx: EngineContext): ConfiguredDestination[] {
  return [...ctx.settings.read().destinations].sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id)).map((destination) => configured(ctx, destination));
}

/** The destinations to read: the one called `id` (a clear error if there is none), or every one. */
export function destinationsFor(ctx: EngineContext, id?: string): ConfiguredDestination[] {
  if (id) getDestination(ctx, id);
  return configuredDestinations(ctx).filter((t) => !id || t.destination.id === id);
}

/** Whether a fresh restore point goes to this destination automatically. */
export function uploadsAutomatically(ctx: EngineContext, manifest: Manifest, destination: Destination): boolean {
  return receives(manifest, destination, listSources(ctx));
}

/** Records the replicas a new restore point should get (status `pending`). */
export function queueReplicas(ctx: EngineContext, manifest: Manifest, destinations: ConfiguredDestination[]): Replica[] {
  const queued: Replica[] = [];
  for (const { destination } of destinations) {
    if (!uploadsAutomatically(ctx, manifest, destination)) continue;
    const replica: Replica = { restorePointId: manifest.id, destinationId: destination.id, status: 'pending', attempts: 0 };
    ctx.catalog.upsertReplica(replica);
    queued.push(replica);
  }
  return queued;
}

/**
 * Copies one restore point to one destination and records the outcome. Never throws. Holds a lock
 * per replica (freed by the OS if the process dies), so the app and the CLI never upload the same
 * one at once; a replica another process is uploading is left to it.
 */
export async function replicate(ctx: EngineContext, manifest: Manifest, target: ConfiguredDestination, opts: { onBytes?: (b: number) => void; signal?: AbortSignal } = {}): Promise<Replica> {
  let lock;
  try {
    lock = await acquireLock(uploadLockFile(ctx, target.destination.id, manifest.id), `an upload of ${manifest.id}`);
  } catch (e) {
    const current = ctx.catalog.replicas({ restorePointId: manifest.id, destinationId: target.destination.id })[0];
    if (isLifeboatError(e) && e.code === 'busy' && current) return current;
    throw e;
  }
  try {
    // Retention may have removed it while this copy waited for its turn: nothing to send.
    if (!ctx.catalog.get(manifest.id)) return { restorePointId: manifest.id, destinationId: target.destination.id, status: 'failed', attempts: 0, error: `${manifest.id} is no longer in the vault (retention removed it)` };
    return await replicateLocked(ctx, manifest, target, opts);
  } finally {
    await lock.release();
  }
}

async function replicateLocked(ctx: EngineContext, manifest: Manifest, target: ConfiguredDestination, opts: { onBytes?: (b: number) => void; signal?: AbortSignal }): Promise<Replica> {
  const previous = ctx.catalog.replicas({ restorePointId: manifest.id, destinationId: target.destination.id })[0];
  const attempts = (previous?.status === 'completed' ? 0 : (previous?.attempts ?? 0)) + 1;
  const uploading: Replica = { restorePointId: manifest.id, destinationId: target.destination.id, status: 'uploading', attempts, startedAt: ctx.now().toISOString() };
  ctx.catalog.upsertReplica(uploading);
  ctx.events.emit('replica-changed', { replica: uploading });
  try {
    const stored = manifest.pages ? await replicatePages(ctx, manifest, target, opts) : await replicateFile(ctx, manifest, target, opts);
    const done: Replica = { ...uploading, status: 'completed', remoteId: stored.remoteId, bytes: stored.bytes, sha256: stored.sha256, finishedAt: ctx.now().toISOString() };
    ctx.catalog.upsertReplica(done);
    ctx.events.emit('replica-changed', { replica: done });
    return done;
  } catch (e) {
    const error = isLifeboatError(e) ? e.oneLine : `${(e as Error).message}`;
    // Lost access (reconnect needed) is not retried on a timer: uploads to this destination pause
    // until the person reconnects, which pushes what is waiting.
    const delay = isLifeboatError(e) && e.code === 'wrong-key' ? undefined : RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1];
    const failed = { ...uploading, status: 'failed' as const, error, finishedAt: ctx.now().toISOString(), ...(delay !== undefined ? { nextAttemptAt: new Date(ctx.now().getTime() + delay).toISOString() } : {}) };
    ctx.catalog.upsertReplica(failed);
    ctx.events.emit('replica-changed', { replica: failed });
    return failed;
  }
}

/** A whole-file restore point: its artifact (re-encoded for a destination that asks), then its manifest. */
async function replicateFile(ctx: EngineContext, manifest: Manifest, target: ConfiguredDestination, opts: { onBytes?: (b: number) => void; signal?: AbortSignal }) {
  const copy = await prepareCopy(ctx, manifest, target.destination, opts.signal);
  const stored = await target.store.put(copy.manifest, copy.file, opts);
  await copy.done();
  return stored;
}

/** A page-level restore point: the pages the destination lacks, then its manifest. */
async function replicatePages(ctx: EngineContext, manifest: Manifest, target: ConfiguredDestination, opts: { onBytes?: (b: number) => void; signal?: AbortSignal }) {
  return withPagesAt(ctx, target.destination, `copying ${manifest.id} to ${target.destination.name}`, async () => {
    const bytes = await sendPages(ctx, manifest, target, opts);
    const { remoteId } = await target.store.putManifest(manifest, opts);
    return { remoteId, bytes, sha256: manifest.artifact.sha256 };
  });
}

/**
 * Runs one copy (the app wraps it in a job, for progress, cancel and the activity list). `copy`
 * never throws: a failed copy comes back as a failed replica.
 */
export type CopyRunner = (manifest: Manifest, destination: Destination, copy: (o: { onBytes?: (b: number) => void; signal?: AbortSignal }) => Promise<Replica>) => Promise<Replica>;

/**
 * Uploads what is waiting: pending replicas, and failed ones whose retry time has come (or all of
 * them with `force`). With `restorePointId`, that restore point goes to every enabled destination
 * that does not hold it yet, whatever the automatic rules say.
 */
export async function pushPending(
  ctx: EngineContext,
  destinations: ConfiguredDestination[],
  opts: { restorePointId?: string; destinationId?: string; force?: boolean; onBytes?: (b: number) => void; runCopy?: CopyRunner } = {},
): Promise<Replica[]> {
  const results: Replica[] = [];
  const now = ctx.now().getTime();
  const manifests = new Map(ctx.catalog.list().map((m) => [m.id, m]));
  for (const target of destinations) {
    if (opts.destinationId && target.destination.id !== opts.destinationId) continue;
    if (!target.destination.enabled && !opts.destinationId) continue;
    const replicas = new Map(ctx.catalog.replicas({ destinationId: target.destination.id }).map((r) => [r.restorePointId, r]));
    const wanted: Manifest[] = [];
    if (opts.restorePointId) {
      const m = manifests.get(opts.restorePointId);
      if (m && replicas.get(m.id)?.status !== 'completed') wanted.push(m);
    } else {
      for (const r of replicas.values()) {
        const m = manifests.get(r.restorePointId);
        if (!m) continue;
        // `uploading` here means a process died mid-upload (a live one holds the replica's lock).
        const due = r.status === 'pending' || r.status === 'uploading' || (r.status === 'failed' && (opts.force || (r.nextAttemptAt !== undefined && Date.parse(r.nextAttemptAt) <= now)));
        if (due) wanted.push(m);
      }
    }
    const send = async (m: Manifest): Promise<Replica | undefined> => {
      if (!ctx.catalog.get(m.id)) return undefined; // removed by retention since the list was made
      const copy = (o: { onBytes?: (b: number) => void; signal?: AbortSignal }) => replicate(ctx, m, target, { onBytes: o.onBytes ?? opts.onBytes, signal: o.signal });
      const r = await (opts.runCopy ? opts.runCopy(m, target.destination, copy) : copy({}));
      results.push(r);
      return r;
    };
    // Oldest first, so a destination catches up in order.
    let reached = false;
    for (const m of wanted.sort((a, b) => a.createdAt.localeCompare(b.createdAt))) reached = (await send(m))?.status === 'completed' || reached;
    if (reached && !opts.restorePointId) {
      // The destination is back (a copy just got there): what failed earlier goes now, not at its next retry.
      const later = ctx.catalog.replicas({ destinationId: target.destination.id }).filter((r) => r.status === 'failed' && !wanted.some((m) => m.id === r.restorePointId));
      for (const r of later.sort((a, b) => a.restorePointId.localeCompare(b.restorePointId))) {
        const m = manifests.get(r.restorePointId);
        if (m) await send(m);
      }
    }
  }
  return results;
}

/** When the next failed replica is due for a retry, if any. */
export function nextRetryAt(ctx: EngineContext): Date | undefined {
  const times = ctx.catalog
    .replicas()
    .filter((r) => r.status === 'failed' && r.nextAttemptAt)
    .map((r) => Date.parse(r.nextAttemptAt as string));
  return times.length ? new Date(Math.min(...times)) : undefined;
}

/** Per destination: its last upload time, status and error, derived from its replicas. */
export function destinationStatus(ctx: EngineContext, destination: Destination, inVault: Set<string> = ctx.catalog.ids()) {
  // A copy that never got there of a restore point retention has since removed is moot, not waiting.
  const replicas = ctx.catalog.replicas({ destinationId: destination.id }).filter((r) => r.status === 'completed' || inVault.has(r.restorePointId));
  const finished = replicas.filter((r) => r.finishedAt).sort((a, b) => (b.finishedAt as string).localeCompare(a.finishedAt as string));
  const last = finished[0];
  return {
    destination,
    completed: replicas.filter((r) => r.status === 'completed').length,
    pending: replicas.filter((r) => r.status === 'pending' || r.status === 'uploading').length,
    failed: replicas.filter((r) => r.status === 'failed').length,
    lastUploadAt: finished.find((r) => r.status === 'completed')?.finishedAt,
    lastStatus: last?.status,
    lastError: last?.status === 'failed' ? last.error : undefined,
  };
}
