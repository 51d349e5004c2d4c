// "Back up when it closes": for a database whose program keeps it busy (a rollback-journal database
// written all the time, or one it keeps locked), a source can ask to be backed up as soon as that
// program lets go of it. The watcher looks every `pollMs` at who has each such database open, and
// when the last program closes it — and it changed since its newest restore point — takes one.
import { singleTimer, type Clock } from '../engine/common/clock.ts';
import type { Holder } from '../engine/snapshot/open-holders.ts';

export interface CloseWatcherDeps {
  clock: Clock;
  /** The sources that asked for it, read fresh each time (settings change). */
  sources: () => { id: string; path: string }[];
  /** Who has these files open; undefined when the platform cannot tell. */
  holders: (files: string[]) => Promise<Holder[] | undefined>;
  /** Whether the database changed after its newest restore point (or has none). */
  changedSinceLastBackup: (sourceId: string) => Promise<boolean>;
  backup: (sourceId: string) => Promise<unknown>;
  /** Backups are paused (the schedule's pause covers this too). */
  paused?: () => boolean;
  pollMs?: number;
}

/** Starts nothing until `start()`; `check()` runs one look (tests drive it directly). */
export function createCloseWatcher(deps: CloseWatcherDeps) {
  const pollMs = deps.pollMs ?? 30_000;
  const held = new Map<string, boolean>();
  const timer = singleTimer(deps.clock, () => void check().finally(loop));
  let stopped = true;

  /** Looks once: a source that was held open and no longer is gets its backup (if it changed). */
  const check = async (): Promise<string[]> => {
    const started: string[] = [];
    const wanted = deps.sources();
    for (const id of held.keys()) if (!wanted.some((s) => s.id === id)) held.delete(id);
    for (const source of wanted) {
      const holders = await deps.holders([source.path, `${source.path}-journal`, `${source.path}-wal`]);
      if (holders === undefined) continue;
      const wasHeld = held.get(source.id) ?? false;
      held.set(source.id, holders.length > 0);
      if (wasHeld && holders.length === 0 && !deps.paused?.() && (await deps.changedSinceLastBackup(source.id))) {
        started.push(source.id);
        await deps.backup(source.id).catch(() => undefined); // a failure is the backup job's to report
      }
    }
    return started;
  };

  const loop = () => {
    if (!stopped) timer.arm(pollMs);
  };

  return {
    check,
    start() {
      stopped = false;
      void check().finally(loop);
    },
    stop() {
      stopped = true;
      timer.cancel();
    },
  };
}
