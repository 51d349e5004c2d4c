// Destinations: the vault on this computer and its free space; extra folders (an external disk, a
// NAS); Google Drive: Connect in one click (the system browser; the build's own sign-in), the
// person's own OAuth client under Advanced, the account, its quota, Reconnect and Disconnect.
import { useEffect, useState } from 'react';
import type { DestinationsView, DriveView } from '../../shared/ipc-contract.ts';
import { UsageBar } from './charts.tsx';
import { bytes, when } from './format.ts';
import { useDashboard } from './store.ts';

type Entry = DestinationsView['destinations'][number];
const ENCODINGS: Record<string, { label: string; compressLevel: number | null; encrypt: { kind: 'passphrase' } | null }> = {
  plain: { label: 'as they are', compressLevel: null, encrypt: null },
  zstd: { label: 'compressed', compressLevel: 3, encrypt: null },
  age: { label: 'encrypted with the passphrase', compressLevel: null, encrypt: { kind: 'passphrase' } },
  'zstd+age': { label: 'compressed and encrypted with the passphrase', compressLevel: 3, encrypt: { kind: 'passphrase' } },
};

/** "Copies sent here: …": what this destination does to restore points that are plain in the vault. */
function Encoding({ entry }: { entry: Entry }) {
  const { run } = useDashboard();
  const d = entry.destination;
  if (d.encrypt?.kind === 'recipients') return <p className="muted">Copies sent here are encrypted to key files (set with the command line).</p>;
  const current = `${d.compressLevel !== undefined ? 'zstd' : ''}${d.compressLevel !== undefined && d.encrypt ? '+' : ''}${d.encrypt ? 'age' : ''}` || 'plain';
  return (
    <label className="encoding">
      Copies sent here:{' '}
      <select
        aria-label={`Copies sent to ${d.name}`}
        value={current}
        onChange={(e) => {
          const { compressLevel, encrypt } = ENCODINGS[e.target.value]!;
          void run('encoding', async () => void (await window.lifeboat['destinations:set-encoding']({ id: d.id, compressLevel, encrypt })));
        }}
      >
        {Object.entries(ENCODINGS).map(([value, { label }]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <span className="muted">Restore points encrypted already go as they are; the vault keeps its own copy unchanged.</span>
    </label>
  );
}

/** While copies wait (a new destination's history, a disk back after a while): how far the sending is. */
function Sending({ entry }: { entry: Entry }) {
  if (!entry.pending || !entry.destination.enabled) return null;
  const total = entry.completed + entry.pending;
  return (
    <div className="muted">
      <progress aria-label={`Sending to ${entry.destination.name}`} max={total} value={entry.completed} /> sending {entry.pending} restore point{entry.pending === 1 ? '' : 's'} in the background ({entry.completed} of {total} there)
    </div>
  );
}

/** The person's own Google OAuth client (Advanced): for a build without one of its own, or by choice. */
function OwnClient({ google }: { google: DestinationsView['google'] }) {
  const { run } = useDashboard();
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  return (
    <>
      <p className="muted">
        {google.clientId
          ? `Signing in with your own OAuth client ${google.clientId}${google.hasSecret ? ' (its secret is kept in this computer\'s keychain)' : ''}.`
          : 'Use your own Google OAuth client: a “Desktop app” client from your Google Cloud project (the README, “Google Drive”, shows the five steps). Lifeboat asks only for the files it creates.'}
      </p>
      <form
        className="client"
        onSubmit={(e) => {
          e.preventDefault();
          void run('drive-client', async () => {
            await window.lifeboat['drive:set-client']({ clientId, clientSecret: clientSecret || undefined });
            setClientId('');
            setClientSecret('');
          });
        }}
      >
        <label className="block">
          Client ID
          <input aria-label="Client ID" placeholder="….apps.googleusercontent.com" size={40} value={clientId} onChange={(e) => setClientId(e.target.value)} />
        </label>
        <label className="block">
          Client secret
          <input aria-label="Client secret" type="password" size={24} value={clientSecret} onChange={(e) => setClientSecret(e.target.value)} autoComplete="off" />
        </label>
        <div className="buttons end">
          <button type="submit" disabled={clientId.trim().length < 10}>
            Save client
          </button>
          {google.clientId && google.builtIn && (
            <button type="button" onClick={() => void run('drive-client', async () => void (await window.lifeboat['drive:forget-client'](undefined)))}>
              Use Lifeboat's own sign-in instead
            </button>
          )}
        </div>
      </form>
    </>
  );
}

function GoogleDrive({ view }: { view: DestinationsView }) {
  const { run, busy, revision, connecting, connectDrive } = useDashboard();
  const [drive, setDrive] = useState<DriveView | undefined>();
  useEffect(() => {
    void window.lifeboat['drive:status'](undefined).then(setDrive, () => undefined);
  }, [revision, connecting]);
  const entry = view.destinations.find((d) => d.destination.kind === 'drive');
  const canConnect = view.google.builtIn || view.google.clientId !== undefined;
  const connectButton = (label: string) => (
    <div className="actions start">
      <button type="button" className="primary" disabled={!canConnect || connecting || busy !== undefined} onClick={() => void connectDrive()}>
        {connecting ? 'Waiting for Google…' : label}
      </button>
      {connecting && (
        <button type="button" onClick={() => void window.lifeboat['drive:cancel-connect'](undefined)}>
          Cancel
        </button>
      )}
    </div>
  );
  return (
    <section className="card column" aria-label="Google Drive">
      <h3>Google Drive</h3>
      {drive?.connected ? (
        <>
          {drive.error ? (
            <div className="banner error" role="alert">
              {drive.error}
            </div>
          ) : (
            <>
              <p>
                Connected as <strong>{drive.email}</strong>. New restore points are copied to the folder “Lifeboat Backups”.
              </p>
              <UsageBar label="Google Drive storage" used={drive.usage ?? 0} total={drive.limit} detail={`Lifeboat's restore points take ${bytes(drive.lifeboatBytes ?? 0)}${drive.level !== 'ok' ? ` · ${drive.level === 'critical' ? 'almost full: copies will fail soon' : 'filling up'}` : ''}`} />
            </>
          )}
          {drive.needsReconnect && connectButton('Reconnect Google Drive')}
          {entry && (
            <p className="muted">
              {entry.completed} copied{entry.pending ? ` · ${entry.pending} waiting` : ''}
              {entry.failed ? ` · ${entry.failed} not copied yet${entry.lastError && !drive.needsReconnect ? `: ${entry.lastError}` : ''}` : ''}
              {entry.lastUploadAt ? ` · last copy ${when(entry.lastUploadAt)}` : ''}
            </p>
          )}
          {entry && <Sending entry={entry} />}
          {entry && <Encoding entry={entry} />}
          <div className="actions start">
            <button type="button" disabled={busy !== undefined} onClick={() => void run('drive', async () => void (await window.lifeboat['drive:disconnect'](undefined)))}>
              Disconnect
            </button>
          </div>
          <p className="muted">Disconnecting removes Lifeboat's access; the copies already on Drive stay there.</p>
        </>
      ) : (
        <>
          <p>Keep a copy of every restore point in your Google Drive: it survives this computer. Lifeboat sees only the files it puts there.</p>
          {canConnect ? connectButton('Connect Google Drive') : <p className="muted">This copy of Lifeboat has no Google sign-in of its own: set up your own client below, then connect.</p>}
          {connecting && <p className="muted">Finish signing in to Google in your browser; Lifeboat waits up to five minutes.</p>}
          {/* Open from the start when the build has no sign-in of its own: then it is the only way. */}
          <details className="advanced" open={!view.google.builtIn || undefined}>
            <summary>Advanced: your own Google client</summary>
            <OwnClient google={view.google} />
          </details>
        </>
      )}
    </section>
  );
}

export function Destinations() {
  const { run, busy, revision, show, addFolder } = useDashboard();
  const [view, setView] = useState<DestinationsView | undefined>();
  useEffect(() => {
    void window.lifeboat['destinations:list'](undefined).then(setView, () => undefined);
  }, [revision]);
  if (!view) return <p>Loading…</p>;
  const folders = view.destinations.filter((d) => d.destination.kind === 'folder');
  return (
    <>
      <h2>Destinations</h2>
      <section className="card column" aria-label="Vault">
        <h3>This computer (the vault)</h3>
        <UsageBar label="Vault disk" used={view.vault.usedBytes} total={view.vault.freeBytes !== undefined ? view.vault.usedBytes + view.vault.freeBytes : undefined} detail={`${view.vault.freeBytes !== undefined ? `${bytes(view.vault.freeBytes)} free · ` : ''}${view.vault.dir}`} />
        <p className="muted">
          Every restore point lands here first; the copies below are made from it.{' '}
          <button type="button" className="link" onClick={() => show('settings')}>
            Move it to another disk (Settings)
          </button>
        </p>
      </section>
      <section className="card column" aria-label="Folders">
        <div className="section-head">
          <h3>Folders (an external disk, a NAS)</h3>
          <button type="button" disabled={busy !== undefined} onClick={() => void addFolder()}>
            Add a folder…
          </button>
        </div>
        {folders.length === 0 ? (
          <p className="muted">No folder yet. A copy on another disk survives this computer's disk failing.</p>
        ) : (
          <ul className="plain">
            {folders.map((d) => (
              <li key={d.destination.id} className="folder">
                <div>
                  <strong>{d.destination.name}</strong>{' '}
                  <span className="muted">
                    {d.completed} copied{d.pending ? ` · ${d.pending} waiting` : ''}
                    {d.failed ? ` · ${d.failed} not copied yet${d.lastError ? `: ${d.lastError}` : ''}` : ''}
                    {d.lastUploadAt ? ` · last copy ${when(d.lastUploadAt)}` : ''}
                  </span>
                  <Sending entry={d} />
                </div>
                <div className="actions start">
                  <label>
                    <input
                      type="checkbox"
                      checked={d.destination.enabled}
                      onChange={(e) => void run('dest', async () => void (await window.lifeboat['destinations:set-enabled']({ id: d.destination.id, enabled: e.target.checked })))}
                    />{' '}
                    Copy here
                  </label>
                  <button type="button" className="link" onClick={() => void run('dest', async () => void (await window.lifeboat['destinations:remove']({ id: d.destination.id })))}>
                    Remove
                  </button>
                </div>
                <Encoding entry={d} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <GoogleDrive view={view} />
    </>
  );
}
