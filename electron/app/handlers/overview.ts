// IPC handlers of the overview and Settings: status and health, settings, the app's preferences,
// activity, the log, moving the vault.
import type { IpcHandlers, SettingsView } from '../../../shared/ipc-contract.ts';
import { describeVaultMove } from '../../engine/engine.ts';
import { LifeboatError } from '../../engine/common/errors.ts';
import type { VerificationSummary } from '../../schedule/verification-scheduler.ts';
import type { HandlerDeps } from './deps.ts';

const HISTORY = 30;

/** The last scheduled check of the restore points, in a sentence for the Settings screen. */
export function checkInWords(last: VerificationSummary): string {
  if (last.error) return `It could not run: ${last.error}`;
  const points = `${last.checked} restore point${last.checked === 1 ? '' : 's'} checked${last.failed ? `, ${last.failed} damaged` : ''}`;
  const copies = last.copiesChecked ? `; ${last.copiesChecked} cop${last.copiesChecked === 1 ? 'y' : 'ies'} elsewhere checked${last.copiesFailed ? `, ${last.copiesFailed} damaged (sent again)` : ''}` : '';
  return `${points}${copies}.`;
}

/** The channels of the overview and Settings. */
export function overviewHandlers(deps: HandlerDeps): Pick<IpcHandlers, 'status:get' | 'settings:get' | 'settings:set' | 'app-settings:get' | 'app-settings:set' | 'activity:list' | 'log:open' | 'vault:move'> {
  const { engine, jobs, scheduler, effects } = deps;
  const settings = () => engine.settings();
  const settingsView = async (): Promise<SettingsView> => {
    const s = settings();
    const status = await engine.status();
    const last = deps.verificationStatus?.().last;
    const next = deps.verificationStatus?.().nextAt;
    return {
      vault: { dir: status.vaultDir, restorePoints: status.sources.reduce((n, x) => n + x.restorePoints, 0) + status.orphans, bytes: status.vaultBytes, freeBytes: status.freeBytes, ...(status.vaultProblem ? { problem: status.vaultProblem } : {}) },
      timeZone: s.timeZone ?? null,
      machineTimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      verification: s.verification,
      ...(last ? { lastCheck: { at: last.at, ok: !last.error && last.failed + last.copiesFailed === 0, text: checkInWords(last) } } : {}),
      ...(next ? { nextCheckAt: next } : {}),
    };
  };

  return {
    'status:get': async () => {
      const status = await engine.status();
      const health = await deps.checkHealth(status);
      const runs = new Map(scheduler.status().map((r) => [r.sourceId, r]));
      const all = engine.list();
      return {
        vaultDir: status.vaultDir,
        freeBytes: status.freeBytes,
        vaultBytes: status.vaultBytes,
        logicalBytes: status.logicalBytes,
        health,
        schedulePaused: scheduler.isPaused(),
        ...(deps.scheduleRunner ? { scheduleRunner: (await deps.scheduleRunner()).text } : {}),
        running: jobs.running(),
        sources: status.sources.map((s) => {
          const run = runs.get(s.source.id);
          return {
            source: s.source,
            missing: s.missing,
            ...(s.advice ? { advice: s.advice } : {}),
            restorePoints: s.restorePoints,
            bytes: s.bytes,
            newest: s.newest,
            nextRunAt: run?.nextRunAt,
            lastRunAt: run?.lastRunAt,
            lastOk: run?.lastOk,
            successRate: run?.successRate,
            history: all
              .filter((m) => m.source.id === s.source.id && m.trigger !== 'safety')
              .slice(0, HISTORY)
              .reverse()
              .map((m) => ({ createdAt: m.createdAt, databaseBytes: m.database.bytes, durationMs: m.durationMs })),
          };
        }),
      };
    },
    'settings:get': async () => settingsView(),
    'settings:set': async ({ timeZone, verification }) => {
      engine.updateSettings({ ...(timeZone !== undefined ? { timeZone } : {}), ...(verification ? { verification } : {}) });
      deps.settingsChanged();
      return settingsView();
    },
    'app-settings:get': async () => settings().app,
    'app-settings:set': async (change) => {
      // Once the person sets "start at login" themselves, Lifeboat never switches it for them.
      const next = engine.updateSettings({ app: { ...change, ...(change.openAtLogin !== undefined ? { openAtLoginChosen: true } : {}) } }).app;
      if (change.openAtLogin !== undefined) effects.setOpenAtLogin?.(change.openAtLogin);
      deps.settingsChanged();
      return next;
    },

    'activity:list': async () => [...jobs.running(), ...jobs.recent(100)],
    'log:open': async () => {
      const file = await deps.logFile();
      if (!file) throw new LifeboatError('not-found', 'Nothing has been logged yet', 'The log starts with the first backup or copy');
      // The shell opens it with the system's viewer for text files; the renderer never sees its content.
      await effects.openPath(file);
      return { file };
    },
    'vault:move': async () => {
      const to = await effects.chooseFolder('vault');
      if (!to) return null;
      const r = await jobs.run(
        { kind: 'move-vault', title: 'Moving the vault' },
        ({ signal, progress }) => engine.moveVault(to, { signal, onProgress: progress }),
        (m) => ({ message: describeVaultMove(m) }),
      );
      deps.settingsChanged();
      return r;
    },
  };
}
