// The engine's status: each source with its restore points and where its copies are (is any off
// the database's own disk?), the vault with its free space, and folders that share a database's disk.
import { stat, statfs } from 'node:fs/promises';
import type { Destination, Manifest, Source } from '../../../shared/model.ts';
import { listDestinations } from '../remote/destination-settings.ts';
import { storageOf } from '../remote/replication.ts';
import type { EngineContext } from '../vault/context.ts';
import { listRestorePoints } from '../vault/restore-points.ts';
import { databaseAdvice, listSources, type Advice } from '../vault/sources.ts';
import { vaultPlace } from '../vault/page-store.ts';
import { vaultProblem } from '../vault/vault.ts';
import { followVaultMove } from '../vault/vault-move.ts';

export interface SourceStatus {
  source: Source;
  /** The database file is not there (deleted, or on a disk that is not connected). */
  missing: boolean;
  /** Some copy lives off the database's disk: the vault, an enabled folder on another disk, or a destination off this machine. */
  offDisk: boolean;
  restorePoints: number;
  bytes: number;
  newest?: Manifest;
  newestVerified?: Manifest;
  /** What a person can do to back this database up without holding up its program (see `databaseAdvice`). */
  advice?: Advice;
}

export interface VaultStatus {
  dataDir: string;
  vaultDir: string;
  freeBytes?: number;
  sources: SourceStatus[];
  /** Restore points in the vault whose source is no longer registered. */
  orphans: number;
  /** Bytes all restore points in the vault take on its disk (whole files, and the page store as it is). */
  vaultBytes: number;
  /** Bytes of the databases they hold, one full copy each: what the vault would take without sharing pages. */
  logicalBytes: number;
  /** Why the vault cannot be used (its disk is not connected), if so. */
  vaultProblem?: string;
  /** Enabled folder destinations on the same disk as some source's database (they are not copies off that disk). */
  sameDisk: { destinationId: string; sourceIds: string[] }[];
}

/** What the vault's page store takes on disk now (after garbage collection, shared pages counted once). */
async function pageStoreBytes(ctx: EngineContext): Promise<number> {
  return (await vaultPlace(ctx).list('')).reduce((n, f) => n + f.bytes, 0);
}

/** Where a destination keeps its copies on this machine's file system, if its storage is a local folder. */
function localPathOf(ctx: EngineContext, d: Destination): string | undefined {
  try {
    return storageOf(ctx, d).localPath;
  } catch {
    return undefined; // a kind this build cannot build is not a folder here
  }
}

/** Which disk a path is on (st_dev), if it is there. */
const deviceOf = async (p: string) => (await stat(p).catch(() => undefined))?.dev;

/** Sources, their last backups, the vault and its free space, and which copies share a database's disk. */
export async function vaultStatus(ctx: EngineContext): Promise<VaultStatus> {
  followVaultMove(ctx); // another process may have moved it
  const sources = listSources(ctx);
  const all = listRestorePoints(ctx);
  const fs = await statfs(ctx.vaultDir).catch(() => undefined);
  // Which disk each thing is on (st_dev): a copy on the database's own disk dies with it.
  const vaultDevice = await deviceOf(ctx.vaultDir);
  // A destination whose storage is a folder of this machine says where (its kind knows); any other is off this machine.
  const copies = await Promise.all(
    listDestinations(ctx)
      .filter((d) => d.enabled)
      .map(async (d) => {
        const local = localPathOf(ctx, d);
        return { destination: d, local: local !== undefined, device: local !== undefined ? await deviceOf(local) : undefined };
      }),
  );
  const sourceDevices = new Map(await Promise.all(sources.map(async (s) => [s.id, await deviceOf(s.path)] as const)));
  // An unreachable folder (its disk unplugged) counts as off the disk: its failing copies are reported on their own.
  const offDisk = (device: number | undefined) =>
    device === undefined || (vaultDevice !== undefined && vaultDevice !== device) || copies.some((c) => !c.local || c.device === undefined || c.device !== device);
  return {
    dataDir: ctx.dataDir,
    vaultDir: ctx.vaultDir,
    vaultProblem: await vaultProblem(ctx.vaultDir),
    freeBytes: fs ? fs.bavail * fs.bsize : undefined,
    sameDisk: copies
      .filter((c) => c.device !== undefined)
      .map((c) => ({ destinationId: c.destination.id, sourceIds: sources.filter((s) => sourceDevices.get(s.id) === c.device).map((s) => s.id) }))
      .filter((x) => x.sourceIds.length > 0),
    sources: await Promise.all(sources.map((source) => sourceStatus(source, all.filter((m) => m.source.id === source.id), offDisk(sourceDevices.get(source.id))))),
    orphans: all.filter((m) => !sources.some((s) => s.id === m.source.id)).length,
    vaultBytes: all.reduce((n, m) => n + (m.pages ? 0 : m.artifact.bytes), 0) + (await pageStoreBytes(ctx)),
    logicalBytes: all.reduce((n, m) => n + m.database.bytes, 0),
  };
}

async function sourceStatus(source: Source, points: Manifest[], offDisk: boolean): Promise<SourceStatus> {
  const missing = !(await stat(source.path).then((s) => s.isFile(), () => false));
  const advice = missing ? undefined : await databaseAdvice(source);
  return {
    source,
    offDisk,
    missing,
    ...(advice ? { advice } : {}),
    restorePoints: points.length,
    bytes: points.reduce((n, m) => n + m.artifact.bytes, 0),
    newest: points[0],
    newestVerified: points.find((m) => m.integrity.status === 'ok'),
  };
}
