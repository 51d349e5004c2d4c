// How numbers, times and schedules read on screen. Every date the dashboard shows goes through
// `when` (shared/time-words.ts, which main's dialogs use too): "today 17:21", "yesterday 02:30".
import type { Schedule } from '../../shared/model.ts';
import { WEEKDAY_NAMES } from '../../shared/schedule-words.ts';

export { when, whenExact, type WhenOptions } from '../../shared/time-words.ts';

/** Bytes as B/KB/MB/GB (powers of 1000, as file managers show them): the CLI's and the log's words too. */
export { formatBytes as bytes } from '../../shared/bytes.ts';

/** How long ago (or from now) in words: "just now", "5 min ago", "3 hours ago", "2 days ago", "in 40 min". */
export function ago(iso: string, now: Date = new Date()): string {
  const ms = now.getTime() - Date.parse(iso);
  const future = ms < 0;
  const s = Math.abs(ms) / 1000;
  if (s < 60) return future ? 'in under a minute' : 'just now';
  const [n, unit] = s < 3600 ? [Math.round(s / 60), 'min'] : s < 86_400 ? [Math.round(s / 3600), 'hour'] : [Math.round(s / 86_400), 'day'];
  const words = `${n} ${unit}${unit !== 'min' && n !== 1 ? 's' : ''}`;
  return future ? `in ${words}` : `${words} ago`;
}

/** A duration in words: "under 1 s", "12 s", "3 min 5 s". */
export const duration = (seconds: number): string => (seconds < 1 ? 'under 1 s' : seconds < 60 ? `${Math.round(seconds)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`);

/** A time of day ("02:30" in a schedule) the way the person's clock shows it: "2:30 AM" or "02:30". */
export function clock(time: string): string {
  const [h, m] = time.split(':').map(Number);
  return new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).format(new Date(Date.UTC(2000, 0, 1, h ?? 0, m ?? 0)));
}

/** A schedule as the rest of a sentence: "every hour, on the hour", "every day at 2:30 AM", "off". */
export function scheduleWords(s: Schedule): string {
  switch (s.kind) {
    case 'off':
      return 'off';
    case 'hourly':
      return s.minute === 0 ? 'every hour, on the hour' : `every hour at :${String(s.minute).padStart(2, '0')}`;
    case 'daily':
      return `every day at ${clock(s.time)}`;
    case 'weekly':
      return `every ${WEEKDAY_NAMES[s.weekday]} at ${clock(s.time)}`;
    case 'cron':
      return `on a custom schedule (${s.expression})`;
  }
}

/** Time left in words, never "0 s": "a few seconds left", "about 40 s left", "about 3 min left". */
export function timeLeft(seconds: number): string {
  if (seconds < 10) return 'a few seconds left';
  if (seconds < 60) return `about ${Math.round(seconds / 5) * 5} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}

const sentence = (text: string): string => {
  const t = text.trim();
  return t === '' || /[.!?…]$/.test(t) ? t : `${t}.`;
};

/** An error as what happened and what to do, each one sentence: "X is not there. Connect the disk." */
export const explain = (e: { message: string; hint?: string }): string => [sentence(e.message), sentence(e.hint ?? '')].filter(Boolean).join(' ');

/** When a restore point was taken, from its id ("20261122T103700Z-a1b2c3"); undefined for anything else. */
export function idTime(id: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(id);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : undefined;
}
