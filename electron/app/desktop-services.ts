// The desktop app's service graph: the engine, the job runner, the scheduler, the upload queue and
// health, wired together over one typed event bus whose events are exactly the IPC contract's. The
// Electron shell and the e2e harness both call `createDesktopServices`, so the browser tests run
// the same code as the app; only the effects (dialogs, the browser, login items) differ.
import path from 'node:path';
import type { IpcEvents } from '../../shared/ipc-contract.ts';
import type { Health, Replica, Trigger } from '../../shared/model.ts';
import { loadDestinationKinds } from '../destinations/registry.ts';
import { singleTimer, systemClock, type Clock } from '../engine/common/clock.ts';
import type { StorageFactory } from '../engine/storage/storage.ts';
import { createEngine, type UploadQueue, type VaultStatus } from '../engine/engine.ts';
import { LifeboatError } from '../engine/common/errors.ts';
import { createEventBus } from '../engine/common/events.ts';
import { logEngineEvents, logFiles, logLimits, noLog, openLog } from '../engine/common/log.ts';
import { formatBytes } from '../../shared/bytes.ts';
import type { CopyRunner } from '../engine/remote/replication.ts';
import type { SecretStore } from '../engine/common/secrets.ts';
import { setupCloseWatcher, setupScheduler } from '../schedule/setup-scheduler.ts';
import { describeVerification, setupVerification } from '../schedule/verification-scheduler.ts';
import type { DesktopEffects } from './effects.ts';
import { openAlerts, pingOnBackups } from './alerts/alert-settings.ts';
import { engineHealth } from './engine-health.ts';
import { claimRunner } from './runner.ts';
import { defaultOpenAtLogin, scheduleRunner } from './schedule-runner.ts';
import { createIpcHandlers } from './ipc-handlers.ts';
import { backupOutcome, historyActivityLog, importLegacyActivity } from './history.ts';
import { createJobs, type Jobs } from './jobs.ts';

export interface DesktopOptions {
  dataDir: string;
  appVersion: string;
  effects: DesktopEffects;
  secrets?: SecretStore;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  storages?: StorageFactory;
  /** How often health is re-judged without any event (a database file can vanish any time). */
  healthEveryMs?: number;
  /** Crash and pause points inside jobs (tests hold a backup mid-way to see its progress). */
  checkpoint?: (name: string) => Promise<void>;
  /**
   * The build's built-in Google OAuth client (resources/google-client.json, written by `npm run dist`
   * from LIFEBOAT_DIST_GOOGLE_CLIENT_ID/SECRET): with one, Connect Google Drive is one click.
   */
  googleClientFile?: string;
  /** The longest the schedules sleep before re-reading the clock (30 s for backups by default; a long simulation uses more). */
  schedulerPollMs?: number;
}

/**
 * The destination kinds, the log and the engine, in that order: the kinds first, so that the secrets
 * they hold (a built-in client's) are ones the log scrubs from any text.
 */
async function openEngine(opts: DesktopOptions, env: NodeJS.ProcessEnv, clock: Clock) {
  const { kinds, builtInGoogleClient, problem } = await loadDestinationKinds({ env, googleClientFile: opts.googleClientFile });
  const log = await openLog(opts.dataDir, { process: 'app', ...(await logLimits(opts.dataDir)), secrets: kinds.logSecrets }).catch(() => noLog);
  log.info('app started', { version: opts.appVersion, builtInGoogleClient });
  if (problem) log.error('the built-in Google client could not be read', problem);
  const engine = await createEngine({ dataDir: opts.dataDir, appVersion: opts.appVersion, secrets: opts.secrets, storages: opts.storages ?? kinds.storages, clock, checkpoint: opts.checkpoint });
  logEngineEvents(engine.events, log);
  return { kinds, log, engine };
}

/** Runs each upload as a job: progress in the window and the tray, Cancel, a line in Activity. */
function copiesAsJobs(jobs: Jobs): CopyRunner {
  return async (manifest, destination, copy) => {
    let replica: Replica | undefined;
    try {
      await jobs.run(
        { kind: 'upload', title: `Copying ${manifest.source.name} to ${destination.name}`, sourceId: manifest.source.id, restorePointId: manifest.id },
        async ({ signal, progress }) => {
          replica = await copy({ signal, onBytes: (done) => progress({ phase: 'uploading', done, total: manifest.artifact.bytes, unit: 'bytes' }) });
          // Thrown so the job ends failed, or cancelled when the person cancelled it.
          if (replica.status === 'failed') throw new LifeboatError('busy', replica.error ?? 'The copy failed', 'Lifeboat tries again later on its own');
        },
        () => ({ message: `Copied (${formatBytes(replica?.bytes ?? manifest.artifact.bytes)})`, restorePointId: manifest.id }),
      );
    } catch (e) {
      // A replica says how the copy ended (the failed or cancelled job is in the activity list);
      // without one the copy could not even start, and that error is the caller's.
      if (!replica) throw e;
    }
    return replica as Replica;
  };
}

