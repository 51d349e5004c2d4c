// The dashboard's one date format: the day in words when it is near, the date when it is not; and
// errors as two sentences.
import { describe, expect, it } from 'vitest';
import { ago, duration, explain, idTime, scheduleWords, timeLeft, when, whenExact } from './format.ts';

const now = new Date('2026-11-28T20:00:00Z'); // a Saturday
const o = { now, timeZone: 'UTC' };

describe('when', () => {
  it('says today, yesterday, tomorrow, the weekday within a week, and the date beyond', () => {
    expect(when('2026-11-28T17:21:00Z', o)).toMatch(/^today 0?5:21\sPM$|^today 17:21$/);
    expect(when('2026-11-27T02:30:00Z', o)).toMatch(/^yesterday 0?2:30/);
    expect(when('2026-11-29T02:30:00Z', o)).toMatch(/^tomorrow 0?2:30/);
    expect(when('2026-11-24T09:00:00Z', o)).toMatch(/^Tuesday 0?9:00/);
    expect(when('2026-11-02T09:00:00Z', o)).toMatch(/^Nov 2 0?9:00|^2 Nov 0?9:00/);
    expect(when('2025-11-02T09:00:00Z', o)).toMatch(/2025/);
    expect(whenExact('2026-11-28T17:21:05Z', o)).toMatch(/^today .*21:05/);
  });

  it('judges the day in the time zone it is shown in', () => {
    // At 10:00 UTC (19:00 in Tokyo), 23:30 UTC is later today in UTC but tomorrow morning in Tokyo.
    const morning = new Date('2026-11-28T10:00:00Z');
    expect(when('2026-11-28T23:30:00Z', { now: morning, timeZone: 'Asia/Tokyo' })).toMatch(/^tomorrow 0?8:30/);
    expect(when('2026-11-28T23:30:00Z', { now: morning, timeZone: 'UTC' })).toMatch(/^today/);
  });
});

it('says how long ago, and time left never as 0 s', () => {
  expect(ago('2026-11-28T19:55:00Z', now)).toBe('5 min ago');
  expect(ago('2026-11-28T17:00:00Z', now)).toBe('3 hours ago');
  expect(ago('2026-11-26T20:00:00Z', now)).toBe('2 days ago');
  expect(ago('2026-11-28T20:40:00Z', now)).toBe('in 40 min');
  expect(ago('2026-11-28T19:59:30Z', now)).toBe('just now');
  expect(timeLeft(0)).toBe('a few seconds left');
  expect(timeLeft(1)).toBe('a few seconds left');
  expect(timeLeft(42)).toBe('about 40 s left');
  expect(timeLeft(190)).toBe('about 3 min left');
});

it('explains an error in two sentences, without doubled full stops', () => {
  expect(explain({ message: 'The vault is not there', hint: 'Connect the disk' })).toBe('The vault is not there. Connect the disk.');
  expect(explain({ message: 'Done.', hint: '' })).toBe('Done.');
  expect(explain({ message: 'Is it there?', hint: 'Look.' })).toBe('Is it there? Look.');
});

it('says durations under a second, schedules as the rest of a sentence, and a restore point\'s time from its id', () => {
  expect(duration(0.3)).toBe('under 1 s');
  expect(duration(12)).toBe('12 s');
  expect(scheduleWords({ kind: 'hourly', minute: 0 })).toBe('every hour, on the hour');
  expect(scheduleWords({ kind: 'hourly', minute: 15 })).toBe('every hour at :15');
  expect(scheduleWords({ kind: 'daily', time: '02:30' })).toMatch(/^every day at 0?2:30/);
  expect(scheduleWords({ kind: 'weekly', weekday: 1, time: '09:00' })).toMatch(/^every Monday at 0?9:00/);
  expect(idTime('20261122T103700Z-a1b2c3')).toBe('2026-11-22T10:37:00Z');
  expect(idTime('nope')).toBeUndefined();
});
