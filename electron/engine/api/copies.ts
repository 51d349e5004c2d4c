// The copies part of the Engine: copies at the destinations (replicas), copying now or in the
// background queue, bringing one back, comparing the destinations with a rebuilt catalog, and
// retention there.
import type { Manifest, Replica } from '../../../shared/model.ts';
import { queueMissing, reconcileDestinations, type ReconcileResult } from '../remote/destination-sync.ts';
import { pruneDestinations, type DestinationPruneResult } from '../remote/prune-destinations.ts';
import { pullFromDestinations } from '../remote/pull.ts';
import { configuredDestinations, pushPending, queueReplicas } from '../remote/replication.ts';
import { startUploadQueue, type UploadQueueOptions } from '../remote/upload-queue.ts';
import type { EngineContext } from '../vault/context.ts';
import { RECONCILE_NOTE } from '../vault/open.ts';
import type { PruneOptions } from './restore-points.ts';

export type PushOptions = Parameters<typeof pushPending>[2];
export type UploadQueue = ReturnType<typeof startUploadQueue>;

export interface CopiesApi {
  /** Every copy at a destination (of one restore point, or all). */
  replicas(restorePointId?: string): Replica[];
  /** Queues a new restore point's copies and makes them now (the CLI, after a backup). */
  uploadNew(manifest: Manifest): Promise<Replica[]>;
  /**
   * Copies to the destinations now: one restore point, or (without an id) what each destination is
   * missing under its retention, what waits and what failed.
   */
  push(o?: PushOptions): Promise<Replica[]>;
  /** Brings a restore point from a destination into the vault, verified. */
  pull(id: string, from?: string): Promise<Manifest>;
  /** Starts the upload queue (the app and the daemon): copies after each backup, retries with backoff, destinations' retention. */
  startUploads(o?: UploadQueueOptions): UploadQueue;
  /** Reads what each destination holds, records it, and queues what it lacks. */
  reconcileDestinations(): Promise<ReconcileResult[]>;
  /** Applies each enabled destination's retention to what it holds (never what it should hold). */
  pruneDestinations(o?: Omit<PruneOptions, 'timeZone'>): Promise<DestinationPruneResult[]>;
}

/** The copies part of the Engine over `ctx`. */
export function copiesApi(ctx: EngineContext): CopiesApi {
  return {
    replicas: (restorePointId) => ctx.catalog.replicas(restorePointId ? { restorePointId } : {}),
    uploadNew: async (manifest) => {
      const targets = configuredDestinations(ctx);
      if (queueReplicas(ctx, manifest, targets).length === 0) return [];
      return pushPending(ctx, targets, { restorePointId: manifest.id });
    },
    push: async (o = {}) => {
      const targets = configuredDestinations(ctx);
      if (!o.restorePointId) {
        ctx.catalog.removeOrphanReplicas();
        if (ctx.catalog.note(RECONCILE_NOTE)) await reconcileDestinations(ctx, targets);
        queueMissing(ctx, o.destinationId ? targets.filter((t) => t.destination.id === o.destinationId) : targets);
      }
      return pushPending(ctx, targets, o);
    },
    pull: (id, from) => pullFromDestinations(ctx, id, from),
    startUploads: (o) => startUploadQueue(ctx, ctx.clock, o),
    reconcileDestinations: () => reconcileDestinations(ctx, configuredDestinations(ctx)),
    pruneDestinations: (o) => pruneDestinations(ctx, configuredDestinations(ctx), o),
  };
}
