// The vault's names: restore point ids, their file names, and source ids made from file names. A
// file Lifeboat did not name this way is never touched.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { ArtifactFormat, RestorePointId } from '../../../shared/model.ts';
import { formatSuffix } from '../artifact/artifact-codec.ts';

export const MANIFEST_SUFFIX = '.manifest.json';

/** A new restore point id for a snapshot taken at `now`. */
export function newRestorePointId(now: Date): RestorePointId {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The file stem of a restore point: `<source name>_<id>`, readable and sortable within a source. */
export function restorePointStem(sourceId: string, id: RestorePointId): string {
  return `${sourceId}_${id}`;
}

/** The manifest's file name and the artifact's vault-relative path for a restore point. */
export function restorePointFiles(sourceId: string, id: string, format: ArtifactFormat = 'sqlite'): { manifestName: string; artifactName: string; artifactRel: string } {
  const stem = restorePointStem(sourceId, id);
  const artifactName = `${stem}${formatSuffix(format)}`;
  return { manifestName: `${stem}${MANIFEST_SUFFIX}`, artifactName, artifactRel: `${sourceId}/${artifactName}` };
}

/** Recognises our own artifact and manifest names, so we never touch a file we did not create. */
const OWN_FILE = /^([a-z0-9][a-z0-9._-]{0,62})_(\d{8}T\d{6}Z-[0-9a-f]{6})(\.sqlite(?:\.zst)?(?:\.age)?|\.manifest\.json)$/;

/** A file name of a source folder that belongs to a restore point (see restorePointOfName). */
export interface OwnName {
  sourceId: string;
  id: RestorePointId;
  /** The file name of that restore point's manifest. */
  manifestName: string;
  /** This is the manifest (else a file holding its stored bytes). */
  isManifest: boolean;
}

/**
 * Which restore point a file name in a source folder belongs to, and whether it is its manifest;
 * undefined for any name Lifeboat does not give. Whatever goes through a folder's files by name
 * (moving the vault, cleaning up after a crash, syncing the index) asks here, and touches nothing else.
 */
export function restorePointOfName(name: string): OwnName | undefined {
  const m = OWN_FILE.exec(name);
  if (!m) return undefined;
  const [, sourceId, id, suffix] = m as unknown as [string, string, string, string];
  return { sourceId, id, manifestName: `${restorePointStem(sourceId, id)}${MANIFEST_SUFFIX}`, isManifest: suffix === MANIFEST_SUFFIX };
}

/** A source id derived from a database's file name: `Store DB.sqlite3` → `store-db`. */
export function sourceIdFromPath(file: string): string {
  const stem = path.basename(file).replace(/\.(sqlite3?|db3?|s3db|sl3)$/i, '');
  const slug = stem
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/[-.]+$/, '')
    .slice(0, 48);
  return slug || 'database';
}
