// The loop the backup scheduler and the verification scheduler both run: look at what is due, do
// it, sleep until the next thing is due, look again; woken early by the machine waking or settings
// changing. The sleep is never longer than `pollMs`: Node's timers run on a monotonic clock that
// stops while the machine is suspended, so a long timer would fire late after a wake, while a short
// one re-reads the wall clock soon enough.
import { singleTimer, type Clock } from '../engine/common/clock.ts';

export interface WakeLoop {
  /** Starts looking (at once, then as `look` asks). */
  start(): void;
  /** Stops: no look runs until `start` again. */
  stop(): void;
  /** Looks now (a wake, a change of settings, a run that ended); nothing while stopped. */
  wake(): void;
}

/**
 * A loop on `clock` around `look`, which does what is due and returns how long until it should look
 * again (ms; Infinity when nothing is due). It sleeps that long, but at least `minMs` and at most
 * `pollMs`.
 */
export function wakeLoop(clock: Clock, o: { pollMs: number; minMs?: number }, look: () => number): WakeLoop {
  let started = false;
  const timer = singleTimer(clock, () => wake());
  const wake = () => {
    if (!started) return;
    const next = look();
    if (started) timer.arm(Math.max(o.minMs ?? 0, Math.min(o.pollMs, next)));
  };
  return {
    start() {
      started = true;
      wake();
    },
    stop() {
      started = false;
      timer.cancel();
    },
    wake,
  };
}
