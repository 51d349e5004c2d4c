// Next-run arithmetic for every schedule kind, in a time zone, correct across daylight-saving
// changes. Every kind becomes a cron pattern evaluated by croner: a daily time that does not exist
// on the spring-forward day runs at the first valid instant after it, and one that occurs twice on
// the fall-back day runs once, at its first occurrence.
import { Cron } from 'croner';
import type { Schedule } from '../../shared/model.ts';
import { LifeboatError } from '../engine/common/errors.ts';

/** The cron pattern (minute hour day month weekday) a schedule stands for; undefined when off. */
export function cronPatternOf(schedule: Schedule): string | undefined {
  const hm = (time: string) => {
    const [h, m] = time.split(':').map(Number);
    return `${m} ${h}`;
  };
  switch (schedule.kind) {
    case 'off':
      return undefined;
    case 'hourly':
      return `${schedule.minute} * * * *`;
    case 'daily':
      return `${hm(schedule.time)} * * *`;
    case 'weekly':
      return `${hm(schedule.time)} * * ${schedule.weekday}`;
    case 'cron':
      return schedule.expression.trim();
  }
}

function cronFor(schedule: Schedule, timeZone: string | undefined): Cron | undefined {
  const pattern = cronPatternOf(schedule);
  if (!pattern) return undefined;
  if (pattern.split(/\s+/).length !== 5) {
    throw new LifeboatError('usage', `"${pattern}" is not a cron expression of five fields`, 'Write minute hour day-of-month month day-of-week, for example "30 2 * * 1-5"');
  }
  try {
    return new Cron(pattern, { timezone: timeZone, paused: true, domAndDow: false });
  } catch (e) {
    throw new LifeboatError('usage', `"${pattern}" is not a valid cron expression (${(e as Error).message})`, 'Write minute hour day-of-month month day-of-week, for example "30 2 * * 1-5"');
  }
}

/** Checks a schedule (a cron expression above all) and explains what is wrong. */
export function validateSchedule(schedule: Schedule, timeZone?: string): void {
  if (timeZone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone });
    } catch {
      throw new LifeboatError('usage', `"${timeZone}" is not a time zone`, 'Use an IANA name such as Europe/Berlin');
    }
  }
  cronFor(schedule, timeZone);
}

/** The next `count` runs strictly after `after`, in `timeZone` (the machine's own when absent). */
export function nextRuns(schedule: Schedule, after: Date, count: number, timeZone?: string): Date[] {
  const cron = cronFor(schedule, timeZone);
  if (!cron) return [];
  return cron.nextRuns(count, after);
}

/** The next run strictly after `after`, or undefined when the schedule is off. */
export function nextRun(schedule: Schedule, after: Date, timeZone?: string): Date | undefined {
  return nextRuns(schedule, after, 1, timeZone)[0];
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * Reads a schedule written for the command line: `off`, `hourly :15`, `daily 02:30`,
 * `weekly mon 09:00`, or `cron <five fields>`.
 */
export function parseSchedule(text: string): Schedule {
  const t = text.trim().replace(/\s+/g, ' ');
  const usage = new LifeboatError('usage', `"${text}" is not a schedule`, 'Write off, "hourly :15", "daily 02:30", "weekly mon 09:00" or "cron 30 2 * * *"');
  const time = (s: string | undefined) => {
    const m = /^(\d{1,2}):(\d{2})$/.exec(s ?? '');
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw usage;
    return `${m[1]!.padStart(2, '0')}:${m[2]}`;
  };
  const [kind, ...rest] = t.split(' ');
  switch (kind?.toLowerCase()) {
    case 'off':
      return { kind: 'off' };
    case 'hourly': {
      const m = /^:?(\d{1,2})$/.exec(rest[0] ?? ':00');
      if (!m || Number(m[1]) > 59) throw usage;
      return { kind: 'hourly', minute: Number(m[1]) };
    }
    case 'daily':
      return { kind: 'daily', time: time(rest[0]) };
    case 'weekly': {
      const weekday = DAY_NAMES.indexOf((rest[0] ?? '').slice(0, 3).toLowerCase());
      if (weekday < 0) throw usage;
      return { kind: 'weekly', weekday, time: time(rest[1]) };
    }
    case 'cron': {
      const schedule: Schedule = { kind: 'cron', expression: rest.join(' ') };
      validateSchedule(schedule);
      return schedule;
    }
    default:
      throw usage;
  }
}
