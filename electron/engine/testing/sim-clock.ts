// A simulated Clock for tests and the year-long simulation: timers run on a monotonic time that only
// moves when the test says so, and the wall clock (`now()`) is that time plus an offset the test can
// jump (set back an hour, forward a day), as a machine's clock can while its timers keep counting.
import type { Clock } from '../common/clock.ts';

export interface SimClock extends Clock {
  /** Monotonic milliseconds (what timers count). */
  monotonic(): number;
  /**
   * Moves monotonic time to `until`, firing every timer due on the way in order; after each one,
   * `settle` (default: a few turns of the event loop) lets the work it started finish first.
   */
  advanceTo(until: number, settle?: () => Promise<void>): Promise<void>;
  /** The wall clock jumps by `ms` (negative: back); timers are not moved. */
  jump(ms: number): void;
  /** Timers waiting. */
  pending(): number;
}

/** A simulated clock whose wall time starts at `start`. */
export function createSimClock(start: Date | string): SimClock {
  let mono = 0;
  let offset = new Date(start).getTime();
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const turns = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  return {
    now: () => new Date(mono + offset),
    monotonic: () => mono,
    setTimer(fn, ms) {
      timers.set(++seq, { at: mono + Math.max(0, ms), fn });
      return seq;
    },
    clearTimer(h) {
      timers.delete(h as number);
    },
    async advanceTo(until, settle = turns) {
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) if (entry[1].at <= until && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[0] < next[0]))) next = entry;
        if (!next) break;
        timers.delete(next[0]);
        mono = Math.max(mono, next[1].at);
        next[1].fn();
        await settle();
      }
      mono = Math.max(mono, until);
      await settle();
    },
    jump(ms) {
      offset += ms;
    },
    pending: () => timers.size,
  };
}
