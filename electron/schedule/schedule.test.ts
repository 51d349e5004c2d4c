// Next-run arithmetic in fixed time zones, across daylight-saving changes.
import { describe, expect, it } from 'vitest';
import { describeSchedule } from '../../shared/schedule-words.ts';
import { nextRuns, validateSchedule } from './schedule.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('nextRuns', () => {
  it('hourly, daily and weekly in UTC', () => {
    const after = new Date('2026-11-22T10:15:00Z'); // a Sunday
    expect(iso(nextRuns({ kind: 'hourly', minute: 5 }, after, 2, 'UTC'))).toEqual(['2026-11-22T11:05:00.000Z', '2026-11-22T12:05:00.000Z']);
    expect(iso(nextRuns({ kind: 'daily', time: '10:15' }, after, 2, 'UTC'))).toEqual(['2026-11-23T10:15:00.000Z', '2026-11-24T10:15:00.000Z']);
    expect(iso(nextRuns({ kind: 'weekly', weekday: 1, time: '09:00' }, after, 2, 'UTC'))).toEqual(['2026-11-23T09:00:00.000Z', '2026-11-30T09:00:00.000Z']);
    expect(nextRuns({ kind: 'off' }, after, 3, 'UTC')).toEqual([]);
  });

  it('a daily time in a local zone follows the wall clock across the change of offset', () => {
    // Berlin: CET (UTC+1) until 2026-03-29 02:00, then CEST (UTC+2).
    expect(iso(nextRuns({ kind: 'daily', time: '09:00' }, new Date('2026-03-27T12:00:00Z'), 3, 'Europe/Berlin'))).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
  });

  it('a time skipped by spring-forward runs once, right after the gap', () => {
    // 02:30 does not exist in Berlin on 2026-03-29.
    expect(iso(nextRuns({ kind: 'daily', time: '02:30' }, new Date('2026-03-28T12:00:00Z'), 2, 'Europe/Berlin'))).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('a time repeated by fall-back runs once, at its first occurrence', () => {
    // 01:30 happens twice in New York on 2026-11-01 (EDT, then EST).
    expect(iso(nextRuns({ kind: 'daily', time: '01:30' }, new Date('2026-10-31T12:00:00Z'), 2, 'America/New_York'))).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
  });

  it('hourly stays hourly in real time through both changes (23 and 25 runs on those days)', () => {
    const count = (from: string, to: string) => nextRuns({ kind: 'hourly', minute: 0 }, new Date(from), 30, 'Europe/Berlin').filter((d) => d < new Date(to)).length;
    expect(count('2026-03-28T22:59:00Z', '2026-03-29T22:00:00Z')).toBe(23); // local midnight to midnight
    expect(count('2026-10-24T21:59:00Z', '2026-10-25T23:00:00Z')).toBe(25);
  });

  it('cron expressions for power users, and clear errors for bad ones', () => {
    expect(iso(nextRuns({ kind: 'cron', expression: '30 18 * * 1-5' }, new Date('2026-11-20T19:00:00Z'), 2, 'UTC'))).toEqual(['2026-11-23T18:30:00.000Z', '2026-11-24T18:30:00.000Z']);
    expect(() => validateSchedule({ kind: 'cron', expression: '61 * * * *' })).toThrow(/not a valid cron expression/);
    expect(() => validateSchedule({ kind: 'cron', expression: '* * *' })).toThrow(/five fields/);
    expect(() => validateSchedule({ kind: 'daily', time: '09:00' }, 'Mars/Olympus')).toThrow(/not a time zone/);
  });

  it('describes schedules in words', () => {
    expect(describeSchedule({ kind: 'weekly', weekday: 1, time: '09:00' })).toBe('Every Monday at 09:00');
  });
});

describe('parseSchedule', () => {
  it('reads what a person types on the command line', async () => {
    const { parseSchedule } = await import('./schedule.ts');
    expect(parseSchedule('daily 2:30')).toEqual({ kind: 'daily', time: '02:30' });
    expect(parseSchedule('weekly Monday 09:00')).toEqual({ kind: 'weekly', weekday: 1, time: '09:00' });
    expect(parseSchedule('hourly :15')).toEqual({ kind: 'hourly', minute: 15 });
    expect(parseSchedule('cron 30 2 * * 1-5')).toEqual({ kind: 'cron', expression: '30 2 * * 1-5' });
    expect(parseSchedule('off')).toEqual({ kind: 'off' });
    expect(() => parseSchedule('daily 25:00')).toThrow(/is not a schedule/);
    expect(() => parseSchedule('sometimes')).toThrow(/is not a schedule/);
  });
});
