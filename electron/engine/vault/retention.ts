// Retention: which restore points of one source to keep, and why. A pure function of the restore
// points, the policy and the clock, so every rule is tested without touching a disk.
import type { Manifest, RetentionPolicy } from '../../../shared/model.ts';
import { restorePointTime } from './manifest.ts';

export interface RetentionOptions {
  now: Date;
  safetyWindowDays: number;
  /** IANA time zone for day/week/month/year buckets; the machine's own by default. */
  timeZone?: string;
  /** Restore points whose last verification failed: they are not "verified", so never the newest good one. */
  failedVerification?: Set<string>;
}

export interface RetentionDecision {
  id: string;
  createdAt: string;
  /** Why it is kept; empty for one that would be deleted. */
  reasons: string[];
}

export interface RetentionPlan {
  keep: RetentionDecision[];
  remove: RetentionDecision[];
}

const DAY_MS = 86_400_000;

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** The calendar date of an instant in a time zone (one formatter for a whole plan: making one is slow). */
function dateIn(timeZone: string | undefined): (at: Date) => LocalDate {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (at) => {
    const parts = format.formatToParts(at);
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return { year: get('year'), month: get('month'), day: get('day') };
  };
}

/** "2026-11-27 07:00" in a time zone (the machine's own by default), as the CLI prints every time. */
function minuteIn(timeZone: string | undefined): (at: Date) => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return (at) => {
    const parts = format.formatToParts(at);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
  };
}

/** ISO 8601 week of a calendar date, as `2026-W47`. */
export function isoWeek({ year, month, day }: LocalDate): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = (date.getUTCDay() + 6) % 7; // Monday = 0
  date.setUTCDate(date.getUTCDate() - weekday + 3); // the Thursday of this week decides its year
  const weekYear = date.getUTCFullYear();
  const ordinal = Math.floor((date.getTime() - Date.UTC(weekYear, 0, 1)) / DAY_MS);
  const week = Math.floor(ordinal / 7) + 1;
  return `${weekYear}-W${String(week).padStart(2, '0')}`;
}

type Bucket = { rule: keyof RetentionPolicy; label: string; key: (d: LocalDate) => string };
const BUCKETS: Bucket[] = [
  { rule: 'keepDaily', label: 'daily', key: (d) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}` },
  { rule: 'keepWeekly', label: 'weekly', key: isoWeek },
  { rule: 'keepMonthly', label: 'monthly', key: (d) => `${d.year}-${String(d.month).padStart(2, '0')}` },
  { rule: 'keepYearly', label: 'yearly', key: (d) => String(d.year) },
];

/**
 * Decides, for the restore points of ONE source, which to keep and which retention may delete.
 * Never deleted, whatever the policy: the newest restore point that passed its integrity check (and
 * the newest such one taken on this machine, when a received one is newer), a safety copy inside its
 * protection window, a pinned restore point, and the newest `minCount`. Order and age come from
 * `restorePointTime`, so a received manifest cannot date itself past its arrival.
 * Safety copies follow their own rule (the protection window) and never count toward another:
 * they are not "the last N", a day's copy or part of the minimum, so restores never crowd out
 * real restore points.
 */
export function planRetention(points: Manifest[], policy: RetentionPolicy, opts: RetentionOptions): RetentionPlan {
  // Lifeboat's order: a restore point received from a destination is never newer than its arrival.
  const time = new Map(points.map((p) => [p.id, restorePointTime(p)]));
  const at = (p: Manifest) => time.get(p.id) as string;
  const sorted = [...points].sort((a, b) => (at(a) === at(b) ? b.id.localeCompare(a.id) : at(b).localeCompare(at(a))));
  const reasons = new Map<string, string[]>(sorted.map((p) => [p.id, []]));
  const why = (id: string, reason: string) => reasons.get(id)?.push(reason);
  const now = opts.now.getTime();
  const localMinute = minuteIn(opts.timeZone);
  const real = sorted.filter((p) => p.trigger !== 'safety');
  const verified = real.filter((p) => p.integrity.status === 'ok' && !opts.failedVerification?.has(p.id));

  for (const p of sorted) {
    if (p.pinned) why(p.id, 'pinned');
    const age = now - Date.parse(at(p));
    if (p.trigger === 'safety' && age < opts.safetyWindowDays * DAY_MS) {
      const until = localMinute(new Date(Date.parse(at(p)) + opts.safetyWindowDays * DAY_MS));
      why(p.id, `safety copy, protected until ${until}`);
    }
    if (policy.keepWithinDays > 0 && age < policy.keepWithinDays * DAY_MS) why(p.id, `younger than ${policy.keepWithinDays} days`);
  }
  if (verified[0]) why(verified[0].id, 'newest verified restore point');
  // Restore points brought in from a destination cannot crowd out the newest one made here.
  const newestOwn = verified.find((p) => p.received === undefined);
  if (newestOwn && newestOwn !== verified[0]) why(newestOwn.id, 'newest verified restore point taken on this machine');
  verified.slice(0, policy.keepLast).forEach((p, i) => why(p.id, `last ${policy.keepLast} (#${i + 1})`));

  const localDate = dateIn(opts.timeZone);
  const dates = new Map(verified.map((p) => [p.id, localDate(new Date(at(p)))]));
  for (const bucket of BUCKETS) {
    const limit = policy[bucket.rule];
    if (limit <= 0) continue;
    const seen = new Set<string>();
    for (const p of verified) {
      if (seen.size >= limit) break;
      const key = bucket.key(dates.get(p.id) as LocalDate);
      if (seen.has(key)) continue;
      seen.add(key);
      why(p.id, `${bucket.label} ${key}`);
    }
  }

  let kept = real.filter((p) => (reasons.get(p.id)?.length ?? 0) > 0).length;
  for (const p of real) {
    if (kept >= policy.minCount) break;
    if ((reasons.get(p.id)?.length ?? 0) === 0) {
      why(p.id, `minimum of ${policy.minCount} restore points`);
      kept++;
    }
  }

  const plan: RetentionPlan = { keep: [], remove: [] };
  for (const p of sorted) {
    const decision = { id: p.id, createdAt: p.createdAt, reasons: reasons.get(p.id) ?? [] };
    (decision.reasons.length > 0 ? plan.keep : plan.remove).push(decision);
  }
  return plan;
}
