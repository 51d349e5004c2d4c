// The scheduler loop: runs each source's backups on its schedule, in plain Node with the clock and
// timers passed in (so tests drive it with a fake clock).
//
// - Missed runs: when the machine slept or was off through one or more scheduled times, exactly
//   one catch-up run happens soon after start or wake: not zero, not one per missed slot.
// - No overlap: a source that is still running is not started again.
// - Failures retry with backoff (3 attempts by default) and never stop the schedule.
// - Last run, next run and the success count persist across restarts (the state store).
// - Wake comes from Electron's powerMonitor in the app. Under plain Node the loop re-reads the wall
//   clock at least every `pollMs` (30 s; see wake-loop.ts, the loop both schedulers run).
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Schedule } from '../../shared/model.ts';
import type { Clock } from '../engine/common/clock.ts';
import { nextRun } from './schedule.ts';
import { wakeLoop } from './wake-loop.ts';

export interface SourceScheduleState {
  /** Everything scheduled up to this instant has been handled (run, or given up on). */
  handledUntil?: string;
  lastRunAt?: string;
  lastOk?: boolean;
  lastError?: string;
  /** Failed attempts for the current slot, and when the next one is due. */
  attempts: number;
  retryAt?: string;
  successes: number;
  failures: number;
}

export interface SchedulerState {
  paused: boolean;
  sources: Record<string, SourceScheduleState>;
}

export interface SchedulerStateStore {
  read(): SchedulerState;
  write(state: SchedulerState): void;
}

export interface SchedulerDeps {
  clock: Clock;
  /** The sources and their schedules, read fresh each time (settings can change). */
  schedules: () => { sourceId: string; schedule: Schedule }[];
  timeZone?: () => string | undefined;
  /** Takes a scheduled backup; rejects on failure. */
  run: (sourceId: string) => Promise<void>;
  state: SchedulerStateStore;
  /** Delays before the 2nd, 3rd… attempt after a failure; its length + 1 is the number of attempts. */
  retryDelaysMs?: number[];
  /** The longest the loop sleeps before looking at the wall clock again. */
  pollMs?: number;
  onChange?: () => void;
}

export interface SourceScheduleStatus {
  sourceId: string;
  schedule: Schedule;
  nextRunAt?: string;
  lastRunAt?: string;
  lastOk?: boolean;
  lastError?: string;
  running: boolean;
  /** Successful runs / all runs, or undefined before the first run. */
  successRate?: number;
}


const fresh = (): SourceScheduleState => ({ attempts: 0, successes: 0, failures: 0 });

/** When a source should run next: a retry, the next slot after what was handled, or the next from now. */
function dueAt(deps: SchedulerDeps, schedule: Schedule, s: SourceScheduleState, now: Date): Date | undefined {
  if (s.retryAt) return new Date(s.retryAt);
  const from = s.handledUntil ? new Date(s.handledUntil) : now;
  return nextRun(schedule, from, deps.timeZone?.());
}

/** Records how one run that started at `startedAt` ended: success, or a failure retried after the next delay (given up on after the last). */
function recordRun(s: SourceScheduleState, startedAt: Date, error: string | undefined, retryDelays: number[], now: Date): void {
  s.lastRunAt = startedAt.toISOString();
  s.lastOk = error === undefined;
  s.lastError = error;
  if (error === undefined) {
    s.successes++;
    s.attempts = 0;
    s.retryAt = undefined;
    return;
  }
  s.failures++;
  s.attempts++;
  const delay = retryDelays[s.attempts - 1];
  // After the last attempt, give up on this slot; the next scheduled one still comes.
  s.retryAt = delay === undefined ? undefined : new Date(now.getTime() + delay).toISOString();
  if (delay === undefined) s.attempts = 0;
}

/**
 * Starts (`run`) every source that is due and not running, once for all the slots it missed, and
 * notes what it has seen (a new schedule starts counting from now; a removed one is forgotten).
 * Returns how long until the next one is due.
 */
function startDue(deps: SchedulerDeps, running: Set<string>, run: (sourceId: string) => void): number {
  const now = deps.clock.now();
  const state = deps.state.read();
  let changed = false;
  let soonest = Number.POSITIVE_INFINITY;
  const known = new Set<string>();
  for (const { sourceId, schedule } of deps.schedules()) {
    known.add(sourceId);
    const s = state.sources[sourceId] ?? fresh();
    if (!state.sources[sourceId] || !s.handledUntil) {
      // First sight of this schedule: start counting from now (enabling a schedule runs nothing at once).
      s.handledUntil = now.toISOString();
      state.sources[sourceId] = s;
      changed = true;
    }
    if (schedule.kind === 'off' || state.paused) continue;
    const due = dueAt(deps, schedule, s, now);
    if (!due) continue;
    if (due.getTime() > now.getTime()) {
      soonest = Math.min(soonest, due.getTime());
      continue;
    }
    if (running.has(sourceId)) continue; // never two runs of one source; re-checked when it ends
    // One run covers every slot missed up to now.
    s.handledUntil = now.toISOString();
    s.retryAt = undefined;
    changed = true;
    run(sourceId);
  }
  for (const id of Object.keys(state.sources)) {
    if (!known.has(id)) {
      delete state.sources[id];
      changed = true;
    }
  }
  if (changed) {
    deps.state.write(state);
    deps.onChange?.();
  }
  return soonest - now.getTime();
}

