// What runs the schedule, said the same way by `lifeboat status` and the app: which program runs it
// now (the runner lock's holder), what starts one when the computer starts (the app at login, the
// daemon's OS service), and when the next backup is. And the app's default: once a database has a
// schedule, the app starts at login unless the person chose otherwise.
import { existsSync } from 'node:fs';
import type { RunBy } from '../../shared/model.ts';
import type { Engine } from '../engine/engine.ts';
import { when } from '../../shared/time-words.ts';
import { describeService } from './daemon-service.ts';
import { runnerNow } from './runner.ts';

export interface ScheduleRunnerView {
  /** The program running the schedule now, if any. */
  now?: { by: RunBy; pid: number; since: string };
  /** The app starts at login (its setting; the app applies it to the system). */
  appAtLogin: boolean;
  /** The daemon's OS service, when it is installed for this data folder. */
  service?: { kind: 'systemd' | 'launchd' | 'schtasks'; name: string; file?: string };
  /** The soonest next scheduled backup. */
  next?: { sourceId: string; at: string };
  /** Some database has a schedule. */
  scheduled: boolean;
  /** All of it in a sentence. */
  text: string;
}

const PROGRAM: Record<RunBy, string> = { app: 'the Lifeboat app', daemon: 'lifeboat daemon', cli: 'a lifeboat command' };

/** What runs the schedule of `engine`'s data folder, given the scheduler's next runs. */
export async function scheduleRunner(engine: Engine, runs: { sourceId: string; nextRunAt?: string }[]): Promise<ScheduleRunnerView> {
  const settings = engine.settings();
  const service = settings.daemonService && (!settings.daemonService.file || existsSync(settings.daemonService.file)) ? settings.daemonService : undefined;
  const now = await runnerNow(engine.dataDir);
  const next = runs.filter((r) => r.nextRunAt).sort((a, b) => (a.nextRunAt as string).localeCompare(b.nextRunAt as string))[0];
  const scheduled = engine.sources.list().some((s) => s.schedule && s.schedule.kind !== 'off');
  const view = { ...(now ? { now } : {}), appAtLogin: settings.app.openAtLogin, ...(service ? { service: { kind: service.kind, name: service.name, ...(service.file ? { file: service.file } : {}) } } : {}), ...(next ? { next: { sourceId: next.sourceId, at: next.nextRunAt as string } } : {}), scheduled };
  return { ...view, text: runnerInWords(view, engine.now()) };
}

/** The view in one or two sentences. */
export function runnerInWords(v: Omit<ScheduleRunnerView, 'text'>, now: Date): string {
  if (!v.scheduled) return 'No database has a schedule.';
  const running = v.now ? `Scheduled backups are run by ${PROGRAM[v.now.by]}${v.now.pid ? ` (process ${v.now.pid})` : ''}` : 'Nothing runs the scheduled backups now';
  const starters = [...(v.appAtLogin ? ['the app, at login'] : []), ...(v.service ? [describeService(v.service)] : [])];
  const restart = starters.length ? `; after a restart: ${starters.join(' and ')}` : '; NOTHING starts them after a restart (`lifeboat daemon install`, or "Start Lifeboat when I log in" in the app)';
  const next = v.next ? ` Next backup: ${v.next.sourceId} ${when(v.next.at, { now })}.` : '';
  return `${running}${restart}.${next}`;
}

/**
 * The app's default for starting at login: on once a database has a schedule, unless the person
 * chose (in Settings) themselves. Returns true when it switched it on now (the caller tells the
 * system and says so).
 */
export function defaultOpenAtLogin(engine: Engine): boolean {
  const app = engine.settings().app;
  if (app.openAtLogin || app.openAtLoginChosen) return false;
  if (!engine.sources.list().some((s) => s.schedule && s.schedule.kind !== 'off')) return false;
  engine.updateSettings({ app: { openAtLogin: true } });
  return true;
}
