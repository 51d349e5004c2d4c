// Jobs: every unit of work the app runs (backup, restore, verify, upload, prune) goes through here,
// so the dashboard, the tray and the activity list all see the same thing: what runs, how far it is,
// how it ended, and a way to cancel it. Finished jobs are recorded in the one history (history.ts).
import { randomBytes } from 'node:crypto';
import type { JobKind, JobProgress, JobView, RunBy, Trigger } from '../../shared/model.ts';
import { LifeboatError, isLifeboatError } from '../engine/common/errors.ts';

/** Where finished jobs are remembered (newest first). */
export interface ActivityLog {
  read(): JobView[];
  append(job: JobView): Promise<void>;
}

export interface JobSpec {
  kind: JobKind;
  title: string;
  sourceId?: string;
  restorePointId?: string;
  trigger?: Trigger;
  /** Kept in the activity list once finished (default). A look or a comparison changes nothing and is not. */
  log?: boolean;
}

export interface JobControl {
  /** Aborted when the person cancels the job. */
  signal: AbortSignal;
  progress(p: JobProgress): void;
}

export interface JobsDeps {
  now: () => Date;
  /** The program running these jobs, named on each (the history holds every program's). */
  by?: RunBy;
  log: ActivityLog;
  /** Called when a job starts, makes progress (at most every `progressEveryMs`) and ends. */
  onChange: (job: JobView, change: 'started' | 'progress' | 'finished') => void;
  /** Called with the error itself (cause and stack) when a job fails, for the log. */
  onError?: (job: JobView, error: unknown) => void;
  progressEveryMs?: number;
}

/** Percent and remaining time of the current phase, from how fast it has gone so far. */
export function estimate(p: JobProgress, phaseStartedMs: number, nowMs: number): { percent?: number; etaSeconds?: number } {
  if (p.total <= 0) return {};
  const fraction = Math.min(1, p.done / p.total);
  const elapsed = (nowMs - phaseStartedMs) / 1000;
  // Rounded up: a phase that is not done never has "0 s" left (it read "about 0 s left" at 79%).
  return { percent: Math.round(fraction * 100), etaSeconds: fraction > 0.02 && fraction < 1 && elapsed > 0.5 ? Math.ceil((elapsed / fraction) * (1 - fraction)) : undefined };
}

/** The job runner; one per app. */
export function createJobs(deps: JobsDeps) {
  const every = deps.progressEveryMs ?? 150;
  const running = new Map<string, { view: JobView; abort: AbortController }>();

  return {
    /**
     * Runs `work` as a job: reports it started, passes on its progress, records how it ended, and
     * returns (or throws) what `work` did. A cancelled job throws a `cancelled` LifeboatError; one
     * whose `describe` says `failed` returns its result and is recorded as failed.
     */
    async run<T>(spec: JobSpec, work: (ctl: JobControl) => Promise<T>, describe: (result: T) => { message: string; restorePointId?: string; hint?: string; failed?: boolean }): Promise<T> {
      const id = `${deps.now().getTime().toString(36)}-${randomBytes(3).toString('hex')}`;
      const abort = new AbortController();
      const { log = true, ...shown } = spec;
      const view: JobView = { ...shown, id, startedAt: deps.now().toISOString(), ...(deps.by ? { by: deps.by } : {}) };
      running.set(id, { view, abort });
      deps.onChange({ ...view }, 'started');
      let phase: string | undefined;
      let phaseStarted = 0;
      let lastSent = 0;
      const progress = (p: JobProgress) => {
        const nowMs = deps.now().getTime();
        if (p.phase !== phase) {
          phase = p.phase;
          phaseStarted = nowMs;
        }
        view.progress = { ...p, ...estimate(p, phaseStarted, nowMs) };
        if (nowMs - lastSent >= every || p.done >= p.total) {
          lastSent = nowMs;
          deps.onChange({ ...view }, 'progress');
        }
      };
      const finish = async (outcome: NonNullable<JobView['outcome']>, message: string, extra: Partial<JobView> = {}) => {
        running.delete(id);
        const done: JobView = { ...view, ...extra, outcome, message, finishedAt: deps.now().toISOString(), progress: undefined };
        if (log) await deps.log.append(done).catch(() => undefined); // the activity log never fails a job
        deps.onChange(done, 'finished');
      };
      try {
        const result = await work({ signal: abort.signal, progress });
        const d = describe(result);
        // Work that ran to its end but found a problem (a verification that failed) ends FAILED, not done.
        await finish(d.failed ? 'failed' : 'ok', d.message, { ...(d.restorePointId ? { restorePointId: d.restorePointId } : {}), ...(d.hint ? { hint: d.hint } : {}) });
        return result;
      } catch (e) {
        if (abort.signal.aborted) {
          await finish('cancelled', 'Cancelled; nothing was changed');
          throw new LifeboatError('cancelled', `${spec.title} was cancelled`, 'Nothing was changed', { cause: e });
        }
        const err = isLifeboatError(e) ? e : new LifeboatError('internal', 'Something went wrong inside Lifeboat', 'The details are in the log (Settings → Open the log)', { cause: e });
        deps.onError?.({ ...view }, e);
        await finish('failed', err.message, { hint: err.hint });
        throw err;
      }
    },
    /** Asks a running job to stop; false when there is no such job (it may have just finished). */
    cancel(id: string): boolean {
      const job = running.get(id);
      job?.abort.abort();
      return job !== undefined;
    },
    /** Jobs running now, oldest first. */
    running: (): JobView[] => [...running.values()].map((j) => ({ ...j.view })),
    /** Finished jobs, newest first. */
    recent: (limit = 50): JobView[] => deps.log.read().slice(0, limit),
  };
}

export type Jobs = ReturnType<typeof createJobs>;
