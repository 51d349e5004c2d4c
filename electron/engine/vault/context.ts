// What every engine module is given: folders, settings, the catalog, the clock, the event bus, the
// destination kinds' storages. Built once by `createEngine` and passed explicitly, never held in module
// state; nothing outside the engine sees it (callers use the Engine interface in engine.ts).
import type { Catalog } from './catalog.ts';
import type { Clock } from '../common/clock.ts';
import type { Manifest } from '../../../shared/model.ts';
import type { StorageFactory } from '../storage/storage.ts';
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
  /** Builds the storage of each destination (the engine itself knows no kind). */
  storages: StorageFactory;
  /** Manifests read from destinations, kept for the engine's lifetime while the backend says they are unchanged. */
  manifestMemo: Map<string, Manifest>;
  /** Waits between attempts of a download (real time, even under a simulated clock: it waits for the network). */
  sleep: (ms: number) => Promise<void>;
  appVersion: string;
  /**
   * Called at named points of long operations ("backup:copied", "restore:swapping", …). A no-op in
   * the app; crash tests use it to stop a process at an exact moment and kill it there.
   */
  checkpoint: (name: string) => Promise<void>;
}
