// The dashboard shell: navigation between the screens, what runs now, what just happened (with
// Undo after a restore), and the restore confirmation.
import { useEffect } from 'react';
import { Activity } from './activity.tsx';
import { AppSettingsPanel } from './app-settings.tsx';
import { Databases } from './databases.tsx';
import { Destinations } from './destinations.tsx';
import { explain, when } from './format.ts';
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
  const { problem, notice, lastRestore, undo, busy } = useDashboard();
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
