// The handler table behind the IPC contract, over the desktop services. Plain Node: the app binds
// it to ipcMain, the e2e harness to a Playwright binding. Payloads arrive already validated by the
// contract; effects that need Electron (dialogs, the browser) come in as functions.
import path from 'node:path';
import type { DriveView, IpcHandlers, RestorePointRow, RestoreSummary, ScheduleView } from '../../shared/ipc-contract.ts';
import type { JobProgress, Manifest, Schedule, Source, Trigger } from '../../shared/model.ts';
import { connectDrive, disconnectDrive, driveDestinationOf, driveQuota, setGoogleClient } from '../destinations/drive/drive-account.ts';
import type { Engine, VaultStatus } from '../engine/engine.ts';
import { LifeboatError, isLifeboatError } from '../engine/errors.ts';
import type { RestoreResult } from '../engine/restore.ts';
import type { Scheduler } from '../schedule/scheduler.ts';
import { nextRuns, validateSchedule } from '../schedule/schedule.ts';
import type { Health } from '../../shared/model.ts';
import type { DesktopEffects } from './effects.ts';
import type { Jobs } from './jobs.ts';

export interface HandlerDeps {
  engine: Engine;
  jobs: Jobs;
  scheduler: Scheduler;
  effects: DesktopEffects;
  env: NodeJS.ProcessEnv;
  backUp: (sourceId: string, trigger: Extract<Trigger, 'manual' | 'scheduled'>) => Promise<Manifest>;
  /** Judges health, from `status` when the caller already read it. */
  checkHealth: (status?: VaultStatus) => Promise<Health>;
  /** Something the other screens, the tray or the scheduler show has changed. */
  settingsChanged: () => void;
  /** Sends what waits for a destination now, in the background (after Google Drive is reconnected). */
  sendNow: (destinationId: string) => void;
  setPaused: (paused: boolean) => boolean;
}

const HISTORY = 30;

function summary(r: RestoreResult): RestoreSummary {
  return { restoredId: r.restored.id, target: r.target, inPlace: r.inPlace, safetyCopyId: r.safetyCopy?.id, requiresRestart: r.requiresRestart, holders: r.holders };
}

