// The vault on disk: one folder per source holding artifacts and their manifests. Scanning it is
// how the catalog is rebuilt; cleaning it removes only what a crash left of Lifeboat's own files.
import { access, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import pMap from 'p-map';
import type { Manifest } from '../../../shared/model.ts';
import { LifeboatError, errorCode, explainWriteError } from '../common/errors.ts';
import { restorePointOfName } from './names.ts';
import { TEMP_PREFIX } from '../common/data-folder.ts';
import { readManifest } from './manifest.ts';
import { fsyncDir } from '../common/durable-fs.ts';
import { createMarker } from '../common/safe-files.ts';

export interface ScanResult {
  manifests: Manifest[];
  /** Manifests that could not be trusted, with the reason; they are listed, never deleted. */
  problems: { file: string; error: LifeboatError }[];
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if (errorCode(e) === 'ENOENT' || errorCode(e) === 'ENOTDIR') return [];
    throw e;
  }
}

/** The source folders in the vault (every sub-folder whose name could be a source id). */
export async function sourceFolders(vaultDir: string): Promise<string[]> {
  const entries = await readdir(vaultDir, { withFileTypes: true }).catch((e: unknown) => {
    if (errorCode(e) === 'ENOENT') return [];
    throw e;
  });
  return entries.filter((e) => e.isDirectory() && /^[a-z0-9][a-z0-9._-]{0,62}$/.test(e.name)).map((e) => e.name);
}

/** The manifest file names in one source folder. */
export async function manifestNames(vaultDir: string, sourceId: string): Promise<string[]> {
  return (await listDir(path.join(vaultDir, sourceId))).filter((n) => restorePointOfName(n)?.isManifest);
}

/**
 * Reads and validates every manifest in the vault (or a folder destination laid out like it). What
 * cannot be trusted is reported in `problems`, never skipped in silence: a manifest that is not a
 * regular file, too large, malformed, or misplaced, and a source folder that is a link elsewhere.
 */
export async function scanVault(vaultDir: string): Promise<ScanResult> {
  const result: ScanResult = { manifests: [], problems: [] };
  const entries = await readdir(vaultDir, { withFileTypes: true }).catch(() => []);
  for (const link of entries.filter((e) => e.isSymbolicLink() && /^[a-z0-9][a-z0-9._-]{0,62}$/.test(e.name))) {
    const file = path.join(vaultDir, link.name);
    result.problems.push({ file, error: new LifeboatError('bad-manifest', `${file} is a symbolic link, so Lifeboat does not read what it points to`, 'Only folders Lifeboat wrote are read; remove the link') });
  }
  for (const sourceId of await sourceFolders(vaultDir)) {
    const files = (await manifestNames(vaultDir, sourceId)).map((name) => path.join(vaultDir, sourceId, name));
    const untrusted = (e: unknown): LifeboatError => {
      if (e instanceof LifeboatError) return e;
      throw e;
    };
    const read = await pMap(files, (file): Promise<Manifest | LifeboatError> => readManifest(vaultDir, file).catch(untrusted), { concurrency: MANIFEST_READS_AT_ONCE });
    read.forEach((m, i) => (m instanceof LifeboatError ? result.problems.push({ file: files[i]!, error: m }) : result.manifests.push(m)));
  }
  return result;
}

/**
 * Manifests read at once when the index is rebuilt. Each read is six small file operations (two
 * realpaths, open, stat, read, close) on libuv's pool; one at a time, 10,000 manifests took 3.4 s
 * on this machine, mostly waiting for the pool's round trips.
 */
export const MANIFEST_READS_AT_ONCE = 16;

/**
 * Removes what an interrupted run left in one source folder: Lifeboat's temp files, and artifacts
 * whose manifest was never written. Files Lifeboat did not create are never touched. The caller
 * must hold the source's lock, so no running backup's files are mistaken for leftovers.
 */
