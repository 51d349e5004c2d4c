// Bringing a restore point from a destination into the vault (a new machine, or one the vault lost),
// verified against its manifest before it is listed.
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../../../shared/model.ts';
import { TEMP_PREFIX } from '../common/data-folder.ts';
import { ensureDir, ensureFreeSpace, fsyncDir } from '../common/durable-fs.ts';
import { LifeboatError, explainWriteError, isLifeboatError } from '../common/errors.ts';
import type { ConfiguredDestination } from '../storage/restore-points.ts';
import type { EngineContext } from '../vault/context.ts';
import { writeManifest } from '../vault/manifest.ts';
import { restorePointFiles } from '../vault/names.ts';
import { withSourceLock } from '../vault/source-lock.ts';
import { requireVault } from '../vault/vault.ts';
import { destinationsFor } from './replication.ts';
import type { DecryptWith } from '../artifact/artifact-codec.ts';
import { pullPages } from './page-copies.ts';


/**
 * Brings a restore point from a destination into the local vault (artifact verified against its
 * manifest, then the manifest), so that restore, verify and undo work on it as on any other. The
 * download stops at the size the manifest declares, and the disk must have room for it first. A
 * restore point already in the vault is never replaced by what a destination holds under its id.
 */
export async function pullRestorePoint(ctx: EngineContext, target: ConfiguredDestination, id: string, opts: { onBytes?: (b: number) => void; signal?: AbortSignal; keys?: DecryptWith } = {}): Promise<Manifest> {
  await requireVault(ctx.vaultDir); // never make a vault in place of one whose disk is not connected
  const remote = (await target.store.list()).points.find((p) => p.manifest.id === id || p.manifest.id.endsWith(`-${id}`) || p.manifest.id.startsWith(id));
  if (!remote) throw new LifeboatError('unknown-restore-point', `${target.destination.name} has no restore point "${id}"`, 'See what it holds with `lifeboat list --remote`');
  const manifest = remote.manifest;
  if (ctx.catalog.get(manifest.id)) {
    throw new LifeboatError('exists', `Restore point ${manifest.id} is already in the vault`, 'Use it from there (`lifeboat restore`, `lifeboat verify`); a copy at a destination never replaces it');
  }
  const dir = path.join(ctx.vaultDir, manifest.source.id);
  await ensureDir(dir);
  // Under the source's lock: the next start's cleanup never removes a pull that is still running.
  return withSourceLock(ctx, manifest.source.id, `fetching ${manifest.id}`, async () => {
    if (manifest.pages) {
      // The pages the vault lacks, each checked against its id; then the manifest lists it.
      await pullPages(ctx, target, manifest, { keys: opts.keys, signal: opts.signal });
      return recordPulled(ctx, target, remote.remoteId, manifest);
    }
    await ensureFreeSpace(dir, manifest.artifact.bytes, `fetching ${manifest.id}`, 'Free some space, or prune old restore points (`lifeboat prune`)');
    const files = restorePointFiles(manifest.source.id, manifest.id, manifest.artifact.format);
    const temp = path.join(dir, `${TEMP_PREFIX}pull-${randomBytes(3).toString('hex')}-${files.artifactName}`);
    try {
      const got = await target.store.fetch(remote, temp, opts);
      await ctx.checkpoint('pull:fetched');
      if (got.sha256 !== manifest.artifact.sha256 || got.bytes !== manifest.artifact.bytes) {
        throw new LifeboatError('tampered', `The copy of ${manifest.id} on ${target.destination.name} does not match its checksum`, 'Try another destination, or another restore point');
      }
      await rename(temp, path.join(dir, files.artifactName));
      await fsyncDir(dir);
    } catch (e) {
      throw explainWriteError(e, dir);
    } finally {
      await rm(temp, { force: true });
    }
    return recordPulled(ctx, target, remote.remoteId, manifest);
  });
}

/** Lists a restore point brought in from a destination: its manifest in the vault, saying where and when it came from. */
async function recordPulled(ctx: EngineContext, target: ConfiguredDestination, remoteId: string, manifest: Manifest): Promise<Manifest> {
  // The vault's copy says where and when it came from (this machine's clock): its own dates are not trusted beyond that.
  const local: Manifest = { ...manifest, received: { from: target.destination.id, at: ctx.now().toISOString() } };
  await writeManifest(ctx.vaultDir, local);
  ctx.catalog.upsert(local);
  ctx.catalog.upsertReplica({ restorePointId: manifest.id, destinationId: target.destination.id, status: 'completed', remoteId, bytes: manifest.artifact.bytes, sha256: manifest.artifact.sha256, attempts: 0 });
  return local;
}

/** Finds a restore point at the destinations (in priority order, or only at `from`) and brings it into the vault. */
export async function pullFromDestinations(ctx: EngineContext, id: string, from?: string, keys?: DecryptWith): Promise<Manifest> {
  await requireVault(ctx.vaultDir); // the vault's disk must be there before anything is brought into it
  const targets = destinationsFor(ctx, from);
  if (targets.length === 0) throw new LifeboatError('unknown-restore-point', `There is no restore point "${id}"`, 'See the ids with `lifeboat list`');
  const problems: string[] = [];
  for (const target of targets) {
    try {
      return await pullRestorePoint(ctx, target, id, { keys });
    } catch (e) {
      if (isLifeboatError(e) && e.code === 'unknown-restore-point') continue;
      problems.push(isLifeboatError(e) ? e.oneLine : String(e));
    }
  }
  throw new LifeboatError('unknown-restore-point', `There is no restore point "${id}" in the vault${problems.length ? ` (and some destinations could not be read: ${problems.join('; ')})` : ' or at any destination'}`, 'See the ids with `lifeboat list --remote`');
}
