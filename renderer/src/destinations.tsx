// Destinations: the vault on this computer and its free space; extra folders (an external disk, a
// NAS); Google Drive with the person's own OAuth client, Connect (in the system browser), the
// account, its quota and Disconnect.
import { useEffect, useState } from 'react';
import type { DestinationsView, DriveView } from '../../shared/ipc-contract.ts';
import { UsageBar } from './charts.tsx';
import { bytes, explain, when } from './format.ts';
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
  if (d.encrypt?.kind === 'recipients') return <p className="muted">Copies sent here are encrypted to age keys (set with the command line).</p>;
  const current = `${d.compressLevel !== undefined ? 'zstd' : ''}${d.compressLevel !== undefined && d.encrypt ? '+' : ''}${d.encrypt ? 'age' : ''}` || 'plain';
  return (
    <label>
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
      </select>{' '}
      <span className="muted">(already encrypted restore points go as they are; the vault keeps its own copy unchanged)</span>
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

function GoogleDrive({ view }: { view: DestinationsView }) {
  const { run, busy, revision } = useDashboard();
  const [drive, setDrive] = useState<DriveView | undefined>();
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [waiting, setWaiting] = useState(false);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    void window.lifeboat['drive:status'](undefined).then(setDrive, () => undefined);
  }, [revision]);
  const connect = async () => {
    setWaiting(true);
    setError(undefined);
    try {
      setDrive(await window.lifeboat['drive:connect'](undefined));
    } catch (e) {
      setError(explain(e as Error & { hint?: string }));
    } finally {
      setWaiting(false);
    }
  };
  const entry = view.destinations.find((d) => d.destination.kind === 'drive');
  return (
    <section className="card column" aria-label="Google Drive">
      <h3>Google Drive</h3>
      {drive?.connected ? (
        <>
          {drive.error ? (
            <p className="err" role="alert">
              {drive.error}
            </p>
          ) : (
            <>
              <p>
                Connected as <strong>{drive.email}</strong>. New restore points are copied to the folder “Lifeboat Backups”.
              </p>
              <UsageBar label="Google Drive storage" used={drive.usage ?? 0} total={drive.limit} detail={`Lifeboat's restore points take ${bytes(drive.lifeboatBytes ?? 0)}${drive.level !== 'ok' ? ` · ${drive.level === 'critical' ? 'almost full: uploads will fail soon' : 'filling up'}` : ''}`} />
            </>
          )}
          {entry && (
            <p className="muted">
              {entry.completed} copied{entry.pending ? ` · ${entry.pending} waiting` : ''}
              {entry.failed ? ` · ${entry.failed} failed${entry.lastError ? `: ${entry.lastError}` : ''}` : ''}
              {entry.lastUploadAt ? ` · last upload ${when(entry.lastUploadAt)}` : ''}
            </p>
          )}
          {entry && <Sending entry={entry} />}
          {entry && <Encoding entry={entry} />}
          <div className="actions start">
            {drive.error?.startsWith('Reconnect') && (
              <button type="button" className="primary" disabled={waiting} onClick={() => void connect()}>
                Reconnect
              </button>
            )}
            <button type="button" disabled={busy !== undefined} onClick={() => void run('drive', async () => void (await window.lifeboat['drive:disconnect'](undefined)))}>
              Disconnect
            </button>
          </div>
          <p className="muted">Disconnecting revokes Lifeboat's access; the copies already on Drive stay there.</p>
        </>
      ) : (
        <>
          <p className="muted">
            Lifeboat signs in with your own Google OAuth client (a “Desktop app” client in your Google Cloud project, five minutes to set up; see the README). It asks only for access to the files it creates.
          </p>
          <form
            className="client"
            onSubmit={(e) => {
              e.preventDefault();
              void run('drive-client', async () => {
                await window.lifeboat['drive:set-client']({ clientId, clientSecret: clientSecret || undefined });
                setClientSecret('');
              });
            }}
          >
            <input aria-label="Client ID" placeholder={view.google.clientId ?? 'Client ID (…apps.googleusercontent.com)'} value={clientId} onChange={(e) => setClientId(e.target.value)} />
            <input aria-label="Client secret" type="password" placeholder={view.google.hasSecret ? 'Client secret (saved)' : 'Client secret'} value={clientSecret} onChange={(e) => setClientSecret(e.target.value)} autoComplete="off" />
            <button type="submit" disabled={clientId.trim().length < 10}>
              Save client
            </button>
          </form>
          <div className="actions start">
            <button type="button" className="primary" disabled={!view.google.clientId || waiting} onClick={() => void connect()}>
              {waiting ? 'Waiting for Google…' : 'Connect Google Drive'}
            </button>
            {waiting && (
              <button type="button" onClick={() => void window.lifeboat['drive:cancel-connect'](undefined)}>
                Cancel
              </button>
            )}
          </div>
          {waiting && <p className="muted">Finish signing in in your browser; Lifeboat waits up to five minutes.</p>}
        </>
      )}
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export function Destinations() {
  const { run, busy, revision } = useDashboard();
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
        <UsageBar label="Vault disk" used={view.vault.usedBytes} total={view.vault.freeBytes !== undefined ? view.vault.usedBytes + view.vault.freeBytes : undefined} detail={`${view.vault.dir}${view.vault.freeBytes !== undefined ? ` · ${bytes(view.vault.freeBytes)} free` : ''}`} />
        <p className="muted">Every restore point lands here first; the copies below are made from it.</p>
      </section>
      <section className="card column" aria-label="Folders">
        <div className="section-head">
          <h3>Folders (an external disk, a NAS)</h3>
          <button type="button" disabled={busy !== undefined} onClick={() => void run('add-folder', async () => void (await window.lifeboat['destinations:add-folder'](undefined)))}>
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
                    {d.failed ? ` · ${d.failed} failed${d.lastError ? `: ${d.lastError}` : ''}` : ''}
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
