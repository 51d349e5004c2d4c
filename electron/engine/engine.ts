// The engine's one entrance: `createEngine` opens a data folder and puts together the `Engine`
// below, all that its callers (the desktop app, the CLI, the e2e harness, the benchmarks) may use.
// Each part of it lives in api/, one per area, over the rooms that hold the rules (so the app and
// the CLI always agree). It knows nothing of the app, the CLI, Google or the scheduler: destination
// drivers and the clock are handed in.
import { backUp, type BackupOptions, type BackupTarget } from './api/backup.ts';
import { copiesApi, type CopiesApi } from './api/copies.ts';
import { destinationsApi, type DestinationsApi } from './api/destinations.ts';
import { insideApi, type InsideApi } from './api/inside.ts';
import { restoreApi, type RestoreApi } from './api/restore.ts';
import { restorePointsApi, type RestorePointsApi } from './api/restore-points.ts';
import { passphraseApi, sourcesApi, updateSettings, type PassphraseApi, type SourcesApi } from './api/sources.ts';
import { vaultStatus, type VaultStatus } from './api/status.ts';
import type { JobView, Manifest } from '../../shared/model.ts';
import type { EventBus } from './common/events.ts';
import type { SecretStore } from './common/secrets.ts';
import type { Settings, SettingsPatch } from './common/settings.ts';
import { createPrivateCopies } from './inside/private-copies.ts';
import { recoverInterruptedRestores } from './restore/restore.ts';
import { openContext, type EngineOptions } from './vault/open.ts';

/** Everything the engine offers its callers. */
export interface Engine extends RestoreApi, InsideApi, RestorePointsApi, CopiesApi {
  readonly dataDir: string;
  /** Where the restore points are now (settings' vaultDir; it changes when the vault is moved). */
  readonly vaultDir: string;
  /** The engine's events (a restore point landing, a copy changing state). */
  readonly events: EventBus;
  /** Where secrets are kept (passphrases, a destination's tokens); never logged, never shown. */
  readonly secrets: SecretStore;
  /** The engine's clock. */
  now(): Date;
  /** The current settings, read fresh (another process may have changed them). */
  settings(): Settings;
  /** Changes settings that carry no rule of their own (time zone, app preferences…); sources and destinations have their own methods. */
  updateSettings(patch: SettingsPatch): Settings;
  sources: SourcesApi;
  destinations: DestinationsApi;
  passphrase: PassphraseApi;
  /**
   * The one history of operations (backups, copies, restores, checks…), whoever ran them: the app,
   * the command line or the daemon each record what they finished here, in the catalog.
   */
  history: HistoryApi;
  /** Backs up a registered source, or a database path (registering it first). */
  backup(target: BackupTarget, req: BackupOptions): Promise<Manifest>;
  /** Sources, their last backups, the destinations, the vault and its free space. */
  status(): Promise<VaultStatus>;
  close(): void;
}

export interface HistoryApi {
  /** Records one finished operation (its `by` says which program ran it). */
  record(op: JobView): void;
  /** Finished operations, newest first: the last `limit` (100 by default), of one source or all. */
  list(filter?: { limit?: number; sourceId?: string }): JobView[];
}

export type { EngineOptions, VaultStatus };
export type { UploadQueue } from './api/copies.ts';
export type { VerificationReport, VerificationScope } from './restore/verify-run.ts';
/** The schedule a database added in the app gets (every hour). */
export { NEW_SOURCE_SCHEDULE } from './vault/sources.ts';
export { describeVaultMove } from './vault/vault-move.ts';

/** Opens (creating if needed) the data folder and returns the engine bound to it. */
export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const ctx = await openContext(opts, recoverInterruptedRestores);
  const copies = createPrivateCopies(ctx);
  return {
    dataDir: ctx.dataDir,
    get vaultDir() {
      return ctx.vaultDir;
    },
    events: ctx.events,
    secrets: ctx.secrets,
    now: ctx.now,
    settings: () => ctx.settings.read(),
    updateSettings: (patch) => updateSettings(ctx, patch),
    sources: sourcesApi(ctx),
    destinations: destinationsApi(ctx),
    passphrase: passphraseApi(ctx),
    history: { record: (op) => ctx.catalog.recordOperation(op), list: (filter) => ctx.catalog.operations(filter) },
    backup: (target, req) => backUp(ctx, target, req),
    ...restoreApi(ctx),
    ...insideApi(ctx, copies),
    ...restorePointsApi(ctx),
    ...copiesApi(ctx),
    status: () => vaultStatus(ctx),
    close: () => {
      copies.closeAll();
      ctx.catalog.close();
    },
  };
}
