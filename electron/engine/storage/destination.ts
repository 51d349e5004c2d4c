// What every destination kind (a folder, Google Drive; later S3-compatible storage) does for the
// replica machinery, and how the engine is given the drivers: it knows this interface only, never a
// driver (they live in electron/destinations/, listed once in all-drivers.ts). A destination holds
// artifacts under the same names as the vault, with the exported manifest beside each.
import type { Destination, Manifest } from '../../../shared/model.ts';
import type { HashResult } from '../common/durable-fs.ts';
import { LifeboatError } from '../common/errors.ts';
import type { SecretStore } from '../common/secrets.ts';
import type { Settings } from '../common/settings.ts';

export interface RemoteRestorePoint {
  manifest: Manifest;
  /** The destination's own handle for the artifact (a path, a Drive file id). */
  remoteId: string;
}

/** What a destination holds, as its driver read it. */
export interface DriverListing {
  points: RemoteRestorePoint[];
  /** What could not be read or trusted, one line each (naming the file). */
  problems: string[];
}

export interface DestinationDriver {
  /** Makes a newly added destination ready (a folder's marker file); throws a LifeboatError if it cannot be. */
  init?(): Promise<void>;
  /** Throws a LifeboatError saying what is wrong (unmounted disk, revoked token, full quota). */
  check(): Promise<void>;
  /**
   * Stores one restore point (artifact, then its exported manifest) and verifies what arrived.
   * Returns the remote id and the size and SHA-256 of what the destination holds.
   */
  put(manifest: Manifest, artifactFile: string, opts: { onBytes?: (bytes: number) => void; signal?: AbortSignal }): Promise<{ remoteId: string } & HashResult>;
  /**
   * The restore points Lifeboat stored there (manifests validated), and one line for each entry that
   * could not be read or trusted (too large, not a regular file, malformed): reported, never skipped.
   */
  list(): Promise<DriverListing>;
  /**
   * Copies an artifact down into `toFile` (a new file), returning the hash of what was received.
   * Stops with a LifeboatError as soon as more arrives than the manifest declares
   * (`point.manifest.artifact.bytes`), and reads only the regular file Lifeboat stored.
   */
  fetch(point: RemoteRestorePoint, toFile: string, opts: { onBytes?: (bytes: number) => void; signal?: AbortSignal }): Promise<HashResult>;
  /** Deletes one restore point Lifeboat stored there (artifact and manifest), permanently. */
  remove(point: RemoteRestorePoint): Promise<void>;
  /** The destination is being removed: give up any access it holds (revoke a token); copies stay. */
  forget?(): Promise<void>;
}

/** What a driver may use of the engine: the data folder, the secret store, the settings. */
export interface DriverContext {
  dataDir: string;
  secrets: SecretStore;
  settings(): Settings;
  /**
   * Kept for the engine's lifetime, shared by every driver it builds: a driver may keep here what
   * never changes once written (a Drive manifest by its file id), so a listing does not read it again.
   */
  memo?: Map<string, unknown>;
}

/** Builds the driver for a destination from its settings. */
export type DriverFactory = (destination: Destination, ctx: DriverContext) => DestinationDriver;

/** An engine given no drivers: every destination is refused with a clear message. */
export const noDrivers: DriverFactory = (d) => {
  throw new LifeboatError('usage', `This build cannot copy to ${d.kind} destinations`, 'Use the desktop app or the lifeboat command');
};

/** A destination from settings with its driver. */
export interface ConfiguredDestination {
  destination: Destination;
  driver: DestinationDriver;
}
