// Settings: where the restore points are kept (and moving them, with progress), the time zone
// schedules and daily retention follow, how often the restore points are checked, the app's own
// preferences (tray, login, notifications), and the log.
import { useEffect, useState } from 'react';
import type { SettingsView } from '../../shared/ipc-contract.ts';
import type { AppSettings } from '../../shared/model.ts';
import { AlertSettings } from './alert-settings.tsx';
import { bytes, when } from './format.ts';
import { useDashboard } from './store.ts';

function Vault({ view }: { view: SettingsView }) {
  const { run, busy, jobs } = useDashboard();
  const moving = Object.values(jobs).some((j) => j.kind === 'move-vault');
  return (
    <section className="card column" aria-label="Vault">
      <h3>Where the restore points are kept</h3>
      <p>
        <span className="path">{view.vault.dir}</span>
        <br />
        <span className="muted">
          {view.vault.restorePoints} restore point{view.vault.restorePoints === 1 ? '' : 's'}, {bytes(view.vault.bytes)}
          {view.vault.freeBytes !== undefined ? ` · ${bytes(view.vault.freeBytes)} free on that disk` : ''}
        </span>
      </p>
      {view.vault.problem && (
        <p className="banner error" role="alert">
          {view.vault.problem}.
        </p>
      )}
      <div className="actions start">
        <button type="button" disabled={busy !== undefined || moving} onClick={() => void run('move-vault', async () => void (await window.lifeboat['vault:move'](undefined)))}>
          {moving ? 'Moving…' : 'Move to another folder…'}
        </button>
      </div>
      <p className="muted">Choose an empty folder, for example on a bigger or external disk. Every restore point is copied there and checked before the old ones are removed; if anything goes wrong, they stay where they are.</p>
    </section>
  );
}

function TimeZone({ view, save }: { view: SettingsView; save: (change: Parameters<(typeof window.lifeboat)['settings:set']>[0]) => Promise<void> }) {
  const zones = Intl.supportedValuesOf('timeZone');
  return (
    <section className="card column" aria-label="Time zone">
      <h3>Time zone</h3>
      <label className="block">
        Schedules and “one a day” retention follow
        <select aria-label="Time zone" value={view.timeZone ?? ''} onChange={(e) => void save({ timeZone: e.target.value === '' ? null : e.target.value })}>
          <option value="">this computer's ({view.machineTimeZone})</option>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}

function Checks({ view, save }: { view: SettingsView; save: (change: Parameters<(typeof window.lifeboat)['settings:set']>[0]) => Promise<void> }) {
  const [draft, setDraft] = useState(view.verification);
  // A reload that brings the same values back keeps what the person is typing.
  const saved = JSON.stringify(view.verification);
  useEffect(() => setDraft(JSON.parse(saved) as SettingsView['verification']), [saved]);
  const changed = JSON.stringify(draft) !== JSON.stringify(view.verification);
  const number = (key: keyof SettingsView['verification'], label: string) => (
    <input type="number" min={0} max={key === 'destinationSample' ? 100 : 3650} aria-label={label} value={draft[key]} onChange={(e) => setDraft({ ...draft, [key]: Math.max(0, Math.floor(Number(e.target.value) || 0)) })} />
  );
  const unit = (n: number, one: string, many: string) => (n === 1 ? one : many);
  return (
    <section className="card column" aria-label="Checks">
      <h3>Checking the restore points</h3>
      <p className="muted">Lifeboat reads its restore points again on a schedule, so a disk that damages them is noticed before you need them (0 switches a check off).</p>
      <ul className="rules">
        <li>
          <label>
            Check the newest restore point of each database every {number('newestEveryDays', 'Check the newest every … days')} {unit(draft.newestEveryDays, 'day', 'days')}
          </label>
        </li>
        <li>
          <label>
            Check every restore point every {number('allEveryDays', 'Check all every … days')} {unit(draft.allEveryDays, 'day', 'days')}
          </label>
        </li>
        <li>
          <label>
            Each time, download and check {number('destinationSample', 'Copies checked at each destination')} {unit(draft.destinationSample, 'copy', 'copies')} at each destination
          </label>
        </li>
      </ul>
      <div className="buttons">
        <button type="button" className="primary" disabled={!changed} onClick={() => void save({ verification: draft })}>
          Save
        </button>
      </div>
      <p className="muted">
        {view.lastCheck ? `Last check ${when(view.lastCheck.at)}: ${view.lastCheck.text}` : 'No scheduled check has run yet.'}
        {view.nextCheckAt ? ` Next check ${when(view.nextCheckAt)}.` : ''}
      </p>
    </section>
  );
}

export function AppSettingsPanel() {
  const { run, revision } = useDashboard();
  const [settings, setSettings] = useState<AppSettings | undefined>();
  const [view, setView] = useState<SettingsView | undefined>();
  useEffect(() => {
    void window.lifeboat['app-settings:get'](undefined).then(setSettings, () => undefined);
    void window.lifeboat['settings:get'](undefined).then(setView, () => undefined);
  }, [revision]);
  if (!settings || !view) return <p>Loading…</p>;
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
  const save = (change: Parameters<(typeof window.lifeboat)['settings:set']>[0]) => run('settings', async () => setView(await window.lifeboat['settings:set'](change)));
  return (
    <>
      <h2>Settings</h2>
      <Vault view={view} />
      <TimeZone view={view} save={save} />
      <Checks view={view} save={save} />
      <AlertSettings />
      <section className="card column" aria-label="App settings">
        <h3>The app</h3>
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
        <h3>The log</h3>
        <p>Lifeboat writes what it does (backups, copies, restores, and every error with its details) to a log. Support may ask for it; it never contains a passphrase or a password.</p>
        <div>
          <button type="button" onClick={() => void run('log', async () => void (await window.lifeboat['log:open'](undefined)))}>
            Open the log
          </button>
        </div>
      </section>
    </>
  );
}
