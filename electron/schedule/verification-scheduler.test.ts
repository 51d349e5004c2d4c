// The verification schedule with a fake clock: the newest restore points weekly, all of them
// monthly (which covers that week's), counting from first start, a clock set back restarts the
// count, and a run that could not be carried out is tried again within the hour, not next week.
import { describe, expect, it } from 'vitest';
import { createSimClock } from '../engine/testing/sim-clock.ts';
import type { VerificationReport, VerificationScope } from '../engine/engine.ts';
import { createVerificationScheduler, type VerificationState } from './verification-scheduler.ts';

/** The shared simulated clock, driven by wall-clock dates: time passes (timers fire) or the clock is set. */
function fakeClock(start: string) {
  const sim = createSimClock(start);
  const settle = async () => {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  };
  return {
    ...sim,
    advanceTo: (iso: string) => sim.advanceTo(sim.monotonic() + Date.parse(iso) - sim.now().getTime(), settle),
    set: (iso: string) => sim.jump(Date.parse(iso) - sim.now().getTime()),
  };
}

const report = (scope: VerificationScope, at: Date): VerificationReport => ({ scope, at: at.toISOString(), restorePoints: { checked: 1, failed: [], unchecked: 0 }, copies: { checked: 2, failed: [], unchecked: 0, unreachable: [] } });

function setup(opts: { fail?: () => boolean } = {}) {
  const clock = fakeClock('2026-01-01T00:00:00Z');
  const runs: string[] = [];
  let state: VerificationState = {};
  const scheduler = createVerificationScheduler({
    clock,
    periods: () => ({ newestEveryDays: 7, allEveryDays: 30 }),
    state: { read: () => structuredClone(state), write: (s) => (state = structuredClone(s)) },
    run: async (scope) => {
      runs.push(`${clock.now().toISOString().slice(0, 10)} ${scope}`);
      if (opts.fail?.()) throw new Error('the vault is not there');
      return report(scope, clock.now());
    },
  });
  scheduler.start();
  return { clock, runs, scheduler, state: () => state };
}

describe('verification schedule', () => {
  it('checks the newest weekly and everything monthly, counting from the first start', async () => {
    const { clock, runs, scheduler } = setup();
    expect(runs).toEqual([]); // starting Lifeboat does not start a check
    await clock.advanceTo('2026-03-05T00:00:00Z');
    expect(runs).toEqual(['2026-01-08 newest', '2026-01-15 newest', '2026-01-22 newest', '2026-01-29 newest', '2026-01-31 all', '2026-02-07 newest', '2026-02-14 newest', '2026-02-21 newest', '2026-02-28 newest', '2026-03-02 all']);
    expect(scheduler.status().last).toMatchObject({ scope: 'all', checked: 1, copiesChecked: 2, failed: 0 });
  });

  it('restarts the count when the clock was set back, and retries a run that could not be carried out', async () => {
    let failing = true;
    const { clock, runs, scheduler, state } = setup({ fail: () => failing });
    await clock.advanceTo('2026-01-08T00:30:00Z');
    expect(runs).toEqual(['2026-01-08 newest']);
    expect(scheduler.status().last).toMatchObject({ error: 'the vault is not there' });
    failing = false;
    await clock.advanceTo('2026-01-08T02:00:00Z');
    expect(runs).toEqual(['2026-01-08 newest', '2026-01-08 newest']);
    expect(scheduler.status().last?.error).toBeUndefined();
    clock.set('2025-06-01T00:00:00Z'); // someone set the clock back months
    scheduler.wake();
    expect(Date.parse(state().newestAt!)).toBe(Date.parse('2025-06-01T00:00:00Z'));
    await clock.advanceTo('2025-06-09T00:00:00Z');
    expect(runs.at(-1)).toBe('2025-06-08 newest');
  });
});
