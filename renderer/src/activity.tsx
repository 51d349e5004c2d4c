// Activity: recent jobs (backups, restores, verifications) with how they ended and why.
import { useEffect, useState } from 'react';
import type { JobView } from '../../shared/model.ts';
import { duration, idTime, when, whenExact } from './format.ts';
import { useDashboard } from './store.ts';

const OUTCOME: Record<string, string> = { ok: 'Done', failed: 'Failed', cancelled: 'Cancelled' };
/** Who ran it: every program's operations are in the one history. */
const BY: Record<NonNullable<JobView['by']>, string> = { app: 'This app', cli: 'Command line', daemon: 'Daemon' };

export function Activity() {
  const rows = useDashboard((s) => s.rows);
  const jobs = useDashboard((s) => s.jobs);
  const [activity, setActivity] = useState<JobView[] | undefined>();
  useEffect(() => {
    void window.lifeboat['activity:list'](undefined).then(setActivity, () => undefined);
  }, [rows, jobs]);
  if (!activity) return <p>Loading…</p>;
  if (activity.length === 0) return <div className="empty">Nothing has run yet. Backups, restores and verifications will be listed here, whether the app, the daemon or the command line runs them.</div>;
  return (
    <>
      <h2>Activity</h2>
      <table aria-label="Activity">
        <thead>
          <tr>
            <th>Started</th>
            <th>By</th>
            <th>What</th>
            <th>Result</th>
            <th>Took</th>
          </tr>
        </thead>
        <tbody>
          {activity.map((j) => (
            <tr key={j.id} className={j.outcome === 'failed' ? 'err' : undefined}>
              <td className="when">{when(j.startedAt)}</td>
              <td className="muted">{BY[j.by ?? 'app']}</td>
              <td>
                <span>
                  {j.title}
                  {j.trigger === 'scheduled' ? ' (scheduled)' : ''}
                </span>
                {j.restorePointId && idTime(j.restorePointId) && j.kind !== 'backup' && <div className="muted">restore point of {whenExact(idTime(j.restorePointId)!)}</div>}
              </td>
              <td>
                {j.outcome === 'cancelled' && j.message ? j.message : `${j.outcome ? OUTCOME[j.outcome] : 'Running'}${j.message ? `: ${j.message}` : ''}`}
                {j.hint ? <div className="muted">{j.hint}</div> : null}
              </td>
              <td>{j.finishedAt ? duration((Date.parse(j.finishedAt) - Date.parse(j.startedAt)) / 1000) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
