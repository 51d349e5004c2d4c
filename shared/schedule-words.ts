// A schedule in words, one wording for the dashboard and the command line.
import type { Schedule } from './model.ts';

export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "Every day at 02:30", "Every Monday at 09:00", "Every hour at :15", "Off", "Cron: 30 2 * * 1-5". */
export function describeSchedule(schedule: Schedule): string {
  switch (schedule.kind) {
    case 'off':
      return 'Off';
    case 'hourly':
      return `Every hour at :${String(schedule.minute).padStart(2, '0')}`;
    case 'daily':
      return `Every day at ${schedule.time}`;
    case 'weekly':
      return `Every ${WEEKDAY_NAMES[schedule.weekday]} at ${schedule.time}`;
    case 'cron':
      return `Cron: ${schedule.expression}`;
  }
}