/** Every channel of the contract, served by the desktop services. */
export function createIpcHandlers(deps: HandlerDeps): IpcHandlers {
  const { engine, jobs, scheduler, effects } = deps;
  const settings = () => engine.settings();
  let connecting: AbortController | undefined;

  const scheduleView = (sourceId: string): ScheduleView => {
    const schedule: Schedule = engine.sources.get(sourceId).schedule ?? { kind: 'off' };
    const timeZone = settings().timeZone;
    return { sourceId, schedule, timeZone: timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone, next: nextRuns(schedule, engine.now(), 5, timeZone).map((d) => d.toISOString()) };
  };
  const restoreJob = (kind: 'restore' | 'undo', title: string, sourceId: string, work: (signal: AbortSignal, progress: (p: JobProgress) => void) => Promise<RestoreResult>) =>
    jobs.run({ kind, title, sourceId }, ({ signal, progress }) => work(signal, progress), (r) => ({
      message: r.inPlace ? `Restored ${r.restored.source.name} to ${new Date(r.restored.createdAt).toLocaleString()}${r.safetyCopy ? '; the previous database was kept as a safety copy' : ''}` : `Restored into ${r.target}`,
      restorePointId: r.restored.id,
    }));
  const driveView = async (): Promise<DriveView> => {
    if (!driveDestinationOf(engine)) return { connected: false };
    try {
      const q = await driveQuota(engine, deps.env);
      return { connected: true, email: q.email, limit: q.limit, usage: q.usage, lifeboatBytes: q.lifeboatBytes, level: q.level };
    } catch (e) {
      return { connected: true, error: isLifeboatError(e) ? e.oneLine : 'Google Drive could not be reached' };
    }
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
        health,
        schedulePaused: scheduler.isPaused(),
        running: jobs.running(),
        sources: status.sources.map((s) => {
          const run = runs.get(s.source.id);
          return {
            source: s.source,
            missing: s.missing,
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
    'restore-points:list': async ({ sourceId }) => {
      const replicas = new Map<string, Record<string, RestorePointRow['replicas'][string]>>();
      for (const r of engine.replicas()) replicas.set(r.restorePointId, { ...replicas.get(r.restorePointId), [r.destinationId]: r.status });
      const verifications = engine.verifications();
      return engine.list({ sourceId }).map((m): RestorePointRow => {
        const v = verifications.get(m.id);
        return {
          id: m.id,
          sourceId: m.source.id,
          sourceName: m.source.name,
          createdAt: m.createdAt,
          trigger: m.trigger,
          bytes: m.artifact.bytes,
          databaseBytes: m.database.bytes,
          format: m.artifact.format,
          integrity: m.integrity.status,
          verified: v ? { ok: v.status === 'ok', at: v.at, message: v.message } : undefined,
          pinned: m.pinned,
          replicas: replicas.get(m.id) ?? {},
        };
      });
    },
    'restore-points:details': async ({ id }) => {
      const manifest = await engine.get(id);
      const names = new Map(engine.destinations.list().map((d) => [d.id, d.name]));
      const v = engine.verifications().get(manifest.id);
      return {
        manifest,
        replicas: engine.replicas(manifest.id).map((r) => ({ ...r, destinationName: names.get(r.destinationId) ?? `${r.destinationId} (removed)` })),
        verified: v ? { ok: v.status === 'ok', at: v.at, message: v.message } : undefined,
      };
    },
    'restore-points:verify': async ({ id }) => {
      const m = await engine.get(id);
      return jobs.run(
        { kind: 'verify', title: `Verifying a restore point of ${m.source.name}`, sourceId: m.source.id, restorePointId: m.id },
        async () => {
          const r = await engine.verify(m.id);
          return { ok: r.ok, message: r.message, checked: r.status !== 'unchecked' };
        },
        (r) => ({
          message: !r.ok ? `Verification failed: ${r.message}` : r.checked ? 'Checksums and integrity check passed' : r.message,
          restorePointId: m.id,
          failed: !r.ok,
          ...(!r.ok ? { hint: 'Do not restore from this restore point; pick another one' } : {}),
        }),
      );
    },
    'restore-points:pin': async ({ id, pinned }) => (pinned ? engine.pin(id) : engine.unpin(id)),
    'restore-points:delete': async ({ id }) => {
      // The renderer refreshes after this, and status:get re-judges health.
      const m = await engine.remove(id);
      return { id: m.id };
    },
    'backup:run': async ({ sourceId }) => deps.backUp(sourceId, 'manual'),
    'job:cancel': async ({ jobId }) => jobs.cancel(jobId),
    'sources:choose': async () => {
      const file = await effects.chooseDatabase();
      if (!file) return null;
      const source = await engine.sources.add(file);
      deps.settingsChanged();
      return source;
    },
    'sources:remove': async ({ sourceId }) => {
      const source = engine.sources.remove(sourceId);
      deps.settingsChanged();
      return source;
    },
    'sources:update': async ({ sourceId, patch }) => {
      const change: Parameters<Engine['sources']['update']>[1] = {};
      if (patch.autoUpload !== undefined) change.autoUpload = patch.autoUpload;
      if (patch.compressLevel !== undefined) change.compressLevel = patch.compressLevel ?? undefined;
      if (patch.encryption !== undefined) change.encryption = (patch.encryption ?? undefined) as Source['encryption'];
      if (patch.retention !== undefined) change.retention = patch.retention;
      const source = await engine.sources.update(sourceId, change);
      deps.settingsChanged();
      return source;
    },
    'restore:run': async ({ id, toAnotherFile }) => {
      const m = await engine.get(id);
      if (toAnotherFile) {
        const stamp = m.createdAt.slice(0, 16).replace(/[:T]/g, '-');
        const to = await effects.chooseRestoreTarget(`${path.parse(m.source.name).name}-${stamp}${path.extname(m.source.name) || '.db'}`);
        if (!to) return null;
        return summary(await restoreJob('restore', `Restoring ${m.source.name} into another file`, m.source.id, (signal, onProgress) => engine.restore({ id: m.id, to, signal, onProgress })));
      }
      return summary(await restoreJob('restore', `Restoring ${m.source.name}`, m.source.id, (signal, onProgress) => engine.restore({ id: m.id, signal, onProgress })));
    },
    'restore:undo': async () => {
      const safety = engine.lastSafetyCopy();
      if (!safety) throw new LifeboatError('unknown-restore-point', 'There is no restore to undo', 'Undo brings back the safety copy taken before the last restore');
      return summary(await restoreJob('undo', `Undoing the restore of ${safety.source.name}`, safety.source.id, (_signal, onProgress) => engine.undo({ sourceId: safety.source.id, onProgress })));
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
    'destinations:list': async () => {
      const status = await engine.status();
      const s = settings();
      return {
        vault: { dir: status.vaultDir, freeBytes: status.freeBytes, usedBytes: status.vaultBytes },
        destinations: engine.destinations.status().map((d) => ({ destination: d.destination, completed: d.completed, pending: d.pending, failed: d.failed, lastUploadAt: d.lastUploadAt, lastError: d.lastError })),
        google: { clientId: deps.env.LIFEBOAT_GOOGLE_CLIENT_ID ?? s.google?.clientId, hasSecret: Boolean(deps.env.LIFEBOAT_GOOGLE_CLIENT_SECRET ?? s.google?.clientSecret), connecting: connecting !== undefined },
      };
    },
    'destinations:add-folder': async () => {
      const folder = await effects.chooseFolder();
      if (!folder) return null;
      const d = await engine.destinations.addFolder(folder);
      deps.settingsChanged();
      return d;
    },
    'destinations:remove': async ({ id }) => {
      // Removing Google Drive also revokes Lifeboat's access and forgets the token (its driver does).
      const removed = await engine.destinations.remove(id);
      deps.settingsChanged();
      return removed;
    },
    'destinations:set-enabled': async ({ id, enabled }) => {
      const d = engine.destinations.setEnabled(id, enabled);
      deps.settingsChanged();
      return d;
    },
    'destinations:set-encoding': async ({ id, compressLevel, encrypt }) => {
      const d = await engine.destinations.setEncoding(id, { compressLevel, encrypt });
      deps.settingsChanged();
      return d;
    },
    'drive:set-client': async ({ clientId, clientSecret }) => {
      setGoogleClient(engine, { clientId, clientSecret });
      deps.settingsChanged();
    },
    'drive:connect': async () => {
      if (connecting) throw new LifeboatError('busy', 'A Google sign-in is already waiting in your browser', 'Finish it there, or cancel it');
      connecting = new AbortController();
      try {
        // What waited for Drive, and its history, go in the background (uploads as jobs, with progress).
        const { destination } = await connectDrive(engine, { openBrowser: effects.openExternal, signal: connecting.signal, env: deps.env, sendNow: false });
        deps.sendNow(destination.id);
      } finally {
        connecting = undefined;
        deps.settingsChanged();
      }
      return driveView();
    },
    'drive:cancel-connect': async () => {
      connecting?.abort();
    },
    'drive:status': async () => driveView(),
    'drive:disconnect': async () => {
      await disconnectDrive(engine, deps.env);
      deps.settingsChanged();
    },
    'encryption:get': async () => ({ passphraseKeyId: (await engine.passphrase.current())?.keyId }),
    'encryption:set-passphrase': async ({ passphrase }) => ({ passphraseKeyId: (await engine.passphrase.remember(passphrase)).keyId }),
    'encryption:forget-passphrase': async () => {
      await engine.passphrase.forget();
      return {};
    },
    'activity:list': async () => [...jobs.running(), ...jobs.recent(100)],
    'app-settings:get': async () => settings().app,
    'app-settings:set': async (change) => {
      const next = engine.updateSettings({ app: change }).app;
      if (change.openAtLogin !== undefined) effects.setOpenAtLogin?.(change.openAtLogin);
      deps.settingsChanged();
      return next;
    },
  };
}
