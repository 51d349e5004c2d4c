// The dashboard shell: navigation between the screens, what runs now, and what just happened (with
// Undo after a restore). Restores, undo and deletes are confirmed by main in a native dialog that
// names the real file, never by the renderer.
import { useEffect } from 'react';
import { Activity } from './activity.tsx';
import { AppSettingsPanel } from './app-settings.tsx';
import { Databases } from './databases.tsx';
import { Destinations } from './destinations.tsx';
import { explain } from './format.ts';
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

function Messages() {
  const { problem, notice, lastRestore, lastRecover, undo, dismissUndo, busy } = useDashboard();
  const undoButtons = (
    <span className="banner-actions">
      <button type="button" disabled={busy !== undefined} onClick={() => void undo()}>
        Undo
      </button>
      <button type="button" className="link" onClick={dismissUndo}>
        Hide
      </button>
    </span>
  );
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
          <span>
            Restored. The previous database was kept as a safety copy.
            {lastRestore.requiresRestart && ` Restart the programs that had it open: ${lastRestore.holders.map((h) => h.name).join(', ') || 'any that did'}.`}
          </span>
          {undoButtons}
        </div>
      )}
      {lastRecover && (
        <div className="banner ok" role="status">
          <span>
            Brought back {lastRecover.tables.map((t) => `${(t.inserted + t.replaced).toLocaleString()} row${t.inserted + t.replaced === 1 ? '' : 's'} into ${t.table}${t.replaced ? ` (${t.replaced} replaced)` : ''}`).join(', ')}. The database before was kept as a safety copy.
          </span>
          {undoButtons}
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
    </div>
  );
}
