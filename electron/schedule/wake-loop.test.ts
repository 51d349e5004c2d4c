// The loop both schedulers run, on a clock whose timers are recorded: it looks at once when
// started, sleeps as long as `look` asks but within [minMs, pollMs], looks again on a wake, and
// does nothing once stopped.
import { describe, expect, it } from 'vitest';
import type { Clock } from '../engine/common/clock.ts';
import { wakeLoop } from './wake-loop.ts';

/** A clock whose timers are kept in `timers` (at most one here: the loop's). */
function recordingClock() {
  const timers = new Map<number, { ms: number; fn: () => void }>();
  let seq = 0;
  const clock: Clock = {
    now: () => new Date(0),
    setTimer: (fn, ms) => (timers.set(++seq, { ms, fn }), seq),
    clearTimer: (h) => void timers.delete(h as number),
  };
  const fire = () => {
    const [id, t] = [...timers][0]!;
    timers.delete(id);
    t.fn();
  };
  return { clock, timers, fire, armed: () => [...timers.values()].map((t) => t.ms) };
}

describe('the wake loop', () => {
  it('looks when started, woken and when its timer fires, sleeping as asked within its bounds', () => {
    const c = recordingClock();
    const asks = [5, 90_000, Number.POSITIVE_INFINITY, 2_000];
    let looks = 0;
    const loop = wakeLoop(c.clock, { pollMs: 30_000, minMs: 1000 }, () => asks[looks++]!);
    expect(looks).toBe(0);
    loop.start();
    expect([looks, c.armed()]).toEqual([1, [1000]]); // 5 ms asked: at least minMs
    c.fire();
    expect([looks, c.armed()]).toEqual([2, [30_000]]); // 90 s asked: at most pollMs
    loop.wake();
    expect([looks, c.armed()]).toEqual([3, [30_000]]); // nothing due: pollMs; one timer, not two
    loop.stop();
    expect(c.armed()).toEqual([]);
    loop.wake();
    expect(looks).toBe(3);
    loop.start();
    expect([looks, c.armed()]).toEqual([4, [2_000]]);
  });
});
