// Taking a restore point: a consistent copy into the vault, checked, hashed, made durable, and only
// then described by a manifest and listed.
import { createHash } from 'node:crypto';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorJson } from '../../../shared/errors.ts';
import { MANIFEST_VERSION, PAGES_MANIFEST_VERSION, type EncryptionInfo, type JobProgress, type Manifest, type Source, type Trigger } from '../../../shared/model.ts';
import { DEFAULT_ZSTD_LEVEL, encodeArtifact, formatFor, formatSuffix, type EncryptTo } from '../artifact/artifact-codec.ts';
import { storeAsPages, type StoredAsPages } from './backup-pages.ts';
import { type EngineContext } from './context.ts';
import { ensureDir, ensureFreeSpace, fsyncDir, fsyncFile, hashFile } from '../common/durable-fs.ts';
import { LifeboatError, explainWriteError, isLifeboatError } from '../common/errors.ts';
import { TEMP_PREFIX } from '../common/data-folder.ts';
import { formatBytes } from '../../../shared/bytes.ts';
import { newRestorePointId } from './names.ts';
import { withSourceLock } from './source-lock.ts';
import { restorePointFiles } from './names.ts';
import { writeManifest } from './manifest.ts';
import { checkIntegrity, finishCopy, preflight } from '../snapshot/sqlite-files.ts';
import { takeSnapshot } from '../snapshot/snapshot.ts';
import { removeLeftovers, requireVault } from './vault.ts';

export interface BackupRequest {
  source: Source;
  trigger: Trigger;
  /** Take a compacted copy (`VACUUM INTO`); defaults to the source's setting. */
  compact?: boolean;
  /** Overrides the size limit for this run. */
  maxBytes?: number;
  /** zstd level; absent means a plain SQLite artifact. */
  compressLevel?: number;
  /** Encrypt the artifact with age, and what the manifest says about the key. */
  encryption?: { to: EncryptTo; info: EncryptionInfo };
  /**
   * Store the copy as pages in the vault's page store (a page-level restore point: only the pages
   * the vault does not hold yet cost anything), compressed at `compressLevel` (or zstd's default)
   * and, with `encryption`, encrypted to the store's key. Default: pages unless the source keeps
   * whole files (`wholeFile`).
   */
  pages?: boolean;
  /** For safety copies: which restore this copy protects against. */
  safety?: Manifest['safety'];
  /** Wait this long for another job on the same source to finish before refusing. */
  waitMs?: number;
  onProgress?: (progress: JobProgress) => void;
  signal?: AbortSignal;
}

/**
 * Makes one restore point of `req.source`. Two backups of one source never run at once (the second
 * waits `waitMs`, then is refused with a message naming the first). On any failure nothing is left
 * in the vault. A copy whose integrity check fails is kept, marked `failed`, and returned.
 */
export async function backup(ctx: EngineContext, req: BackupRequest): Promise<Manifest> {
  return withSourceLock(ctx, req.source.id, `a backup of ${req.source.id}`, () => backupLocked(ctx, req), { waitMs: req.waitMs });
}

/** `backup` for a caller that already holds the source's lock (a restore taking its safety copy). */
export async function backupLocked(ctx: EngineContext, req: BackupRequest): Promise<Manifest> {
  const { source } = req;
  ctx.events.emit('backup-started', { sourceId: source.id, trigger: req.trigger });
  try {
    const manifest = await takeRestorePoint(ctx, req);
    ctx.events.emit('backup-finished', { manifest });
    return manifest;
  } catch (e) {
    const err: ErrorJson = isLifeboatError(e) ? e.toJSON() : { code: 'internal', message: (e as Error).message, hint: '' };
    ctx.events.emit('backup-failed', { sourceId: source.id, error: err });
    throw e;
  }
}

/** Whether this backup stores pages (see BackupRequest.pages): the request's choice, else the source's, else the setting's. */
function storesPages(req: BackupRequest, wholeFiles: boolean): boolean {
  return req.pages ?? !(req.source.wholeFile ?? wholeFiles);
}

