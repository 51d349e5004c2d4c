// The one history of operations, whoever ran them: the app's jobs, the command line's commands and
// the daemon's scheduled runs are all recorded in the catalog (engine.history), each saying who ran
// it. The app's Activity and `lifeboat history` read the same list.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { formatBytes } from '../../shared/bytes.ts';
import type { JobView, Manifest, RunBy, Trigger } from '../../shared/model.ts';
import type { Engine, HistoryApi } from '../engine/engine.ts';
import { isLifeboatError } from '../engine/common/errors.ts';
import type { ActivityLog, JobSpec } from './jobs.ts';

/** An ActivityLog over the catalog's history: what `by` finishes is recorded there, and every program's operations are read back. */
export function historyActivityLog(history: HistoryApi, by: RunBy): ActivityLog {
  return {
    read: () => history.list({ limit: 200 }),
    append: async (job) => history.record({ ...job, by: job.by ?? by }),
  };
}

/**
 * Moves the activity list an older version of the app kept (activity.json) into the history, once:
 * its entries are recorded as the app's, then the file is removed. A file that cannot be read is left.
 */
export function importLegacyActivity(history: HistoryApi, file: string): number {
  let jobs: JobView[];
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    jobs = Array.isArray(parsed) ? (parsed as JobView[]) : [];
  } catch {
    return 0;
  }
  const known = new Set(history.list({ limit: 1000 }).map((j) => j.id));
  const fresh = jobs.filter((j) => j && typeof j.id === 'string' && typeof j.startedAt === 'string' && !known.has(j.id)).reverse();
  for (const job of fresh) history.record({ ...job, by: job.by ?? 'app' });
  rmSync(file, { force: true });
  return fresh.length;
}

/** How a finished operation is described: its message, and whether it found a problem although it ran to its end. */
export type Outcome = { message: string; restorePointId?: string; hint?: string; failed?: boolean };

/**
 * Runs `work` as one operation of the command line or the daemon and records how it ended in the
 * history (ok, failed with the error's message and hint, or cancelled). Returns or throws exactly
 * what `work` does: recording never changes the command's own result, and a history that cannot be
 * written never fails it.
 */
export async function recorded<T>(history: HistoryApi, by: RunBy, spec: JobSpec, work: () => Promise<T>, describe: (result: T) => Outcome, now: () => Date = () => new Date()): Promise<T> {
  const { log: _log, ...shown } = spec;
  const started = now();
  const base: JobView = { ...shown, by, id: `${started.getTime().toString(36)}-${randomBytes(3).toString('hex')}`, startedAt: started.toISOString() };
  const record = (job: Partial<JobView>) => {
    try {
      history.record({ ...base, ...job, finishedAt: now().toISOString() });
    } catch {
      // the history is a record of what happened, never a reason for it to fail
    }
  };
  try {
    const result = await work();
    const d = describe(result);
    record({ outcome: d.failed ? 'failed' : 'ok', message: d.message, ...(d.restorePointId ? { restorePointId: d.restorePointId } : {}), ...(d.hint ? { hint: d.hint } : {}) });
    return result;
  } catch (e) {
    if (isLifeboatError(e) && e.code === 'cancelled') record({ outcome: 'cancelled', message: 'Cancelled; nothing was changed' });
    else record({ outcome: 'failed', message: isLifeboatError(e) ? e.message : e instanceof Error ? e.message : String(e), ...(isLifeboatError(e) && e.hint ? { hint: e.hint } : {}) });
    throw e;
  }
}

/** How a finished backup reads in the history (the app's jobs and the other programs' records alike). */
export function backupOutcome(m: Manifest): Outcome {
  return {
    message: m.integrity.status === 'ok' ? `Restore point taken and checked (${formatBytes(m.artifact.bytes)})` : 'The copy was taken but fails its integrity check: the database itself may be damaged',
    restorePointId: m.id,
  };
}

/**
 * Records, in the history, the backups and copies the engine makes in a program that runs no jobs
 * (the command line, the daemon): each backup (not the safety copy a restore takes, which is part of
 * that restore) and each copy to a destination, as the app's jobs would. Returns the unsubscriber.
 */
export function recordEngineOperations(engine: Engine, by: RunBy): () => void {
  const started = new Map<string, { at: string; trigger: Trigger }>();
  const sourceName = (id: string) => engine.sources.list().find((s) => s.id === id)?.name ?? id;
  const record = (job: Omit<JobView, 'id' | 'by' | 'finishedAt'>) => {
    const finishedAt = engine.now();
    try {
      engine.history.record({ ...job, by, id: `${finishedAt.getTime().toString(36)}-${randomBytes(3).toString('hex')}`, finishedAt: finishedAt.toISOString() });
    } catch {
      // the history never fails what it records
    }
  };
  const backup = (sourceId: string, end: Partial<JobView>) => {
    const start = started.get(sourceId);
    started.delete(sourceId);
    if (!start || start.trigger === 'safety') return;
    record({ kind: 'backup', title: `Backing up ${sourceName(sourceId)}`, sourceId, trigger: start.trigger, startedAt: start.at, ...end });
  };
  const offs = [
    engine.events.on('backup-started', ({ sourceId, trigger }) => void started.set(sourceId, { at: engine.now().toISOString(), trigger })),
    engine.events.on('backup-finished', ({ manifest: m }) => backup(m.source.id, { outcome: 'ok', ...backupOutcome(m) })),
    engine.events.on('backup-failed', ({ sourceId, error }) => backup(sourceId, { outcome: error.code === 'cancelled' ? 'cancelled' : 'failed', message: error.message, ...(error.hint ? { hint: error.hint } : {}) })),
    engine.events.on('replica-changed', ({ replica: r }) => {
      if (r.status !== 'completed' && r.status !== 'failed') return;
      const m = engine.list().find((x) => x.id === r.restorePointId);
      const destination = engine.destinations.list().find((d) => d.id === r.destinationId)?.name ?? r.destinationId;
      record({
        kind: 'upload',
        title: `Copying ${m?.source.name ?? r.restorePointId} to ${destination}`,
        ...(m ? { sourceId: m.source.id } : {}),
        restorePointId: r.restorePointId,
        startedAt: r.startedAt ?? engine.now().toISOString(),
        outcome: r.status === 'completed' ? 'ok' : 'failed',
        message: r.status === 'completed' ? `Copied (${formatBytes(r.bytes ?? m?.artifact.bytes ?? 0)})` : (r.error ?? 'The copy failed'),
        ...(r.status === 'failed' ? { hint: 'Lifeboat tries again later on its own' } : {}),
      });
    }),
  ];
  return () => offs.forEach((off) => off());
}
