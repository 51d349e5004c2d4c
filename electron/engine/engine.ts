// The one place that builds the engine's service graph from a data folder. The desktop app, the
// CLI and the e2e harness all call `createEngine`, so they run the same code on the same files.
import { stat, statfs } from 'node:fs/promises';
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
import { deleteRestorePoint, prune, pruneDestinations } from './prune.ts';
import { lastSafetyCopy, recoverInterruptedRestores, restore, undo, type RestoreRequest } from './restore.ts';
import { listRestorePoints, loadRestorePoint } from './restore-points.ts';
import { openSettings } from './settings.ts';
import { createFileSecretStore, type SecretStore } from './secrets.ts';
import { forgetPassphrase, rememberedKeyId, rememberPassphrase, resolveDecryption, resolveEncryption, type EncryptRequest } from './keys.ts';
import { checkTarget, type DecryptWith } from './artifact-codec.ts';
import { configuredDestinations, destinationStatus, pullRestorePoint, pushPending, queueReplicas, type DriverFactory } from './replication.ts';
import { initFolderDestination } from './folder-destination.ts';
import { startUploadQueue } from './upload-queue.ts';
import { sourceIdFromPath } from './layout.ts';
import { LifeboatError, isLifeboatError } from './errors.ts';
import type { Destination } from '../../shared/model.ts';
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
  /** Builds destination drivers (tests and Google Drive plug in here). */
  driverFactory?: DriverFactory;
}

export interface SourceStatus {
  source: Source;
  /** The database file is not there (deleted, or on a disk that is not connected). */
  missing: boolean;
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
  /** Bytes all restore points in the vault take. */
  vaultBytes: number;
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

