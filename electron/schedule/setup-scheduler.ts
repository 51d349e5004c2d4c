// Builds the scheduler over an engine: schedules from the sources' settings, scheduled backups
// through the engine, state in the data folder; and the close watcher ("back up when it closes").
// The app and `lifeboat daemon` both call these.
import path from 'node:path';
import { systemClock, type Clock } from '../engine/common/clock.ts';
import type { Engine } from '../engine/engine.ts';
import type { Manifest } from '../../shared/model.ts';
import { stat } from 'node:fs/promises';
import { findHolders } from '../engine/snapshot/open-holders.ts';
import { createCloseWatcher } from './close-watcher.ts';
import { createScheduler, fileStateStore, resilientStore } from './scheduler.ts';

/** A scheduler that backs up each source on its schedule with `engine`; call `start()` on it. */
export function setupScheduler(
  engine: Engine,
  opts: { clock?: Clock; pollMs?: number; onRunFinished?: (sourceId: string, error?: unknown, manifest?: Manifest) => void; onChange?: () => void; backup?: (sourceId: string) => Promise<unknown> } = {},
) {
  return createScheduler({
    clock: opts.clock ?? systemClock,
    pollMs: opts.pollMs,
    schedules: () => engine.sources.list().map((s) => ({ sourceId: s.id, schedule: s.schedule ?? { kind: 'off' } })),
    timeZone: () => engine.settings().timeZone,
    state: resilientStore(fileStateStore(path.join(engine.dataDir, 'schedule-state.json'))),
    onChange: opts.onChange,
    run: async (sourceId) => {
      try {
        // A manual backup or restore of the same source may be running: wait for it rather than fail.
        const manifest = opts.backup ? await opts.backup(sourceId) : await engine.backup({ sourceId }, { trigger: 'scheduled', waitMs: 10 * 60_000 });
        opts.onRunFinished?.(sourceId, undefined, manifest as Manifest | undefined);
      } catch (e) {
        opts.onRunFinished?.(sourceId, e);
        throw e;
      }
    },
  });
}

/** The close watcher over `engine`: the sources set to back up when their program closes them. */
export function setupCloseWatcher(engine: Engine, opts: { clock?: Clock; backup: (sourceId: string) => Promise<unknown>; paused?: () => boolean }) {
  return createCloseWatcher({
    clock: opts.clock ?? systemClock,
    sources: () => engine.sources.list().filter((s) => s.backUpWhenClosed),
    holders: findHolders,
    changedSinceLastBackup: async (sourceId) => {
      const newest = engine.list({ sourceId }).find((m) => m.trigger !== 'safety');
      if (!newest) return true;
      const file = engine.sources.get(sourceId).path;
      const times = await Promise.all([file, `${file}-wal`].map((f) => stat(f).then((s) => s.mtimeMs, () => 0)));
      return Math.max(...times) > Date.parse(newest.createdAt);
    },
    backup: opts.backup,
    paused: opts.paused,
  });
}
