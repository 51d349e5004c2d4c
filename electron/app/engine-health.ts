// Health from an engine: gathers what `judgeHealth` needs (the vault's status, the schedule, the
// verifications, the last backups) so the desktop app and `lifeboat status` judge alike.
import type { Health, JobView } from '../../shared/model.ts';
import type { Engine, VaultStatus } from '../engine/engine.ts';
import type { SourceScheduleStatus } from '../schedule/scheduler.ts';
import { judgeHealth } from './health.ts';

export interface HealthSources {
  scheduler: { status(): SourceScheduleStatus[]; isPaused(): boolean };
  /** Finished jobs, newest first (the activity list): the last backup of each source, however started. */
  recentJobs?: JobView[];
  retentionProblem?: string;
  verificationProblem?: string;
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
  return judgeHealth({
    now: engine.now(),
    vaultProblem: s.vaultProblem,
    sources: s.sources.map((x) => {
      const failed = engine.list({ sourceId: x.source.id }).filter((m) => verifications.get(m.id)?.status === 'failed');
      return { ...x, failedVerifications: failed.length, newestFailedVerification: x.newest !== undefined && failed.some((m) => m.id === x.newest?.id) };
    }),
    freeBytes: s.freeBytes,
    lowSpaceBytes: engine.settings().lowSpaceWarningBytes,
    schedule: runs.map((r) => ({ sourceId: r.sourceId, scheduled: r.schedule.kind !== 'off', lastOk: r.lastOk, lastError: r.lastError, lastRunAt: r.lastRunAt })),
    lastBackups: from.recentJobs ? lastBackups(from.recentJobs) : undefined,
    schedulePaused: from.scheduler.isPaused(),
    destinations: engine.destinations.status(),
    sameDisk: s.sameDisk,
    retentionProblem: from.retentionProblem,
    verificationProblem: from.verificationProblem,
  });
}
