// A restore point as one destination stores it. Most destinations take the vault's artifact as it
// is; one set to encrypt (or compress) gets a re-encoded copy, so "encrypt what goes to Google
// Drive" works while the vault keeps a plain copy for a fast restore. The re-encoded file and the
// manifest that describes it are kept until the copy succeeds, so an interrupted resumable upload
// continues with the very same bytes.
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Destination, Manifest } from '../../../shared/model.ts';
import { formatFor, transcodeArtifact } from '../artifact/artifact-codec.ts';
import type { EngineContext } from '../vault/context.ts';
import { ensureDir, writeFileDurable } from '../common/durable-fs.ts';
import { resolveEncryption } from '../artifact/keys.ts';
import { artifactPath, parseManifest, serializeManifest } from '../vault/manifest.ts';
import { restorePointFiles } from '../vault/names.ts';

export interface PreparedCopy {
  /** The manifest the destination gets (its artifact fields describe `file`). */
  manifest: Manifest;
  file: string;
  /** Removes the re-encoded file once the destination holds it. */
  done(): Promise<void>;
}

/** Whether `destination` re-encodes `manifest`'s artifact (an encrypted one is never touched). */
function reencodes(manifest: Manifest, destination: Destination): boolean {
  if (manifest.artifact.encryption) return false;
  return destination.encrypt !== undefined || (destination.compressLevel !== undefined && !manifest.artifact.compression);
}

/** The artifact and manifest to send to `destination`, re-encoded when it asks for that. */
export async function prepareCopy(ctx: EngineContext, manifest: Manifest, destination: Destination, signal?: AbortSignal): Promise<PreparedCopy> {
  const local = artifactPath(ctx.vaultDir, manifest);
  if (!reencodes(manifest, destination)) return { manifest, file: local, done: async () => undefined };
  const dir = path.join(ctx.dataDir, 'uploads');
  await ensureDir(dir);
  const file = path.join(dir, `reencoded-${destination.id}-${manifest.id}`);
  const sidecar = `${file}.manifest.json`;
  const done = async () => {
    await rm(file, { force: true });
    await rm(sidecar, { force: true });
  };
  // An earlier attempt's copy, complete (its manifest is written after it): send the same bytes.
  try {
    const earlier = parseManifest(await readFile(sidecar, 'utf8'), `The manifest ${sidecar}`);
    if (earlier.id === manifest.id && (await stat(file)).size === earlier.artifact.bytes) return { manifest: earlier, file, done };
  } catch {
    // none, or unusable: encode afresh
  }
  const encryption = destination.encrypt ? await resolveEncryption(ctx, { id: destination.id, encryption: destination.encrypt }, undefined) : undefined;
  const compressLevel = !manifest.artifact.compression ? destination.compressLevel : undefined;
  const { stored, compressedBytes } = await transcodeArtifact(local, manifest.artifact.format, file, { compressLevel, encrypt: encryption?.to, expectSha256: manifest.artifact.sha256, signal });
  const compression =
    manifest.artifact.compression ??
    (compressLevel !== undefined && compressedBytes !== undefined ? { algorithm: 'zstd' as const, level: compressLevel, ratio: Math.round((manifest.database.bytes / Math.max(1, compressedBytes)) * 1000) / 1000 } : undefined);
  const format = formatFor(compression !== undefined, encryption !== undefined);
  const reencoded: Manifest = {
    ...manifest,
    artifact: { path: restorePointFiles(manifest.source.id, manifest.id, format).artifactRel, bytes: stored.bytes, sha256: stored.sha256, format, compression, encryption: encryption?.info },
  };
  await writeFileDurable(sidecar, serializeManifest(reencoded));
  return { manifest: reencoded, file, done };
}
