// A folder destination: an external disk or a NAS mount. Copies are written like the vault's
// (temp name, fsync, rename, fsync folder), verified by re-reading them, and laid out like the
// vault (`<folder>/<source>/<artifact>` + manifest) so the folder alone is enough to restore from.
// A marker file written when the destination is added tells a connected disk from an empty mount
// point, so an unmounted disk is reported instead of silently filling the system disk.
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Destination, Manifest } from '../../shared/model.ts';
import type { DestinationDriver, RemoteRestorePoint } from '../engine/storage/destination.ts';
import { ensureDir, fsyncDir, fsyncFile, hashFile, hashingStream, writeFileDurable } from '../engine/common/durable-fs.ts';
import { LifeboatError, errorCode, explainWriteError } from '../engine/common/errors.ts';
import { TEMP_PREFIX } from '../engine/common/data-folder.ts';
import { manifestForExport, readManifest, serializeManifest } from '../engine/vault/manifest.ts';
import { restorePointFiles } from '../engine/vault/names.ts';
import { boundedReadStream, createMarker, isInside, openRegularFile } from '../engine/common/safe-files.ts';
import { scanVault } from '../engine/vault/vault.ts';

export const MARKER = '.lifeboat-destination';

/**
 * Prepares a folder to be a destination and leaves the marker. The folder must exist, or at least
 * its parent (then only the last folder is made, owner-only): a whole missing path is a disk that
 * is not mounted, and making it would fill the system disk with what was meant to leave it. The
 * marker is created exclusively and never through a link: a `.lifeboat-destination` planted as a
 * symbolic link (to a file of the person's) is refused, not written through. A marker that is
 * already a regular file is kept as it is.
 */
async function initFolderDestination(folder: string): Promise<void> {
  const info = await stat(folder).catch(() => undefined);
  if (info && !info.isDirectory()) throw new LifeboatError('usage', `${folder} is not a folder`, 'Give a folder on another disk or a NAS');
  if (!info) {
    const parent = path.dirname(folder);
    if (!(await stat(parent).then((p) => p.isDirectory(), () => false))) {
      throw new LifeboatError(
        'not-found',
        `${parent} does not exist, so ${folder} cannot be made there`,
        'Connect the disk or mount the share first, or create the folder yourself (Lifeboat never creates a missing path: it would be a folder on this computer, not on the disk)',
      );
    }
    try {
      await mkdir(folder, { mode: 0o700 });
    } catch (e) {
      if (errorCode(e) !== 'EEXIST') throw explainWriteError(e, parent);
    }
  }
  await createMarker(path.join(folder, MARKER), 'This folder holds Lifeboat restore points. Keep this file: it tells Lifeboat the disk is connected.\n', 'Remove it and add the destination again');
}

/** The driver for a folder destination. */
export function folderDestination(dest: Extract<Destination, { kind: 'folder' }>): DestinationDriver {
  const root = dest.path;
  // A folder destination is named after its path unless the person named it: say the path once.
  const named = dest.name === root ? root : `${root} (${dest.name})`;
  const check = async () => {
    let info;
    try {
      info = await stat(root);
    } catch {
      throw new LifeboatError('not-found', `The destination folder ${named} is not there`, 'Connect the disk or mount the share, then run `lifeboat push`');
    }
    if (!info.isDirectory()) throw new LifeboatError('not-found', `The destination ${named} is not a folder`, 'Point the destination at a folder');
    try {
      await access(path.join(root, MARKER));
    } catch {
      throw new LifeboatError(
        'not-found',
        `The destination folder ${named} looks disconnected: its ${MARKER} file is missing`,
        'Connect the disk or mount the share (or re-add the destination if this really is the folder)',
      );
    }
  };
  /** Refuses a folder inside the destination that is a link to somewhere else (written or deleted through). */
  const insideRoot = async (dir: string) => {
    if (!(await isInside(root, path.join(dir, MARKER)))) {
      throw new LifeboatError('tampered', `${dir} on ${dest.name} is a link to a folder outside ${root}`, 'Remove the link at the destination; Lifeboat writes only inside the destination folder');
    }
  };
  return {
    init: () => initFolderDestination(root),
    check,
    async put(manifest: Manifest, artifactFile, opts) {
      await check();
      const dir = path.join(root, manifest.source.id);
      await ensureDir(dir);
      await insideRoot(dir);
      const { artifactName } = restorePointFiles(manifest.source.id, manifest.id, manifest.artifact.format);
      const final = path.join(dir, artifactName);
      const temp = path.join(dir, `${TEMP_PREFIX}${artifactName}`);
      try {
        // A leftover (or a planted link) under the temp name is removed, never written through.
        await rm(temp, { force: true });
        await pipeline(createReadStream(artifactFile, { highWaterMark: 1 << 20 }), hashingStream(opts.onBytes), createWriteStream(temp, { flags: 'wx', mode: 0o600, highWaterMark: 1 << 20 }), { signal: opts.signal });
        await fsyncFile(temp);
        await rename(temp, final);
        await fsyncDir(dir);
      } catch (e) {
        await rm(temp, { force: true });
        throw explainWriteError(e, root);
      }
      // Verify by reading back what the destination holds.
      const held = await hashFile(final, { signal: opts.signal });
      if (held.sha256 !== manifest.artifact.sha256 || held.bytes !== manifest.artifact.bytes) {
        await rm(final, { force: true });
        throw new LifeboatError('tampered', `The copy on ${dest.name} does not match the restore point's checksum after writing`, 'The disk may be failing; try again or use another destination');
      }
      await writeFileDurable(path.join(dir, restorePointFiles(manifest.source.id, manifest.id).manifestName), serializeManifest(manifestForExport(manifest)));
      return { remoteId: path.relative(root, final).split(path.sep).join('/'), ...held };
    },
    async list() {
      await check();
      const { manifests, problems } = await scanVault(root);
      return { points: manifests.map((manifest) => ({ manifest, remoteId: manifest.artifact.path })), problems: problems.map((p) => p.error.oneLine) };
    },
    async fetch(point: RemoteRestorePoint, toFile, opts) {
      await check();
      const from = path.join(root, ...point.manifest.artifact.path.split('/'));
      const declared = point.manifest.artifact.bytes;
      // Only the regular file inside this folder, never more than its manifest declares.
      let opened;
      try {
        opened = await openRegularFile(from, { within: root, maxBytes: declared, what: `The copy ${from} on ${dest.name}` });
      } catch (e) {
        if (errorCode(e) === 'ENOENT') throw new LifeboatError('not-found', `The copy ${from} on ${dest.name} is missing`, 'Try another destination, or another restore point');
        throw e;
      }
      const hasher = hashingStream(opts.onBytes);
      await pipeline(boundedReadStream(opened, declared), hasher, createWriteStream(toFile, { flags: 'wx', mode: 0o600, highWaterMark: 1 << 20 }), { signal: opts.signal });
      await fsyncFile(toFile);
      return hasher.result();
    },
    async remove(point: RemoteRestorePoint) {
      await check();
      const manifestFile = path.join(root, point.manifest.source.id, restorePointFiles(point.manifest.source.id, point.manifest.id).manifestName);
      // Only what a valid Lifeboat manifest there describes is ever deleted.
      const m = await readManifest(root, manifestFile);
      await rm(manifestFile, { force: true });
      await rm(path.join(root, ...m.artifact.path.split('/')), { force: true });
      await fsyncDir(path.dirname(manifestFile));
    },
  };
}