/** A scheduler over `deps`; nothing runs until `start()`. */
export function createScheduler(deps: SchedulerDeps) {
  const retryDelays = deps.retryDelaysMs ?? [60_000, 5 * 60_000];
  const running = new Set<string>();
  const load = () => deps.state.read();
  const save = (state: SchedulerState) => {
    deps.state.write(state);
    deps.onChange?.();
  };

  const runOne = async (sourceId: string) => {
    running.add(sourceId);
    deps.onChange?.();
    const startedAt = deps.clock.now();
    let error: string | undefined;
    try {
      await deps.run(sourceId);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    running.delete(sourceId);
    const state = load();
    const s = state.sources[sourceId] ?? fresh();
    recordRun(s, startedAt, error, retryDelays, deps.clock.now());
    state.sources[sourceId] = s;
    save(state);
    loop.wake();
  };

  const loop = wakeLoop(deps.clock, { pollMs: deps.pollMs ?? 30_000 }, () => startDue(deps, running, (sourceId) => void runOne(sourceId)));

  return {
    start: loop.start,
    stop: loop.stop,
    /** The machine woke up (powerMonitor 'resume') or the network came back: catch up now. */
    wake: loop.wake,
    /** Settings changed: recompute. */
    refresh: loop.wake,
    setPaused(paused: boolean) {
      const state = load();
      state.paused = paused;
      if (!paused) {
        // Resuming does not replay what fell due while paused.
        const now = deps.clock.now().toISOString();
        for (const s of Object.values(state.sources)) s.handledUntil = now;
      }
      save(state);
      loop.wake();
    },
    isPaused: () => load().paused,
    isRunning: (sourceId: string) => running.has(sourceId),
    /** Whether any scheduled backup is running now. */
    busy: () => running.size > 0,
    status: (): SourceScheduleStatus[] => scheduleStatus(deps, load(), running),
  };
}

/** Each source's schedule as it stands: next run, last run and how it ended, whether it runs now, success rate. */
function scheduleStatus(deps: SchedulerDeps, state: SchedulerState, running: Set<string>): SourceScheduleStatus[] {
  const now = deps.clock.now();
  return deps.schedules().map(({ sourceId, schedule }) => {
    const s = state.sources[sourceId] ?? fresh();
    const due = schedule.kind === 'off' || state.paused ? undefined : dueAt(deps, schedule, s, now);
    const total = s.successes + s.failures;
    return {
      sourceId,
      schedule,
      nextRunAt: due ? new Date(Math.max(due.getTime(), now.getTime())).toISOString() : undefined,
      lastRunAt: s.lastRunAt,
      lastOk: s.lastOk,
      lastError: s.lastError,
      running: running.has(sourceId),
      successRate: total > 0 ? s.successes / total : undefined,
    };
  });
}

export type Scheduler = ReturnType<typeof createScheduler>;

/**
 * A state store that survives a disk that cannot be written (full, read-only): the state is kept in
 * memory until a write succeeds again, so a failing write never makes a handled run due again (a
 * loop of backups on a full disk) nor crashes the loop.
 */
export function resilientStore<T>(store: { read(): T; write(state: T): void }): { read(): T; write(state: T): void; problem(): string | undefined } {
  let unsaved: T | undefined;
  let problem: string | undefined;
  return {
    read: () => (unsaved !== undefined ? structuredClone(unsaved) : store.read()),
    write(state) {
      try {
        store.write(state);
        unsaved = undefined;
        problem = undefined;
      } catch (e) {
        unsaved = structuredClone(state);
        problem = e instanceof Error ? e.message : String(e);
      }
    },
    problem: () => problem,
  };
}

/** An in-memory state store (tests; the app persists it in the data folder). */
export function memoryStateStore(initial?: SchedulerState): SchedulerStateStore {
  let state: SchedulerState = structuredClone(initial ?? { paused: false, sources: {} });
  return {
    read: () => structuredClone(state),
    write: (next) => {
      state = structuredClone(next);
    },
  };
}

/** A value kept in a JSON file of the data folder, replaced atomically; an unreadable file reads as `empty()`. */
export function jsonFileStore<T>(file: string, parse: (raw: unknown) => T, empty: () => T): { read(): T; write(value: T): void } {
  return {
    read() {
      try {
        return parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch {
        return empty();
      }
    },
    write(value) {
      const temp = `${file}.${process.pid}.tmp`;
      try {
        writeFileSync(temp, JSON.stringify(value, null, 2));
        renameSync(temp, file);
      } catch (e) {
        rmSync(temp, { force: true });
        throw e;
      }
    },
  };
}

/** The state kept in a JSON file (the data folder's schedule-state.json), replaced atomically. */
export function fileStateStore(file: string): SchedulerStateStore {
  return jsonFileStore<SchedulerState>(
    file,
    (raw) => {
      const parsed = raw as Partial<SchedulerState>;
      return { paused: Boolean(parsed.paused), sources: parsed.sources ?? {} };
    },
    () => ({ paused: false, sources: {} }),
  );
}
