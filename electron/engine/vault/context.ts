// What every engine module is given: folders, settings, the catalog, the clock, the event bus, the
// destination drivers. Built once by `createEngine` and passed explicitly, never held in module
// state; nothing outside the engine sees it (callers use the Engine interface in engine.ts).
import type { Catalog } from './catalog.ts';
import type { Clock } from '../common/clock.ts';
import type { DriverFactory } from '../storage/destination.ts';
import type { EventBus } from '../common/events.ts';
import type { SecretStore } from '../common/secrets.ts';
import type { SettingsStore } from '../common/settings.ts';

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
