// The handler table behind the IPC contract, over the desktop services. Plain Node: the app binds
// it to ipcMain, the e2e harness to a Playwright binding. Payloads arrive already validated by the
// contract; effects that need Electron (dialogs, the browser) come in as functions.
import path from 'node:path';
import type { DriveView, IpcHandlers, RestorePointRow, RestoreSummary, ScheduleView, SettingsView } from '../../shared/ipc-contract.ts';
import { restoreSentence, rowsOf, schemaSentence } from '../../shared/comparison-words.ts';
import { whenExact } from '../../shared/time-words.ts';
import type { RecoverSummary } from '../../shared/inside.ts';
import type { JobProgress, Manifest, Schedule, Source, Trigger } from '../../shared/model.ts';
import { connectDrive, disconnectDrive, driveDestinationOf, driveQuota, forgetGoogleClient, hasGoogleClientSecret, setGoogleClient } from '../destinations/drive/drive-account.ts';
import type { GoogleClient } from '../destinations/drive/google-auth.ts';
import { describeVaultMove, NEW_SOURCE_SCHEDULE, type Engine, type VaultStatus } from '../engine/engine.ts';
import { LifeboatError, isLifeboatError } from '../engine/common/errors.ts';
import { holderNames } from '../engine/snapshot/open-holders.ts';
import type { RestoreResult } from '../engine/restore/restore.ts';
import type { Scheduler } from '../schedule/scheduler.ts';
import { nextRuns, validateSchedule } from '../schedule/schedule.ts';
import type { VerificationSummary } from '../schedule/verification-scheduler.ts';
import type { Health } from '../../shared/model.ts';
import type { DesktopEffects } from './effects.ts';
import type { Jobs } from './jobs.ts';

export interface HandlerDeps {
  engine: Engine;
  jobs: Jobs;
  scheduler: Scheduler;
  effects: DesktopEffects;
  env: NodeJS.ProcessEnv;
  backUp: (sourceId: string, trigger: Extract<Trigger, 'manual' | 'scheduled'>, o?: { firstBackup?: boolean }) => Promise<Manifest>;
  /** Judges health, from `status` when the caller already read it. */
  checkHealth: (status?: VaultStatus) => Promise<Health>;
  /** Something the other screens, the tray or the scheduler show has changed. */
  settingsChanged: () => void;
  /** Sends what waits for a destination now, in the background (after Google Drive is reconnected). */
  sendNow: (destinationId: string) => void;
  setPaused: (paused: boolean) => boolean;
  /** The log file written now, if there is one. */
  logFile: () => Promise<string | undefined>;
  /** The build's built-in Google OAuth client, if it carries one (never sent to the renderer). */
  googleClient?: GoogleClient;
  /** The verification schedule's last run and next one. */
  verificationStatus?: () => { last?: VerificationSummary; nextAt?: string };
}

const HISTORY = 30;

/** The last scheduled check of the restore points, in a sentence for the Settings screen. */
export function checkInWords(last: VerificationSummary): string {
  if (last.error) return `It could not run: ${last.error}`;
  const points = `${last.checked} restore point${last.checked === 1 ? '' : 's'} checked${last.failed ? `, ${last.failed} damaged` : ''}`;
  const copies = last.copiesChecked ? `; ${last.copiesChecked} cop${last.copiesChecked === 1 ? 'y' : 'ies'} elsewhere checked${last.copiesFailed ? `, ${last.copiesFailed} damaged (sent again)` : ''}` : '';
  return `${points}${copies}.`;
}

