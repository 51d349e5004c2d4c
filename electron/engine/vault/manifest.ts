// Manifests: the plain, versioned JSON beside each artifact that says what the restore point is.
// The vault's manifests are the source of truth; everything else (the catalog) is rebuilt from them.
import path from 'node:path';
import { manifestSchema, type Manifest } from '../../../shared/model.ts';
import { LifeboatError } from '../common/errors.ts';
import { restorePointFiles } from './names.ts';
import { writeFileDurable } from '../common/durable-fs.ts';
import { openRegularFile, readOpened } from '../common/safe-files.ts';

/** A manifest is a few KB; anything above this is refused before it is parsed. */
export const MANIFEST_MAX_BYTES = 1024 * 1024;

/** Serialises a manifest the same way every time (stable key order from the schema, two-space indent). */
export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifestSchema.parse(manifest), null, 2)}\n`;
}

/** Writes a manifest durably into the vault (temp, fsync, rename, fsync folder). */
export async function writeManifest(vaultDir: string, manifest: Manifest): Promise<string> {
  const { manifestName } = restorePointFiles(manifest.source.id, manifest.id);
  const file = path.join(vaultDir, manifest.source.id, manifestName);
  await writeFileDurable(file, serializeManifest(manifest));
  return file;
}

/**
 * Parses a manifest's text, wherever it came from (the vault, a destination), with the one schema
 * every reader uses: anything that is not JSON or not a valid Lifeboat manifest is refused with a
 * LifeboatError ('bad-manifest') whose message starts with `what` ("The manifest … on NAS").
 */
export function parseManifest(text: string, what: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LifeboatError('bad-manifest', `${what} is not valid JSON`, 'It was damaged or edited; the restore point it described cannot be trusted. Run `lifeboat verify` to check the others');
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join('.') || 'document'}: ${first.message}` : 'unknown problem';
    throw new LifeboatError('bad-manifest', `${what} is not a valid Lifeboat manifest (${where})`, 'It was damaged or edited; the restore point it described cannot be trusted');
  }
  return parsed.data;
}

/**
 * Whether a manifest sits where its own ids say it must: `<source>/<source>_<id>.manifest.json`
 * (`name`, relative to the vault or the destination), describing `<source>/<source>_<id><suffix>`.
 * A manifest anyone moved or edited to name another restore point is not trusted.
 */
export function manifestInPlace(manifest: Manifest, name: string): boolean {
  const expected = restorePointFiles(manifest.source.id, manifest.id, manifest.artifact.format);
  return name === `${manifest.source.id}/${expected.manifestName}` && manifest.artifact.path === expected.artifactRel;
}

/**
 * Reads and validates one manifest file. Anything malformed, tampered or pointing outside its own
 * folder is refused with a message naming the file; a manifest is never trusted as it stands.
 */
export async function readManifest(vaultDir: string, file: string): Promise<Manifest> {
  let text: string;
  try {
    // Only a regular file inside the folder, never through a link, never a FIFO, never a huge one.
    text = (await readOpened(await openRegularFile(file, { within: vaultDir, maxBytes: MANIFEST_MAX_BYTES, code: 'bad-manifest', what: `The manifest ${file}` }))).toString('utf8');
  } catch (e) {
    if (e instanceof LifeboatError) throw e;
    throw new LifeboatError('bad-manifest', `The manifest ${file} cannot be read (${(e as Error).message})`, 'Run `lifeboat reindex` to rebuild the list from the vault', { cause: e });
  }
  const manifest = parseManifest(text, `The manifest ${file}`);
  const relName = path.relative(vaultDir, file).split(path.sep).join('/');
  if (!manifestInPlace(manifest, relName)) {
    throw new LifeboatError('bad-manifest', `The manifest ${file} does not match its place in the vault (it names ${manifest.source.id}/${manifest.id})`, 'It was moved or edited; the restore point it described cannot be trusted');
  }
  return manifest;
}

/** Absolute path of a manifest's artifact; safe because `readManifest` pinned it to its folder. */
export function artifactPath(vaultDir: string, manifest: Manifest): string {
  return path.join(vaultDir, ...manifest.artifact.path.split('/'));
}

/** Absolute path of a manifest in `vaultDir` (or a folder laid out like it). */
export function manifestPath(vaultDir: string, manifest: Pick<Manifest, 'id' | 'source'>): string {
  return path.join(vaultDir, manifest.source.id, restorePointFiles(manifest.source.id, manifest.id).manifestName);
}

/** A restore point's files in a vault (or a folder laid out like one). */
export interface RestorePointFiles {
  /** Its manifest: written last and removed first (it makes the restore point exist). */
  manifest: string;
  /** The files that hold its stored bytes, each with the size and SHA-256 its manifest gives it (today one: its artifact). */
  stored: { file: string; bytes: number; sha256: string }[];
}

/**
 * Which files are restore point `manifest`'s in `folder` (the vault, or a folder laid out like one).
 * Everything that names, copies, checks or removes a restore point's files asks here, so a restore
 * point made of more pieces changes this function, not its callers.
 */
export function filesOf(folder: string, manifest: Manifest): RestorePointFiles {
  return {
    manifest: manifestPath(folder, manifest),
    // A page-level restore point's pages are in the page store, shared with other restore points.
    stored: manifest.pages ? [] : [{ file: artifactPath(folder, manifest), bytes: manifest.artifact.bytes, sha256: manifest.artifact.sha256 }],
  };
}

/**
 * The manifest as it may leave this machine (Drive, a NAS). For an encrypted restore point the
 * source's full path is reduced to its file name: the folder layout of the person's disk is not
 * for others to read. Sizes, page counts and checksums stay (they say nothing about the content
 * that the artifact's own size does not) so a new machine can still list and verify it.
 */
export function manifestForExport(manifest: Manifest): Manifest {
  const { received: _local, ...rest } = manifest;
  if (!rest.artifact.encryption) return rest;
  return { ...rest, source: { ...rest.source, path: rest.source.name } };
}

/**
 * When a restore point counts as taken, for ordering (lists, "the newest", retention): its
 * `createdAt`, except that one received from a destination cannot be newer than the moment it
 * arrived here. A manifest anyone could write at a destination never outranks what this machine
 * made since by dating itself in the future.
 */
export function restorePointTime(manifest: Pick<Manifest, 'createdAt' | 'received'>): string {
  const at = manifest.received?.at;
  return at !== undefined && Date.parse(manifest.createdAt) > Date.parse(at) ? at : manifest.createdAt;
}
