// Health: one judgement of "is everything protected?", made in one place from what the engine,
// the scheduler and the destinations know. The dashboard, the tray icon, the notifications and
// `lifeboat status` all show this same answer, so they never disagree. "Protected" is said only
// when it is true: every database has a recent good restore point taken on a schedule, a copy off
// its disk, and nothing failing.
import type { Destination, Health, HealthReason, Manifest, Source } from '../../shared/model.ts';
import { NEW_SOURCE_SCHEDULE } from '../engine/engine.ts';
import { restorePointTime } from '../engine/vault/manifest.ts';

export interface HealthInput {
  now: Date;
  /** Why the vault cannot be used (its disk not connected), if so. */
  vaultProblem?: string;
  sources: {
    source: Source;
    missing: boolean;
    newest?: Manifest;
    /** Some copy is off the database's disk (the vault, a folder on another disk, Google Drive). */
    offDisk?: boolean;
    /** Restore points of this source whose last verification failed. */
    failedVerifications?: number;
    /** The newest restore point is one of them. */
    newestFailedVerification?: boolean;
    /** When its newest good restore point (not a safety copy) was taken, by Lifeboat's clock. */
    lastGoodAt?: string;
  }[];
  freeBytes?: number;
  /** Below this much free space on the vault's disk, warn (settings; 1 GiB by default). */
  lowSpaceBytes?: number;
  /** Per source, from the scheduler; `intervalMs` is the longest gap between its scheduled runs. */
  schedule: { sourceId: string; scheduled: boolean; lastOk?: boolean; lastError?: string; lastRunAt?: string; intervalMs?: number }[];
  /** The last backup of each source however it was started (Back Up Now, the tray, the schedule), from the activity list. */
  lastBackups?: { sourceId: string; ok: boolean; at: string; error?: string; trigger?: string }[];
  schedulePaused: boolean;
  /** `behindSince`: since when the copies it lacks have waited (engine-health.ts's `behindSince`). */
  destinations: { destination: Destination; failed: number; lastError?: string; behindSince?: string }[];
  /** Enabled folder destinations on the same disk as some databases. */
  sameDisk?: { destinationId: string; sourceIds: string[] }[];
  /** Why the last automatic retention could not run, if it failed. */
  retentionProblem?: string;
  /** Why the last scheduled verification could not run, if it failed. */
  verificationProblem?: string;
  /** Alerts that could not be sent (a channel's name and why), from the alerts' state. */
  undeliveredAlerts?: { channel: string; error: string }[];
  /** Neither the app (at login) nor the daemon's OS service starts the schedule when the computer starts. */
  nothingStartsSchedule?: boolean;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** A destination whose missing copies wait longer than this is behind (a day of work not off this machine). */
export const BEHIND_AFTER_MS = DAY;

/** A span of time in words: "3 hours", "2 days", "45 minutes". */
export function spanInWords(ms: number): string {
  const unit = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  if (ms >= 2 * DAY) return unit(Math.floor(ms / DAY), 'day');
  if (ms >= 2 * HOUR) return unit(Math.floor(ms / HOUR), 'hour');
  return unit(Math.max(1, Math.floor(ms / 60_000)), 'minute');
}

/** How often a schedule runs, in words: "every hour", "every day", "every 6 hours". */
function everyInWords(ms: number): string {
  if (ms === HOUR) return 'every hour';
  if (ms >= 23 * HOUR && ms <= 25 * HOUR) return 'every day';
  if (ms >= 7 * DAY - HOUR && ms <= 7 * DAY + HOUR) return 'every week';
  return `every ${spanInWords(ms)}`;
}

/**
 * Backups have stopped: a scheduled database with no good restore point for longer than twice its
 * schedule's interval (counted from when it was added when it has none). Not while paused.
 */
function overdueReason(input: HealthInput, source: Source, lastGoodAt: string | undefined): HealthReason | undefined {
  const run = input.schedule.find((s) => s.sourceId === source.id);
  if (!run?.scheduled || !run.intervalMs || input.schedulePaused) return undefined;
  const age = input.now.getTime() - Date.parse(lastGoodAt ?? source.addedAt);
  if (!(age > 2 * run.intervalMs)) return undefined;
  return {
    level: 'error',
    topic: 'overdue',
    sourceId: source.id,
    text: `${source.name} has had no good backup for ${spanInWords(age)}, though its schedule runs ${everyInWords(run.intervalMs)}.`,
    action: 'Check that something runs the schedule (the app, or `lifeboat daemon`) and what the last backup said (Activity, `lifeboat history`).',
    fix: { kind: 'back-up', sourceId: source.id },
  };
}

/** A destination over a day behind: the copies it lacks have waited since `behindSince`. */
function behindReason(input: HealthInput, d: HealthInput['destinations'][number]): HealthReason | undefined {
  if (!d.destination.enabled || !d.behindSince) return undefined;
  const behind = input.now.getTime() - Date.parse(d.behindSince);
  if (!(behind > BEHIND_AFTER_MS)) return undefined;
  return {
    level: 'error',
    topic: 'destination-behind',
    destinationId: d.destination.id,
    text: `${d.destination.name} is ${spanInWords(behind)} behind: restore points wait to be copied there.`,
    action: 'Check that it is connected and reachable (Destinations); Lifeboat copies what waits as soon as it is.',
    fix: { kind: 'show-destinations' },
  };
}
/** A restore point older than this is stale (a week without one is a week of work at risk). */
export const STALE_AFTER_DAYS = 7;
/** Below this much free space in the vault's disk the next backups may not fit (the default of the setting). */
export const LOW_SPACE_BYTES = 1024 ** 3;

/** Judges health; every reason says what to do. Errors outrank warnings. */
export function judgeHealth(input: HealthInput): Health {
  const reasons: HealthReason[] = [];
  const add = (r: HealthReason) => reasons.push(r);
  const sourceName = (id: string) => input.sources.find((s) => s.source.id === id)?.source.name ?? id;
  if (input.vaultProblem) add({ level: 'error', text: input.vaultProblem, action: 'Connect the disk the vault is on (Lifeboat never starts an empty vault in its place), or set another vault.', fix: { kind: 'show-settings' } });
  if (input.sources.length === 0) add({ level: 'warning', text: 'No database is protected yet.', action: 'Add one with "Add a database…".', fix: { kind: 'add-database' } });
  for (const { source, missing, newest, offDisk, failedVerifications = 0, newestFailedVerification, lastGoodAt } of input.sources) {
    const name = source.name;
    if (missing) add({ level: 'error', sourceId: source.id, text: `${name} is missing from ${source.path}.`, action: 'Connect the disk it is on, or restore it from a restore point.', fix: { kind: 'show-restore-points' } });
    const run = input.schedule.find((s) => s.sourceId === source.id);
    if (run && !run.scheduled) add({ level: 'warning', sourceId: source.id, text: `${name} has no schedule: it is backed up only when you click Back Up Now.`, action: 'Give it a schedule (Databases).', fix: { kind: 'set-schedule', sourceId: source.id, schedule: NEW_SOURCE_SCHEDULE } });
    // The latest attempt wins, whoever started it: a failed Back Up Now is a problem until a backup succeeds.
    const attempts = [
      ...(run?.lastOk !== undefined ? [{ ok: run.lastOk, at: run.lastRunAt ?? '', error: run.lastError, trigger: 'scheduled' }] : []),
      ...(input.lastBackups ?? []).filter((b) => b.sourceId === source.id),
    ].sort((a, b) => b.at.localeCompare(a.at));
    const last = attempts[0];
    const lastFailed = () => {
      if (last && !last.ok) add({ level: 'error', topic: 'backup-failed', sourceId: source.id, text: `The last ${last.trigger === 'scheduled' ? 'scheduled ' : ''}backup of ${name} failed: ${last.error ?? 'unknown error'}.`, action: 'Fix what it says, then click Back Up Now.', fix: { kind: 'back-up', sourceId: source.id } });
    };
    if (!newest) {
      lastFailed();
      add(overdueReason(input, source, undefined) ?? { level: 'warning', sourceId: source.id, text: `${name} has no restore point yet.`, action: 'Click Back Up Now.', fix: { kind: 'back-up', sourceId: source.id } });
      continue;
    }
    if (newest.integrity.status !== 'ok') add({ level: 'error', sourceId: source.id, text: `${name}: the last copy failed its integrity check.`, action: 'Restore an earlier restore point, or repair the database.', fix: { kind: 'show-restore-points' } });
    lastFailed();
    if (newestFailedVerification) {
      add({ level: 'error', topic: 'damaged', sourceId: source.id, text: `${name}: the newest restore point failed verification (it was changed or damaged in the vault).`, action: 'Click Back Up Now for a new one, and check the vault\'s disk.', fix: { kind: 'back-up', sourceId: source.id } });
    } else if (failedVerifications > 0) {
      add({ level: 'warning', topic: 'damaged', sourceId: source.id, text: `${name}: ${failedVerifications} restore point${failedVerifications === 1 ? '' : 's'} failed verification and cannot be trusted.`, action: 'Do not restore from them (Restore points shows which); check the vault\'s disk.', fix: { kind: 'show-restore-points' } });
    }
    // Lifeboat's own time for it: one pulled from a destination cannot date itself into the future.
    const ageDays = (input.now.getTime() - Date.parse(restorePointTime(newest))) / DAY;
    const overdue = overdueReason(input, source, lastGoodAt);
    if (overdue) add(overdue);
    else if (ageDays >= STALE_AFTER_DAYS) {
      add({ level: 'warning', sourceId: source.id, text: `${name} has not been backed up for ${Math.floor(ageDays)} days.`, action: 'Click Back Up Now, or give it a schedule.', fix: { kind: 'back-up', sourceId: source.id } });
    }
    if (offDisk === false && !missing) {
      add({ level: 'warning', sourceId: source.id, text: `Every copy of ${name} is on the same disk as the database.`, action: 'Add a folder on another disk or a NAS, or Google Drive (Destinations): a failing disk would take the copies with it.', fix: { kind: 'add-copy' } });
    }
  }
  if (input.schedulePaused && input.schedule.some((s) => s.scheduled)) add({ level: 'warning', text: 'Scheduled backups are paused.', action: 'Resume them from the tray menu or the Overview.', fix: { kind: 'resume-schedule' } });
  const lowSpace = input.lowSpaceBytes ?? LOW_SPACE_BYTES;
  if (input.freeBytes !== undefined && input.freeBytes < lowSpace && input.sources.length > 0) {
    add({ level: 'warning', text: `The vault's disk is almost full (${Math.round(input.freeBytes / 1024 ** 2)} MB free).`, action: 'Free some space, or keep fewer restore points (Retention).' });
  }
  for (const d of input.destinations) {
    const behind = behindReason(input, d);
    if (behind) add(behind);
    if (!d.destination.enabled || d.failed === 0) continue;
    // A destination that lost its access says so as "Reconnect <it>: …" (its copies wait, not retried on a timer).
    if (d.lastError?.startsWith('Reconnect ')) {
      add({ level: 'error', topic: 'copies-failed', destinationId: d.destination.id, text: `${d.destination.name} needs reconnecting: copies are waiting.`, action: 'Open Destinations and click Reconnect.', fix: { kind: 'reconnect', destinationId: d.destination.id } });
    } else {
      add({ level: 'warning', topic: 'copies-failed', destinationId: d.destination.id, text: `${d.failed} cop${d.failed === 1 ? 'y' : 'ies'} to ${d.destination.name} failed${d.lastError ? `: ${d.lastError}` : ''}.`, action: 'Lifeboat retries on its own; check the destination if this stays.', fix: { kind: 'show-destinations' } });
    }
  }
  for (const same of input.sameDisk ?? []) {
    const d = input.destinations.find((x) => x.destination.id === same.destinationId)?.destination;
    if (!d) continue;
    add({ level: 'warning', destinationId: d.id, text: `${d.name} is on the same disk as ${same.sourceIds.map(sourceName).join(', ')}: it is not a copy off this disk.`, action: 'Choose a folder on an external disk or a NAS, or use Google Drive (Destinations).', fix: { kind: 'add-copy' } });
  }
  if (input.retentionProblem) add({ level: 'warning', text: `Old restore points could not be removed: ${input.retentionProblem}.`, action: 'Fix what it says; the vault grows until then.' });
  if (input.verificationProblem) add({ level: 'warning', text: `The scheduled check of the restore points could not run: ${input.verificationProblem}.`, action: 'Fix what it says; Lifeboat tries again later.' });
  if (input.nothingStartsSchedule && input.schedule.some((s) => s.scheduled)) {
    add({ level: 'warning', text: 'Nothing starts the scheduled backups when this computer restarts.', action: 'Turn on "Start Lifeboat when I log in" (Settings), or run `lifeboat daemon install`.', fix: { kind: 'show-settings' } });
  }
  for (const u of input.undeliveredAlerts ?? []) {
    add({ level: 'warning', topic: 'alerts-undelivered', text: `Alerts could not be sent by ${u.channel}: ${u.error}.`, action: 'Check the alert settings and send a test (Settings → Alerts, or `lifeboat alerts test`); until then problems show only here, in the tray and in the log.', fix: { kind: 'show-settings' } });
  }
  reasons.sort((a, b) => (a.level === b.level ? 0 : a.level === 'error' ? -1 : 1));
  const level = reasons.some((r) => r.level === 'error') ? 'error' : reasons.length ? 'warning' : 'healthy';
  const summary = level === 'healthy' ? 'Everything is protected' : level === 'warning' ? 'Needs attention' : 'Problem';
  return { level, summary, reasons };
}
