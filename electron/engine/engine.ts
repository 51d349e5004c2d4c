// The one place that builds the engine's service graph from a data folder. The desktop app, the
// CLI and the e2e harness all call `createEngine`, so they run the same code on the same files.
import { statfs } from 'node:fs/promises';
import { ensureDir } from './durable-fs.ts';
import { OWN_FILE } from './layout.ts';
import path from 'node:path';
import type { Manifest, Source } from '../../shared/model.ts';
import { backup, type BackupRequest } from './backup.ts';
import { openCatalog } from './catalog.ts';
import { sourceLockFile, type EngineContext } from './context.ts';
import { createEventBus, type EventBus } from './events.ts';
import { withLock } from './locks.ts';
import { manifestPath, readManifest, writeManifest } from './manifest.ts';
import { prune } from './prune.ts';
import { lastSafetyCopy, recoverInterruptedRestores, restore, undo, type RestoreRequest } from './restore.ts';
import { listRestorePoints, loadRestorePoint } from './restore-points.ts';
import { openSettings } from './settings.ts';
import { createFileSecretStore, type SecretStore } from './secrets.ts';
import { forgetPassphrase, rememberedKeyId, rememberPassphrase, resolveDecryption, resolveEncryption, type EncryptRequest } from './keys.ts';
import type { DecryptWith } from './artifact-codec.ts';
import { addSource, findSourceByPath, getSource, listSources, removeSource, updateSource } from './sources.ts';
import { manifestNames, scanVault, sourceFolders, type ScanResult } from './vault.ts';
import { verifyRestorePoint } from './verify.ts';

export interface EngineOptions {
  dataDir: string;
  appVersion: string;
  now?: () => Date;
  events?: EventBus;
  checkpoint?: (name: string) => Promise<void>;
  /** Where secrets are kept; the app passes its safeStorage store, the CLI gets an owner-only file. */
  secrets?: SecretStore;
}

export interface SourceStatus {
  source: Source;
  restorePoints: number;
  bytes: number;
  newest?: Manifest;
  newestVerified?: Manifest;
}

export interface VaultStatus {
  dataDir: string;
  vaultDir: string;
  freeBytes?: number;
  sources: SourceStatus[];
  /** Restore points in the vault whose source is no longer registered. */
  orphans: number;
}

