// The scheduler with a fake clock: runs on time, one catch-up after sleeping through one or many
// slots, retries with backoff without stopping the schedule, no overlap, state across restarts.
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../shared/model.ts';
import type { Clock } from '../engine/common/clock.ts';
import { createScheduler, memoryStateStore, type SchedulerStateStore } from './scheduler.ts';

function fakeClock(start: string) {
  let now = Date.parse(start);
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const flush = async () => {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  };
  const fireDue = async () => {
    for (;;) {
      const due = [...timers].filter(([, t]) => t.at <= now).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) return;
      timers.delete(due[0]);
      due[1].fn();
      await flush();
    }
  };
  const clock: Clock & { advanceTo(iso: string): Promise<void>; sleepUntil(iso: string): Promise<void>; flush(): Promise<void> } = {
    now: () => new Date(now),
    setTimer(fn, ms) {
      timers.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimer(h) {
      timers.delete(h as number);
    },
    /** Time passes with the process awake: every timer fires at its time. */
    async advanceTo(iso) {
      const target = Date.parse(iso);
      for (;;) {
        const next = [...timers.values()].filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        now = Math.max(now, next.at);
        await fireDue();
      }
      now = target;
      await flush();
    },
    /** The machine sleeps: no timer fires until it wakes at `iso`, then the overdue ones fire once. */
    async sleepUntil(iso) {
      now = Date.parse(iso);
      await fireDue();
    },
    flush,
  };
  return clock;
}

function setup(schedule: Schedule, opts: { start?: string; state?: SchedulerStateStore; run?: (id: string, at: Date) => Promise<void> } = {}) {
  const clock = fakeClock(opts.start ?? '2026-11-22T12:00:00Z');
  const runs: string[] = [];
  const state = opts.state ?? memoryStateStore();
  const scheduler = createScheduler({
    clock,
    schedules: () => [{ sourceId: 'store', schedule }],
    timeZone: () => 'UTC',
    state,
    run: async (id) => {
      runs.push(clock.now().toISOString());
      await opts.run?.(id, clock.now());
    },
  });
  scheduler.start();
  return { clock, runs, scheduler, state };
}

describe('scheduler', () => {
  it('runs at each scheduled time, and enabling a schedule runs nothing at once', async () => {
    const { clock, runs } = setup({ kind: 'daily', time: '02:00' });
    await clock.advanceTo('2026-11-25T12:00:00Z');
    expect(runs).toEqual(['2026-11-23T02:00:00.000Z', '2026-11-24T02:00:00.000Z', '2026-11-25T02:00:00.000Z']);
  });

  it('asleep across one scheduled time: exactly one catch-up on wake', async () => {
    const { clock, runs } = setup({ kind: 'daily', time: '02:00' });
    await clock.advanceTo('2026-11-22T23:00:00Z');
    await clock.sleepUntil('2026-11-23T08:00:00Z');
    expect(runs).toEqual(['2026-11-23T08:00:00.000Z']);
    await clock.advanceTo('2026-11-24T03:00:00Z');
    expect(runs).toEqual(['2026-11-23T08:00:00.000Z', '2026-11-24T02:00:00.000Z']);
  });

  it('asleep across several scheduled times: still exactly one catch-up', async () => {
    const { clock, runs } = setup({ kind: 'hourly', minute: 0 });
    await clock.sleepUntil('2026-11-25T09:30:00Z'); // 69 missed hourly slots
    expect(runs).toEqual(['2026-11-25T09:30:00.000Z']);
    await clock.advanceTo('2026-11-25T11:30:00Z');
    expect(runs).toEqual(['2026-11-25T09:30:00.000Z', '2026-11-25T10:00:00.000Z', '2026-11-25T11:00:00.000Z']);
  });

  it('wake() from powerMonitor catches up too, once', async () => {
    const { clock, runs, scheduler } = setup({ kind: 'daily', time: '02:00' });
    await clock.sleepUntil('2026-11-24T07:00:00Z');
    scheduler.wake();
    scheduler.wake();
    await clock.flush();
    expect(runs).toEqual(['2026-11-24T07:00:00.000Z']);
  });

  it('a failed run is retried with backoff, three attempts, and the schedule goes on', async () => {
    let failures = 4; // three on the first day, one on the second
    const { clock, runs, scheduler } = setup({ kind: 'daily', time: '02:00' }, {
      run: async () => {
        if (failures-- > 0) throw new Error('disk full');
      },
    });
    await clock.advanceTo('2026-11-23T12:00:00Z');
    // 02:00 fails, retried after 1 min and then 5 min more; then it gives up on that slot.
    expect(runs).toEqual(['2026-11-23T02:00:00.000Z', '2026-11-23T02:01:00.000Z', '2026-11-23T02:06:00.000Z']);
    expect(scheduler.status()[0]).toMatchObject({ lastOk: false, lastError: 'disk full', nextRunAt: '2026-11-24T02:00:00.000Z' });
    await clock.advanceTo('2026-11-24T12:00:00Z');
    expect(runs.slice(3)).toEqual(['2026-11-24T02:00:00.000Z', '2026-11-24T02:01:00.000Z']);
    expect(scheduler.status()[0]).toMatchObject({ lastOk: true, successRate: 1 / 5 });
  });

  it('never starts a source again while it is still running', async () => {
    let release: () => void = () => undefined;
    let concurrent = 0;
    let maxConcurrent = 0;
    const { clock, runs } = setup({ kind: 'hourly', minute: 0 }, {
      run: async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise<void>((r) => (release = r));
        concurrent--;
      },
    });
    await clock.advanceTo('2026-11-22T15:30:00Z'); // slots at 13, 14, 15 while the 13:00 run hangs
    expect(runs).toEqual(['2026-11-22T13:00:00.000Z']);
    release();
    await clock.flush();
    // The slots missed while it ran are covered by one more run, right away.
    expect(runs).toEqual(['2026-11-22T13:00:00.000Z', '2026-11-22T15:30:00.000Z']);
    release();
    await clock.advanceTo('2026-11-22T16:30:00Z');
    expect(maxConcurrent).toBe(1);
  });

  it('keeps last run, success rate and missed slots across a restart', async () => {
    const state = memoryStateStore();
    const first = setup({ kind: 'daily', time: '02:00' }, { state });
    await first.clock.advanceTo('2026-11-23T12:00:00Z');
    first.scheduler.stop();
    // The app was closed for two days; it starts again.
    const second = setup({ kind: 'daily', time: '02:00' }, { state, start: '2026-11-25T09:00:00Z' });
    await second.clock.flush();
    expect(second.runs).toEqual(['2026-11-25T09:00:00.000Z']);
    expect(second.scheduler.status()[0]).toMatchObject({ lastRunAt: '2026-11-25T09:00:00.000Z', lastOk: true, successRate: 1, nextRunAt: '2026-11-26T02:00:00.000Z' });
  });

  it('pausing stops runs; resuming does not replay what fell due meanwhile', async () => {
    const { clock, runs, scheduler } = setup({ kind: 'hourly', minute: 0 });
    scheduler.setPaused(true);
    await clock.advanceTo('2026-11-22T18:30:00Z');
    expect(runs).toEqual([]);
    scheduler.setPaused(false);
    await clock.advanceTo('2026-11-22T19:30:00Z');
    expect(runs).toEqual(['2026-11-22T19:00:00.000Z']);
  });
});
