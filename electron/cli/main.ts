// `lifeboat`: the command line over the same engine the desktop app runs.
// Exit codes: 0 success, 1 failure, 2 usage error.
import { Command, CommanderError } from 'commander';
import path from 'node:path';
import { APP_VERSION } from '../engine/common/app-version.ts';
import { createEngine, type Engine } from '../engine/engine.ts';
import { isLifeboatError } from '../engine/common/errors.ts';
import { defaultDataDir } from '../engine/common/data-folder.ts';
import { createProgress } from './progress.ts';
import { logEngineEvents, logLimits, noLog, openLog, type Log } from '../engine/common/log.ts';
import { registerLogCommand } from './commands-log.ts';
import { destinationKinds } from '../destinations/registry.ts';
import { checkpointFromEnv, type CliContext, type GlobalOptions, type Io } from './shared.ts';
import { registerRestorePointCommands } from './commands-restore-points.ts';
import { registerDestinationCommands } from './commands-destinations.ts';
import { registerSettingsCommands } from './commands-settings.ts';
import { registerInspectCommands } from './commands-inspect.ts';
import { multiLine, oneLine } from './terminal-text.ts';
import { recordEngineOperations, recorded } from '../app/history.ts';
import { openAlerts, pingOnBackups } from '../app/alerts/alert-settings.ts';
import type { Alerts } from '../app/alerts/alerts.ts';
import { engineHealth } from '../app/engine-health.ts';
import { tryRunner } from '../app/runner.ts';
import { setupScheduler } from '../schedule/setup-scheduler.ts';
import { registerDaemonCommands } from './commands-daemon.ts';
import { registerAlertCommands } from './commands-alerts.ts';

/** Commands after which what health says may have changed: their end tells the alerts, when nothing else runs the schedule. */
const CHANGING = new Set(['backup', 'verify', 'push', 'prune', 'restore', 'undo', 'recover', 'reindex']);

/**
 * After a command that may have changed health, tells the problems off the machine as the app or
 * the daemon would, but only when neither runs now (they hold the runner lock and tell them
 * themselves): a machine backed up by cron and `lifeboat backup` alone gets its alerts too.
 */
async function tellProblems(engine: Engine | undefined, argv: string[], alerts: () => Promise<Alerts>): Promise<void> {
  const home = argv.indexOf('--home');
  const command = argv.find((a, i) => !a.startsWith('-') && (home < 0 || i !== home + 1));
  if (!engine || !command || !CHANGING.has(command) || engine.settings().alerts.channels.length === 0) return;
  const lock = await tryRunner(engine.dataDir, 'cli');
  if (!lock) return;
  try {
    const a = await alerts();
    await a.evaluate(await engineHealth(engine, { scheduler: setupScheduler(engine), recentJobs: engine.history.list({ limit: 100 }), undeliveredAlerts: a.undelivered() }));
  } catch {
    // alerts never change how a command ended; what could not be sent is in the log and in health
  } finally {
    await lock.release();
  }
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  let engine: Engine | undefined;
  let log: Log | undefined;
  const started = Date.now();
  const by = argv.includes('daemon') ? 'daemon' : 'cli';
  const program = new Command();
  // Every destination kind, through the registry: its storage for the engine, its set-up for `destinations add`.
  const kinds = destinationKinds({ env: io.env });
  const print = (human: string, json: unknown) => {
    const o = program.opts<GlobalOptions>();
    // Human text may carry names and values from a database or a destination: nothing in it drives the terminal.
    io.stdout.write(o.json ? `${JSON.stringify(json, null, 2)}\n` : human ? `${multiLine(human)}\n` : '');
  };
  const dataDir = () => {
    const o = program.opts<GlobalOptions>();
    return o.home ? path.resolve(o.home) : defaultDataDir(io.env);
  };
  /** The engine for the data folder; a command that opens it is logged (what ran, how it ended). */
  const open = async (): Promise<Engine> => {
    if (engine) return engine;
    const dir = dataDir();
    if (!log) {
      const secrets = [io.env.LIFEBOAT_PASSPHRASE, io.env.LIFEBOAT_SMTP_PASSWORD, ...kinds.logSecrets].filter((s): s is string => Boolean(s));
      log = await openLog(dir, { process: by, ...(await logLimits(dir)), secrets }).catch(() => noLog);
      log.info('command', { args: argv });
    }
    engine = await createEngine({ dataDir: dir, appVersion: APP_VERSION, checkpoint: checkpointFromEnv(io), storages: kinds.storages });
    logEngineEvents(engine.events, log);
    // Backups and copies land in the one history (the app's Activity, `lifeboat history`) as this program's.
    recordEngineOperations(engine, by);
    // Heartbeat channels hear of each backup this program takes; the command waits for the pings before it exits.
    if (engine.settings().alerts.channels.length) pingOnBackups(engine, await alerts(), (ping) => pings.push(ping));
    return engine;
  };
  const pings: Promise<void>[] = [];
  let opened: Alerts | undefined;
  const alerts = async (): Promise<Alerts> => (opened ??= openAlerts(await open(), { log }));
  const record: CliContext['record'] = async (spec, work, describe) => recorded((await open()).history, by, spec, work, describe);
  const progress = () => {
    const o = program.opts<GlobalOptions>();
    return createProgress(io.stderr, { quiet: Boolean(o.quiet || o.json) });
  };

  program
    .name('lifeboat')
    .description('Consistent, checksummed restore points of SQLite databases.')
    .version(APP_VERSION)
    .option('--home <dir>', 'data folder (vault, index, settings); default: the desktop app\'s, or $LIFEBOAT_HOME')
    .option('--json', 'print machine-readable JSON on stdout')
    .option('-y, --yes', 'answer yes to confirmations (required without a terminal)')
    .option('-q, --quiet', 'no progress output')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const cx: CliContext = { io, program, open, dataDir, print, progress, kinds, record, alerts };
  registerRestorePointCommands(cx);
  registerDestinationCommands(cx);
  registerSettingsCommands(cx);
  registerInspectCommands(cx);
  registerLogCommand(cx);
  registerDaemonCommands(cx);
  registerAlertCommands(cx);

  let exit = 0;
  try {
    await program.parseAsync(argv, { from: 'user' });
    log?.info('command finished', { exit, ms: Date.now() - started });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    const json = program.opts<GlobalOptions>().json;
    if (isLifeboatError(e)) {
      exit = e.code === 'usage' ? 2 : 1;
      log?.error('command failed', e, { exit, ms: Date.now() - started });
      if (json) io.stdout.write(`${JSON.stringify({ error: e.toJSON() }, null, 2)}\n`);
      io.stderr.write(`lifeboat: ${oneLine(e.oneLine)}\n`);
      return exit;
    }
    exit = 1;
    log?.error('command failed: unexpected error', e, { exit, ms: Date.now() - started });
    const message = e instanceof Error ? e.message : String(e);
    if (json) io.stdout.write(`${JSON.stringify({ error: { code: 'internal', message, hint: '' } }, null, 2)}\n`);
    io.stderr.write(`lifeboat: unexpected error: ${oneLine(message)}. Nothing was listed that is incomplete; the details are in the log (\`lifeboat log\`); please report this\n`);
    if (io.env.LIFEBOAT_DEBUG) io.stderr.write(`${(e as Error).stack}\n`);
    return exit;
  } finally {
    await tellProblems(engine, argv, alerts);
    await Promise.allSettled(pings);
    engine?.close();
    await log?.close();
  }
}

