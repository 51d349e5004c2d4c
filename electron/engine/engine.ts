// The engine's one entrance: `createEngine` builds every engine module over a data folder, and the
// `Engine` interface below is all that its callers (the desktop app, the CLI, the e2e harness, the
// benchmarks) may use. Every rule about what is allowed lives behind it, so the app and the CLI
// always agree. It knows nothing of the app, the CLI, Google or the scheduler: destination drivers
// and the clock are handed in.
import { stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import pMap from 'p-map';
import type { Comparison, ExportSummary, RecoverSummary, RestorePointContents, RowsPage } from '../../shared/inside.ts';
import type { Destination, Manifest, Replica, RetentionPolicy, Schedule, Source } from '../../shared/model.ts';
import type { DecryptWith } from './artifact/artifact-codec.ts';
import { backup, type BackupRequest } from './vault/backup.ts';
import { openCatalog, type CopyCheckRecord, type VerificationRecord } from './vault/catalog.ts';
import { runVerification, type VerificationOptions, type VerificationReport, type VerificationScope } from './restore/verify-run.ts';
import { systemClock, type Clock } from './common/clock.ts';
import { type EngineContext } from './vault/context.ts';
import { noDrivers, type DriverFactory, type RemoteRestorePoint } from './storage/destination.ts';
import {
  addDestination,
  findFolderDestination,
  getDestination,
  listDestinations,
  newFolderDestination,
  removeDestination,
  setDestinationEnabled,
  setDestinationEncoding,
  setDestinationRetention,
  setDestinationUpload,
} from './remote/destination-settings.ts';
import { createPrivateFile, ensureDir, makePrivate } from './common/durable-fs.ts';
import { LifeboatError, isLifeboatError } from './common/errors.ts';
import { createEventBus, type EventBus } from './common/events.ts';
import { compareRestorePoint } from './inside/compare.ts';
import { exportTable, lookInside, tableRows, type ExportRequest, type InsideOptions, type RowsOptions } from './inside/inspect.ts';
import { createPrivateCopies } from './inside/private-copies.ts';
import { recoverRows, type RecoverRequest } from './inside/recover.ts';
import { forgetPassphrase, rememberedKeyId, rememberPassphrase, resolveDecryption, resolveEncryption, type EncryptRequest } from './artifact/keys.ts';
import { OWN_FILE } from './vault/names.ts';
import { cleanLeftovers } from './vault/leftovers.ts';
import { withSourceLock } from './vault/source-lock.ts';
import { findHolders, type Holder } from './snapshot/open-holders.ts';
import { manifestPath, readManifest, writeManifest } from './vault/manifest.ts';
import { deleteRestorePoint, prune, type PruneResult } from './vault/prune.ts';
import { pruneDestinations, type DestinationPruneResult } from './remote/prune-destinations.ts';
import { configuredDestinations, destinationStatus, pullRestorePoint, pushPending, queueReplicas } from './remote/replication.ts';
import { lastChange, recoverInterruptedRestores, restore, restoreTarget, undo, type LastChange, type RestoreRequest, type RestoreResult } from './restore/restore.ts';
import { listRestorePoints, loadRestorePoint } from './vault/restore-points.ts';
import { planRetention, type RetentionPlan } from './vault/retention.ts';
import { createFileSecretStore, type SecretStore } from './common/secrets.ts';
import { effectiveRetention, moveSecretsOutOfSettings, openSettings, settingsPatchSchema, type Settings, type SettingsPatch } from './common/settings.ts';
import { addSource, databaseAdvice, findSourceByPath, getSource, listSources, removeSource, updateSource, type Advice, type SourcePatch } from './vault/sources.ts';
import { startUploadQueue, type UploadQueueOptions } from './remote/upload-queue.ts';
import { failedVerificationIds, retentionOptions } from './vault/prune.ts';
import { queueMissing, reconcileDestinations, RECONCILE_NOTE, type ReconcileResult } from './remote/destination-sync.ts';
import { MANIFEST_READS_AT_ONCE, manifestNames, openVault, requireVault, scanVault, sourceFolders, vaultProblem, type ScanResult } from './vault/vault.ts';
import { verifyRestorePoint, type VerifyOptions, type VerifyResult } from './restore/verify.ts';
import { configuredVaultDir, followVaultMove, moveVault, recoverInterruptedVaultMove, type VaultMoveOptions, type VaultMoveResult } from './vault/vault-move.ts';

export interface EngineOptions {
  dataDir: string;
  appVersion: string;
  /** Wall time and timers (the upload queue's retries); the system clock unless a test drives one. */
  clock?: Clock;
  events?: EventBus;
  /** Named points inside long operations; crash tests stop a process at one. */
  checkpoint?: (name: string) => Promise<void>;
  /** Where secrets are kept; the app passes its safeStorage store, the CLI gets an owner-only file. */
  secrets?: SecretStore;
  /** Builds destination drivers (electron/destinations/all-drivers.ts); without it no destination can be used. */
  drivers?: DriverFactory;
}

export interface SourceStatus {
  source: Source;
  /** The database file is not there (deleted, or on a disk that is not connected). */
  missing: boolean;
  /** Some copy lives off the database's disk: the vault, an enabled folder on another disk, or Google Drive. */
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
  /** Bytes all restore points in the vault take. */
  vaultBytes: number;
  /** Why the vault cannot be used (its disk is not connected), if so. */
  vaultProblem?: string;
  /** Enabled folder destinations on the same disk as some source's database (they are not copies off that disk). */
  sameDisk: { destinationId: string; sourceIds: string[] }[];
}

export type DestinationStatus = ReturnType<typeof destinationStatus>;
export type BackupTarget = { sourceId: string } | { path: string };
export type BackupOptions = Omit<BackupRequest, 'source' | 'encryption' | 'compressLevel'> & {
  compressLevel?: number | false;
  encrypt?: EncryptRequest;
  /** Apply the source's retention in the vault after a good backup (the default; false skips it once). */
  prune?: boolean;
  /**
   * The first backup of a source registered just for it (the app adds a database, then backs it
   * up): a database it finds damaged is not kept as a source, as with a path target.
   */
  firstBackup?: boolean;
};
export type PushOptions = Parameters<typeof pushPending>[2];
export type UndoOptions = Parameters<typeof undo>[1] & { keys?: DecryptWith };
export type PruneOptions = NonNullable<Parameters<typeof prune>[1]>;

/** What one destination holds, read from the destination itself (with the error if it could not be read). */
export interface RemoteListing {
  destination: Destination;
  points: RemoteRestorePoint[];
  /** Entries there that could not be read or trusted, one line each. */
  problems: string[];
  error?: string;
}

/** Everything the engine offers its callers. */
export interface Engine {
  readonly dataDir: string;
  /** Where the restore points are now (settings' vaultDir; it changes when the vault is moved). */
  readonly vaultDir: string;
  /** The engine's events (a restore point landing, a copy changing state). */
  readonly events: EventBus;
  /** Where secrets are kept (passphrases, a destination's tokens); never logged, never shown. */
  readonly secrets: SecretStore;
  /** The engine's clock. */
  now(): Date;
  /** The current settings, read fresh (another process may have changed them). */
  settings(): Settings;
  /** Changes settings that carry no rule of their own (time zone, app preferences…); sources and destinations have their own methods. */
  updateSettings(patch: SettingsPatch): Settings;

  sources: {
    list(): Source[];
    get(id: string): Source;
    /** Registers a readable SQLite file (or returns its registration), with its own schedule if given. */
    add(file: string, o?: { id?: string; schedule?: Schedule }): Promise<Source>;
    remove(id: string): Source;
    /** Changes a source's settings; refuses encryption it could not carry out. */
    update(id: string, patch: SourcePatch): Promise<Source>;
    findByPath(file: string): Promise<Source | undefined>;
  };

  destinations: {
    list(): Destination[];
    get(id: string): Destination;
    /** Each destination with its copies' counts, last upload and last error. */
    status(): DestinationStatus[];
    /** Adds a folder destination (the folder is made ready by its driver: the marker file). */
    addFolder(folder: string, o?: { id?: string; name?: string }): Promise<Destination>;
    /** Adds a destination from settings-shaped data (Google Drive after connecting). */
    add(d: Destination): Destination;
    /** Removes a destination; its driver gives up any access it held. What it holds stays there. */
    remove(id: string): Promise<Destination>;
    setEnabled(id: string, enabled: boolean): Destination;
    setUpload(id: string, upload: { manual?: boolean; scheduled?: boolean }): Destination;
    /** What the destination does to plain restore points it receives (checked now: keys must work). */
    setEncoding(id: string, o: { encrypt?: Source['encryption'] | null; compressLevel?: number | null }): Promise<Destination>;
    setRetention(id: string, retention: Partial<RetentionPolicy>): Destination;
    /** What one destination (or each) holds, read from the destination itself. */
    listRemote(id?: string): Promise<RemoteListing[]>;
  };

  passphrase: {
    /** Remembers the passphrase for encrypted backups under a new key id. */
    remember(passphrase: string): Promise<{ keyId: string; where: string }>;
    /** Forgets it; refused while a source or destination encrypts with it. */
    forget(): Promise<void>;
    current(): Promise<{ keyId: string; setAt: string } | undefined>;
  };

  /** Backs up a registered source, or a database path (registering it first). */
  backup(target: BackupTarget, req: BackupOptions): Promise<Manifest>;
  /** Restores a restore point; one that is only at a destination (a new machine) is fetched first. */
  restore(req: RestoreRequest & { from?: string }): Promise<RestoreResult>;
  /**
   * The file a restore of `restorePoint` would write: `to`, else the registered source's own path.
   * Refuses (usage) an in-place restore of a database not registered here. Confirmations show this.
   */
  restoreTarget(restorePoint: Pick<Manifest, 'id' | 'source'>, to?: string): string;
  /** The programs that have `file` (or its -wal, -shm, -journal) open; undefined where the platform cannot tell. */
  programsUsing(file: string): Promise<Holder[] | undefined>;
  /** Puts back the database as it was before the last restore or rows brought back. */
  undo(o?: UndoOptions): Promise<RestoreResult>;
  /** What `undo` would take back (Lifeboat's record of the last restore or rows brought back) and the safety copy it brings back, if any. */
  lastChange(sourceId?: string): LastChange | undefined;
  /** Re-hashes an artifact and re-runs the integrity check on it. */
  verify(id: string, o?: VerifyOptions): Promise<VerifyResult>;
  /** The latest verification of every restore point that had one. */
  verifications(): Map<string, VerificationRecord>;
  /**
   * A scheduled verification: the newest restore point of each source (`newest`) or every one the
   * vault keeps (`all`), then a sample of the copies at each destination, downloaded and checked.
   */
  verifyScheduled(scope: VerificationScope, o?: Omit<VerificationOptions, 'keys'> & { keys?: DecryptWith }): Promise<VerificationReport>;
  /** The last check of each copy at the destinations. */
  copyChecks(): CopyCheckRecord[];

  /** Looks inside a restore point without restoring it: its tables (rows, sizes, keys), views and schema. */
  lookInside(id: string, o?: InsideOptions): Promise<RestorePointContents>;
  /** A page of one table's rows in a restore point (newest first where it can tell), or the rows with the given keys. */
  tableRows(id: string, table: string, o?: RowsOptions): Promise<RowsPage>;
  /** What restoring `id` would change, table by table: against its live database, or against restore point `other`. */
  compare(id: string, other?: string, o?: InsideOptions): Promise<Comparison>;
  /** Brings chosen rows (or whole tables) of a restore point back into its live database, after a safety copy (`undo` reverses it). */
  recover(req: RecoverRequest): Promise<RecoverSummary>;
  /** Writes one table of a restore point (or chosen rows) to a new CSV or SQLite file. */
  exportTable(req: ExportRequest): Promise<ExportSummary>;
  /** Removes the private copies kept for looking inside that nobody is using (the person is done looking). */
  doneLooking(): void;

  /** Restore points in the vault, newest first. */
  list(filter?: { sourceId?: string }): Manifest[];
  /** One restore point by id, unique prefix or last six hex digits. */
  get(id: string): Promise<Manifest>;
  /** Deletes one restore point from the vault (never a pinned one or the newest good one). */
  remove(id: string): Promise<Manifest>;
  pin(id: string): Promise<Manifest>;
  unpin(id: string): Promise<Manifest>;

  /** Applies retention in the vault (or says what it would do). */
  prune(o?: PruneOptions): Promise<PruneResult[]>;
  /** Applies each enabled destination's retention to what it holds (never what it should hold). */
  pruneDestinations(o?: Omit<PruneOptions, 'timeZone'>): Promise<DestinationPruneResult[]>;
  /** What retention would keep and delete of one source under `override` (nothing is deleted). */
  previewRetention(sourceId: string, override?: Partial<RetentionPolicy>): { policy: RetentionPolicy } & RetentionPlan;

  /** Every copy at a destination (of one restore point, or all). */
  replicas(restorePointId?: string): Replica[];
  /** Queues a new restore point's copies and makes them now (the CLI, after a backup). */
  uploadNew(manifest: Manifest): Promise<Replica[]>;
  /**
   * Copies to the destinations now: one restore point, or (without an id) what each destination is
   * missing under its retention, what waits and what failed.
   */
  push(o?: PushOptions): Promise<Replica[]>;
  /** Brings a restore point from a destination into the vault, verified. */
  pull(id: string, from?: string): Promise<Manifest>;
  /** Starts the upload queue (the app and the daemon): copies after each backup, retries with backoff, destinations' retention. */
  startUploads(o?: UploadQueueOptions): UploadQueue;

  /**
   * Moves the vault into `to`, an empty folder that exists (an external disk, say): every restore
   * point is copied and checked, settings switch to it, then the old files go. Crash-safe (see
   * vault-move.ts); refused onto a folder that does not exist or is not empty, and while a backup,
   * restore or prune runs (it waits for them first). Progress in bytes; cancellable until the switch.
   */
  moveVault(to: string, o?: VaultMoveOptions): Promise<VaultMoveResult>;

  /**
   * Rebuilds the list from the manifests in the vault; returns what could not be trusted. The
   * record of copies went with the old catalog: `reconcileDestinations` (run by the upload queue,
   * `push` and `lifeboat reindex`) compares the destinations with it.
   */
  reindex(): Promise<ScanResult>;
  /** Reads what each destination holds, records it, and queues what it lacks. */
  reconcileDestinations(): Promise<ReconcileResult[]>;
  status(): Promise<VaultStatus>;
  close(): void;
}

export type UploadQueue = ReturnType<typeof startUploadQueue>;
export type { ReconcileResult, UploadQueueOptions, VaultMoveOptions, VaultMoveResult, VerificationReport, VerificationScope };
/** The schedule a database added in the app gets (every hour). */
export { NEW_SOURCE_SCHEDULE } from './vault/sources.ts';
export { describeVaultMove } from './vault/vault-move.ts';

/** Opens (creating if needed) the data folder and returns the engine bound to it. */
export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const dataDir = path.resolve(opts.dataDir);
  // Lifeboat's files are as private as the databases they hold: the data folder and the vault are
  // owner-only (made so if an older version left them open), and so are settings and the catalog.
  await ensureDir(dataDir);
  await makePrivate(dataDir, 0o700);
  const settings = openSettings(dataDir, opts.appVersion);
  await makePrivate(settings.file, 0o600);
  // A move of the vault that a crash interrupted is finished (or rolled back) before anything else.
  await recoverInterruptedVaultMove({ dataDir, settings });
  const vaultDir = configuredVaultDir({ dataDir, settings });
  const catalogFile = path.join(dataDir, 'catalog.db');
  await createPrivateFile(catalogFile);
  for (const f of [catalogFile, `${catalogFile}-wal`, `${catalogFile}-shm`]) await makePrivate(f, 0o600);
  const { catalog, fresh } = openCatalog(catalogFile);
  // A vault whose disk is not connected is reported, never started afresh, and the index keeps
  // every entry (verifications, copies) until the disk is back.
  const vaultMissing = await openVault(vaultDir, !fresh && catalog.ids().size > 0);
  if (!vaultMissing) await makePrivate(vaultDir, 0o700);
  const clock = opts.clock ?? systemClock;
  const secrets = opts.secrets ?? createFileSecretStore(dataDir);
  await moveSecretsOutOfSettings(settings, secrets);
  const ctx: EngineContext = {
    dataDir,
    vaultDir,
    settings,
    secrets,
    catalog,
    events: opts.events ?? createEventBus(),
    clock,
    now: () => clock.now(),
    drivers: opts.drivers ?? noDrivers,
    driverMemo: new Map(),
    appVersion: opts.appVersion,
    checkpoint: opts.checkpoint ?? (async () => undefined),
  };

  const reindex = async (): Promise<ScanResult> => {
    await requireVault(ctx.vaultDir);
    const scan = await scanVault(ctx.vaultDir);
    catalog.replaceAll(scan.manifests);
    // The destinations may hold what the rebuilt index does not know of, or lack what it had queued.
    catalog.setNote(RECONCILE_NOTE, ctx.now().toISOString());
    return scan;
  };

  /** Brings the catalog in line with the vault's file names (cheap: one directory listing per source). */
  const syncCatalog = async (): Promise<void> => {
    const known = catalog.ids();
    const seen = new Set<string>();
    for (const sourceId of await sourceFolders(ctx.vaultDir)) {
      const unknown: string[] = [];
      for (const name of await manifestNames(ctx.vaultDir, sourceId)) {
        const id = OWN_FILE.exec(name)?.[2];
        if (!id) continue;
        seen.add(id);
        if (!known.has(id)) unknown.push(path.join(ctx.vaultDir, sourceId, name));
      }
      // An untrusted manifest is reported by `verify`/`reindex`, never listed.
      const read = await pMap(unknown, (file) => readManifest(ctx.vaultDir, file).catch(() => undefined), { concurrency: MANIFEST_READS_AT_ONCE });
      for (const m of read) if (m) catalog.upsert(m);
    }
    for (const id of known) if (!seen.has(id)) catalog.remove(id);
  };

  if (vaultMissing) {
    // nothing to read: the index stays as it is
  } else if (fresh) await reindex();
  else await syncCatalog();
  if (fresh) catalog.setNote(RECONCILE_NOTE, ctx.now().toISOString()); // the record of copies was lost with the old catalog
  await recoverInterruptedRestores(ctx);
  await cleanLeftovers(ctx);
  const copies = createPrivateCopies(ctx);
  const withKeys = async <T extends { keys?: InsideOptions['keys'] }>(o: T): Promise<T> => ({ ...o, keys: await resolveDecryption(ctx, o.keys) });

  const destinationsFor = (id?: string) => {
    if (id) getDestination(ctx, id);
    return configuredDestinations(ctx).filter((t) => !id || t.destination.id === id);
  };

  /** Finds a restore point at the destinations (in priority order) and brings it into the vault. */
  const pullFromDestinations = async (id: string, from?: string): Promise<Manifest> => {
    await requireVault(vaultDir); // the vault's disk must be there before anything is brought into it
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
    return withSourceLock(ctx, m.source.id, `pinning ${m.id}`, async () => {
      const current = await readManifest(ctx.vaultDir, manifestPath(ctx.vaultDir, m));
      const next = { ...current, pinned };
      await writeManifest(ctx.vaultDir, next);
      catalog.upsert(next);
      return next;
    });
  };

  const status = async (): Promise<VaultStatus> => {
    followVaultMove(ctx); // another process may have moved it
    const sources = listSources(ctx);
    const all = listRestorePoints(ctx);
    const fs = await statfs(ctx.vaultDir).catch(() => undefined);
    // Which disk each thing is on (st_dev): a copy on the database's own disk dies with it.
    const deviceOf = async (p: string) => (await stat(p).catch(() => undefined))?.dev;
    const vaultDevice = await deviceOf(ctx.vaultDir);
    const copies = await Promise.all(
      listDestinations(ctx)
        .filter((d) => d.enabled)
        .map(async (d) => ({ destination: d, device: d.kind === 'folder' ? await deviceOf(d.path) : undefined })),
    );
    const sourceDevices = new Map(await Promise.all(sources.map(async (s) => [s.id, await deviceOf(s.path)] as const)));
    // An unreachable folder (its disk unplugged) counts as off the disk: its failing copies are reported on their own.
    const offDisk = (device: number | undefined) =>
      device === undefined || (vaultDevice !== undefined && vaultDevice !== device) || copies.some((c) => c.destination.kind !== 'folder' || c.device === undefined || c.device !== device);
    return {
      dataDir,
      vaultDir: ctx.vaultDir,
      vaultProblem: await vaultProblem(ctx.vaultDir),
      freeBytes: fs ? fs.bavail * fs.bsize : undefined,
      sameDisk: copies
        .filter((c) => c.device !== undefined)
        .map((c) => ({ destinationId: c.destination.id, sourceIds: sources.filter((s) => sourceDevices.get(s.id) === c.device).map((s) => s.id) }))
        .filter((x) => x.sourceIds.length > 0),
      sources: await Promise.all(
        sources.map(async (source) => {
          const points = all.filter((m) => m.source.id === source.id);
          const missing = !(await stat(source.path).then((s) => s.isFile(), () => false));
          const advice = missing ? undefined : await databaseAdvice(source);
          return {
            source,
            offDisk: offDisk(sourceDevices.get(source.id)),
            missing,
            ...(advice ? { advice } : {}),
            restorePoints: points.length,
            bytes: points.reduce((n, m) => n + m.artifact.bytes, 0),
            newest: points[0],
            newestVerified: points.find((m) => m.integrity.status === 'ok'),
          };
        }),
      ),
      orphans: all.filter((m) => !sources.some((s) => s.id === m.source.id)).length,
      vaultBytes: all.reduce((n, m) => n + m.artifact.bytes, 0),
    };
  };

  const driverOf = (d: Destination) => configuredDestinations(ctx).find((t) => t.destination.id === d.id)?.driver ?? ctx.drivers(d, { dataDir, secrets: ctx.secrets, settings: () => settings.read(), memo: ctx.driverMemo });

  return {
    dataDir,
    get vaultDir() {
      return ctx.vaultDir;
    },
    events: ctx.events,
    secrets: ctx.secrets,
    now: ctx.now,
    settings: () => settings.read(),
    updateSettings: (patch) => {
      const parsed = settingsPatchSchema.safeParse(patch);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const what = issue?.path.join('.') || 'the change';
        if (what === 'timeZone') throw new LifeboatError('usage', `"${String((patch as { timeZone?: unknown }).timeZone)}" is not a time zone this machine knows`, 'Give an IANA name such as Europe/Paris or America/New_York');
        throw new LifeboatError('usage', `${what}: ${issue?.message ?? 'not a valid setting'}`, 'Nothing was changed; fix the value and try again');
      }
      const change = parsed.data;
      return settings.update((s) => ({ ...s, ...change, app: { ...s.app, ...change.app }, verification: { ...s.verification, ...change.verification } } as Settings));
    },
    sources: {
      list: () => listSources(ctx),
      get: (id) => getSource(ctx, id),
      add: (file, o) => addSource(ctx, file, o),
      remove: (id) => removeSource(ctx, id),
      update: (id, patch) => updateSource(ctx, id, patch),
      findByPath: (file) => findSourceByPath(ctx, file),
    },
    destinations: {
      list: () => listDestinations(ctx),
      get: (id) => getDestination(ctx, id),
      status: () => {
        const inVault = catalog.ids();
        return listDestinations(ctx).map((d) => destinationStatus(ctx, d, inVault));
      },
      addFolder: async (folder, o = {}) => {
        const existing = findFolderDestination(ctx, folder);
        if (existing) return existing;
        const d = newFolderDestination(ctx, folder, o);
        await driverOf(d).init?.();
        const added = addDestination(ctx, d);
        // It receives what its retention keeps of the history too: queued now, copied in the background.
        queueMissing(ctx, configuredDestinations(ctx).filter((t) => t.destination.id === added.id));
        return added;
      },
      add: (d) => {
        const added = addDestination(ctx, d);
        queueMissing(ctx, configuredDestinations(ctx).filter((t) => t.destination.id === added.id));
        return added;
      },
      remove: async (id) => {
        const d = getDestination(ctx, id);
        await driverOf(d).forget?.();
        return removeDestination(ctx, id);
      },
      setEnabled: (id, enabled) => {
        const d = setDestinationEnabled(ctx, id, enabled);
        if (enabled) queueMissing(ctx, configuredDestinations(ctx).filter((t) => t.destination.id === id));
        return d;
      },
      setUpload: (id, upload) => setDestinationUpload(ctx, id, upload),
      setEncoding: (id, o) => setDestinationEncoding(ctx, id, o),
      setRetention: (id, retention) => setDestinationRetention(ctx, id, retention),
      listRemote: async (id) => {
        const out: RemoteListing[] = [];
        for (const target of destinationsFor(id)) {
          try {
            out.push({ destination: target.destination, ...(await target.driver.list()) });
          } catch (e) {
            out.push({ destination: target.destination, points: [], problems: [], error: isLifeboatError(e) ? e.oneLine : String(e) });
          }
        }
        return out;
      },
    },
    passphrase: {
      remember: (p) => rememberPassphrase(ctx, p),
      forget: () => forgetPassphrase(ctx),
      current: () => rememberedKeyId(ctx),
    },
    backup: async (target, req) => {
      const known = 'path' in target ? await findSourceByPath(ctx, target.path).catch(() => undefined) : undefined;
      const source = 'sourceId' in target ? getSource(ctx, target.sourceId) : (known ?? (await addSource(ctx, target.path)));
      const registeredForIt = ('path' in target && !known) || (req.firstBackup === true && listRestorePoints(ctx, { sourceId: source.id }).length === 0);
      let manifest: Manifest;
      try {
        const compressLevel = req.compressLevel === false ? undefined : (req.compressLevel ?? source.compressLevel);
        const encryption = await resolveEncryption(ctx, source, req.encrypt);
        manifest = await backup(ctx, { ...req, source, compressLevel, encryption });
        // A damaged database registered by this very backup is not kept as a source (its failed copy stays, for whoever repairs it).
        if (registeredForIt && manifest.integrity.status !== 'ok') removeSource(ctx, source.id);
      } catch (e) {
        // Nor one whose first backup found it damaged. (A database too large, or busy, stays: its settings fix that.)
        const damaged = isLifeboatError(e) && ['corrupt', 'not-sqlite', 'empty-file', 'hot-journal'].includes(e.code);
        if (registeredForIt && damaged && listRestorePoints(ctx, { sourceId: source.id }).length === 0) removeSource(ctx, source.id);
        throw e;
      }
      // Whoever takes a backup (the app, the daemon, `lifeboat backup`) applies retention after it,
      // so hourly backups never fill the disk. A failure here never fails the backup: it is told.
      if (req.prune !== false && manifest.integrity.status === 'ok') {
        try {
          const [result] = await prune(ctx, { sourceId: source.id });
          ctx.events.emit('retention-applied', { sourceId: source.id, removed: result?.remove.map((d) => d.id) ?? [] });
        } catch (e) {
          ctx.events.emit('retention-applied', { sourceId: source.id, removed: [], error: isLifeboatError(e) ? e.oneLine : String(e) });
        }
      }
      return manifest;
    },
    restore: async (req) => {
      const keys = await resolveDecryption(ctx, req.keys);
      try {
        if (!req.from) return await restore(ctx, { ...req, keys });
      } catch (e) {
        if (!isLifeboatError(e) || e.code !== 'unknown-restore-point') throw e;
      }
      const pulled = await pullFromDestinations(req.id, req.from);
      return restore(ctx, { ...req, id: pulled.id, keys });
    },
    restoreTarget: (restorePoint, to) => restoreTarget(ctx, restorePoint, to),
    programsUsing: (file) => findHolders([file, `${file}-wal`, `${file}-shm`, `${file}-journal`]),
    undo: async (o = {}) => undo(ctx, { ...o, keys: await resolveDecryption(ctx, o.keys) }),
    lastChange: (sourceId) => lastChange(ctx, sourceId),
    verify: async (id, o = {}) => verifyRestorePoint(ctx, id, { ...o, keys: await resolveDecryption(ctx, o.keys) }),
    verifications: () => catalog.verifications(),
    verifyScheduled: async (scope, o = {}) =>
      runVerification(ctx, configuredDestinations(ctx), scope, { sample: settings.read().verification.destinationSample, ...o, keys: await resolveDecryption(ctx, o.keys) }),
    copyChecks: () => catalog.copyChecks(),
    lookInside: async (id, o = {}) => lookInside(ctx, copies, id, await withKeys(o)),
    tableRows: async (id, table, o = {}) => tableRows(ctx, copies, id, table, await withKeys(o)),
    compare: async (id, other, o = {}) => compareRestorePoint(ctx, copies, id, other, await withKeys(o)),
    recover: async (req) => recoverRows(ctx, copies, await withKeys(req)),
    exportTable: async (req) => exportTable(ctx, copies, await withKeys(req)),
    doneLooking: () => copies.dropIdle(),
    list: (filter) => listRestorePoints(ctx, filter),
    get: (id) => loadRestorePoint(ctx, id),
    remove: (id) => deleteRestorePoint(ctx, id),
    pin: (id) => setPinned(id, true),
    unpin: (id) => setPinned(id, false),
    prune: (o) => prune(ctx, o),
    pruneDestinations: (o) => pruneDestinations(ctx, configuredDestinations(ctx), o),
    previewRetention: (sourceId, override = {}) => {
      const s = settings.read();
      const policy = { ...effectiveRetention(s, getSource(ctx, sourceId)), ...override };
      return { policy, ...planRetention(listRestorePoints(ctx, { sourceId }), policy, { ...retentionOptions(ctx), failedVerification: failedVerificationIds(ctx) }) };
    },
    replicas: (restorePointId) => catalog.replicas(restorePointId ? { restorePointId } : {}),
    uploadNew: async (manifest) => {
      const targets = configuredDestinations(ctx);
      if (queueReplicas(ctx, manifest, targets).length === 0) return [];
      return pushPending(ctx, targets, { restorePointId: manifest.id });
    },
    push: async (o = {}) => {
      const targets = configuredDestinations(ctx);
      if (!o.restorePointId) {
        catalog.removeOrphanReplicas();
        if (catalog.note(RECONCILE_NOTE)) await reconcileDestinations(ctx, targets);
        queueMissing(ctx, o.destinationId ? targets.filter((t) => t.destination.id === o.destinationId) : targets);
      }
      return pushPending(ctx, targets, o);
    },
    pull: (id, from) => pullFromDestinations(id, from),
    startUploads: (o) => startUploadQueue(ctx, clock, o),
    moveVault: async (to, o) => {
      const r = await moveVault(ctx, to, o);
      ctx.events.emit('vault-moved', r);
      return r;
    },
    reindex,
    reconcileDestinations: () => reconcileDestinations(ctx, configuredDestinations(ctx)),
    status,
    close: () => {
      copies.closeAll();
      catalog.close();
    },
  };
}
