// The app's own preferences: stay in the tray when the window closes, start at login, notify on
// every successful backup.
import { useEffect, useState } from 'react';
import type { AppSettings } from '../../shared/model.ts';
import { useDashboard } from './store.ts';

export function AppSettingsPanel() {
  const { run, revision } = useDashboard();
  const [settings, setSettings] = useState<AppSettings | undefined>();
  useEffect(() => {
    void window.lifeboat['app-settings:get'](undefined).then(setSettings, () => undefined);
  }, [revision]);
  if (!settings) return <p>Loading…</p>;
  // Shown at once, then confirmed by what main saved (a failure puts the saved value back).
  const set = (change: Partial<AppSettings>) => {
    setSettings({ ...settings, ...change });
    return run('app-settings', async () => {
      try {
        setSettings(await window.lifeboat['app-settings:set'](change));
      } catch (e) {
        setSettings(await window.lifeboat['app-settings:get'](undefined));
        throw e;
      }
    });
  };
  return (
    <>
      <h2>Settings</h2>
      <section className="card column" aria-label="App settings">
        <label>
          <input type="checkbox" checked={settings.closeToTray} onChange={(e) => void set({ closeToTray: e.target.checked })} /> Keep Lifeboat in the tray when its window is closed, so scheduled backups keep running
        </label>
        <label>
          <input type="checkbox" checked={settings.openAtLogin} onChange={(e) => void set({ openAtLogin: e.target.checked })} /> Start Lifeboat when I log in (in the tray)
        </label>
        <label>
          <input type="checkbox" checked={settings.notifyOnSuccess} onChange={(e) => void set({ notifyOnSuccess: e.target.checked })} /> Notify me after every successful backup (failures are always notified)
        </label>
      </section>
      <section className="card column" aria-label="Log">
        <p>
          Lifeboat writes what it does (backups, copies, restores, and every error with its details) to a log. Support may ask for it; it never contains a passphrase or a
          password.
        </p>
        <div>
          <button type="button" onClick={() => void run('log', async () => void (await window.lifeboat['log:open'](undefined)))}>
            Open the log
          </button>
        </div>
      </section>
    </>
  );
}
