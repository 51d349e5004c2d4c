// Time, passed in: the engine, the scheduler and the upload queue read the wall clock and set timers
// only through a Clock, so tests (and a year-long simulation) can drive them with a fake one.

export interface Clock {
  now(): Date;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** The real clock: wall time and Node's timers. */
export const systemClock: Clock = {
  now: () => new Date(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** One pending timer at most: `arm` replaces the one under way, `cancel` drops it. */
export interface SingleTimer {
  arm(ms: number): void;
  cancel(): void;
}

/** A timer on `clock` that calls `fire` once per `arm`; arming again first cancels the pending one. */
export function singleTimer(clock: Clock, fire: () => void): SingleTimer {
  let handle: unknown;
  const cancel = () => {
    if (handle !== undefined) clock.clearTimer(handle);
    handle = undefined;
  };
  return {
    arm(ms) {
      cancel();
      handle = clock.setTimer(() => {
        handle = undefined;
        fire();
      }, ms);
    },
    cancel,
  };
}
