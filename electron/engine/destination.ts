// What every destination kind (a folder now, Google Drive and S3-compatible storage later) does
// for the replica machinery. A destination holds artifacts under the same names as the vault, with
// the exported manifest beside each.
import type { Manifest } from '../../shared/model.ts';
import type { HashResult } from './durable-fs.ts';

export interface RemoteRestorePoint {
  manifest: Manifest;
  /** The destination's own handle for the artifact (a path, a Drive file id). */
  remoteId: string;
}

export interface DestinationDriver {
  /** Throws a LifeboatError saying what is wrong (unmounted disk, revoked token, full quota). */
  check(): Promise<void>;
  /**
   * Stores one restore point (artifact, then its exported manifest) and verifies what arrived.
   * Returns the remote id and the size and SHA-256 of what the destination holds.
   */
  put(manifest: Manifest, artifactFile: string, opts: { onBytes?: (bytes: number) => void; signal?: AbortSignal }): Promise<{ remoteId: string } & HashResult>;
  /** The restore points Lifeboat stored there (manifests validated; others are ignored). */
  list(): Promise<RemoteRestorePoint[]>;
  /** Copies an artifact down into `toFile` (a new file), returning the hash of what was received. */
  fetch(point: RemoteRestorePoint, toFile: string, opts: { onBytes?: (bytes: number) => void; signal?: AbortSignal }): Promise<HashResult>;
  /** Deletes one restore point Lifeboat stored there (artifact and manifest), permanently. */
  remove(point: RemoteRestorePoint): Promise<void>;
}
