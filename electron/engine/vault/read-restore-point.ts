// The one place that turns a restore point into a readable SQLite database. Restore (next to its
// target), verify (into tmp/), the private copies that show, diff and recover read (into tmp/, or the
// vault's own file read in place) and a check of a copy fetched from a destination all come here;
// none of them knows how a restore point's bytes are stored. Today that is one artifact (plain
// SQLite, zstd-compressed and/or age-encrypted, see artifact-codec.ts); a restore point made of many
// pieces changes this module and `filesOf`, not its callers: a page-level restore point (format
// `pages`) is rebuilt here from the vault's page store (or a folder laid out like a vault), every
// page checked against its id and the whole file against the manifest's SHA-256.
//
// What holds for every caller: the plain database is written only where the caller says (never the
// vault: decrypted bytes never land there), owner-only; never more than the manifest declares is
// read or written (a zstd bomb stops at the database's size); both SHA-256s (the stored bytes, the
// database) are checked; a missing, tampered or damaged artifact and a wrong key are each a clear
// UnreadableRestorePoint saying which; `signal` stops it (LifeboatError 'cancelled').
import { chmod, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../../../shared/model.ts';
import { decodeArtifact, type DecryptWith } from '../artifact/artifact-codec.ts';
import { ensureFreeSpace, type HashResult } from '../common/durable-fs.ts';
import { LifeboatError, errorCode, explainWriteError, isLifeboatError } from '../common/errors.ts';
import { hashExpectedFile } from '../common/safe-files.ts';
import type { EngineContext } from './context.ts';
import { filesOf } from './manifest.ts';
import { openFolderPageStore, openVaultPageStore, type VaultPageStore } from './page-store.ts';
import { readBlobs, readMap } from '../pages/page-map.ts';
import { rebuildDatabase } from '../pages/rebuild-database.ts';

/**
 * Where a restore point's stored bytes are read from: the vault (the default), another folder laid
 * out like one, or one artifact file fetched from a destination (a check of that copy).
 */
export type StoredAt = { folder: string } | { artifactFile: string };

export interface OpenOptions {
  /**
   * Where the plain database is written when it has to be: a file that does not exist yet, made
   * owner-only (the caller removes it when done; a failed read removes it). A function is called
   * only then (a private folder made only when needed).
   */
  to: string | (() => Promise<string>);
  /**
   * Whether a restore point stored as one plain SQLite file may be read where it lies instead of
   * written to `to` (SQLite opens it read-only; its bytes are hashed alongside: see `verified`). A
   * function is asked with that file. Default: never.
   */
  inPlace?: boolean | ((file: string) => Promise<boolean>);
  keys?: DecryptWith;
  from?: StoredAt;
  signal?: AbortSignal;
  /** Stored bytes read so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
  /** What was therefore not done, appended to the message of a checksum failure ("; nothing was restored"). */
  refusal?: string;
}

/** A restore point's database, readable. */
export interface OpenedRestorePoint {
  /** The plain SQLite file: `to`, or the stored file itself when read in place. */
  file: string;
  inPlace: boolean;
  /**
   * Resolves once every byte read matched the manifest; rejects with an UnreadableRestorePoint (or
   * 'cancelled'). Already settled when the database was written to `to` (checked on the way); for
   * one read in place, nothing read from it may be shown or written before it resolves.
   */
  verified: Promise<void>;
}

/** Why a restore point could not be read (see UnreadableRestorePoint). */
export type UnreadableReason =
  /** Its stored bytes are not there. */
  | 'missing'
  /** Its stored bytes do not match their SHA-256 or size. */
  | 'mismatch'
  /** The stored bytes match, but the database inside them does not. */
  | 'inside-mismatch'
  /** They could not be decoded (truncated, damaged, larger than declared, not a regular file). */
  | 'damaged'
  /** No passphrase or key given opens them. */
  | 'wrong-key';

/** A restore point that could not be read, with the reason (verify reports each one its own way). */
export class UnreadableRestorePoint extends LifeboatError {
  readonly reason: UnreadableReason;

  constructor(reason: UnreadableReason, error: LifeboatError) {
    super(error.code, error.message, error.hint, { cause: error.cause ?? error });
    this.reason = reason;
  }
}

/** The stored bytes of `manifest` as one file (a whole-file artifact), wherever `from` says. */
function artifactFileOf(ctx: Pick<EngineContext, 'vaultDir'>, manifest: Manifest, from: StoredAt | undefined): string {
  if (from && 'artifactFile' in from) return from.artifactFile;
  const [stored] = filesOf(from?.folder ?? ctx.vaultDir, manifest).stored;
  return stored!.file;
}

/**
 * Makes restore point `manifest` a readable SQLite database (see the module comment for what is
 * promised): written to `o.to`, decoded and verified on the way, or, for one stored as a plain
 * file where `o.inPlace` allows it, that file with `verified` settling once it is hashed.
 */
export async function openRestorePoint(ctx: EngineContext, manifest: Manifest, o: OpenOptions): Promise<OpenedRestorePoint> {
  if (manifest.pages) return openPages(ctx, manifest, manifest.pages, o);
  const artifact = artifactFileOf(ctx, manifest, o.from);
  if (manifest.artifact.format === 'sqlite' && (typeof o.inPlace === 'function' ? await o.inPlace(artifact) : o.inPlace)) {
    const verified = checkPlainFile(manifest, artifact, o);
    verified.catch(() => undefined); // the caller's to handle; never an unhandled rejection meanwhile
    return { file: artifact, inPlace: true, verified };
  }
  const to = typeof o.to === 'function' ? await o.to() : o.to;
  await ensureFreeSpace(path.dirname(to), manifest.database.bytes, `the database of restore point ${manifest.id}`, 'Free some space and try again; nothing was changed');
  let hash: { plain: HashResult; stored: HashResult };
  try {
    hash = await decodeArtifact(artifact, manifest.artifact.format, to, {
      // Never more than the manifest declares: a zstd bomb stops here, before it fills the disk.
      expect: { storedBytes: manifest.artifact.bytes, plainBytes: manifest.database.bytes },
      keys: o.keys,
      signal: o.signal,
      onBytes: (b) => o.onProgress?.(b, manifest.artifact.bytes),
    });
    await chmod(to, 0o600);
  } catch (e) {
    if (errorCode(e) !== 'EEXIST') await rm(to, { force: true });
    throw await explainReadError(e, manifest, artifact, o.from, path.dirname(to));
  }
  const wrong = hash.stored.sha256 !== manifest.artifact.sha256 || hash.stored.bytes !== manifest.artifact.bytes ? 'mismatch' : hash.plain.sha256 !== manifest.database.sha256 || hash.plain.bytes !== manifest.database.bytes ? 'inside-mismatch' : undefined;
  if (wrong) {
    await rm(to, { force: true });
    throw mismatch(wrong, manifest, o.refusal);
  }
  return { file: to, inPlace: false, verified: Promise.resolve() };
}

/**
 * Checks a restore point's stored bytes against its manifest without opening them (no key needed):
 * resolves when they match, rejects with an UnreadableRestorePoint ('missing', 'mismatch',
 * 'damaged') or 'cancelled'. Never reads more than the manifest declares.
 */
export async function checkStoredBytes(ctx: EngineContext, manifest: Manifest, o: Pick<OpenOptions, 'from' | 'signal' | 'onProgress' | 'refusal' | 'keys'> = {}): Promise<void> {
  if (manifest.pages) return checkPages(ctx, manifest, manifest.pages, o);
  await hashStored(manifest, artifactFileOf(ctx, manifest, o.from), o);
}

/** The page store a page-level restore point is read from: the vault's, or a folder laid out like a vault. */
async function pageStoreFor(ctx: EngineContext, manifest: Manifest, pages: NonNullable<Manifest['pages']>, o: Pick<OpenOptions, 'from' | 'keys'>): Promise<VaultPageStore> {
  if (o.from && 'artifactFile' in o.from) throw new LifeboatError('usage', `Restore point ${manifest.id} is stored as pages, not as one file`, 'Read it from the place that holds its page store');
  const what = `reading restore point ${manifest.id}`;
  const store = o.from ? await openFolderPageStore(ctx, o.from.folder, { keys: o.keys }) : await openVaultPageStore(ctx, { what, keys: o.keys });
  if (store.key.repository !== pages.repository) {
    await store.close();
    throw new UnreadableRestorePoint('missing', new LifeboatError('tampered', `Restore point ${manifest.id} was stored in another page store than the one in ${store.place.label}`, 'Read it from the place it was copied to, or choose another restore point'));
  }
  return store;
}

/** Rebuilds a page-level restore point into `o.to`, every page checked, then the whole file. */
async function openPages(ctx: EngineContext, manifest: Manifest, pages: NonNullable<Manifest['pages']>, o: OpenOptions): Promise<OpenedRestorePoint> {
  const to = typeof o.to === 'function' ? await o.to() : o.to;
  await ensureFreeSpace(path.dirname(to), manifest.database.bytes, `the database of restore point ${manifest.id}`, 'Free some space and try again; nothing was changed');
  let plain: HashResult;
  const store = await pageStoreFor(ctx, manifest, pages, o);
  try {
    plain = await rebuildDatabase(store, to, { map: pages.map, pageSize: pages.pageSize, pageCount: pages.pageCount, signal: o.signal, onBytes: o.onProgress });
    await chmod(to, 0o600);
  } catch (e) {
    if (errorCode(e) !== 'EEXIST') await rm(to, { force: true });
    throw pagesError(e, path.dirname(to));
  } finally {
    await store.close();
  }
  if (plain.sha256 !== manifest.database.sha256 || plain.bytes !== manifest.database.bytes) {
    await rm(to, { force: true });
    throw mismatch('inside-mismatch', manifest, o.refusal);
  }
  return { file: to, inPlace: false, verified: Promise.resolve() };
}

/** Reads every blob a page-level restore point needs, each checked against its id (nothing written). */
async function checkPages(ctx: EngineContext, manifest: Manifest, pages: NonNullable<Manifest['pages']>, o: Pick<OpenOptions, 'from' | 'signal' | 'keys'>): Promise<void> {
  const store = await pageStoreFor(ctx, manifest, pages, o);
  try {
    const ids = await readMap(store, pages.map, pages.pageCount);
    const wanted = new Set<string>();
    for (let at = 0; at < ids.length; at += 16) wanted.add(ids.subarray(at, at + 16).toString('hex'));
    await readBlobs(store, wanted, () => {
      if (o.signal?.aborted) throw new LifeboatError('cancelled', 'Stopped', 'Nothing was changed');
    });
  } catch (e) {
    throw pagesError(e);
  } finally {
    await store.close();
  }
}

/** A page store's failure, as the reason a restore point could not be read. */
function pagesError(e: unknown, writing?: string): unknown {
  if (isLifeboatError(e) && e.code === 'cancelled') return e;
  if (isLifeboatError(e) && e.code === 'wrong-key') return new UnreadableRestorePoint('wrong-key', e);
  if (isLifeboatError(e) && (e.code === 'tampered' || e.code === 'not-found')) return new UnreadableRestorePoint(/has no blob|is missing/.test(e.message) ? 'missing' : 'damaged', e);
  return writing ? explainWriteError(e, writing) : e;
}

/** Hashes the stored file `artifact` (a regular file no larger than the manifest says, never more than that) against the manifest. */
async function hashStored(manifest: Manifest, artifact: string, o: Pick<OpenOptions, 'from' | 'signal' | 'onProgress' | 'refusal'>): Promise<void> {
  let h: HashResult;
  try {
    h = await hashExpectedFile(artifact, manifest.artifact.bytes, { signal: o.signal, onBytes: (b) => o.onProgress?.(b, manifest.artifact.bytes) });
  } catch (e) {
    throw await explainReadError(e, manifest, artifact, o.from);
  }
  if (h.sha256 !== manifest.artifact.sha256 || h.bytes !== manifest.artifact.bytes) throw mismatch('mismatch', manifest, o.refusal);
}

/** A plain artifact read in place: its bytes are the database's, so hashing it once checks both checksums. */
async function checkPlainFile(manifest: Manifest, artifact: string, o: OpenOptions): Promise<void> {
  await hashStored(manifest, artifact, o);
  if (manifest.artifact.sha256 !== manifest.database.sha256) throw mismatch('inside-mismatch', manifest, o.refusal);
}

function mismatch(reason: 'mismatch' | 'inside-mismatch', manifest: Manifest, refusal = ''): UnreadableRestorePoint {
  return new UnreadableRestorePoint(
    reason,
    new LifeboatError('tampered', `Restore point ${manifest.id} does not match its checksum (the artifact was changed or damaged)${refusal}`, 'Choose another restore point (`lifeboat list`) and run `lifeboat verify` to check the rest'),
  );
}

/** What went wrong while reading `artifact` (stored where `from` says, and writing into the folder `writing`), for a person. */
async function explainReadError(e: unknown, manifest: Manifest, artifact: string, from: StoredAt | undefined, writing?: string): Promise<unknown> {
  if (errorCode(e) === 'ABORT_ERR') return new LifeboatError('cancelled', 'Stopped', 'Nothing was changed');
  if (errorCode(e) === 'ENOENT' && !(await stat(artifact).then(() => true, () => false))) {
    const where = !from ? ' from the vault' : 'folder' in from ? ` from ${from.folder}` : ` (${artifact})`;
    return new UnreadableRestorePoint('missing', new LifeboatError('tampered', `The artifact of restore point ${manifest.id} is missing${where}`, 'Choose another restore point (`lifeboat list`)'));
  }
  if (isLifeboatError(e) && e.code === 'wrong-key') return new UnreadableRestorePoint('wrong-key', e);
  if (isLifeboatError(e) && e.code === 'tampered') return new UnreadableRestorePoint('damaged', e);
  return writing ? explainWriteError(e, writing) : e;
}
