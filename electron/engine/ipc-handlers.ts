// The handler table behind the IPC contract, over the engine. Plain Node: the app binds it to
// ipcMain, the e2e harness to a Playwright binding. Effects that need Electron (the file dialog)
// come in as functions.
import type { IpcHandlers, RestoreSummary, ScheduleView } from '../../shared/ipc-contract.ts';
import type { Schedule } from '../../shared/model.ts';
import { nextRuns, validateSchedule } from '../schedule/schedule.ts';
import type { Engine } from './engine.ts';
import type { RestoreResult } from './restore.ts';

export interface ShellEffects {
  /** Shows the system "open file" dialog for a database; undefined when cancelled. */
  chooseDatabase: () => Promise<string | undefined>;
  /** Tells the running scheduler that a schedule changed. */
  scheduleChanged?: () => void;
}

function summary(r: RestoreResult): RestoreSummary {
  return { restoredId: r.restored.id, target: r.target, safetyCopyId: r.safetyCopy?.id, requiresRestart: r.requiresRestart, holders: r.holders };
}

/** Every channel of the contract, served by `engine`. */
export function createIpcHandlers(engine: Engine, shell: ShellEffects): IpcHandlers {
  const scheduleView = (sourceId: string): ScheduleView => {
    const schedule: Schedule = engine.sources.get(sourceId).schedule ?? { kind: 'off' };
    const timeZone = engine.ctx.settings.read().timeZone;
    return { sourceId, schedule, timeZone: timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone, next: nextRuns(schedule, new Date(), 5, timeZone).map((d) => d.toISOString()) };
  };
  return {
    'schedule:get': async ({ sourceId }) => scheduleView(sourceId),
    'schedule:set': async ({ sourceId, schedule }) => {
      validateSchedule(schedule, engine.ctx.settings.read().timeZone);
      engine.sources.update(sourceId, { schedule });
      shell.scheduleChanged?.();
      return scheduleView(sourceId);
    },
    'status:get': async () => {
      const s = await engine.status();
      return { vaultDir: s.vaultDir, freeBytes: s.freeBytes, sources: s.sources };
    },
    'restore-points:list': async ({ sourceId }) => engine.list({ sourceId }),
    'backup:run': async ({ sourceId }) => {
      const manifest = await engine.backup({ sourceId }, { trigger: 'manual' });
      await engine.uploadNew(manifest);
      return manifest;
    },
    'restore-points:verify': async ({ id }) => {
      const r = await engine.verify(id);
      return { ok: r.ok, message: r.message };
    },
    'sources:choose': async () => {
      const file = await shell.chooseDatabase();
      return file ? engine.sources.add(file) : null;
    },
    'restore:run': async ({ id }) => summary(await engine.restore({ id })),
    'restore:undo': async () => summary(await engine.undo()),
  };
}
