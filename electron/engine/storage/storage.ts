// The one storage interface every destination kind implements (a folder, Google Drive; S3 and Azure
// next), in the spirit of restic's Backend and Litestream's ReplicaClient: objects under names,
// saved whole from a file, read back as a stream from any offset, listed by prefix, removed. It
// knows nothing of restore points: naming, manifests, checking what arrived, bounded reads and
// retries live once above it, in the engine (remote/restore-point-store.ts). Every implementation
// passes the same conformance suite (electron/destinations/testing/conformance.ts).
import type { Readable } from 'node:stream';
import type { Destination } from '../../../shared/model.ts';
import { LifeboatError } from '../common/errors.ts';
import type { SecretStore } from '../common/secrets.ts';
import type { Settings } from '../common/settings.ts';

/**
 * A name is `file` or `folder/file` (`store/store_….sqlite`): each segment non-empty, neither `.`
 * nor `..`, without `\` or control characters; spaces and any other Unicode are fine. Two levels
 * at most, so that a listing never walks a deep tree someone keeps beside Lifeboat's folders.
 */
export type ObjectName = string;

/** What a backend holds under a name. */
export interface ObjectInfo {
  name: ObjectName;
  size: number;
  /** SHA-256 (hex) of the bytes, when the backend computes one itself (Drive's sha256Checksum). */
  sha256?: string;
  /** The backend's own handle for what is stored now (Drive's file id): a new one whenever the name is written again. */
  id?: string;
  /**
   * Something is there under this name that the backend will not read (a link, a pipe, a device in
   * a folder anyone can write to): why, in a sentence naming it. `load` refuses it too.
   */
  refused?: string;
}

/** What a save left at the backend: the size it holds, and its own checksum and handle when it has them. */
export type Saved = Omit<ObjectInfo, 'name' | 'refused'>;

export interface SaveOptions {
  /** The file's SHA-256 when the caller knows it: a backend that checks uploads end to end uses it. */
  sha256?: string;
  /** Small labels kept beside the object where the backend can (Drive's appProperties; S3/Azure metadata). */
  labels?: Record<string, string>;
  /** Bytes sent so far. */
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
}

export interface LoadOptions {
  /** Where to start (0 by default); at or past the end gives an empty stream. */
  offset?: number;
  /** At most this many bytes (to the end by default). */
  length?: number;
  signal?: AbortSignal;
}

/** One place objects are kept. Every failure is a LifeboatError saying what happened and what to do. */
export interface Storage {
  /** Where the objects are on this machine's file system, for a kind that keeps them in a local folder. */
  readonly localPath?: string;
  /** Makes a new destination ready (a folder's marker file); throws a LifeboatError if it cannot be. */
  init?(): Promise<void>;
  /** Throws a LifeboatError saying what is wrong (an unmounted disk, a revoked token, a full quota). */
  check(): Promise<void>;
  /**
   * Stores `file`'s bytes under `name`, replacing what was there. The object is visible (to `stat`,
   * `list`, `load`) only once complete: a save that fails or is cancelled leaves the name as it was.
   */
  save(name: ObjectName, file: string, opts?: SaveOptions): Promise<Saved>;
  /** The bytes under `name` from `offset`, at most `length` of them; a missing name is a 'not-found' LifeboatError. */
  load(name: ObjectName, opts?: LoadOptions): Promise<Readable>;
  /** What is under `name`, or undefined when nothing is. */
  stat(name: ObjectName): Promise<ObjectInfo | undefined>;
  /** Every object whose name starts with `prefix` (all pages), in no particular order. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Removes `name` permanently; removing a missing name is not an error. */
  remove(name: ObjectName): Promise<void>;
  /** The destination is being removed: give up any access it holds (revoke a token); the objects stay. */
  forget?(): Promise<void>;
}

/** What a storage may use of the engine: the data folder (resumable upload sessions), secrets, settings. */
export interface StorageContext {
  dataDir: string;
  secrets: SecretStore;
  settings(): Settings;
}

/**
 * Builds the storage of a destination from its settings (its kind checks its own fields first,
 * with a LifeboatError 'usage' naming what is wrong). The engine knows this and nothing of any kind.
 */
export type StorageFactory = (destination: Destination, ctx: StorageContext) => Storage;

/** An engine given no kinds: every destination is refused with a clear message. */
export const noStorage: StorageFactory = (d) => {
  throw new LifeboatError('usage', `This build cannot copy to ${d.kind} destinations`, 'Use the desktop app or the lifeboat command');
};

/**
 * A storage that could not be built (its destination's settings are broken, or of a kind this
 * build does not know): every operation fails with `error`, so that destination fails on its own
 * and every other one goes on.
 */
export function unusableStorage(error: unknown): Storage {
  const fail = async (): Promise<never> => {
    throw error;
  };
  return { check: fail, save: fail, load: fail, stat: fail, list: fail, remove: fail };
}

/**
 * Refuses a name outside the rules of `ObjectName` with a LifeboatError 'usage', so no backend ever
 * turns one into a path that climbs out of its folder. Returns the name's segments.
 */
export function checkObjectName(name: ObjectName): string[] {
  const segments = name.split('/');
  if (segments.length > 2) throw new LifeboatError('usage', `"${name}" has more than two segments`, 'Names are "file" or "folder/file"');
  // eslint-disable-next-line no-control-regex
  const bad = segments.find((s) => s === '' || s === '.' || s === '..' || /[\\\u0000-\u001f\u007f]/.test(s));
  if (bad !== undefined) throw new LifeboatError('usage', `"${name}" is not a name an object can have (segment "${bad}")`, 'Names are segments joined by "/", none empty, "." or ".."');
  return segments;
}
