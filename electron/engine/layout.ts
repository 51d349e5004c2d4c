// Where things live: the per-user data folder, and the vault's names for restore points.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { RestorePointId } from '../../shared/model.ts';

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
export const MANIFEST_SUFFIX = '.manifest.json';

/** A new restore point id for a snapshot taken at `now`. */
export function newRestorePointId(now: Date): RestorePointId {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The file stem of a restore point: `<source name>_<id>`, readable and sortable within a source. */
export function restorePointStem(sourceId: string, id: RestorePointId): string {
  return `${sourceId}_${id}`;
}

/** Recognises our own artifact and manifest names, so we never touch a file we did not create. */
export const OWN_FILE = /^([a-z0-9][a-z0-9._-]{0,62})_(\d{8}T\d{6}Z-[0-9a-f]{6})(\.sqlite(?:\.zst)?(?:\.age)?|\.manifest\.json)$/;

/** A source id derived from a database's file name: `Store DB.sqlite3` → `store-db`. */
export function sourceIdFromPath(file: string): string {
  const stem = path.basename(file).replace(/\.(sqlite3?|db3?|s3db|sl3)$/i, '');
  const slug = stem
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/[-.]+$/, '')
    .slice(0, 48);
  return slug || 'database';
}

/** Human-readable byte sizes: 1.2 GB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Parses `500MB`, `2 GiB`, `1e9`. Returns undefined for anything else. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]?i?b?)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase().replace(/b$/, '');
  const powers: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3, ti: 1024 ** 4 };
  const factor = powers[unit];
  return factor === undefined ? undefined : Math.round(n * factor);
}