/** Opens (creating if needed) the data folder and returns every engine service bound to it. */
export async function createEngine(opts: EngineOptions) {
  const dataDir = path.resolve(opts.dataDir);
  await ensureDir(dataDir);
  const settings = openSettings(dataDir, opts.appVersion);
  const vaultDir = path.resolve(dataDir, settings.read().vaultDir ?? 'vault');
  await ensureDir(vaultDir);
  const { catalog, fresh } = openCatalog(path.join(dataDir, 'catalog.db'));
  const ctx: EngineContext = {
    dataDir,
    vaultDir,
    settings,
    secrets: opts.secrets ?? createFileSecretStore(dataDir),
    catalog,
    events: opts.events ?? createEventBus(),
    now: opts.now ?? (() => new Date()),
    appVersion: opts.appVersion,
    checkpoint: opts.checkpoint ?? (async () => undefined),
  };

  /** Rebuilds the catalog from the manifests in the vault; returns what could not be trusted. */
  const reindex = async (): Promise<ScanResult> => {
    const scan = await scanVault(vaultDir);
    catalog.replaceAll(scan.manifests);
    return scan;
  };

  /** Brings the catalog in line with the vault's file names (cheap: one directory listing per source). */
  const syncCatalog = async (): Promise<void> => {
    const known = catalog.ids();
    const seen = new Set<string>();
    for (const sourceId of await sourceFolders(vaultDir)) {
      for (const name of await manifestNames(vaultDir, sourceId)) {
        const id = OWN_FILE.exec(name)?.[2];
        if (!id) continue;
        seen.add(id);
        if (!known.has(id)) {
          try {
            catalog.upsert(await readManifest(vaultDir, path.join(vaultDir, sourceId, name)));
          } catch {
            // an untrusted manifest is reported by `verify`/`reindex`, never listed
          }
        }
      }
    }
    for (const id of known) if (!seen.has(id)) catalog.remove(id);
  };

  if (fresh) await reindex();
  else await syncCatalog();
  await recoverInterruptedRestores(ctx);

  const setPinned = async (idOrPrefix: string, pinned: boolean): Promise<Manifest> => {
    const m = await loadRestorePoint(ctx, idOrPrefix);
    return withLock(sourceLockFile(ctx, m.source.id), `pinning ${m.id}`, async () => {
      const current = await readManifest(vaultDir, manifestPath(vaultDir, m));
      const next = { ...current, pinned };
      await writeManifest(vaultDir, next);
      catalog.upsert(next);
      return next;
    });
  };

  const status = async (): Promise<VaultStatus> => {
    const sources = listSources(ctx);
    const all = listRestorePoints(ctx);
    const fs = await statfs(vaultDir).catch(() => undefined);
    return {
      dataDir,
      vaultDir,
      freeBytes: fs ? fs.bavail * fs.bsize : undefined,
      sources: sources.map((source) => {
        const points = all.filter((m) => m.source.id === source.id);
        return {
          source,
          restorePoints: points.length,
          bytes: points.reduce((n, m) => n + m.artifact.bytes, 0),
          newest: points[0],
          newestVerified: points.find((m) => m.integrity.status === 'ok'),
        };
      }),
      orphans: all.filter((m) => !sources.some((s) => s.id === m.source.id)).length,
    };
  };

  return {
    ctx,
    events: ctx.events,
    sources: {
      list: () => listSources(ctx),
      get: (id: string) => getSource(ctx, id),
      add: (file: string, o?: { id?: string }) => addSource(ctx, file, o),
      remove: (id: string) => removeSource(ctx, id),
      update: (id: string, patch: Parameters<typeof updateSource>[2]) => updateSource(ctx, id, patch),
      findByPath: (file: string) => findSourceByPath(ctx, file),
    },
    /** Backs up a registered source, or a database path (registering it first). */
    backup: async (
      target: { sourceId: string } | { path: string },
      req: Omit<BackupRequest, 'source' | 'encryption' | 'compressLevel'> & { compressLevel?: number | false; encrypt?: EncryptRequest },
    ) => {
      const source = 'sourceId' in target ? getSource(ctx, target.sourceId) : await addSource(ctx, target.path);
      const compressLevel = req.compressLevel === false ? undefined : (req.compressLevel ?? source.compressLevel);
      const encryption = await resolveEncryption(ctx, source, req.encrypt);
      return backup(ctx, { ...req, source, compressLevel, encryption });
    },
    restore: async (req: RestoreRequest) => restore(ctx, { ...req, keys: await resolveDecryption(ctx, req.keys) }),
    undo: async (o: Parameters<typeof undo>[1] & { keys?: DecryptWith } = {}) => undo(ctx, { ...o, keys: await resolveDecryption(ctx, o.keys) }),
    passphrase: {
      remember: (p: string) => rememberPassphrase(ctx, p),
      forget: () => forgetPassphrase(ctx),
      current: () => rememberedKeyId(ctx),
    },
    /** The safety copy `undo` would bring back, if any. */
    lastSafetyCopy: (sourceId?: string) => lastSafetyCopy(ctx, sourceId),
    verify: async (id: string, o: Parameters<typeof verifyRestorePoint>[2] = {}) => verifyRestorePoint(ctx, id, { ...o, keys: await resolveDecryption(ctx, o.keys) }),
    prune: (o?: Parameters<typeof prune>[1]) => prune(ctx, o),
    list: (filter?: { sourceId?: string }) => listRestorePoints(ctx, filter),
    get: (id: string) => loadRestorePoint(ctx, id),
    pin: (id: string) => setPinned(id, true),
    unpin: (id: string) => setPinned(id, false),
    reindex,
    status,
    close: () => catalog.close(),
  };
}

export type Engine = Awaited<ReturnType<typeof createEngine>>;
