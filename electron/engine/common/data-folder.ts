// Where things live in the data folder (settings, catalog, vault, locks, scratch space), and where
// that folder is. Every path Lifeboat makes under it is named here.
import os from 'node:os';
import path from 'node:path';

export const PRODUCT_NAME = 'Lifeboat';

/**
 * The per-user folder the desktop app uses (Electron's `userData` for "Lifeboat"), so the CLI and
 * the app share one vault, index and settings. `LIFEBOAT_HOME` overrides it.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.LIFEBOAT_HOME) return path.resolve(env.LIFEBOAT_HOME);
  const home = os.homedir();
  switch (platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), PRODUCT_NAME);
  }
}

/** Every temporary file Lifeboat writes starts with this, so leftovers are recognisably ours. */
export const TEMP_PREFIX = '.lifeboat-tmp-';

/** The lock that serialises all work on one source (backups, restores, pruning). */
export function sourceLockFile(ctx: { dataDir: string }, sourceId: string): string {
  return path.join(ctx.dataDir, 'locks', `source-${sourceId}.lock`);
}

/** The lock of the vault's page store: held while pages are written, collected or moved. */
export function pageStoreLockFile(ctx: { dataDir: string }): string {
  return path.join(ctx.dataDir, 'locks', 'page-store.lock');
}

/** The lock held while one restore point is copied to one destination (retention waits for it). */
export function uploadLockFile(ctx: { dataDir: string }, destinationId: string, restorePointId: string): string {
  return path.join(ctx.dataDir, 'locks', `upload-${destinationId}-${restorePointId}.lock`);
}

/** Where interrupted restores are recorded until the next start finishes cleaning up after them. */
export function pendingRestoresDir(ctx: { dataDir: string }): string {
  return path.join(ctx.dataDir, 'restores');
}

/**
 * Lifeboat's private scratch folder in the data folder (owner-only, never inside the vault): a
 * verify decodes an encrypted restore point here, so decrypted bytes never land in the vault. Each
 * file is named after the process that made it, and the next start removes those of dead processes.
 */
export function workDir(ctx: { dataDir: string }): string {
  return path.join(ctx.dataDir, 'tmp');
}