  const getDestination = (id: string): Destination => {
    const found = settings.read().destinations.find((d) => d.id === id);
    if (!found) {
      const known = settings.read().destinations.map((d) => d.id).join(', ') || 'none yet';
      throw new LifeboatError('unknown-source', `There is no destination called "${id}" (known: ${known})`, 'Add one with `lifeboat destinations add <folder>`');
    }
    return found;
  };
  const destinationsFor = (id?: string) => {
    if (id) getDestination(id);
    return configuredDestinations(ctx, opts.driverFactory).filter((t) => !id || t.destination.id === id);
  };
  /** Finds a restore point at the destinations (in priority order) and brings it into the vault. */
  const pullFromDestinations = async (id: string, from?: string): Promise<Manifest> => {
    const targets = destinationsFor(from);
    if (targets.length === 0) throw new LifeboatError('unknown-restore-point', `There is no restore point "${id}"`, 'See the ids with `lifeboat list`');
    const problems: string[] = [];
    for (const target of targets) {
      try {
        return await pullRestorePoint(ctx, target, id);
      } catch (e) {
        if (isLifeboatError(e) && e.code === 'unknown-restore-point') continue;
        problems.push(isLifeboatError(e) ? e.oneLine : String(e));
      }
    }
    throw new LifeboatError('unknown-restore-point', `There is no restore point "${id}" in the vault${problems.length ? ` (and some destinations could not be read: ${problems.join('; ')})` : ' or at any destination'}`, 'See the ids with `lifeboat list --remote`');
  };

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
      sources: await Promise.all(sources.map(async (source) => {
        const points = all.filter((m) => m.source.id === source.id);
        return {
          source,
          missing: !(await stat(source.path).then((s) => s.isFile(), () => false)),
          restorePoints: points.length,
          bytes: points.reduce((n, m) => n + m.artifact.bytes, 0),
          newest: points[0],
          newestVerified: points.find((m) => m.integrity.status === 'ok'),
        };
      })),
      orphans: all.filter((m) => !sources.some((s) => s.id === m.source.id)).length,
      vaultBytes: all.reduce((n, m) => n + m.artifact.bytes, 0),
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
    /** Restores a restore point; one that is only at a destination (a new machine) is fetched first. */
    restore: async (req: RestoreRequest & { from?: string }) => {
      const keys = await resolveDecryption(ctx, req.keys);
      try {
        if (!req.from) return await restore(ctx, { ...req, keys });
      } catch (e) {
        if (!isLifeboatError(e) || e.code !== 'unknown-restore-point') throw e;
      }
      const pulled = await pullFromDestinations(req.id, req.from);
      return restore(ctx, { ...req, id: pulled.id, keys });
    },
    undo: async (o: Parameters<typeof undo>[1] & { keys?: DecryptWith } = {}) => undo(ctx, { ...o, keys: await resolveDecryption(ctx, o.keys) }),
    destinations: {
      list: () => ctx.settings.read().destinations,
      status: () => ctx.settings.read().destinations.map((d) => destinationStatus(ctx, d)),
      /** Adds a folder destination (creating it and its marker file). */
      addFolder: async (folder: string, o: { id?: string; name?: string } = {}) => {
        const absolute = path.resolve(folder);
        await initFolderDestination(absolute);
        let added: Destination | undefined;
        settings.update((s) => {
          const existing = s.destinations.find((d) => d.kind === 'folder' && d.path === absolute);
          if (existing) {
            added = existing;
            return s;
          }
          let id = o.id ?? sourceIdFromPath(path.basename(absolute) || 'folder');
          for (let n = 2; s.destinations.some((d) => d.id === id); n++) id = `${o.id ?? sourceIdFromPath(path.basename(absolute))}-${n}`;
          added = { id, kind: 'folder', name: o.name ?? absolute, path: absolute, enabled: true, priority: 100, upload: { manual: true, scheduled: true } };
          return { ...s, destinations: [...s.destinations, added] };
        });
        return added as Destination;
      },
      remove: (id: string) => {
        const d = getDestination(id);
        settings.update((s) => ({ ...s, destinations: s.destinations.filter((x) => x.id !== id) }));
        return d;
      },
      setEnabled: (id: string, enabled: boolean) => {
        getDestination(id);
        settings.update((s) => ({ ...s, destinations: s.destinations.map((d) => (d.id === id ? { ...d, enabled } : d)) }));
        return getDestination(id);
      },
      /** What one destination (or each) holds, read from the destination itself. */
      listRemote: async (id?: string) => {
        const out = [];
        for (const target of destinationsFor(id)) {
          try {
            out.push({ destination: target.destination, points: await target.driver.list(), error: undefined });
          } catch (e) {
            out.push({ destination: target.destination, points: [], error: isLifeboatError(e) ? e.oneLine : String(e) });
          }
        }
        return out;
      },
    },
    /** Queues a new restore point's replicas and uploads them now (used by the CLI after a backup). */
    uploadNew: async (manifest: Manifest) => {
      const targets = configuredDestinations(ctx, opts.driverFactory);
      if (queueReplicas(ctx, manifest, targets).length === 0) return [];
      return pushPending(ctx, targets, { restorePointId: manifest.id });
    },
    /** Starts the upload queue (the app and the daemon): uploads after each backup, retries later. */
    startUploads: (clock: Parameters<typeof startUploadQueue>[1], runCopy?: Parameters<typeof startUploadQueue>[3]) => startUploadQueue(ctx, clock, opts.driverFactory, runCopy),
    /** Adds a destination from settings-shaped data (Google Drive after connecting). */
    addDestination: (d: Destination) => {
      settings.update((s) => (s.destinations.some((x) => x.id === d.id) ? s : { ...s, destinations: [...s.destinations, d] }));
      return getDestination(d.id);
    },
    push: (o: Parameters<typeof pushPending>[2] = {}) => pushPending(ctx, configuredDestinations(ctx, opts.driverFactory), o),
    pull: (id: string, from?: string) => pullFromDestinations(id, from),
    replicas: (restorePointId?: string) => ctx.catalog.replicas(restorePointId ? { restorePointId } : {}),
    passphrase: {
      remember: (p: string) => rememberPassphrase(ctx, p),
      forget: () => forgetPassphrase(ctx),
      current: () => rememberedKeyId(ctx),
    },
    /** The safety copy `undo` would bring back, if any. */
    lastSafetyCopy: (sourceId?: string) => lastSafetyCopy(ctx, sourceId),
    verify: async (id: string, o: Parameters<typeof verifyRestorePoint>[2] = {}) => verifyRestorePoint(ctx, id, { ...o, keys: await resolveDecryption(ctx, o.keys) }),
    prune: (o?: Parameters<typeof prune>[1]) => prune(ctx, o),
    /** Retention at the destinations that have their own rules. */
    pruneDestinations: (o?: Parameters<typeof pruneDestinations>[2]) => pruneDestinations(ctx, configuredDestinations(ctx, opts.driverFactory), o),
    /** Switches automatic uploads of manual and/or scheduled backups to a destination. */
    setDestinationUpload: (id: string, upload: { manual?: boolean; scheduled?: boolean }) => {
      getDestination(id);
      settings.update((s) => ({
        ...s,
        destinations: s.destinations.map((d) => (d.id === id ? { ...d, upload: { manual: upload.manual ?? d.upload.manual, scheduled: upload.scheduled ?? d.upload.scheduled } } : d)),
      }));
      return getDestination(id);
    },
    /**
     * What a destination does to plain restore points: encrypt them (checked now: the passphrase must
     * be remembered, the keys valid) and/or compress them. null switches one off.
     */
    setDestinationEncoding: async (id: string, o: { encrypt?: Source['encryption'] | null; compressLevel?: number | null }) => {
      getDestination(id);
      if (o.encrypt) checkTarget((await resolveEncryption(ctx, { id, encryption: o.encrypt }, undefined))!.to);
      settings.update((s) => ({
        ...s,
        destinations: s.destinations.map((d) =>
          d.id !== id ? d : { ...d, ...(o.encrypt !== undefined ? { encrypt: o.encrypt ?? undefined } : {}), ...(o.compressLevel !== undefined ? { compressLevel: o.compressLevel ?? undefined } : {}) },
        ),
      }));
      return getDestination(id);
    },
    /** Sets a destination's own retention rules. */
    setDestinationRetention: (id: string, retention: Partial<import('../../shared/model.ts').RetentionPolicy>) => {
      getDestination(id);
      settings.update((s) => ({ ...s, destinations: s.destinations.map((d) => (d.id === id ? { ...d, retention: { ...d.retention, ...retention } } : d)) }));
      return getDestination(id);
    },
    list: (filter?: { sourceId?: string }) => listRestorePoints(ctx, filter),
    get: (id: string) => loadRestorePoint(ctx, id),
    /** Deletes one restore point from the vault (never a pinned one or the newest good one). */
    remove: (id: string) => deleteRestorePoint(ctx, id),
    pin: (id: string) => setPinned(id, true),
    unpin: (id: string) => setPinned(id, false),
    reindex,
    status,
    close: () => catalog.close(),
  };
}

export type Engine = Awaited<ReturnType<typeof createEngine>>;
