// `lifeboat daemon`: the schedule without the desktop app (a server, a machine nobody logs in to).
// It runs the scheduled backups, the verification schedule, the close watcher and the upload queue,
// and sends the alerts, while it holds the runner lock (app/runner.ts): when the app already runs
// the schedule, the daemon only copies and waits, and takes over when the app stops.
import type { Manifest } from '../../shared/model.ts';
import { describeSchedule } from '../../shared/schedule-words.ts';
import { engineHealth } from '../app/engine-health.ts';
import { claimRunner, runnerNow } from '../app/runner.ts';
import { singleTimer, systemClock } from '../engine/common/clock.ts';
import { isLifeboatError } from '../engine/common/errors.ts';
import type { Engine } from '../engine/engine.ts';
import { setupCloseWatcher, setupScheduler } from '../schedule/setup-scheduler.ts';
import { describeVerification, setupVerification } from '../schedule/verification-scheduler.ts';
import { localTime, type CliContext } from './shared.ts';

/** Says on stderr what the engine's retention did (a daemon's log is its output, under systemd the journal). */
function logRetention(e: Engine, log: (line: string) => void): void {
  e.events.on('destination-retention-applied', ({ sourceId, removed, error }) => {
    if (error) log(`${sourceId}: retention at a destination failed: ${error}`);
    else if (removed) log(`${sourceId}: retention removed ${removed} cop${removed === 1 ? 'y' : 'ies'} at the destinations`);
  });
  e.events.on('retention-applied', ({ sourceId, removed, error }) => {
    if (error) log(`${sourceId}: old restore points were not removed: ${error}`);
    else if (removed.length) log(`${sourceId}: retention removed ${removed.length} older restore point${removed.length === 1 ? '' : 's'}`);
  });
}

/** Runs the daemon until SIGINT or SIGTERM. */
async function runDaemon(cx: CliContext): Promise<void> {
  const e = await cx.open();
  const alerts = await cx.alerts();
  const log = (line: string) => cx.io.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const uploads = e.startUploads();
  logRetention(e, log);
  const checkAlerts = async () => {
    if (!runner.held()) return;
    await alerts.evaluate(await engineHealth(e, { scheduler, recentJobs: e.history.list({ limit: 100 }), undeliveredAlerts: alerts.undelivered() }));
  };
  const logRun = (sourceId: string, error?: unknown, m?: Manifest) => {
    log(`${sourceId}: ${error ? `backup failed: ${isLifeboatError(error) ? error.oneLine : String(error)}` : `restore point ${m?.id ?? ''} taken${m && m.integrity.status !== 'ok' ? ' (FAILS ITS INTEGRITY CHECK)' : ''}`}`);
    void checkAlerts();
  };
  const scheduler = setupScheduler(e, { onRunFinished: logRun });
  // "Back up when it closes": the program keeping the database open let go of it.
  const closeWatcher = setupCloseWatcher(e, {
    paused: () => scheduler.isPaused(),
    backup: async (sourceId) => {
      log(`${sourceId}: its program closed it; backing up`);
      await e.backup({ sourceId }, { trigger: 'scheduled', waitMs: 10 * 60_000 }).then((m) => logRun(sourceId, undefined, m), (err: unknown) => logRun(sourceId, err));
    },
  });
  // The verification schedule runs here too: the newest restore points weekly, all of them monthly, samples of the copies.
  const verification = setupVerification(e, {
    clock: systemClock,
    run: async (scope, work) => {
      const title = scope === 'all' ? 'Checking every restore point (monthly)' : 'Checking the newest restore points (weekly)';
      const r = await cx.record({ kind: 'verify', title, trigger: 'scheduled' }, () => work({}), (x) => ({ message: describeVerification(x), failed: x.restorePoints.failed.length + x.copies.failed.length > 0 }));
      log(`verification (${scope === 'all' ? 'every restore point' : 'the newest'}): ${describeVerification(r)}`);
      void uploads.kick(); // damaged copies it found are sent again now
      void checkAlerts();
      return r;
    },
  });
  // Problems that come without a run (a destination falling behind, a day without backups) are looked for every minute.
  const alertTimer = singleTimer(systemClock, () => void checkAlerts().finally(() => alertTimer.arm(60_000)));
  const runner = claimRunner(e.dataDir, 'daemon', {
    clock: systemClock,
    onAcquired: () => {
      scheduler.start();
      verification.start();
      closeWatcher.start();
      alertTimer.arm(0);
      log('running the schedule and sending the alerts');
    },
  });
  await runner.start();
  if (!runner.held()) {
    const holder = await runnerNow(e.dataDir);
    log(`the ${holder?.by === 'app' ? 'desktop app' : (holder?.by ?? 'other program')}${holder?.pid ? ` (process ${holder.pid})` : ''} runs the schedule now; this daemon copies to the destinations and takes over when it stops`);
  }
  for (const s of scheduler.status()) cx.io.stderr.write(`${s.sourceId}: ${describeSchedule(s.schedule)}${s.nextRunAt ? `, next ${localTime(s.nextRunAt)}` : ''}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  alertTimer.cancel();
  scheduler.stop();
  verification.stop();
  closeWatcher.stop();
  uploads.stop();
  await uploads.drain();
  await verification.idle();
  await runner.stop();
}

/** Registers `lifeboat daemon`. */
export function registerDaemonCommands(cx: CliContext): void {
  const daemon = cx.program.command('daemon').description('the schedule without the desktop app: run it in the foreground, or install it as a service of this computer');
  daemon
    .command('run', { isDefault: true })
    .description('run scheduled backups, checks, copies and alerts in the foreground (for machines without the desktop app); Ctrl-C stops')
    .action(() => runDaemon(cx));
}
