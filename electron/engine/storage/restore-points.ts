// The shape of a restore point store: restore points (artifact + manifest) kept at one destination,
// above its Storage. Declared here, beside the storage interface, so every room that reads copies
// (remote/, and restore/ for checking copies) speaks it; built once, in remote/restore-point-store.ts.
import type { Destination, Manifest } from '../../../shared/model.ts';
import type { HashResult } from '../common/durable-fs.ts';
import type { Storage } from './storage.ts';

export interface RemoteRestorePoint {
  /** Its manifest as the destination holds it, validated by the vault's own parser. */
  manifest: Manifest;
  /** The destination's own handle for the artifact (Drive's file id), else the artifact's name there. */
  remoteId: string;
}

/** What a destination holds, as read from it. */
export interface StoreListing {
  points: RemoteRestorePoint[];
  /** What could not be read or trusted, one line each naming it: reported, never skipped in silence. */
  problems: string[];
}

export interface CopyOptions {
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** Restore points at one destination. */
export interface RestorePointStore {
  readonly storage: Storage;
  /**
   * Stores one restore point (artifact, then its exported manifest), unless the destination holds
   * it already, and checks what arrived. Returns the remote id and the size and SHA-256 held there.
   */
  put(manifest: Manifest, artifactFile: string, opts?: CopyOptions): Promise<{ remoteId: string } & HashResult>;
  /**
   * Writes only the exported manifest of a page-level restore point, once its pages are there
   * (remote/page-copies.ts sends them): its manifest is what lists it. Returns its name there.
   */
  putManifest(manifest: Manifest, opts?: CopyOptions): Promise<{ remoteId: string }>;
  /** The restore points there (manifests validated, artifacts present), and a line for each entry that could not be trusted. */
  list(): Promise<StoreListing>;
  /**
   * Copies an artifact down into `toFile` (a new file), returning the hash of what was received:
   * never more than the manifest declares, resumed where a cut connection stopped.
   */
  fetch(point: RemoteRestorePoint, toFile: string, opts?: CopyOptions): Promise<HashResult>;
  /**
   * Reads every blob a page-level restore point needs there, each checked against its id (nothing
   * is written); throws 'tampered' naming what is missing or damaged.
   */
  checkPages?(manifest: Manifest, opts?: CopyOptions): Promise<void>;
  /** Deletes one restore point there (manifest, then artifact), permanently. */
  remove(point: RemoteRestorePoint): Promise<void>;
}

/** A destination from settings with its store. */
export interface ConfiguredDestination {
  destination: Destination;
  store: RestorePointStore;
}