export async function removeLeftovers(vaultDir: string, sourceId: string): Promise<string[]> {
  const dir = path.join(vaultDir, sourceId);
  const removed = await leftoversIn(vaultDir, sourceId);
  for (const name of removed) await rm(path.join(dir, name), { force: true });
  if (removed.length > 0) await fsyncDir(dir);
  return removed;
}

/** What `removeLeftovers` would remove in one source folder (names only; nothing is touched). */
export async function leftoversIn(vaultDir: string, sourceId: string): Promise<string[]> {
  const names = await listDir(path.join(vaultDir, sourceId));
  const present = new Set(names);
  return names.filter((name) => {
    const own = restorePointOfName(name);
    // A file of a restore point whose manifest was never written (nor will be: the caller holds the lock).
    const orphan = own !== undefined && !own.isManifest && !present.has(own.manifestName);
    return name.startsWith(TEMP_PREFIX) || orphan;
  });
}

/** The file that marks a folder as a Lifeboat vault (and its disk as connected). */
export const VAULT_MARKER = '.lifeboat-vault';

const missingVault = (vaultDir: string, why: string) => `The vault ${vaultDir} is not there (${why})`;

/** What is wrong with the vault now (its marker is gone: the disk it is on is not connected), or undefined. */
export async function vaultProblem(vaultDir: string): Promise<string | undefined> {
  try {
    await access(path.join(vaultDir, VAULT_MARKER));
    return undefined;
  } catch {
    const exists = await stat(vaultDir).then((s) => s.isDirectory(), () => false);
    return missingVault(vaultDir, exists ? `the folder is there but its ${VAULT_MARKER} file is not: a disk that is not mounted?` : 'its disk may not be connected');
  }
}

/** Refuses, with what to do, when the vault is not there; everything that writes into the vault asks first. */
export async function requireVault(vaultDir: string): Promise<void> {
  const problem = await vaultProblem(vaultDir);
  if (problem) throw new LifeboatError('not-found', problem, 'Connect the disk the vault is on and try again; Lifeboat never starts an empty vault in its place');
}

/**
 * Opens the vault, giving it a marker like a destination's, and returns what is wrong with it, if
 * anything. A vault with its marker is used. One without it that holds restore points (made before
 * vaults had markers) gets one. Otherwise the vault is made (only its last folder, as for a
 * destination) when nothing is known of it; when the index lists restore points it is reported as
 * missing and left alone: a disk that is not connected, not an empty vault to start afresh.
 */
export async function openVault(vaultDir: string, knowsRestorePoints: boolean): Promise<string | undefined> {
  if (!(await vaultProblem(vaultDir))) return undefined;
  const exists = await stat(vaultDir).then((s) => s.isDirectory(), () => false);
  const holdsRestorePoints = exists && (await Promise.all((await sourceFolders(vaultDir)).map((s) => manifestNames(vaultDir, s)))).some((names) => names.length > 0);
  if (!holdsRestorePoints && knowsRestorePoints) return vaultProblem(vaultDir);
  if (!exists) {
    if (!(await stat(path.dirname(vaultDir)).then((s) => s.isDirectory(), () => false))) return missingVault(vaultDir, `${path.dirname(vaultDir)} does not exist: a disk that is not connected?`);
    try {
      await mkdir(vaultDir, { mode: 0o700 });
    } catch (e) {
      if (errorCode(e) !== 'EEXIST') throw explainWriteError(e, path.dirname(vaultDir));
    }
  }
  await markVault(vaultDir);
  return undefined;
}

/** Writes the vault's marker into `vaultDir` (created exclusively, never through a link; one already there is kept). */
export async function markVault(vaultDir: string): Promise<void> {
  // Created exclusively and never through a link (as a destination's marker).
  await createMarker(path.join(vaultDir, VAULT_MARKER), 'This folder is a Lifeboat vault. Keep this file: it tells Lifeboat the disk is connected.\n', 'Remove it; Lifeboat then marks the vault again');
  await fsyncDir(vaultDir);
}
