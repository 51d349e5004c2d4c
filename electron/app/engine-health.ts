// Health from an engine: gathers what `judgeHealth` needs (the vault's status, the schedule, the
// verifications, the last backups) so the desktop app and `lifeboat status` judge alike.
import type { Health, JobView, Manifest, Replica, Schedule } from '../../shared/model.ts';
import type { Engine, VaultStatus } from '../engine/engine.ts';
import { restorePointTime } from '../engine/vault/manifest.ts';
import { nextRuns } from '../schedule/schedule.ts';
import type { SourceScheduleStatus } from '../schedule/scheduler.ts';
import { judgeHealth } from './health.ts';

export interface HealthSources {
  scheduler: { status(): SourceScheduleStatus[]; isPaused(): boolean };
  /** Finished jobs, newest first (the activity list): the last backup of each source, however started. */
  recentJobs?: JobView[];
  retentionProblem?: string;
  verificationProblem?: string;
  /** Alerts that could not be sent (alerts/alert-state.ts). */
  undeliveredAlerts?: { channel: string; error: string }[];
}

/** Whether nothing starts the schedule when the computer starts: the app does not start at login and no daemon service is installed. */
export function nothingStartsSchedule(engine: Engine): boolean {
  const s = engine.settings();
  return !s.app.openAtLogin && !s.daemonService;
}

/** How long a schedule leaves between runs: the longest gap among its next runs (a weekdays-only cron: the weekend), or undefined when off. */
export function scheduleIntervalMs(schedule: Schedule, now: Date, timeZone?: string): number | undefined {
  if (schedule.kind === 'off') return undefined;
  try {
    const runs = nextRuns(schedule, now, 8, timeZone).map((d) => d.getTime());
    const gaps = runs.slice(1).map((t, i) => t - (runs[i] as number));
    return gaps.length ? Math.max(...gaps) : undefined;
  } catch {
    return undefined; // a schedule that cannot be read is reported by the scheduler itself
  }
}

/**
 * Since when a destination has lacked copies it should hold, or undefined when it lacks none or is
 * still receiving its first ones: the later of the oldest waiting restore point's time and the
 * destination's last good copy (a weekly backup's copy waiting a minute is not a week behind). A
 * destination that never received a copy counts only once a copy to it has failed (one added
 * with a year of history is not a year behind while that history is being copied).
 */
export function behindSince(replicas: (Replica & { nextAttemptAt?: string })[], points: Map<string, Manifest>): string | undefined {
  const waiting = replicas.filter((r) => r.status !== 'completed' && points.has(r.restorePointId));
  if (waiting.length === 0) return undefined;
  const lastCopy = replicas.filter((r) => r.status === 'completed' && r.finishedAt).map((r) => r.finishedAt as string).sort().at(-1);
  if (!lastCopy && !waiting.some((r) => r.status === 'failed' || r.attempts > 0)) return undefined;
  const oldest = waiting.map((r) => restorePointTime(points.get(r.restorePointId) as Manifest)).sort()[0] as string;
  return lastCopy && Date.parse(lastCopy) > Date.parse(oldest) ? lastCopy : oldest;
}

/** The last finished backup of each source in `jobs` (newest first), cancelled ones left out. */
export function lastBackups(jobs: JobView[]): { sourceId: string; ok: boolean; at: string; error?: string; trigger?: string }[] {
  const seen = new Map<string, { sourceId: string; ok: boolean; at: string; error?: string; trigger?: string }>();
  for (const j of jobs) {
    if (j.kind !== 'backup' || !j.sourceId || !j.finishedAt || j.outcome === 'cancelled' || seen.has(j.sourceId)) continue;
    seen.set(j.sourceId, { sourceId: j.sourceId, ok: j.outcome === 'ok', at: j.finishedAt, error: j.outcome === 'ok' ? undefined : j.message, trigger: j.trigger });
  }
  return [...seen.values()];
}

/** Judges the health of everything `engine` protects (from `status` when the caller already read it). */
export async function engineHealth(engine: Engine, from: HealthSources, status?: VaultStatus): Promise<Health> {
  const s = status ?? (await engine.status());
  const verifications = engine.verifications();
  const runs = from.scheduler.status();
  const now = engine.now();
  const timeZone = engine.settings().timeZone;
  const points = new Map(engine.list().map((m) => [m.id, m]));
  const replicas = engine.replicas();
  return judgeHealth({
    now,
    vaultProblem: s.vaultProblem,
    sources: s.sources.map((x) => {
      const failed = engine.list({ sourceId: x.source.id }).filter((m) => verifications.get(m.id)?.status === 'failed');
      const good = engine.list({ sourceId: x.source.id }).find((m) => m.trigger !== 'safety' && m.integrity.status === 'ok' && verifications.get(m.id)?.status !== 'failed');
      return { ...x, failedVerifications: failed.length, newestFailedVerification: x.newest !== undefined && failed.some((m) => m.id === x.newest?.id), ...(good ? { lastGoodAt: restorePointTime(good) } : {}) };
    }),
    freeBytes: s.freeBytes,
    lowSpaceBytes: engine.settings().lowSpaceWarningBytes,
    schedule: runs.map((r) => ({ sourceId: r.sourceId, scheduled: r.schedule.kind !== 'off', lastOk: r.lastOk, lastError: r.lastError, lastRunAt: r.lastRunAt, intervalMs: scheduleIntervalMs(r.schedule, now, timeZone) })),
    lastBackups: from.recentJobs ? lastBackups(from.recentJobs) : undefined,
    schedulePaused: from.scheduler.isPaused(),
    destinations: engine.destinations.status().map((d) => ({ ...d, behindSince: behindSince(replicas.filter((r) => r.destinationId === d.destination.id), points) })),
    sameDisk: s.sameDisk,
    retentionProblem: from.retentionProblem,
    verificationProblem: from.verificationProblem,
    undeliveredAlerts: from.undeliveredAlerts,
    nothingStartsSchedule: nothingStartsSchedule(engine),
  });
}
