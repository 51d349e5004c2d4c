// What every engine module is given: folders, settings, the catalog, the clock, the event bus, the
// destination drivers. Built once by `createEngine` and passed explicitly, never held in module
// state; nothing outside the engine sees it (callers use the Engine interface in engine.ts).
import path from 'node:path';
import type { Catalog } from './catalog.ts';
import type { Clock } from './clock.ts';
import type { DriverFactory } from './destination.ts';
import type { EventBus } from './events.ts';
import type { SecretStore } from './secrets.ts';
import type { SettingsStore } from './settings.ts';

export interface EngineContext {
  dataDir: string;
  vaultDir: string;
  settings: SettingsStore;
  /** Passphrases and tokens: safeStorage in the app, an owner-only file under plain Node. */
  secrets: SecretStore;
  catalog: Catalog;
  events: EventBus;
  clock: Clock;
  now: () => Date;
  /** Builds the driver of each destination kind (the engine itself knows none). */
  drivers: DriverFactory;
  /** What drivers keep for the engine's lifetime (see DriverContext.memo). */
  driverMemo: Map<string, unknown>;
  appVersion: string;
  /**
   * Called at named points of long operations ("backup:copied", "restore:swapping", …). A no-op in
   * the app; crash tests use it to stop a process at an exact moment and kill it there.
   */
  checkpoint: (name: string) => Promise<void>;
}

/** The lock that serialises all work on one source (backups, restores, pruning). */
export function sourceLockFile(ctx: Pick<EngineContext, 'dataDir'>, sourceId: string): string {
  return path.join(ctx.dataDir, 'locks', `source-${sourceId}.lock`);
}

/** The lock held while one restore point is copied to one destination (retention waits for it). */
export function uploadLockFile(ctx: Pick<EngineContext, 'dataDir'>, destinationId: string, restorePointId: string): string {
  return path.join(ctx.dataDir, 'locks', `upload-${destinationId}-${restorePointId}.lock`);
}

/** Where interrupted restores are recorded until the next start finishes cleaning up after them. */
export function pendingRestoresDir(ctx: Pick<EngineContext, 'dataDir'>): string {
  return path.join(ctx.dataDir, 'restores');
}

/**
 * Lifeboat's private scratch folder in the data folder (owner-only, never inside the vault): a
 * verify decodes an encrypted restore point here, so decrypted bytes never land in the vault. Each
 * file is named after the process that made it, and the next start removes those of dead processes.
 */
export function workDir(ctx: Pick<EngineContext, 'dataDir'>): string {
  return path.join(ctx.dataDir, 'tmp');
}