/** What a recover did, in words, for the activity list. */
export function recoveredInWords(r: RecoverSummary): string {
  if (r.nothingToDo) return 'Nothing to bring back: every chosen row is already there';
  const parts = r.tables.map((t) => `${t.inserted + t.replaced} row${t.inserted + t.replaced === 1 ? '' : 's'} into ${t.table}${t.replaced ? ` (${t.replaced} overwritten)` : ''}`);
  return `Brought back ${parts.join(', ')}; the database before was kept as a safety copy`;
}

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
      // No date in a text kept for later: the activity list shows the restore point's own time.
      message: r.inPlace ? `Restored ${r.restored.source.name}${r.safetyCopy ? '; the previous database was kept as a safety copy' : ''}` : `Restored into ${r.target}`,
      restorePointId: r.restored.id,
    }));
  /**
   * When programs have the database open, a second question from main naming them: go ahead while
   * they stay open (true), or not at all (null). False when nobody has it open.
   */
  /**
   * What restoring `m` would change, in words, for main's confirmation: "Restoring to 02:30 gives
   * back 3 orders and loses 46 orders added since." Compared first (a job: progress in the window,
   * Cancel); undefined when it could not be compared or was cancelled: the question is asked anyway.
   */
  const whatRestoreChanges = async (m: Manifest): Promise<string | undefined> => {
    try {
      const c = await jobs.run(
        { kind: 'compare', title: `Comparing a restore point of ${m.source.name} with the database now`, sourceId: m.source.id, restorePointId: m.id, log: false },
        ({ signal, progress }) => engine.compare(m.id, undefined, { signal, onProgress: progress }),
        () => ({ message: 'Compared', restorePointId: m.id }),
      );
      return [restoreSentence(c, whenExact(m.createdAt)), schemaSentence(c)].filter(Boolean).join(' ');
    } catch {
      return undefined;
    }
  };
  const confirmWhileOpen = async (target: string, what: 'restore' | 'undo'): Promise<boolean | null> => {
    const users = await engine.programsUsing(target);
    if (!users?.length) return false;
    const who = holderNames(users);
    const go = await effects.confirm({
      message: `${who} has ${target} open. ${what === 'undo' ? 'Undo' : 'Restore'} while it stays open?`,
      detail: `Best: close ${who} first, then ${what === 'undo' ? 'undo' : 'restore'}. A program that keeps data in memory can write it back over the restored database. If you go ahead, restart ${who} right after.`,
      confirmLabel: what === 'undo' ? 'Undo while open' : 'Restore while open',
    });
    return go ? true : null;
  };
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
  const driveView = async (): Promise<DriveView> => {
    if (!driveDestinationOf(engine)) return { connected: false };
    try {
      const q = await driveQuota(engine, deps.env, deps.googleClient);
      return { connected: true, email: q.email, limit: q.limit, usage: q.usage, lifeboatBytes: q.lifeboatBytes, level: q.level };
    } catch (e) {
      // Said for the person, in a sentence: what happened; the screen offers the one click that fixes it.
      if (isLifeboatError(e) && e.code === 'wrong-key') return { connected: true, needsReconnect: true, error: 'Google Drive asks you to sign in again: the access Lifeboat had was withdrawn or has run out. New copies wait until then.' };
      return { connected: true, error: `Google Drive could not be reached${isLifeboatError(e) ? ` (${e.message})` : ''}. Lifeboat tries again on its own.` };
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
          message: !r.ok ? `Verification failed: ${r.message}` : r.checked ? 'Checked: intact' : r.message,
          restorePointId: m.id,
          failed: !r.ok,
          ...(!r.ok ? { hint: 'Do not restore from this restore point; pick another one' } : {}),
        }),
      );
    },
    'restore-points:pin': async ({ id, pinned }) => (pinned ? engine.pin(id) : engine.unpin(id)),
    'restore-points:delete': async ({ id }) => {
      // Main asks, naming the file: the renderer alone cannot delete a restore point.
      const found = await engine.get(id);
      const file = path.join(engine.vaultDir, ...found.artifact.path.split('/'));
      const confirmed = await effects.confirm({
        message: `Delete the restore point of ${found.source.name} from ${whenExact(found.createdAt)}?`,
        detail: `${file} and its manifest are deleted from this computer. Copies at other destinations stay.`,
        confirmLabel: 'Delete',
      });
      if (!confirmed) return null;
      // The renderer refreshes after this, and status:get re-judges health.
      const m = await engine.remove(found.id);
      return { id: m.id };
    },
    'backup:run': async ({ sourceId }) => deps.backUp(sourceId, 'manual'),
    'job:cancel': async ({ jobId }) => jobs.cancel(jobId),
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
        return { source, added: true, first };
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
    'restore:run': async ({ id, toAnotherFile }) => {
      const m = await engine.get(id);
      // In place only over a database registered here (its own path, never one a manifest names);
      // any other restore point goes into a file the person chooses.
      const registered = engine.sources.list().some((s) => s.id === m.source.id);
      if (toAnotherFile || !registered) {
        const stamp = m.createdAt.slice(0, 16).replace(/[:T]/g, '-');
        const to = await effects.chooseRestoreTarget(`${path.parse(m.source.name).name}-${stamp}${path.extname(m.source.name) || '.db'}`);
        if (!to) return null;
        return summary(await restoreJob('restore', `Restoring ${m.source.name} into another file`, m.source.id, (signal, onProgress) => engine.restore({ id: m.id, to, signal, onProgress })));
      }
      // Main asks, naming the real file (the registered database's own path): the renderer alone
      // cannot replace a database.
      const target = engine.restoreTarget(m);
      const changes = await whatRestoreChanges(m);
      const confirmed = await effects.confirm({
        message: `Replace ${target} with the restore point of ${whenExact(m.createdAt)}?`,
        detail: `${changes ? `${changes}\n\n` : ''}A safety copy of the database as it is now is taken first, so this can be undone. A program that has the database open sees the restored data; restart it afterwards so it forgets what it had in memory.`,
        confirmLabel: 'Restore',
      });
      if (!confirmed) return null;
      const whileOpen = await confirmWhileOpen(target, 'restore');
      if (whileOpen === null) return null;
      return summary(await restoreJob('restore', `Restoring ${m.source.name}`, m.source.id, (signal, onProgress) => engine.restore({ id: m.id, signal, onProgress, whileOpen })));
    },
    'restore:undo': async () => {
      const change = engine.lastChange();
      if (!change) {
        // Says precisely why there is nothing to undo (no restore yet, no safety copy, pruned).
        await engine.undo();
        throw new LifeboatError('unknown-restore-point', 'There is no restore to undo', 'Undo brings back the safety copy taken before the last restore');
      }
      const safety = change.safetyCopy;
      const target = engine.restoreTarget(safety);
      const confirmed = await effects.confirm({
        message: `Put ${target} back as it was ${whenExact(safety.createdAt)}, ${change.reason === 'recover' ? 'before rows were brought back into it' : change.reason === 'undo' ? 'before the last undo' : 'before the last restore'}?`,
        detail: 'A safety copy of the database as it is now is taken first, so the undo can be undone too.',
        confirmLabel: 'Undo',
      });
      if (!confirmed) return null;
      const whileOpen = await confirmWhileOpen(target, 'undo');
      if (whileOpen === null) return null;
      const title = change.reason === 'recover' ? `Taking back the rows brought into ${safety.source.name}` : `Undoing the ${change.reason} of ${safety.source.name}`;
      return summary(await restoreJob('undo', title, safety.source.id, (signal, onProgress) => engine.undo({ sourceId: safety.source.id, signal, onProgress, whileOpen })));
    },
    'inside:contents': async ({ id }) => {
      const m = await engine.get(id);
      return jobs.run(
        { kind: 'look', title: `Opening a restore point of ${m.source.name}`, sourceId: m.source.id, restorePointId: m.id, log: false },
        ({ signal, progress }) => engine.lookInside(m.id, { signal, onProgress: progress }),
        () => ({ message: 'Opened', restorePointId: m.id }),
      );
    },
    'inside:rows': async ({ id, table, offset, limit, rows }) => engine.tableRows(id, table, { offset, limit, rows }),
    'inside:compare': async ({ id, with: other }) => {
      const m = await engine.get(id);
      return jobs.run(
        { kind: 'compare', title: `Comparing a restore point of ${m.source.name} with ${other ? 'another one' : 'the database now'}`, sourceId: m.source.id, restorePointId: m.id, log: false },
        ({ signal, progress }) => engine.compare(m.id, other, { signal, onProgress: progress }),
        (c) => ({ message: c.same ? 'No difference' : `${c.totals.back} rows would come back, ${c.totals.lost} would be lost, ${c.totals.changed} differ`, restorePointId: m.id }),
      );
    },
    'inside:close': async () => engine.doneLooking(),
    'recover:run': async ({ id, selections, onConflict }) => {
      const m = await engine.get(id);
      // Main asks, naming the real file: the renderer alone cannot change a database.
      const target = engine.restoreTarget(m);
      const what = selections.map((s) => (s.rows ? rowsOf(s.rows.length, s.table) : `every missing row of ${s.table}`)).join(' and ');
      const confirmed = await effects.confirm({
        message: `Bring ${what} from the restore point of ${whenExact(m.createdAt)} back into ${target}?`,
        detail: `${onConflict === 'replace' ? 'A row that is there with other values is replaced by the restore point\'s. ' : 'A row that is there already is left as it is. '}Nothing is deleted. A safety copy of the database as it is now is taken first, so this can be undone. The database's own rules apply: foreign keys, and its triggers run for these rows.`,
        confirmLabel: 'Bring back',
      });
      if (!confirmed) return null;
      return jobs.run(
        { kind: 'recover', title: `Bringing rows back into ${m.source.name}`, sourceId: m.source.id, restorePointId: m.id },
        ({ signal, progress }) => engine.recover({ id: m.id, selections, onConflict, signal, onProgress: progress }),
        (r) => ({ message: recoveredInWords(r), restorePointId: m.id }),
      );
    },
    'recover:export': async ({ id, table, format, rows }) => {
      const m = await engine.get(id);
      const stamp = m.createdAt.slice(0, 16).replace(/[:T]/g, '-');
      const to = await effects.chooseExportTarget(`${table.replace(/[^\w.-]+/g, '_')}-${stamp}.${format === 'csv' ? 'csv' : 'db'}`);
      if (!to) return null;
      return jobs.run(
        { kind: 'export', title: `Saving ${table} from a restore point of ${m.source.name}`, sourceId: m.source.id, restorePointId: m.id },
        ({ signal, progress }) => engine.exportTable({ id: m.id, table, to, format, rows, signal, onProgress: progress }),
        (r) => ({ message: `Saved ${r.rows} row${r.rows === 1 ? '' : 's'} of ${r.table} to ${r.file}`, restorePointId: m.id }),
      );
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
        google: { clientId: deps.env.LIFEBOAT_GOOGLE_CLIENT_ID ?? s.google?.clientId, hasSecret: await hasGoogleClientSecret(engine, deps.env), connecting: connecting !== undefined, builtIn: deps.googleClient !== undefined },
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
      await setGoogleClient(engine, { clientId, clientSecret });
      deps.settingsChanged();
    },
    'drive:forget-client': async () => {
      await forgetGoogleClient(engine);
      deps.settingsChanged();
    },
    'drive:connect': async () => {
      if (connecting) throw new LifeboatError('busy', 'A Google sign-in is already waiting in your browser', 'Finish it there, or cancel it');
      connecting = new AbortController();
      try {
        // What waited for Drive, and its history, go in the background (uploads as jobs, with progress).
        const { destination } = await connectDrive(engine, { openBrowser: effects.openExternal, signal: connecting.signal, env: deps.env, sendNow: false, builtIn: deps.googleClient });
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
      await disconnectDrive(engine, deps.env, deps.googleClient);
      deps.settingsChanged();
    },
    'encryption:get': async () => ({ passphraseKeyId: (await engine.passphrase.current())?.keyId }),
    'encryption:set-passphrase': async ({ passphrase }) => ({ passphraseKeyId: (await engine.passphrase.remember(passphrase)).keyId }),
    'encryption:forget-passphrase': async () => {
      await engine.passphrase.forget();
      return {};
    },
    'activity:list': async () => [...jobs.running(), ...jobs.recent(100)],
    'log:open': async () => {
      const file = await deps.logFile();
      if (!file) throw new LifeboatError('not-found', 'Nothing has been logged yet', 'The log starts with the first backup or copy');
      // The shell opens it with the system's viewer for text files; the renderer never sees its content.
      await effects.openPath(file);
      return { file };
    },
    'settings:get': async () => settingsView(),
    'settings:set': async ({ timeZone, verification }) => {
      engine.updateSettings({ ...(timeZone !== undefined ? { timeZone } : {}), ...(verification ? { verification } : {}) });
      deps.settingsChanged();
      return settingsView();
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
    'app-settings:get': async () => settings().app,
    'app-settings:set': async (change) => {
      const next = engine.updateSettings({ app: change }).app;
      if (change.openAtLogin !== undefined) effects.setOpenAtLogin?.(change.openAtLogin);
      deps.settingsChanged();
      return next;
    },
  };
}
