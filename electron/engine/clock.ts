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
