// The restore part of the Engine: restoring (fetching a restore point that is only at a
// destination first), undo, what a restore would overwrite, and verification in the vault and at
// the destinations.
import type { Manifest } from '../../../shared/model.ts';
import type { DecryptWith } from '../artifact/artifact-codec.ts';
import { resolveDecryption } from '../artifact/keys.ts';
import { isLifeboatError } from '../common/errors.ts';
import { pullFromDestinations } from '../remote/pull.ts';
import { configuredDestinations } from '../remote/replication.ts';
import { lastChange, restore, restoreTarget, undo, type LastChange, type RestoreRequest, type RestoreResult } from '../restore/restore.ts';
import { verifyRestorePoint, type VerifyOptions, type VerifyResult } from '../restore/verify.ts';
import { runVerification, type VerificationOptions, type VerificationReport, type VerificationScope } from '../restore/verify-run.ts';
import { findHolders, type Holder } from '../snapshot/open-holders.ts';
import type { CopyCheckRecord, VerificationRecord } from '../vault/catalog.ts';
import type { EngineContext } from '../vault/context.ts';

export type UndoOptions = Parameters<typeof undo>[1] & { keys?: DecryptWith };

export interface RestoreApi {
  /** Restores a restore point; one that is only at a destination (a new machine) is fetched first. */
  restore(req: RestoreRequest & { from?: string }): Promise<RestoreResult>;
  /**
   * The file a restore of `restorePoint` would write: `to`, else the registered source's own path.
   * Refuses (usage) an in-place restore of a database not registered here. Confirmations show this.
   */
  restoreTarget(restorePoint: Pick<Manifest, 'id' | 'source'>, to?: string): string;
  /** The programs that have `file` (or its -wal, -shm, -journal) open; undefined where the platform cannot tell. */
  programsUsing(file: string): Promise<Holder[] | undefined>;
  /** Puts back the database as it was before the last restore or rows brought back. */
  undo(o?: UndoOptions): Promise<RestoreResult>;
  /** What `undo` would take back (Lifeboat's record of the last restore or rows brought back) and the safety copy it brings back, if any. */
  lastChange(sourceId?: string): LastChange | undefined;
  /** Re-hashes an artifact and re-runs the integrity check on it. */
  verify(id: string, o?: VerifyOptions): Promise<VerifyResult>;
  /** The latest verification of every restore point that had one. */
  verifications(): Map<string, VerificationRecord>;
  /**
   * A scheduled verification: the newest restore point of each source (`newest`) or every one the
   * vault keeps (`all`), then a sample of the copies at each destination, downloaded and checked.
   */
  verifyScheduled(scope: VerificationScope, o?: Omit<VerificationOptions, 'keys'> & { keys?: DecryptWith }): Promise<VerificationReport>;
  /** The last check of each copy at the destinations. */
  copyChecks(): CopyCheckRecord[];
}

/** The restore part of the Engine over `ctx`. */
export function restoreApi(ctx: EngineContext): RestoreApi {
  return {
    restore: async (req) => {
      const keys = await resolveDecryption(ctx, req.keys);
      try {
        if (!req.from) return await restore(ctx, { ...req, keys });
      } catch (e) {
        if (!isLifeboatError(e) || e.code !== 'unknown-restore-point') throw e;
      }
      const pulled = await pullFromDestinations(ctx, req.id, req.from, keys);
      return restore(ctx, { ...req, id: pulled.id, keys });
    },
    restoreTarget: (restorePoint, to) => restoreTarget(ctx, restorePoint, to),
    programsUsing: (file) => findHolders([file, `${file}-wal`, `${file}-shm`, `${file}-journal`]),
    undo: async (o = {}) => undo(ctx, { ...o, keys: await resolveDecryption(ctx, o.keys) }),
    lastChange: (sourceId) => lastChange(ctx, sourceId),
    verify: async (id, o = {}) => verifyRestorePoint(ctx, id, { ...o, keys: await resolveDecryption(ctx, o.keys) }),
    verifications: () => ctx.catalog.verifications(),
    verifyScheduled: async (scope, o = {}) =>
      runVerification(ctx, configuredDestinations(ctx), scope, { sample: ctx.settings.read().verification.destinationSample, ...o, keys: await resolveDecryption(ctx, o.keys) }),
    copyChecks: () => ctx.catalog.copyChecks(),
  };
}
