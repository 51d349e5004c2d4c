// The restore points part of the Engine: listing and finding them, pinning, deleting, retention in
// the vault (and its preview), moving the vault, and rebuilding the list from the manifests.
import type { Manifest, RetentionPolicy } from '../../../shared/model.ts';
import { effectiveRetention } from '../common/settings.ts';
import type { EngineContext } from '../vault/context.ts';
import { manifestPath, readManifest, writeManifest } from '../vault/manifest.ts';
import { reindex } from '../vault/open.ts';
import { deleteRestorePoint, failedVerificationIds, prune, retentionOptions, type PruneResult } from '../vault/prune.ts';
import { listRestorePoints, loadRestorePoint } from '../vault/restore-points.ts';
import { planRetention, type RetentionPlan } from '../vault/retention.ts';
import { withSourceLock } from '../vault/source-lock.ts';
import { getSource } from '../vault/sources.ts';
import type { ScanResult } from '../vault/vault.ts';
import { moveVault, type VaultMoveOptions, type VaultMoveResult } from '../vault/vault-move.ts';

export type PruneOptions = NonNullable<Parameters<typeof prune>[1]>;

export interface RestorePointsApi {
  /** Restore points in the vault, newest first. */
  list(filter?: { sourceId?: string }): Manifest[];
  /** One restore point by id, unique prefix or last six hex digits. */
  get(id: string): Promise<Manifest>;
  /** Deletes one restore point from the vault (never a pinned one or the newest good one). */
  remove(id: string): Promise<Manifest>;
  pin(id: string): Promise<Manifest>;
  unpin(id: string): Promise<Manifest>;
  /** Applies retention in the vault (or says what it would do). */
  prune(o?: PruneOptions): Promise<PruneResult[]>;
  /** What retention would keep and delete of one source under `override` (nothing is deleted). */
  previewRetention(sourceId: string, override?: Partial<RetentionPolicy>): { policy: RetentionPolicy } & RetentionPlan;
  /**
   * Moves the vault into `to`, an empty folder that exists (an external disk, say): every restore
   * point is copied and checked, settings switch to it, then the old files go. Crash-safe (see
   * vault-move.ts); refused onto a folder that does not exist or is not empty, and while a backup,
   * restore or prune runs (it waits for them first). Progress in bytes; cancellable until the switch.
   */
  moveVault(to: string, o?: VaultMoveOptions): Promise<VaultMoveResult>;
  /**
   * Rebuilds the list from the manifests in the vault; returns what could not be trusted. The
   * record of copies went with the old catalog: `reconcileDestinations` (run by the upload queue,
   * `push` and `lifeboat reindex`) compares the destinations with it.
   */
  reindex(): Promise<ScanResult>;
}

/** The restore points part of the Engine over `ctx`. */
export function restorePointsApi(ctx: EngineContext): RestorePointsApi {
  const setPinned = async (idOrPrefix: string, pinned: boolean): Promise<Manifest> => {
    const m = await loadRestorePoint(ctx, idOrPrefix);
    return withSourceLock(ctx, m.source.id, `pinning ${m.id}`, async () => {
      const current = await readManifest(ctx.vaultDir, manifestPath(ctx.vaultDir, m));
      const next = { ...current, pinned };
      await writeManifest(ctx.vaultDir, next);
      ctx.catalog.upsert(next);
      return next;
    });
  };
  return {
    list: (filter) => listRestorePoints(ctx, filter),
    get: (id) => loadRestorePoint(ctx, id),
    remove: (id) => deleteRestorePoint(ctx, id),
    pin: (id) => setPinned(id, true),
    unpin: (id) => setPinned(id, false),
    prune: (o) => prune(ctx, o),
    previewRetention: (sourceId, override = {}) => {
      const policy = { ...effectiveRetention(ctx.settings.read(), getSource(ctx, sourceId)), ...override };
      return { policy, ...planRetention(listRestorePoints(ctx, { sourceId }), policy, { ...retentionOptions(ctx), failedVerification: failedVerificationIds(ctx) }) };
    },
    moveVault: async (to, o) => {
      const r = await moveVault(ctx, to, o);
      ctx.events.emit('vault-moved', r);
      return r;
    },
    reindex: () => reindex(ctx),
  };
}
