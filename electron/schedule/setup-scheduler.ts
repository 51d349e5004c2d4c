// Builds the scheduler over an engine: schedules from the sources' settings, scheduled backups
// through the engine, state in the data folder. The app and `lifeboat daemon` both call this.
import path from 'node:path';
import { systemClock, type Clock } from '../engine/clock.ts';
import type { Engine } from '../engine/engine.ts';
import { createScheduler, fileStateStore, resilientStore } from './scheduler.ts';

/** A scheduler that backs up each source on its schedule with `engine`; call `start()` on it. */
export function setupScheduler(
  engine: Engine,
  opts: { clock?: Clock; pollMs?: number; onRunFinished?: (sourceId: string, error?: unknown) => void; onChange?: () => void; backup?: (sourceId: string) => Promise<unknown> } = {},
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
        if (opts.backup) await opts.backup(sourceId);
        else await engine.backup({ sourceId }, { trigger: 'scheduled', waitMs: 10 * 60_000 });
        opts.onRunFinished?.(sourceId);
      } catch (e) {
        opts.onRunFinished?.(sourceId, e);
        throw e;
      }
    },
  });
}
