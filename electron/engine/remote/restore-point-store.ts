// Restore points at a destination, once for every kind, over its Storage: the vault's names
// (`<source>/<artifact>` beside `<source>/<manifest>`), the exported manifest written after the
// artifact (so only a whole restore point is listed), what arrived checked against the restore
// point's checksum (the backend's own SHA-256 when it gives one, else read back), manifests parsed
// by the vault's own parser and kept once read when the backend says they have not changed, and
// downloads bounded by what the manifest declares and resumed after a cut (bounded-read.ts). What a
// destination holds is foreign data: it never chooses a file to write, nor how much is read.
import { createHash } from 'node:crypto';
import { open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pMap from 'p-map';
import { formatBytes } from '../../../shared/bytes.ts';
import type { Destination, Manifest } from '../../../shared/model.ts';
import { workDir } from '../common/data-folder.ts';
import { ensureDir, type HashResult } from '../common/durable-fs.ts';
import { isLifeboatError, LifeboatError } from '../common/errors.ts';
import type { CopyOptions, RemoteRestorePoint, RestorePointStore, StoreListing } from '../storage/restore-points.ts';
import type { ObjectInfo, Saved, Storage } from '../storage/storage.ts';
import { MANIFEST_MAX_BYTES, manifestForExport, manifestInPlace, parseManifest, serializeManifest } from '../vault/manifest.ts';
import { restorePointFiles, restorePointOfName } from '../vault/names.ts';
import { readBounded } from './bounded-read.ts';

export interface StoreDeps {
  /** The data folder: the manifest to send is written into its scratch folder first. */
  dataDir: string;
  /** Waits between download attempts. */
  sleep: (ms: number) => Promise<void>;
  /** Parsed manifests kept for the engine's lifetime, by destination, name and the backend's id for what it holds. */
  memo?: Map<string, Manifest>;
}

/** A source's folder name, as the vault allows it. */
const SOURCE_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The names of a restore point's two objects: its artifact and its manifest. */
export function storedNames(m: Manifest): { artifact: string; manifest: string } {
  const files = restorePointFiles(m.source.id, m.id, m.artifact.format);
  return { artifact: files.artifactRel, manifest: `${m.source.id}/${files.manifestName}` };
}

/** Whether `name` is where a manifest would be: `<source>/<source>_<id>.manifest.json`. */
function isManifestName(name: string): boolean {
  const [dir, file, ...rest] = name.split('/');
  return rest.length === 0 && dir !== undefined && SOURCE_ID.test(dir) && file !== undefined && restorePointOfName(file)?.isManifest === true;
}

/** The labels a backend keeps beside each object (Drive's appProperties): what it is, of which restore point. */
const labels = (what: 'artifact' | 'manifest', m: Manifest) => ({ lifeboat: what, restorePointId: m.id, sourceId: m.source.id });

/** The store of one destination over its storage. */
export function restorePointStore(destination: Destination, storage: Storage, deps: StoreDeps): RestorePointStore {
  const where = destination.name;
  const read = (name: string, limit: number, sink: (chunk: Uint8Array) => unknown, tooLarge: () => LifeboatError, o: { signal?: AbortSignal; attempts?: number } = {}) =>
    readBounded(storage, name, limit, sink, { ...o, sleep: deps.sleep, tooLarge, where });
  /** Reads one manifest there (never more than a manifest can be) and checks it names its own place. */
  const readManifestAt = async (o: ObjectInfo): Promise<Manifest> => {
    const what = `The manifest ${path.posix.basename(o.name)} on ${where}`;
    const chunks: Uint8Array[] = [];
    // A listing waits for a manifest a little (a cut, a server's bad moment), not minutes: the upload queue waits behind it.
    await read(o.name, MANIFEST_MAX_BYTES, (c) => chunks.push(c), () => new LifeboatError('too-large', `${what} is more than ${formatBytes(MANIFEST_MAX_BYTES)}, more than a manifest can be; it was not read`), { attempts: 3 });
    const manifest = parseManifest(Buffer.concat(chunks).toString('utf8'), what);
    if (!manifestInPlace(manifest, o.name)) throw new LifeboatError('bad-manifest', `${what} does not match its place (it names ${manifest.source.id}/${manifest.id})`, 'It was moved or edited; the restore point it described cannot be trusted');
    return manifest;
  };
  /** Throws (after removing it) unless what the destination holds under `name` is the restore point's artifact. */
  const checkArrived = async (name: string, m: Manifest, saved: Saved, signal?: AbortSignal) => {
    let sha256 = saved.sha256;
    if (sha256 === undefined) {
      const hash = createHash('sha256');
      await read(name, m.artifact.bytes, (c) => hash.update(c), () => mismatch(), { signal });
      sha256 = hash.digest('hex');
    }
    if (sha256 !== m.artifact.sha256 || saved.size !== m.artifact.bytes) {
      await storage.remove(name).catch(() => undefined);
      throw mismatch();
    }
  };
  const mismatch = () => new LifeboatError('tampered', `The copy on ${where} does not match the restore point's checksum after writing`, 'It is sent again later; if this keeps happening, the destination may be failing');
  /** Writes the exported manifest there (through a file in the scratch folder, named for this process). */
  const saveManifest = async (m: Manifest, signal?: AbortSignal) => {
    await ensureDir(workDir(deps));
    const file = path.join(workDir(deps), `${process.pid}-manifest-${destination.id}-${m.id}.json`);
    try {
      await writeFile(file, serializeManifest(manifestForExport(m)), { mode: 0o600 });
      await storage.save(storedNames(m).manifest, file, { labels: labels('manifest', m), signal });
    } finally {
      await rm(file, { force: true });
    }
  };

  return {
    storage,
    async put(manifest, artifactFile, opts: CopyOptions = {}) {
      const names = storedNames(manifest);
      const held = await storage.stat(names.artifact);
      // Already there, as the backend's own checksum says (an upload whose manifest a crash kept from being written).
      const there = held && !held.refused && held.size === manifest.artifact.bytes && held.sha256 === manifest.artifact.sha256;
      const saved = there ? held : await storage.save(names.artifact, artifactFile, { sha256: manifest.artifact.sha256, labels: labels('artifact', manifest), ...opts });
      await checkArrived(names.artifact, manifest, saved, opts.signal);
      await saveManifest(manifest, opts.signal);
      return { remoteId: saved.id ?? names.artifact, bytes: saved.size, sha256: manifest.artifact.sha256 };
    },
    async putManifest(manifest, opts: CopyOptions = {}) {
      await saveManifest(manifest, opts.signal);
      return { remoteId: storedNames(manifest).manifest };
    },
    list: () => listPoints(destination, storage, readManifestAt, deps.memo),
    async fetch(point, toFile, opts: CopyOptions = {}) {
      const { id, artifact } = point.manifest;
      const handle = await open(toFile, 'wx', 0o600);
      const hash = createHash('sha256');
      let bytes = 0;
      try {
        const tooLarge = () => new LifeboatError('tampered', `${where} sent more than the ${formatBytes(artifact.bytes)} the manifest of ${id} declares`, 'Try another destination, or another restore point');
        await read(artifact.path, artifact.bytes, async (chunk) => {
          hash.update(chunk);
          await handle.write(chunk);
          bytes += chunk.length;
          opts.onBytes?.(bytes);
        }, tooLarge, { signal: opts.signal });
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { sha256: hash.digest('hex'), bytes } satisfies HashResult;
    },
    async remove(point) {
      // Only the two names a valid manifest there gave, the manifest first: no half restore point is ever listed.
      // A page-level one has only its manifest (its pages go with garbage collection there).
      const names = storedNames(point.manifest);
      await storage.remove(names.manifest);
      if (!point.manifest.pages) await storage.remove(names.artifact);
    },
  };
}

/**
 * Every restore point at the destination: each manifest read (or taken from the memo when the
 * backend's id says it has not changed), validated, and listed only with its artifact beside it.
 * What cannot be trusted (refused by the backend, too large, malformed, misplaced, alone) is one
 * line in `problems`; a destination that cannot be read at all throws.
 */
async function listPoints(destination: Destination, storage: Storage, readManifestAt: (o: ObjectInfo) => Promise<Manifest>, memo?: Map<string, Manifest>): Promise<StoreListing> {
  const objects = await storage.list('');
  const byName = new Map(objects.map((o) => [o.name, o]));
  const problems: string[] = objects.filter((o) => o.refused !== undefined && SOURCE_ID.test(o.name)).map((o) => o.refused as string);
  const key = (o: ObjectInfo) => (o.id === undefined ? undefined : `${destination.id}\n${o.name}\n${o.id}`);
  const read = await pMap(objects.filter((o) => isManifestName(o.name)), async (o): Promise<RemoteRestorePoint | string | undefined> => {
    if (o.refused !== undefined) return o.refused;
    const what = `The manifest ${path.posix.basename(o.name)} on ${destination.name}`;
    // A manifest is a few KB: a larger one is refused before it is read.
    if (o.size > MANIFEST_MAX_BYTES) return `${what} is ${formatBytes(o.size)}, more than a manifest can be; it was not read (no more than the ${formatBytes(MANIFEST_MAX_BYTES)} expected)`;
    let manifest = memo?.get(key(o) ?? '');
    try {
      manifest ??= await readManifestAt(o);
    } catch (e) {
      if (isLifeboatError(e) && e.code === 'not-found') return undefined; // removed while being listed
      if (isLifeboatError(e) && ['bad-manifest', 'too-large', 'tampered'].includes(e.code)) return e.oneLine;
      throw e;
    }
    if (key(o)) memo?.set(key(o) as string, manifest);
    // A page-level restore point has no artifact: its manifest, written after its pages, is all there is.
    if (manifest.pages) return { manifest, remoteId: o.id ?? o.name };
    const artifact = byName.get(manifest.artifact.path);
    if (!artifact) return `${what} does not match its artifact's name (or the artifact is missing)`;
    return { manifest, remoteId: artifact.id ?? artifact.name };
  }, { concurrency: 8 });
  // Forget what is no longer there, so the memo stays as small as the listing.
  const listed = new Set(objects.map(key));
  for (const k of memo?.keys() ?? []) if (k.startsWith(`${destination.id}\n`) && !listed.has(k)) memo?.delete(k);
  const points = read.filter((r): r is RemoteRestorePoint => typeof r === 'object').sort((a, b) => a.manifest.id.localeCompare(b.manifest.id));
  return { points, problems: [...problems, ...read.filter((r): r is string => typeof r === 'string')] };
}
