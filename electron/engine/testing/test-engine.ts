// An engine for a test: over a test folder's data folder, with the app's identity for tests.
import { createEngine, type Engine } from '../engine.ts';

/**
 * Opens the engine of the data folder `home` (made if new). `fastKeys` makes passphrase encryption
 * cheap (scrypt's work factor 10 instead of the default), for tests that encrypt many times.
 */
export async function openTestEngine(home: string, o: { fastKeys?: boolean } = {}): Promise<Engine> {
  const engine = await createEngine({ dataDir: home, appVersion: '0.0.0-test' });
  if (o.fastKeys) engine.updateSettings({ scryptWorkFactor: 10 });
  return engine;
}
