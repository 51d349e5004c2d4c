// Who runs the schedule: one program at a time, the app or `lifeboat daemon`, whichever holds the
// runner lock (locks/runner.lock, SQLite's file lock: the OS drops it when that program stops or
// dies). The holder takes the scheduled backups, runs the verification schedule and the close
// watcher, and sends the alerts; the other one does none of that, and tries again every minute, so
// it takes over when the holder stops. Two programs never back up on the same schedule twice, and
// never send the same alert twice.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunBy } from '../../shared/model.ts';
import { singleTimer, type Clock } from '../engine/common/clock.ts';
import { acquireLock, type Lock } from '../engine/common/locks.ts';

/** The runner lock of a data folder. */
export const runnerLockFile = (dataDir: string) => path.join(dataDir, 'locks', 'runner.lock');
const WHAT = (by: RunBy) => `the schedule and the alerts (${by})`;

/** Who holds the runner lock now (from the note the holder left), or undefined when nobody does. */
export async function runnerNow(dataDir: string): Promise<{ by: RunBy; pid: number; since: string } | undefined> {
  const file = runnerLockFile(dataDir);
  const probe = await acquireLock(file, 'a look at who runs the schedule').catch(() => undefined);
  if (probe) {
    await probe.release();
    return undefined;
  }
  try {
    const owner = JSON.parse(await readFile(`${file}.owner`, 'utf8')) as { pid: number; what: string; since: string };
    const by = (['app', 'daemon', 'cli'] as const).find((b) => owner.what === WHAT(b)) ?? 'app';
    return { by, pid: owner.pid, since: owner.since };
  } catch {
    return { by: 'app', pid: 0, since: '' }; // held, by a program that left no note
  }
}

/** Takes the runner lock now if nobody holds it; undefined when another program does. */
export async function tryRunner(dataDir: string, by: RunBy): Promise<Lock | undefined> {
  return acquireLock(runnerLockFile(dataDir), WHAT(by)).catch(() => undefined);
}

/**
 * Claims the runner lock for `by`: at `start()` and then every `everyMs` (a minute) until it has it,
 * calling `onAcquired` once it does. `stop()` lets it go.
 */
export function claimRunner(dataDir: string, by: RunBy, o: { clock: Clock; onAcquired: () => void; everyMs?: number }) {
  let lock: Lock | undefined;
  let stopped = false;
  const timer = singleTimer(o.clock, () => void attempt());
  const attempt = async () => {
    if (stopped || lock) return;
    lock = await tryRunner(dataDir, by);
    if (stopped) {
      await lock?.release();
      lock = undefined;
      return;
    }
    if (lock) o.onAcquired();
    else timer.arm(o.everyMs ?? 60_000);
  };
  return {
    /** Tries now, and every minute after until it holds the lock; resolves after the first try. */
    start: () => attempt(),
    /** Whether this program runs the schedule and sends the alerts. */
    held: () => lock !== undefined,
    async stop() {
      stopped = true;
      timer.cancel();
      await lock?.release();
      lock = undefined;
    },
  };
}
