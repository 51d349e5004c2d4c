// Moments in words, one way everywhere (the dashboard, and main's own dialogs): the day in words
// when it is near ("today 17:21", "yesterday 02:30", "tomorrow 02:30", "Monday 09:00"), the date
// when it is not ("24 Nov 17:21", "24 Nov 2025 17:21"), in the person's locale. Plain Intl: no Node,
// no DOM. Only for what is shown at once: a text kept for later (the activity list) must not say
// "today".

const DAY_MS = 86_400_000;

/** The calendar day of `d` in `timeZone` (the machine's own by default), as a UTC midnight. */
function calendarDay(d: Date, timeZone: string | undefined): number {
  const [y, m, day] = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d).split('-').map(Number);
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, day ?? 1);
}

export interface WhenOptions {
  /** With seconds, for lists where several restore points share a minute. */
  seconds?: boolean;
  /** The moment "today" is judged from (tests); now by default. */
  now?: Date;
  /** Show the time in this IANA time zone (a schedule's); the machine's own by default. */
  timeZone?: string;
}

/** A moment as a person says it: "today 17:21", "yesterday 02:30", "Monday 09:00", "24 Nov 17:21". */
export function when(iso: string, o: WhenOptions = {}): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const now = o.now ?? new Date();
  const tz = o.timeZone;
  const time = new Intl.DateTimeFormat(undefined, { timeZone: tz, hour: '2-digit', minute: '2-digit', ...(o.seconds ? { second: '2-digit' } : {}) }).format(d);
  const days = Math.round((calendarDay(d, tz) - calendarDay(now, tz)) / DAY_MS);
  let day: string;
  if (days === 0) day = 'today';
  else if (days === -1) day = 'yesterday';
  else if (days === 1) day = 'tomorrow';
  else if (Math.abs(days) < 7) day = new Intl.DateTimeFormat(undefined, { timeZone: tz, weekday: 'long' }).format(d);
  else {
    const sameYear = new Intl.DateTimeFormat('en', { timeZone: tz, year: 'numeric' }).format(d) === new Intl.DateTimeFormat('en', { timeZone: tz, year: 'numeric' }).format(now);
    day = new Intl.DateTimeFormat(undefined, { timeZone: tz, day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) }).format(d);
  }
  return `${day} ${time}`;
}

/** The same with seconds. */
export const whenExact = (iso: string, o: Omit<WhenOptions, 'seconds'> = {}): string => when(iso, { ...o, seconds: true });
