// The dashboard's first screen: sources and their newest restore points, with Back Up Now.
import { useEffect, useState } from 'react';
import type { StatusView } from '../../shared/ipc-contract.ts';

export function App() {
  const [status, setStatus] = useState<StatusView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();

  const refresh = () =>
    window.lifeboat['status:get'](undefined).then(setStatus, (e: Error) => setError(e.message));
  useEffect(() => void refresh(), []);

  const backUp = async (sourceId: string) => {
    setBusy(sourceId);
    setError(undefined);
    try {
      await window.lifeboat['backup:run']({ sourceId });
      await refresh();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <main>
      <h1>Lifeboat</h1>
      {error && <p role="alert">{error}</p>}
      {!status && !error && <p>Loading…</p>}
      {status && status.sources.length === 0 && <p>No databases yet. Add one with <code>lifeboat sources add &lt;file&gt;</code>.</p>}
      <ul>
        {status?.sources.map((s) => (
          <li key={s.source.id}>
            <strong>{s.source.id}</strong> — {s.source.path} — {s.restorePoints} restore points
            {s.newest && <> — last {new Date(s.newest.createdAt).toLocaleString()}</>}{' '}
            <button type="button" disabled={busy !== undefined} onClick={() => void backUp(s.source.id)}>
              {busy === s.source.id ? 'Backing up…' : 'Back Up Now'}
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}
