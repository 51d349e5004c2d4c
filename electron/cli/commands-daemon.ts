// `lifeboat daemon`: the schedule without the desktop app (a server, a machine nobody logs in to).
// It runs the scheduled backups, the verification schedule, the close watcher and the upload queue,
// and sends the alerts, while it holds the runner lock (app/runner.ts): when the app already runs
// the schedule, the daemon only copies and waits, and takes over when the app stops.
import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../shared/model.ts';
import { describeService, servicePlan, type ServicePlan } from '../app/daemon-service.ts';
import { describeSchedule } from '../../shared/schedule-words.ts';
import { engineHealth } from '../app/engine-health.ts';
import { claimRunner, runnerNow } from '../app/runner.ts';
import { singleTimer, systemClock } from '../engine/common/clock.ts';
import { LifeboatError, isLifeboatError } from '../engine/common/errors.ts';
import type { Engine } from '../engine/engine.ts';
import { setupCloseWatcher, setupScheduler } from '../schedule/setup-scheduler.ts';
import { describeVerification, setupVerification } from '../schedule/verification-scheduler.ts';
import { localTime, type CliContext } from './shared.ts';

const REPO_BIN = path.resolve(import.meta.dirname, '..', '..', 'bin');

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
  // Problems that come without a run of its own are looked for every minute (a destination falling
  // behind, a day without backups), and within seconds of another program recording an operation
  // (a `lifeboat backup` from cron that failed): the one history is read every few seconds.
  let lastLook = 0;
  let lastOperation = '';
  const alertTimer = singleTimer(systemClock, () => {
    const newest = e.history.list({ limit: 1 })[0];
    const seen = newest ? `${newest.id}:${newest.finishedAt ?? ''}` : '';
    const due = Date.now() - lastLook >= 60_000 || seen !== lastOperation;
    lastOperation = seen;
    if (!due) return alertTimer.arm(5_000);
    lastLook = Date.now();
    void checkAlerts().finally(() => alertTimer.arm(5_000));
  });
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

/** The service for this data folder on this machine: node, the `lifeboat` script that is running, the data folder. */
function planHere(cx: CliContext): ServicePlan {
  const cli = realpathSync(process.argv[1] ?? path.join(REPO_BIN, 'lifeboat.mjs'));
  return servicePlan(process.platform, { node: process.execPath, cli, dataDir: cx.dataDir() }, { home: os.homedir(), env: cx.io.env, uid: process.getuid?.() });
}

/** Runs one command of a plan; says what it printed when it fails. */
function runStep(step: string[]): void {
  const r = spawnSync(step[0] as string, step.slice(1), { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new LifeboatError('unreadable', `\`${step.join(' ')}\` failed: ${(r.error?.message ?? r.stderr ?? '').trim() || `exit ${r.status}`}`, 'The service file is written; start it by hand with that command, or run `lifeboat daemon` in a terminal');
}

/** `lifeboat daemon install`: writes the OS service and starts it (unless --no-start); --dry-run only shows it. */
async function installService(cx: CliContext, o: { dryRun?: boolean; start: boolean }): Promise<void> {
  const plan = planHere(cx);
  const steps = o.start ? plan.start : [];
  if (o.dryRun) {
    const lines = [...(plan.file ? [`Would write ${plan.file}:`, plan.content ?? ''] : []), ...plan.start.map((s) => `Would run: ${s.join(' ')}`)];
    return cx.print(lines.join('\n'), plan);
  }
  const e = await cx.open();
  if (plan.file && plan.content !== undefined) {
    mkdirSync(path.dirname(plan.file), { recursive: true });
    writeFileSync(plan.file, plan.content, { mode: 0o644 });
  }
  for (const step of steps) runStep(step);
  e.updateSettings({ daemonService: { kind: plan.kind, name: plan.name, ...(plan.file ? { file: plan.file } : {}), installedAt: e.now().toISOString() } });
  const what = describeService(plan);
  cx.print([`Installed ${what}${plan.file ? ` (${plan.file})` : ''}: it runs \`lifeboat daemon\` for ${cx.dataDir()} ${o.start ? 'now and ' : ''}whenever you log in.`, ...(o.start ? [] : [`Start it with: ${plan.start.map((s) => s.join(' ')).join(' && ')}`]), ...(plan.note ? [plan.note] : [])].join('\n'), plan);
}

/** `lifeboat daemon uninstall`: stops the OS service (unless --no-stop) and removes it. */
async function uninstallService(cx: CliContext, o: { stop: boolean }): Promise<void> {
  const e = await cx.open();
  const plan = planHere(cx);
  const problems: string[] = [];
  if (o.stop) {
    for (const step of plan.stop) {
      try {
        runStep(step);
      } catch (err) {
        problems.push(isLifeboatError(err) ? err.message : String(err));
      }
    }
  }
  if (plan.file) rmSync(plan.file, { force: true });
  e.updateSettings({ daemonService: null });
  cx.print([`Removed ${describeService(plan)}: nothing starts \`lifeboat daemon\` any more.`, ...problems.map((p) => `note: ${p}`)].join('\n'), { removed: plan.name, problems });
}

/** Registers `lifeboat daemon`. */
export function registerDaemonCommands(cx: CliContext): void {
  const daemon = cx.program.command('daemon').description('the schedule without the desktop app: run it in the foreground, or install it as a service of this computer');
  daemon
    .command('run', { isDefault: true })
    .description('run scheduled backups, checks, copies and alerts in the foreground (for machines without the desktop app); Ctrl-C stops')
    .action(() => runDaemon(cx));
  daemon
    .command('install')
    .description('run `lifeboat daemon` whenever this computer is on: a systemd user unit (Linux), a launchd agent (macOS), a task at logon (Windows)')
    .option('--dry-run', 'only show the file and the commands')
    .option('--no-start', 'write the service but do not load or start it')
    .action((o: { dryRun?: boolean; start: boolean }) => installService(cx, o));
  daemon
    .command('uninstall')
    .description('stop and remove the service `daemon install` set up')
    .option('--no-stop', 'only remove the file (the service manager is not asked to stop it)')
    .action((o: { stop: boolean }) => uninstallService(cx, o));
}
