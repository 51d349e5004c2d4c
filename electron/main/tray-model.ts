// What the tray shows, as plain data: which icon, the tooltip, the menu, and which notifications
// to raise. Pure functions of the app's state, so they are tested without Electron; tray.ts and
// notifications in index.ts only hand the result to Electron.
import type { AppSettings, Health, JobView } from '../../shared/model.ts';

export type TrayState = 'idle' | 'running' | 'warning' | 'error';

export interface TrayInput {
  now: Date;
  health?: Health;
  running: JobView[];
  /** The last finished backup, from the activity log. */
  lastBackup?: JobView;
  /** The soonest next scheduled run over all sources. */
  nextRunAt?: string;
  paused: boolean;
  hasSources: boolean;
  /** The last scheduled verification, if one ran. */
  lastCheck?: { at: string; failed: number; copiesFailed: number; checked: number; copiesChecked: number; error?: string };
}

export type TrayAction = 'backup' | 'open' | 'pause' | 'resume' | 'quit';
export type TrayMenuItem = { type: 'separator' } | { type: 'item'; label: string; action?: TrayAction; enabled: boolean };

/** A time as a person reads it: "14:02" today, "tomorrow 02:30", else the date. */
export function humanTime(iso: string, now: Date, locale?: string): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  const day = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const diff = Math.round((day(at) - day(now)) / 86_400_000);
  if (diff === 0) return `today ${time}`;
  if (diff === 1) return `tomorrow ${time}`;
  if (diff === -1) return `yesterday ${time}`;
  return `${at.toLocaleDateString(locale, { day: 'numeric', month: 'short' })} ${time}`;
}

/** The icon state: a running job wins, then health. */
export function trayState(input: TrayInput): TrayState {
  if (input.running.length > 0) return 'running';
  if (!input.health || input.health.level === 'healthy') return 'idle';
  return input.health.level;
}

/** The icon file in resources/ for a state: on macOS a template image for the calm states. */
export const trayIconFile = (state: TrayState, platform: NodeJS.Platform = 'linux'): string =>
  platform === 'darwin' && (state === 'idle' || state === 'running') ? `tray-${state}Template.png` : `tray-${state}.png`;

function lastBackupLine(input: TrayInput): string {
  const b = input.lastBackup;
  if (!b?.finishedAt) return 'No backup yet';
  const when = humanTime(b.finishedAt, input.now);
  return b.outcome === 'ok' ? `Last backup: ${when}` : b.outcome === 'cancelled' ? `Last backup cancelled ${when}` : `Last backup FAILED ${when}`;
}

/** The last scheduled verification in a few words, if one ran. */
function lastCheckLine(input: TrayInput): string | undefined {
  const c = input.lastCheck;
  if (!c) return undefined;
  const when = humanTime(c.at, input.now);
  if (c.error) return `Last check could not run ${when}`;
  const bad = c.failed + c.copiesFailed;
  return bad ? `Last check FOUND ${bad} DAMAGED ${when}` : `Last check: ${when}, ${c.checked + c.copiesChecked} ok`;
}

/** The tooltip: what runs or the health, then the last and the next backup, and the last check. */
export function trayTooltip(input: TrayInput): string {
  const job = input.running[0];
  const head = job ? `${job.title}${job.progress?.percent !== undefined ? ` (${job.progress.percent}%)` : '…'}` : (input.health?.summary ?? 'Starting…');
  const next = input.paused ? 'Schedule paused' : input.nextRunAt ? `Next backup: ${humanTime(input.nextRunAt, input.now)}` : 'No backup scheduled';
  return [`Lifeboat: ${head}`, lastBackupLine(input), next, lastCheckLine(input)].filter(Boolean).join('\n');
}

/** The tray menu: Back Up Now, Open Lifeboat, Pause/Resume schedule, the last result, Quit. */
export function trayMenu(input: TrayInput): TrayMenuItem[] {
  const busy = input.running.some((j) => j.kind === 'backup' || j.kind === 'restore' || j.kind === 'undo' || j.kind === 'recover');
  return [
    { type: 'item', label: busy ? 'Backing up…' : 'Back Up Now', action: 'backup', enabled: input.hasSources && !busy },
    { type: 'item', label: 'Open Lifeboat', action: 'open', enabled: true },
    { type: 'separator' },
    input.paused ? { type: 'item', label: 'Resume Schedule', action: 'resume', enabled: true } : { type: 'item', label: 'Pause Schedule', action: 'pause', enabled: input.hasSources },
    { type: 'item', label: lastBackupLine(input), enabled: false },
    ...(lastCheckLine(input) ? [{ type: 'item' as const, label: lastCheckLine(input) as string, enabled: false }] : []),
    { type: 'separator' },
    { type: 'item', label: 'Quit Lifeboat', action: 'quit', enabled: true },
  ];
}

export interface NotificationSpec {
  title: string;
  body: string;
}

/**
 * The notification for a finished job. A failed backup is told once, when its database starts
 * failing (retries and later scheduled runs that fail the same way stay quiet), and the first
 * success after that says it works again; other good backups only when asked; never a cancelled one.
 * `failing` is the set of databases whose last backup failed; this updates it.
 */
export function jobNotification(job: JobView, app: AppSettings, failing: Set<string>): NotificationSpec | undefined {
  // A scheduled verification that found damage is told; a clean one only when asked.
  if (job.kind === 'verify' && job.trigger === 'scheduled') {
    if (job.outcome === 'failed') return { title: 'Damaged restore points found', body: [job.message, job.hint].filter(Boolean).join('. ') };
    return job.outcome === 'ok' && app.notifyOnSuccess ? { title: 'Restore points checked', body: job.message ?? 'All good' } : undefined;
  }
  if (job.kind !== 'backup' || job.outcome === 'cancelled' || !job.sourceId) return undefined;
  const wasFailing = failing.has(job.sourceId);
  if (job.outcome === 'failed') {
    failing.add(job.sourceId);
    return wasFailing ? undefined : { title: 'Backup failed', body: [job.message, job.hint].filter(Boolean).join('. ') };
  }
  failing.delete(job.sourceId);
  if (wasFailing) return { title: 'Backups work again', body: job.message ?? 'Restore point taken' };
  if (app.notifyOnSuccess) return { title: 'Backup finished', body: job.message ?? 'Restore point taken' };
  return undefined;
}

/** A notification when health newly says a destination (Google Drive) needs reconnecting (once, not on every check). */
export function healthNotification(previous: Health | undefined, next: Health): NotificationSpec | undefined {
  const reconnect = (h: Health | undefined) => h?.reasons.filter((r) => r.text.includes('needs reconnecting')).map((r) => r.text) ?? [];
  const fresh = reconnect(next).filter((t) => !reconnect(previous).includes(t));
  if (fresh.length === 0) return undefined;
  const name = fresh[0]?.split(' needs reconnecting')[0] ?? 'a destination';
  return { title: `Reconnect ${name}`, body: `${fresh[0]} Open Lifeboat, Destinations, and click Reconnect.` };
}
