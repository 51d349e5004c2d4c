// The vault on disk: one folder per source holding artifacts and their manifests. Scanning it is
// how the catalog is rebuilt; cleaning it removes only what a crash left of Lifeboat's own files.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../../shared/model.ts';
import { LifeboatError, errorCode } from './errors.ts';
import { MANIFEST_SUFFIX, OWN_FILE, TEMP_PREFIX } from './layout.ts';
import { readManifest } from './manifest.ts';
import { fsyncDir } from './durable-fs.ts';

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
  return (await listDir(path.join(vaultDir, sourceId))).filter((n) => OWN_FILE.test(n) && n.endsWith(MANIFEST_SUFFIX));
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
    for (const name of await manifestNames(vaultDir, sourceId)) {
      const file = path.join(vaultDir, sourceId, name);
      try {
        result.manifests.push(await readManifest(vaultDir, file));
      } catch (e) {
        if (e instanceof LifeboatError) result.problems.push({ file, error: e });
        else throw e;
      }
    }
  }
  return result;
}

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
    const own = OWN_FILE.exec(name);
    const orphanArtifact = own && own[3] !== MANIFEST_SUFFIX && !present.has(`${own[1]}_${own[2]}${MANIFEST_SUFFIX}`);
    return name.startsWith(TEMP_PREFIX) || Boolean(orphanArtifact);
  });
}
