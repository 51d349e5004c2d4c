// The dashboard shell: navigation between the screens, what runs now, what just happened (with
// Undo after a restore), and the restore confirmation.
import { useEffect, useRef, useState } from 'react';
import { restoreSentence, schemaSentence } from '../../shared/comparison-words.ts';
import type { Comparison } from '../../shared/inside.ts';
import { Activity } from './activity.tsx';
import { AppSettingsPanel } from './app-settings.tsx';
import { Databases } from './databases.tsx';
import { Destinations } from './destinations.tsx';
import { explain, when } from './format.ts';
import { jobOf } from './inside.tsx';
import { RunningJobs } from './job-progress.tsx';
import { Overview } from './overview.tsx';
import { RestorePoints } from './restore-points.tsx';
import { useDashboard, type Screen } from './store.ts';

const SCREENS: { id: Screen; label: string }[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'restore-points', label: 'Restore points' },
  { id: 'databases', label: 'Databases' },
  { id: 'destinations', label: 'Destinations' },
  { id: 'activity', label: 'Activity' },
  { id: 'settings', label: 'Settings' },
];

/**
 * What the restore would change, compared with the database now: "Restoring to 02:30 gives back 3
 * orders and loses 46 orders and 12 customers added since." Computed while the person reads; the
 * comparison stops when the dialog closes, and never holds up the restore.
 */
function WhatChanges({ id, createdAt }: { id: string; createdAt: string }) {
  const { jobs, cancel } = useDashboard();
  const [comparison, setComparison] = useState<Comparison>();
  const [failed, setFailed] = useState<string>();
  useEffect(() => {
    let alive = true;
    window.lifeboat['inside:compare']({ id }).then(
      (c) => alive && setComparison(c),
      (e: Error & { hint?: string; code?: string }) => alive && e.code !== 'cancelled' && setFailed(explain(e)),
    );
    return () => {
      alive = false;
    };
  }, [id]);
  const job = jobOf(jobs, 'compare', id);
  const running = useRef<string | undefined>(undefined);
  running.current = comparison || failed ? undefined : job?.id;
  // Closing the dialog (or restoring) stops a comparison still running.
  useEffect(
    () => () => {
      if (running.current) void cancel(running.current);
    },
    [cancel],
  );
  if (failed) return <p className="muted">Lifeboat could not compare it with the database now: {failed}</p>;
  if (!comparison) {
    return (
      <p className="muted" role="status" aria-label="Comparing">
        Comparing with the database now…{job?.progress?.percent !== undefined ? ` ${job.progress.percent}%` : ''}
      </p>
    );
  }
  return (
    <p className="what-changes" aria-label="What changes">
      {restoreSentence(comparison, when(createdAt))} {schemaSentence(comparison) ?? ''}
    </p>
  );
}

function RestoreDialog() {
  const { confirming, restore, askRestore, busy, status } = useDashboard();
  // Escape closes the confirmation, as it does any dialog.
  useEffect(() => {
    if (!confirming) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && askRestore(undefined);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [confirming, askRestore]);
  if (!confirming) return null;
  const { row, toAnotherFile } = confirming;
  const path = status?.sources.find((s) => s.source.id === row.sourceId)?.source.path;
  return (
    <div className="backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="restore-title">
        <h2 id="restore-title">
          {toAnotherFile ? `Restore ${row.sourceName} from ${when(row.createdAt)} into a new file?` : `Restore ${row.sourceName} to ${when(row.createdAt)}?`}
        </h2>
        {toAnotherFile ? (
          <p>You choose where the restored copy goes. The database Lifeboat protects is not touched.</p>
        ) : (
          <>
            <p>
              The database at <code>{path ?? row.sourceName}</code> will be replaced by this restore point. A <strong>safety copy</strong> of it is taken first, so you can undo this.
            </p>
            <WhatChanges id={row.id} createdAt={row.createdAt} />
            <p>A program that has the database open will see the restored data; restart it afterwards so it forgets what it had in memory.</p>
          </>
        )}
        <div className="buttons">
          <button type="button" onClick={() => askRestore(undefined)} autoFocus>
            Cancel
          </button>
          <button type="button" className="primary" disabled={busy !== undefined} onClick={() => void restore(row.id, toAnotherFile)}>
            {toAnotherFile ? 'Choose a file…' : 'Restore'}
          </button>
        </div>
      </div>
    </div>
  );
}

function Messages() {
  const { problem, notice, lastRestore, lastRecover, undo, busy } = useDashboard();
  return (
    <>
      {problem && (
        <div className="banner error" role="alert">
          {explain(problem)}
        </div>
      )}
      {notice && (
        <div className="banner ok" role="status">
          {notice}
        </div>
      )}
      {lastRestore && (
        <div className="banner ok" role="status">
          Restored. The previous database was kept as a safety copy.
          {lastRestore.requiresRestart && ` Restart the programs that had it open: ${lastRestore.holders.map((h) => h.name).join(', ') || 'any that did'}.`}{' '}
          <button type="button" disabled={busy !== undefined} onClick={() => void undo()}>
            Undo
          </button>
        </div>
      )}
      {lastRecover && (
        <div className="banner ok" role="status">
          Brought back {lastRecover.tables.map((t) => `${(t.inserted + t.replaced).toLocaleString()} row${t.inserted + t.replaced === 1 ? '' : 's'} into ${t.table}${t.replaced ? ` (${t.replaced} replaced)` : ''}`).join(', ')}. The database before was kept as a safety copy.{' '}
          <button type="button" disabled={busy !== undefined} onClick={() => void undo()}>
            Undo
          </button>
        </div>
      )}
    </>
  );
}

export function App() {
  const { refresh, listen, screen, show, status } = useDashboard();
  useEffect(() => {
    void refresh();
    return listen();
  }, [refresh, listen]);
  return (
    <div className="layout">
      <nav aria-label="Screens">
        <h1>
          <span className={`dot dot-${status?.health.level ?? 'healthy'}`} aria-hidden="true" /> Lifeboat
        </h1>
        <ul>
          {SCREENS.map((s) => (
            <li key={s.id}>
              <button type="button" aria-current={screen === s.id ? 'page' : undefined} onClick={() => show(s.id)}>
                {s.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main>
        <RunningJobs />
        <Messages />
        {screen === 'overview' && <Overview />}
        {screen === 'restore-points' && <RestorePoints />}
        {screen === 'databases' && <Databases />}
        {screen === 'destinations' && <Destinations />}
        {screen === 'activity' && <Activity />}
        {screen === 'settings' && <AppSettingsPanel />}
      </main>
      <RestoreDialog />
    </div>
  );
}
