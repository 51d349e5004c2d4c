// Opening a data folder: the folder and the vault owner-only, settings, the catalog (rebuilt from the
// manifests when it is new, brought in line with the vault's file names otherwise), an interrupted
// vault move or restore finished, and what a crash left removed. The result is the context every
// engine module is given.
import path from 'node:path';
import pMap from 'p-map';
import { systemClock, type Clock } from '../common/clock.ts';
import { createPrivateFile, ensureDir, makePrivate } from '../common/durable-fs.ts';
import { createEventBus, type EventBus } from '../common/events.ts';
import { createFileSecretStore, type SecretStore } from '../common/secrets.ts';
import { moveSecretsOutOfSettings, openSettings } from '../common/settings.ts';
import { noStorage, type StorageFactory } from '../storage/storage.ts';
import { openCatalog } from './catalog.ts';
import type { EngineContext } from './context.ts';
import { cleanLeftovers } from './leftovers.ts';
import { readManifest } from './manifest.ts';
import { restorePointOfName } from './names.ts';
import { MANIFEST_READS_AT_ONCE, manifestNames, openVault, requireVault, scanVault, sourceFolders, type ScanResult } from './vault.ts';
import { configuredVaultDir, recoverInterruptedVaultMove } from './vault-move.ts';

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
  /** Builds destinations' storages (electron/destinations/registry.ts); without it no destination can be used. */
  storages?: StorageFactory;
  /** Waits between download attempts; real timers unless a test passes its own. */
  sleep?: (ms: number) => Promise<void>;
}

/** The catalog note that says the catalog was rebuilt and the destinations must be compared with it. */
export const RECONCILE_NOTE = 'destinations-need-reconcile';

/**
 * Opens (creating if needed) the data folder: returns the context the engine's modules share, with
 * the catalog in line with the vault. `recoverInterrupted` finishes what a crash interrupted (a
 * restore) before anything else runs.
 */
export async function openContext(opts: EngineOptions, recoverInterrupted: (ctx: EngineContext) => Promise<unknown>): Promise<EngineContext> {
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
    storages: opts.storages ?? noStorage,
    manifestMemo: new Map(),
    sleep: opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    appVersion: opts.appVersion,
    checkpoint: opts.checkpoint ?? (async () => undefined),
  };
  if (vaultMissing) {
    // nothing to read: the index stays as it is
  } else if (fresh) await reindex(ctx);
  else await syncCatalog(ctx);
  if (fresh) catalog.setNote(RECONCILE_NOTE, ctx.now().toISOString()); // the record of copies was lost with the old catalog
  await recoverInterrupted(ctx);
  await cleanLeftovers(ctx);
  return ctx;
}

/**
 * Rebuilds the list from the manifests in the vault; returns what could not be trusted. The record
 * of copies went with the old catalog: the note makes the destinations be compared with it.
 */
export async function reindex(ctx: EngineContext): Promise<ScanResult> {
  await requireVault(ctx.vaultDir);
  const scan = await scanVault(ctx.vaultDir);
  ctx.catalog.replaceAll(scan.manifests);
  // The destinations may hold what the rebuilt index does not know of, or lack what it had queued.
  ctx.catalog.setNote(RECONCILE_NOTE, ctx.now().toISOString());
  return scan;
}

/** Brings the catalog in line with the vault's file names (cheap: one directory listing per source). */
async function syncCatalog(ctx: EngineContext): Promise<void> {
  const known = ctx.catalog.ids();
  const seen = new Set<string>();
  for (const sourceId of await sourceFolders(ctx.vaultDir)) {
    const unknown: string[] = [];
    for (const name of await manifestNames(ctx.vaultDir, sourceId)) {
      const id = restorePointOfName(name)?.id;
      if (!id) continue;
      seen.add(id);
      if (!known.has(id)) unknown.push(path.join(ctx.vaultDir, sourceId, name));
    }
    // An untrusted manifest is reported by `verify`/`reindex`, never listed.
    const read = await pMap(unknown, (file) => readManifest(ctx.vaultDir, file).catch(() => undefined), { concurrency: MANIFEST_READS_AT_ONCE });
    for (const m of read) if (m) ctx.catalog.upsert(m);
  }
  for (const id of known) if (!seen.has(id)) ctx.catalog.remove(id);
}
