// Health: one judgement of "is everything protected?", made in one place from what the engine,
// the scheduler and the destinations know. The dashboard, the tray icon and the notifications all
// show this same answer, so they never disagree.
import type { Destination, Health, HealthReason, Manifest, Source } from '../../shared/model.ts';
import { restorePointTime } from '../engine/manifest.ts';

export interface HealthInput {
  now: Date;
  sources: { source: Source; missing: boolean; newest?: Manifest }[];
  freeBytes?: number;
  /** Per source, from the scheduler. */
  schedule: { sourceId: string; scheduled: boolean; lastOk?: boolean; lastError?: string }[];
  schedulePaused: boolean;
  destinations: { destination: Destination; failed: number; lastError?: string }[];
}

const DAY = 86_400_000;
/** A restore point older than this is stale (a week without one is a week of work at risk). */
export const STALE_AFTER_DAYS = 7;
/** Below this much free space in the vault's disk the next backups may not fit. */
export const LOW_SPACE_BYTES = 1024 ** 3;

/** Judges health; every reason says what to do. Errors outrank warnings. */
export function judgeHealth(input: HealthInput): Health {
  const reasons: HealthReason[] = [];
  const add = (r: HealthReason) => reasons.push(r);
  if (input.sources.length === 0) add({ level: 'warning', text: 'No database is protected yet.', action: 'Add one with "Add a database…".' });
  for (const { source, missing, newest } of input.sources) {
    const name = source.name;
    if (missing) add({ level: 'error', sourceId: source.id, text: `${name} is missing from ${source.path}.`, action: 'Connect the disk it is on, or restore it from a restore point.' });
    if (!newest) {
      add({ level: 'warning', sourceId: source.id, text: `${name} has no restore point yet.`, action: 'Click Back Up Now.' });
      continue;
    }
    if (newest.integrity.status !== 'ok') add({ level: 'error', sourceId: source.id, text: `${name}: the last copy failed its integrity check.`, action: 'Restore an earlier restore point, or repair the database.' });
    // Lifeboat's own time for it: one pulled from a destination cannot date itself into the future.
    const ageDays = (input.now.getTime() - Date.parse(restorePointTime(newest))) / DAY;
    if (ageDays >= STALE_AFTER_DAYS) {
      add({ level: 'warning', sourceId: source.id, text: `${name} has not been backed up for ${Math.floor(ageDays)} days.`, action: 'Click Back Up Now, or give it a schedule.' });
    }
    const run = input.schedule.find((s) => s.sourceId === source.id);
    if (run?.lastOk === false) add({ level: 'error', sourceId: source.id, text: `The last scheduled backup of ${name} failed: ${run.lastError ?? 'unknown error'}.`, action: 'Fix what it says, then click Back Up Now.' });
  }
  if (input.schedulePaused && input.schedule.some((s) => s.scheduled)) add({ level: 'warning', text: 'Scheduled backups are paused.', action: 'Resume them from the tray menu or the Overview.' });
  if (input.freeBytes !== undefined && input.freeBytes < LOW_SPACE_BYTES && input.sources.length > 0) {
    add({ level: 'warning', text: `The vault's disk is almost full (${Math.round(input.freeBytes / 1024 ** 2)} MB free).`, action: 'Free some space, or keep fewer restore points (Retention).' });
  }
  for (const d of input.destinations) {
    if (!d.destination.enabled || d.failed === 0) continue;
    if (d.lastError?.startsWith('Reconnect Google Drive')) {
      add({ level: 'error', destinationId: d.destination.id, text: `${d.destination.name} needs reconnecting: copies are waiting.`, action: 'Open Destinations and click Reconnect.' });
    } else {
      add({ level: 'warning', destinationId: d.destination.id, text: `${d.failed} cop${d.failed === 1 ? 'y' : 'ies'} to ${d.destination.name} failed${d.lastError ? `: ${d.lastError}` : ''}.`, action: 'Lifeboat retries on its own; check the destination if this stays.' });
    }
  }
  reasons.sort((a, b) => (a.level === b.level ? 0 : a.level === 'error' ? -1 : 1));
  const level = reasons.some((r) => r.level === 'error') ? 'error' : reasons.length ? 'warning' : 'healthy';
  const summary = level === 'healthy' ? 'Everything is protected' : level === 'warning' ? 'Needs attention' : 'Problem';
  return { level, summary, reasons };
}
