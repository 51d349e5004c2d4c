// Finding restore points: by id or unique prefix, always re-read and re-validated from the vault
// (the catalog says where to look; the manifest on disk says what is true).
import path from 'node:path';
import type { Manifest } from '../../../shared/model.ts';
import type { EngineContext } from './context.ts';
import { LifeboatError } from '../common/errors.ts';
import { rm } from 'node:fs/promises';
import { fsyncDir } from '../common/durable-fs.ts';
import { filesOf, manifestPath, readManifest } from './manifest.ts';

/** The restore points in the catalog, newest first. */
export function listRestorePoints(ctx: EngineContext, filter: { sourceId?: string } = {}): Manifest[] {
  return ctx.catalog.list(filter);
}

/**
 * Finds one restore point by its id, a unique prefix of it, or its 6-digit suffix, and returns its
 * manifest as it stands on disk now (so a manifest tampered after listing is caught).
 */
export async function loadRestorePoint(ctx: EngineContext, idOrPrefix: string): Promise<Manifest> {
  const wanted = idOrPrefix.trim();
  const all = ctx.catalog.list();
  const exact = all.find((m) => m.id === wanted);
  const matches = exact ? [exact] : all.filter((m) => wanted.length >= 4 && (m.id.startsWith(wanted) || m.id.endsWith(`-${wanted}`)));
  if (matches.length === 0) {
    throw new LifeboatError('unknown-restore-point', `There is no restore point "${wanted}"`, 'See the ids with `lifeboat list`');
  }
  if (matches.length > 1) {
    throw new LifeboatError('usage', `"${wanted}" matches ${matches.length} restore points`, 'Give more of the id (see `lifeboat list`)');
  }
  const found = matches[0] as Manifest;
  const file = manifestPath(ctx.vaultDir, found);
  const onDisk = await readManifest(ctx.vaultDir, file);
  if (onDisk.id !== found.id) {
    throw new LifeboatError('bad-manifest', `The manifest ${file} changed since it was listed`, 'Run `lifeboat reindex`');
  }
  return onDisk;
}

/**
 * Removes the safety copy of a restore or recover that changed nothing, so that neither undo nor
 * retention ever counts it (manifest first, like prune: it stops being listed before its bytes go).
 */
export async function discardSafetyCopy(ctx: EngineContext, safetyCopy: Manifest): Promise<void> {
  await removeFromVault(ctx, safetyCopy);
  await fsyncDir(path.join(ctx.vaultDir, safetyCopy.source.id)).catch(() => undefined);
  ctx.events.emit('restore-points-removed', { ids: [safetyCopy.id] });
}

/**
 * Removes one restore point from the vault: its manifest first (it stops being listed before its
 * bytes go), then its artifact, then its row in the catalog. The caller holds the source's lock and
 * syncs the folder; every deletion (retention, a person's delete, a safety copy that changed
 * nothing) goes through here.
 */
export async function removeFromVault(ctx: EngineContext, m: Manifest): Promise<void> {
  const files = filesOf(ctx.vaultDir, m);
  await rm(files.manifest, { force: true });
  for (const stored of files.stored) await rm(stored.file, { force: true });
  ctx.catalog.remove(m.id);
}
