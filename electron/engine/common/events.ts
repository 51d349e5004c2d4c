// A typed event bus between services: a restore point landing tells the tray, the renderer and
// the upload queue, without any of them knowing each other.
import { EventEmitter } from 'node:events';
import type { ErrorJson } from '../../../shared/errors.ts';
import type { JobProgress, Manifest, Replica } from '../../../shared/model.ts';

export interface EngineEvents {
  'backup-started': { sourceId: string; trigger: Manifest['trigger'] };
  'backup-progress': { sourceId: string; progress: JobProgress };
  'backup-finished': { manifest: Manifest };
  'backup-failed': { sourceId: string; error: ErrorJson };
  'restore-finished': { restoredId: string; target: string; safetyCopyId: string | undefined; requiresRestart: boolean };
  'restore-points-removed': { ids: string[] };
  /** Retention ran in the vault after a backup of `sourceId` (removing `removed`), or could not (`error`). */
  'retention-applied': { sourceId: string; removed: string[]; error?: string };
  /** Retention ran at the destinations after a backup of `sourceId` (the upload queue): how many copies it removed, or why it could not run. */
  'destination-retention-applied': { sourceId: string; removed: number; error?: string };
  /** Rows of a restore point were brought back into a database (how many per table; never the rows). */
  'rows-recovered': { restoredId: string; sourceId: string; target: string; safetyCopyId: string; tables: { table: string; inserted: number; replaced: number }[] };
  /** A copy at a destination started, completed or failed. */
  'replica-changed': { replica: Replica };
  /** The vault moved to another folder (every restore point copied, checked, and the old files removed). */
  'vault-moved': { from: string; to: string; restorePoints: number; bytes: number };
}

export interface EventBus<E = EngineEvents> {
  on<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): () => void;
  emit<K extends keyof E & string>(event: K, payload: E[K]): void;
}

/** A new bus (of engine events unless told otherwise); `on` returns the function that unsubscribes. */
export function createEventBus<E = EngineEvents>(): EventBus<E> {
  const emitter = new EventEmitter();
  return {
    on(event, listener) {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    },
    emit(event, payload) {
      emitter.emit(event, payload);
    },
  };
}