/** Runs each scheduled verification as a job (Activity, the tray, a notification when it finds damage). */
function verificationAsJob(jobs: Jobs): Parameters<typeof setupVerification>[1]['run'] {
  return (scope, work) =>
    jobs.run(
      { kind: 'verify', title: scope === 'all' ? 'Checking every restore point (monthly)' : 'Checking the newest restore points (weekly)', trigger: 'scheduled' },
      ({ signal, progress }) => work({ signal, onProgress: (done, total) => progress({ phase: 'checking', done, total, unit: 'pages' }) }),
      (r) => {
        const damaged = r.restorePoints.failed.length + r.copies.failed.length > 0;
        return { message: describeVerification(r), failed: damaged, ...(damaged ? { hint: 'Do not restore from the damaged ones; check the disk they are on (damaged copies at destinations are sent again)' } : {}) };
      },
    );
}

/** Resolves once nothing runs: no backup, upload, verification or job. */
async function waitIdle(parts: { uploads?: UploadQueue; jobs: Jobs; scheduler: { busy(): boolean }; verification: { idle(): Promise<void>; isRunning(): boolean } }): Promise<void> {
  for (;;) {
    await parts.uploads?.drain();
    await parts.verification.idle();
    await new Promise((r) => setImmediate(r));
    const busy = parts.jobs.running().length > 0 || parts.scheduler.busy() || parts.verification.isRunning();
    if (!busy) {
      await parts.uploads?.drain();
      if (parts.jobs.running().length === 0) return;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Builds every desktop service over the data folder; nothing runs on a timer until `start()`. */
export async function createDesktopServices(opts: DesktopOptions) {
  const clock = opts.clock ?? systemClock;
  const env = opts.env ?? process.env;
  const events = createEventBus<IpcEvents>();
  const { kinds, log, engine } = await openEngine(opts, env, clock);
  // Alerts off the machine: heartbeats for every backup this app takes; problems told by the runner (see runner.ts).
  const alerts = openAlerts(engine, { log });
  pingOnBackups(engine, alerts);

  let lastHealth: Health | undefined;
  // Retention that could not run (in the vault after a backup, or at a destination) until it runs again.
  let vaultRetentionProblem: string | undefined;
  let destinationRetentionProblem: string | undefined;
  engine.events.on('retention-applied', ({ error }) => (vaultRetentionProblem = error));
  engine.events.on('destination-retention-applied', ({ error }) => (destinationRetentionProblem = error));
  const judge = (status: VaultStatus): Promise<Health> =>
    engineHealth(
      engine,
      { scheduler, recentJobs: jobs.recent(100), retentionProblem: vaultRetentionProblem ?? destinationRetentionProblem, verificationProblem: verification.status().last?.error, undeliveredAlerts: alerts.undelivered() },
      status,
    );
  /** Re-judges health (from `status` when the caller already has it) and tells listeners when it changed. */
  const checkHealth = async (status?: VaultStatus): Promise<Health> => {
    const health = await judge(status ?? (await engine.status()));
    if (JSON.stringify(health) !== JSON.stringify(lastHealth)) {
      lastHealth = health;
      events.emit('health:changed', health);
    }
    // The program that runs the schedule tells the problems off the machine (once each; see alerts.ts).
    if (runner.held()) void alerts.evaluate(health);
    return health;
  };

  // One history for every program (the catalog's): what the app finishes is recorded as the app's,
  // and Activity lists what the command line and the daemon did too.
  importLegacyActivity(engine.history, path.join(engine.dataDir, 'activity.json'));
  const jobs = createJobs({
    now: () => clock.now(),
    by: 'app',
    log: historyActivityLog(engine.history, 'app'),
    onError: (job, error) => log.error(`${job.title} failed`, error, { job: job.kind, source: job.sourceId }),
    onChange: (job, change) => {
      if (change === 'finished') log.info(`${job.title}: ${job.outcome}`, { job: job.kind, source: job.sourceId, message: job.message, ms: Date.parse(job.finishedAt ?? job.startedAt) - Date.parse(job.startedAt) });
      events.emit(change === 'finished' ? 'job:finished' : 'job:progress', job);
      if (change === 'finished') void checkHealth().catch(() => undefined);
    },
  });

  /** Takes a restore point of one source as a job (progress, cancel, activity). */
  const backUp = (sourceId: string, trigger: Extract<Trigger, 'manual' | 'scheduled'>, o: { firstBackup?: boolean } = {}) => {
    const source = engine.sources.get(sourceId);
    return jobs.run(
      { kind: 'backup', title: `Backing up ${source.name}`, sourceId, trigger },
      ({ signal, progress }) => engine.backup({ sourceId }, { trigger, signal, onProgress: progress, waitMs: trigger === 'scheduled' ? 10 * 60_000 : undefined, firstBackup: o.firstBackup }),
      backupOutcome,
    );
  };

  // Health is re-judged when the copy's job finishes (or, after connecting Drive, by settingsChanged).
  engine.events.on('replica-changed', ({ replica: r }) => {
    events.emit('replicas:changed', { restorePointId: r.restorePointId, destinationId: r.destinationId, status: r.status, error: r.error });
  });

  const runCopy = copiesAsJobs(jobs);

  const scheduler = setupScheduler(engine, { clock, pollMs: opts.schedulerPollMs, backup: (id) => backUp(id, 'scheduled'), onChange: () => void checkHealth().catch(() => undefined) });
  const closeWatcher = setupCloseWatcher(engine, { clock, backup: (id) => backUp(id, 'scheduled'), paused: () => scheduler.isPaused() });
  // Verification on a schedule, each run a job (Activity, the tray, a notification when it finds damage).
  const verification = setupVerification(engine, {
    clock,
    pollMs: opts.schedulerPollMs,
    onChange: () => {
      void uploads?.kick(); // damaged copies it found are sent again now
      void checkHealth().catch(() => undefined);
    },
    run: verificationAsJob(jobs),
  });
  const settingsChanged = () => {
    scheduler.refresh();
    // A new or re-enabled destination gets what it should hold, in the background.
    void uploads?.kick();
    events.emit('settings:changed', {});
    void checkHealth().catch(() => undefined);
  };
  const setPaused = (on: boolean) => {
    scheduler.setPaused(on);
    settingsChanged();
    return on;
  };
  const sendNow = (destinationId: string) => void uploads?.kick({ destinationId, force: true });
  // The schedule, the verification schedule and the close watcher run in this app only while it holds the runner lock.
  const runner = claimRunner(engine.dataDir, 'app', {
    clock,
    onAcquired: () => {
      scheduler.start();
      verification.start();
      closeWatcher.start();
      void checkHealth().catch(() => undefined);
    },
  });
  const handlers = createIpcHandlers({ engine, jobs, scheduler, effects: opts.effects, env, backUp, checkHealth, settingsChanged, setPaused, sendNow, logFile: async () => (await logFiles(engine.dataDir)).at(-1), kinds, verificationStatus: () => verification.status(), alerts, scheduleRunner: () => scheduleRunner(engine, scheduler.status()) });

  let uploads: UploadQueue | undefined;
  let stopped = false;
  const healthTimer = singleTimer(clock, () => void checkHealth().catch(() => undefined).finally(healthLoop));
  const healthLoop = () => {
    if (!stopped) healthTimer.arm(opts.healthEveryMs ?? 30_000);
  };

  return {
    engine,
    jobs,
    scheduler,
    events,
    handlers,
    /** The log (logs/ in the data folder): IPC's internal errors go here, with their details. */
    log,
    backUp,
    checkHealth,
    /** The latest health judgement (undefined until the first one). */
    health: () => lastHealth,
    /** Backs up every source now (the tray's Back Up Now); failures are reported as jobs. */
    backUpAll: () => Promise.allSettled(engine.sources.list().map((s) => backUp(s.id, 'manual'))),
    isPaused: () => scheduler.isPaused(),
    setPaused,
    /** The verification schedule: its last result and next run (the tray shows them). */
    verification,
    /** The alerts that leave the machine (Settings → Alerts; a test from there). */
    alerts,
    /** Whether this app runs the schedule and sends the alerts now (it holds the runner lock: runner.ts). */
    runsSchedule: () => runner.held(),
    /** What runs the schedule now and after a restart, and the next backup (the Overview, as `lifeboat status`). */
    scheduleRunner: () => scheduleRunner(engine, scheduler.status()),
    /** Resolves once nothing runs: no backup, upload, verification or job (tests and the simulation). */
    idle: () => waitIdle({ uploads, jobs, scheduler, verification }),
    /** Starts the scheduler, the upload queue, the verification schedule and the health check. */
    start() {
      uploads = engine.startUploads({ runCopy });
      // Once a database has a schedule, the app starts at login unless the person chose otherwise.
      if (defaultOpenAtLogin(engine)) opts.effects.setOpenAtLogin?.(true);
      void runner.start();
      void checkHealth().catch(() => undefined);
      healthLoop();
    },
    /** The machine woke up or the network came back: catch up and look again. */
    wake() {
      scheduler.wake();
      verification.wake();
      void uploads?.kick();
      void checkHealth().catch(() => undefined);
    },
    /** Waits for uploads in flight (tests). */
    drainUploads: () => uploads?.drain() ?? Promise.resolve(),
    stop() {
      stopped = true;
      scheduler.stop();
      verification.stop();
      closeWatcher.stop();
      uploads?.stop();
      healthTimer.cancel();
      const released = runner.stop();
      engine.close();
      log.info('app stopped');
      // Resolves once the runner lock is let go and the log is written and closed.
      return Promise.all([released, log.close()]).then(() => undefined);
    },
  };
}

export type DesktopServices = Awaited<ReturnType<typeof createDesktopServices>>;
