// The verification schedule: the newest restore point of each source every `newestEveryDays`
// (7), every kept one every `allEveryDays` (30), each run also checking a sample of the copies at
// each destination. Plain Node with the clock passed in, state in a small file (the app and the
// daemon run it; a fake clock drives it in tests). Counting starts when it first runs: installing
// Lifeboat does not start a check at once. A clock that jumped back restarts the count from now.
import path from 'node:path';
import { jsonFileStore, resilientStore } from './scheduler.ts';
import type { Clock } from '../engine/common/clock.ts';
import { wakeLoop } from './wake-loop.ts';
import type { Engine, VerificationReport, VerificationScope } from '../engine/engine.ts';

const DAY = 86_400_000;

export interface VerificationSummary {
  at: string;
  scope: VerificationScope;
  checked: number;
  failed: number;
  unchecked: number;
  copiesChecked: number;
  copiesFailed: number;
  /** Destinations that could not be read for their sample. */
  unreachable: string[];
  /** The run itself could not be carried out. */
  error?: string;
}

export interface VerificationState {
  /** When the newest restore points, and all of them, were last checked (or counting started). */
  newestAt?: string;
  allAt?: string;
  last?: VerificationSummary;
}

export interface VerificationStateStore {
  read(): VerificationState;
  write(state: VerificationState): void;
}

export interface VerificationSchedulerDeps {
  clock: Clock;
  /** The periods, read fresh (settings can change). 0 switches one off. */
  periods: () => { newestEveryDays: number; allEveryDays: number };
  /** Runs one verification; resolves with its report. */
  run: (scope: VerificationScope) => Promise<VerificationReport>;
  state: VerificationStateStore;
  /** The longest it sleeps before looking at the wall clock again. */
  pollMs?: number;
  onChange?: (state: VerificationState) => void;
}

/** The summary kept of a report. */
export function summarise(report: VerificationReport): VerificationSummary {
  return {
    at: report.at,
    scope: report.scope,
    checked: report.restorePoints.checked,
    failed: report.restorePoints.failed.length,
    unchecked: report.restorePoints.unchecked + report.copies.unchecked,
    copiesChecked: report.copies.checked,
    copiesFailed: report.copies.failed.length,
    unreachable: report.copies.unreachable.map((u) => u.destinationId),
  };
}

/** Which check is due now under `periods`, if any (all outranks newest: it covers it). */
function dueScope(periods: { newestEveryDays: number; allEveryDays: number }, state: VerificationState, now: number): VerificationScope | undefined {
  if (periods.allEveryDays > 0 && now - Date.parse(state.allAt ?? '') >= periods.allEveryDays * DAY) return 'all';
  if (periods.newestEveryDays > 0 && now - Date.parse(state.newestAt ?? '') >= periods.newestEveryDays * DAY) return 'newest';
  return undefined;
}

/** When the next check falls due under `periods` (Infinity when none is on). */
function nextDueAt(periods: { newestEveryDays: number; allEveryDays: number }, state: VerificationState): number {
  const times = [
    ...(periods.newestEveryDays > 0 && state.newestAt ? [Date.parse(state.newestAt) + periods.newestEveryDays * DAY] : []),
    ...(periods.allEveryDays > 0 && state.allAt ? [Date.parse(state.allAt) + periods.allEveryDays * DAY] : []),
  ];
  return times.length ? Math.min(...times) : Number.POSITIVE_INFINITY;
}