async function takeRestorePoint(ctx: EngineContext, req: BackupRequest): Promise<Manifest> {
  const { source } = req;
  const settings = ctx.settings.read();
  const started = ctx.now();
  const report = (phase: JobProgress['phase'], done: number, total: number, unit: JobProgress['unit'] = 'bytes') => {
    const progress = { phase, done, total, unit };
    req.onProgress?.(progress);
    ctx.events.emit('backup-progress', { sourceId: source.id, progress });
  };
  report('preparing', 0, 1);

  const facts = await preflight(source.path);
  const limit = req.maxBytes ?? source.maxBytes ?? settings.maxBytes;
  const size = facts.bytes + facts.walBytes;
  if (size > limit) {
    throw new LifeboatError(
      'too-large',
      `${source.path} is ${formatBytes(size)}, above the ${formatBytes(limit)} size limit`,
      `Raise the limit for this source with \`lifeboat sources set ${source.id} --max-size ${formatBytes(Math.ceil(size * 1.5)).replace(' ', '')}\` (or --max-size on this command)`,
    );
  }

  const dir = path.join(ctx.vaultDir, source.id);
  await requireVault(ctx.vaultDir); // never make a vault in place of one whose disk is not connected
  await ensureDir(dir);
  await removeLeftovers(ctx.vaultDir, source.id);
  await ensureFreeSpace(dir, size, 'a copy', 'Free some space, prune old restore points (`lifeboat prune`), or move the vault to a larger disk');

  const id = newRestorePointId(started);
  const asPages = storesPages(req, settings.wholeFiles);
  const format = asPages ? 'pages' : formatFor(req.compressLevel !== undefined, req.encryption !== undefined);
  const files = restorePointFiles(source.id, id, format);
  const temp = path.join(dir, `${TEMP_PREFIX}${id}.sqlite`);
  const encodedTemp = path.join(dir, `${TEMP_PREFIX}${id}${formatSuffix(format)}`);
  const finalArtifact = path.join(dir, files.artifactName);
  let listed = false;
  let pages: StoredAsPages | undefined;
  try {
    // Claim the temp name first: a vault that cannot be written fails here, plainly, before SQLite.
    // Owner-only: the copy is as private as the database (SQLite keeps the mode of a file it writes into).
    await writeFile(temp, '', { flag: 'wx', mode: 0o600 });
    const snap = await takeSnapshot(source.path, temp, {
      compact: req.compact ?? source.compact ?? false,
      busyTimeoutMs: settings.busyTimeoutMs,
      quietWaitMs: settings.quietWaitMs,
      lockIfBusy: source.lockIfBusy,
      whenClosed: source.backUpWhenClosed,
      sourceId: source.id,
      signal: req.signal,
      onProgress: (done, total, unit) => report('copying', done, total, unit),
    });
    // A copy the snapshot had to start afresh was created by SQLite with the default mode.
    await chmod(temp, 0o600);
    await ctx.checkpoint('backup:copied');
    const description = finishCopy(temp);
    // The integrity check (in a worker) reads the copy while this thread hashes and encodes it.
    const stopCheck = new AbortController();
    const checking = checkIntegrity(temp, settings.integrityCheck, stopCheck.signal);
    // Named for what takes the time: a zstd -19 pass compresses for minutes, it does not "hash".
    const phase = req.compressLevel !== undefined ? 'compressing' : req.encryption ? 'encrypting' : 'hashing';
    report(phase, 0, 1);
    const plainBytes = description.pageCount * description.pageSize;
    const onBytes = (b: number) => report(phase, b, plainBytes);
    let plain, stored, artifactFile;
    try {
      if (asPages) {
        // Only the pages the vault does not hold yet are written; the store's lock is held until the manifest is listed.
        pages = await storeAsPages(ctx, source.id, temp, { level: req.compressLevel ?? DEFAULT_ZSTD_LEVEL, encryption: req.encryption?.info, signal: req.signal, onBytes: (done) => onBytes(done) });
        plain = pages.plain;
        stored = { bytes: pages.addedBytes, sha256: createHash('sha256').update(JSON.stringify(pages.pages.map)).digest('hex') };
        artifactFile = temp;
      } else if (format === 'sqlite') {
        // The disk writes the copy back while this thread hashes it (from the page cache). Both
        // end before anything else happens to the file (a cancelled hash must not leave it open).
        const [hashed, synced] = await Promise.allSettled([hashFile(temp, { signal: req.signal, onBytes }), fsyncFile(temp)]);
        if (hashed.status === 'rejected') throw hashed.reason;
        if (synced.status === 'rejected') throw synced.reason;
        plain = stored = hashed.value;
        artifactFile = temp;
      } else {
        // One pass: the plain copy is read once, hashed, compressed and/or encrypted, and written.
        ({ plain, stored } = await encodeArtifact(temp, encodedTemp, { compressLevel: req.compressLevel, encrypt: req.encryption?.to, signal: req.signal, onBytes }));
        artifactFile = encodedTemp;
      }
    } catch (e) {
      // Stop the check before the cleanup below removes the file it reads.
      stopCheck.abort();
      await checking.catch(() => undefined);
      throw e;
    }
    report('checking', 0, 1);
    const integrity = await checking;
    if (artifactFile !== temp || pages) await rm(temp);
    report('finishing', 0, 1);
    await ctx.checkpoint('backup:hashed');
    const compressLevel = pages ? (req.compressLevel ?? DEFAULT_ZSTD_LEVEL) : req.compressLevel;
    const compressedFrom = pages ? pages.addedPlainBytes : plain.bytes;
    const manifest: Manifest = {
      version: pages ? PAGES_MANIFEST_VERSION : MANIFEST_VERSION,
      kind: 'lifeboat.restore-point',
      id,
      createdAt: started.toISOString(),
      trigger: req.trigger,
      source: { id: source.id, name: source.name, path: source.path },
      artifact: {
        path: files.artifactRel,
        bytes: stored.bytes,
        sha256: stored.sha256,
        format,
        ...(compressLevel !== undefined ? { compression: { algorithm: 'zstd' as const, level: compressLevel, ratio: Math.round((Math.max(1, compressedFrom) / Math.max(1, stored.bytes)) * 1000) / 1000 } } : {}),
        ...(req.encryption ? { encryption: req.encryption.info } : {}),
      },
      database: { bytes: plain.bytes, sha256: plain.sha256, journalMode: snap.journalMode, ...description },
      integrity,
      snapshot: { method: snap.method, restarts: snap.restarts, heldLock: snap.heldLock, waitedMs: snap.waitedMs },
      ...(req.safety ? { safety: req.safety } : {}),
      pinned: false,
      durationMs: Math.max(0, ctx.now().getTime() - started.getTime()),
      appVersion: ctx.appVersion,
      ...(pages ? { pages: pages.pages } : {}),
    };
    if (!pages) {
      await rename(artifactFile, finalArtifact);
      await fsyncDir(dir);
    }
    await ctx.checkpoint('backup:artifact-in-place');
    await writeManifest(ctx.vaultDir, manifest);
    listed = true;
    await ctx.checkpoint('backup:manifest-in-place');
    ctx.catalog.upsert(manifest);
    pages?.remember(manifest.id);
    return manifest;
  } catch (e) {
    await rm(temp, { force: true });
    await rm(`${temp}-journal`, { force: true });
    await rm(encodedTemp, { force: true });
    // Once its manifest is in place the restore point is complete; only an unlisted artifact goes.
    if (!listed && !pages) await rm(finalArtifact, { force: true });
    throw explainWriteError(e, ctx.vaultDir);
  } finally {
    await pages?.store.close();
  }
}
