// IPC handlers of the databases screen: adding one (protected from the first minute), removing,
// options, schedules, retention's preview, the encryption passphrase.
import type { IpcHandlers, ScheduleView } from '../../../shared/ipc-contract.ts';
import type { Schedule, Source } from '../../../shared/model.ts';
import { NEW_SOURCE_SCHEDULE, type Engine } from '../../engine/engine.ts';
import { LifeboatError } from '../../engine/common/errors.ts';
import { nextRuns, validateSchedule } from '../../schedule/schedule.ts';
import { defaultOpenAtLogin } from '../schedule-runner.ts';
import type { HandlerDeps } from './deps.ts';

/** The channels of the databases screen. */
export function sourceHandlers(deps: HandlerDeps): Pick<IpcHandlers, 'sources:choose' | 'sources:remove' | 'sources:update' | 'schedule:get' | 'schedule:set' | 'schedule:pause' | 'retention:preview' | 'encryption:get' | 'encryption:set-passphrase' | 'encryption:forget-passphrase'> {
  const { engine, effects } = deps;
  const settings = () => engine.settings();
  const scheduleView = (sourceId: string): ScheduleView => {
    const schedule: Schedule = engine.sources.get(sourceId).schedule ?? { kind: 'off' };
    const timeZone = settings().timeZone;
    return { sourceId, schedule, timeZone: timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone, next: nextRuns(schedule, engine.now(), 5, timeZone).map((d) => d.toISOString()) };
  };

  return {
    'sources:choose': async () => {
      const file = await effects.chooseDatabase();
      if (!file) return null;
      const known = await engine.sources.findByPath(file).catch(() => undefined);
      if (known) return { source: known, added: false };
      // Protected from the first minute: a schedule (every hour) and the first restore point now, as
      // a job (progress in the window, Cancel). A database that turns out damaged is not kept.
      const source = await engine.sources.add(file, { schedule: NEW_SOURCE_SCHEDULE });
      deps.settingsChanged();
      try {
        const first = await deps.backUp(source.id, 'manual', { firstBackup: true });
        // The engine did not keep it as a source: say so, as for a file that is not a database.
        if (first.integrity.status !== 'ok') {
          throw new LifeboatError('integrity-failed', `${source.name} looks damaged: its copy fails SQLite's integrity check, so Lifeboat did not add it`, 'Repair the database (or restore it from an older copy), then add it again');
        }
        // Its schedule runs whenever the computer is on: the app now starts at login (unless the person chose otherwise).
        const startsAtLogin = defaultOpenAtLogin(engine);
        if (startsAtLogin) effects.setOpenAtLogin?.(true);
        return { source, added: true, first, ...(startsAtLogin ? { startsAtLogin } : {}) };
      } finally {
        deps.settingsChanged();
      }
    },
    'sources:remove': async ({ sourceId }) => {
      const source = engine.sources.remove(sourceId);
      deps.settingsChanged();
      return source;
    },
    'sources:update': async ({ sourceId, patch }) => {
      const change: Parameters<Engine['sources']['update']>[1] = {};
      if (patch.autoUpload !== undefined) change.autoUpload = patch.autoUpload;
      if (patch.backUpWhenClosed !== undefined) change.backUpWhenClosed = patch.backUpWhenClosed;
      if (patch.lockIfBusy !== undefined) change.lockIfBusy = patch.lockIfBusy;
      if (patch.compressLevel !== undefined) change.compressLevel = patch.compressLevel ?? undefined;
      if (patch.encryption !== undefined) change.encryption = (patch.encryption ?? undefined) as Source['encryption'];
      if (patch.retention !== undefined) change.retention = patch.retention;
      const source = await engine.sources.update(sourceId, change);
      deps.settingsChanged();
      return source;
    },
    'schedule:get': async ({ sourceId }) => scheduleView(sourceId),
    'schedule:set': async ({ sourceId, schedule }) => {
      validateSchedule(schedule, settings().timeZone);
      await engine.sources.update(sourceId, { schedule });
      deps.settingsChanged();
      return scheduleView(sourceId);
    },
    'schedule:pause': async ({ paused }) => deps.setPaused(paused),
    'retention:preview': async ({ sourceId, policy }) => {
      const plan = engine.previewRetention(sourceId, policy);
      return { policy: plan.policy, keep: plan.keep, remove: plan.remove.map((d) => ({ id: d.id, createdAt: d.createdAt })) };
    },
    'encryption:get': async () => ({ passphraseKeyId: (await engine.passphrase.current())?.keyId }),
    'encryption:set-passphrase': async ({ passphrase }) => ({ passphraseKeyId: (await engine.passphrase.remember(passphrase)).keyId }),
    'encryption:forget-passphrase': async () => {
      await engine.passphrase.forget();
      return {};
    },
  };
}