/** A verification scheduler; nothing runs until `start()`. */
export function createVerificationScheduler(deps: VerificationSchedulerDeps) {
  const pollMs = deps.pollMs ?? 60 * 60_000;
  let running: Promise<void> | undefined;
  /** When a run last failed to be carried out: the next try waits `pollMs`. */
  let failedAt: number | undefined;

  const save = (state: VerificationState) => {
    deps.state.write(state);
    deps.onChange?.(state);
  };

  const runOne = async (scope: VerificationScope) => {
    const at = deps.clock.now().toISOString();
    let summary: VerificationSummary;
    try {
      summary = summarise(await deps.run(scope));
    } catch (e) {
      summary = { at, scope, checked: 0, failed: 0, unchecked: 0, copiesChecked: 0, copiesFailed: 0, unreachable: [], error: e instanceof Error ? e.message : String(e) };
    }
    const state = deps.state.read();
    state.last = summary;
    // A run that could not be carried out is tried again at the next look (within `pollMs`), not in a week.
    if (!summary.error) {
      state.newestAt = at;
      if (scope === 'all') state.allAt = at;
      failedAt = undefined;
    } else failedAt = deps.clock.now().getTime();
    save(state);
  };

  /** Starts the check that is due, if any; returns how long until the next look. */
  const look = (): number => {
    const now = deps.clock.now().getTime();
    const state = deps.state.read();
    const iso = new Date(now).toISOString();
    let changed = false;
    for (const key of ['newestAt', 'allAt'] as const) {
      // First sight starts the count; a time in the future (the clock was set back) restarts it.
      if (!state[key] || Date.parse(state[key] as string) > now + 60 * 60_000) {
        state[key] = iso;
        changed = true;
      }
    }
    if (changed) save(state);
    const waitingAfterFailure = failedAt !== undefined && now >= failedAt && now - failedAt < pollMs;
    const scope = running || waitingAfterFailure ? undefined : dueScope(deps.periods(), state, now);
    if (scope) {
      running = runOne(scope).finally(() => {
        running = undefined;
        loop.wake();
      });
    }
    return waitingAfterFailure ? pollMs - (now - (failedAt as number)) : nextDueAt(deps.periods(), deps.state.read()) - now;
  };
  const loop = wakeLoop(deps.clock, { pollMs, minMs: 1000 }, look);

  return {
    start: loop.start,
    stop: loop.stop,
    /** The clock jumped or the machine woke: look again now. */
    wake: loop.wake,
    /** Resolves when no verification is running. */
    idle: async () => {
      while (running) await running;
    },
    isRunning: () => running !== undefined,
    /** The last run's summary and when the next one is due. */
    status(): { last?: VerificationSummary; nextAt?: string } {
      const state = deps.state.read();
      const next = nextDueAt(deps.periods(), state);
      return { last: state.last, nextAt: Number.isFinite(next) ? new Date(next).toISOString() : undefined };
    },
  };
}

export type VerificationScheduler = ReturnType<typeof createVerificationScheduler>;

/** The state in a JSON file in the data folder, replaced atomically; an unreadable one starts afresh. */
export function fileVerificationState(file: string): VerificationStateStore {
  return jsonFileStore<VerificationState>(file, (raw) => raw as VerificationState, () => ({}));
}

/** The verification schedule over an engine (the app and `lifeboat daemon`); `run` wraps each run (the app makes it a job). */
export function setupVerification(
  engine: Engine,
  opts: {
    clock: Clock;
    run?: (scope: VerificationScope, work: (o: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal }) => Promise<VerificationReport>) => Promise<VerificationReport>;
    pollMs?: number;
    onChange?: (state: VerificationState) => void;
  },
) {
  return createVerificationScheduler({
    clock: opts.clock,
    periods: () => engine.settings().verification,
    state: resilientStore(fileVerificationState(path.join(engine.dataDir, 'verify-state.json'))),
    pollMs: opts.pollMs,
    onChange: opts.onChange,
    run: (scope) => {
      const work = (o: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {}) => engine.verifyScheduled(scope, o);
      return opts.run ? opts.run(scope, work) : work();
    },
  });
}

/** A report in one sentence for a person. */
export function describeVerification(r: VerificationReport): string {
  const failed = r.restorePoints.failed.length;
  const copiesFailed = r.copies.failed.length;
  const parts = [
    `${r.restorePoints.checked} restore point${r.restorePoints.checked === 1 ? '' : 's'} checked${failed ? `, ${failed} FAILED (${r.restorePoints.failed.map((f) => f.id).join(', ')})` : ''}`,
    `${r.copies.checked} cop${r.copies.checked === 1 ? 'y' : 'ies'} at destinations downloaded and checked${copiesFailed ? `, ${copiesFailed} FAILED and sent again` : ''}`,
  ];
  const unchecked = r.restorePoints.unchecked + r.copies.unchecked;
  if (unchecked) parts.push(`${unchecked} not checked (no key)`);
  if (r.copies.unreachable.length) parts.push(`not reachable: ${r.copies.unreachable.map((u) => u.destinationId).join(', ')}`);
  return parts.join('; ');
}
