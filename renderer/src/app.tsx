// The dashboard: the databases Lifeboat protects with Back Up Now, the restore points with verify
// and restore, and the restore flow (confirmation, result, Undo).
import { useEffect, useState } from 'react';
import { ScheduleEditor, describe } from './schedule-editor.tsx';
import type { Manifest } from '../../shared/model.ts';
import { useDashboard } from './store.ts';

const bytes = (n: number) => (n === 0 ? '0 KB' : n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} KB`);
const when = (iso: string) => new Date(iso).toLocaleString();

function Health() {
  const status = useDashboard((s) => s.status);
  const points = useDashboard((s) => s.points);
  if (!status) return null;
  const never = status.sources.filter((s) => !s.newest);
  const failed = status.sources.filter((s) => s.newest && s.newest.integrity.status !== 'ok');
  const missing = status.sources.filter((s) => s.missing);
  const level = failed.length || missing.length ? 'error' : never.length || status.sources.length === 0 ? 'warning' : 'healthy';
  const reasons = [
    ...missing.map((s) => `${s.source.name} is missing from ${s.source.path}. Connect the disk it is on, or restore it from a restore point.`),
    ...failed.map((s) => `${s.source.name}: the last copy failed its integrity check. Restore an earlier point or repair the database.`),
    ...never.map((s) => `${s.source.name} has no restore point yet. Click Back Up Now.`),
    ...(status.sources.length === 0 ? ['No database is protected yet. Add one to start.'] : []),
  ];
  return (
    <section className={`health health-${level}`} aria-label="Health">
      <strong>{level === 'healthy' ? 'Everything is protected' : level === 'warning' ? 'Needs attention' : 'Problem'}</strong>
      <span>
        {points.length} restore point{points.length === 1 ? '' : 's'} · vault {status.freeBytes !== undefined ? `${bytes(status.freeBytes)} free` : ''}
      </span>
      {reasons.length > 0 && (
        <ul>
          {reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Sources() {
  const { status, busy, addSource, backUp, refresh } = useDashboard();
  const [editing, setEditing] = useState<string | undefined>();
  if (!status) return <p>Loading…</p>;
  return (
    <section aria-label="Databases">
      <div className="section-head">
        <h2>Databases</h2>
        <button type="button" onClick={() => void addSource()} disabled={busy !== undefined}>
          Add a database…
        </button>
      </div>
      {status.sources.length === 0 ? (
        <div className="empty">
          <p>Lifeboat keeps restore points of the database your shop or app lives on (for example <code>store.db</code>).</p>
          <p>Choose it with <em>Add a database…</em>, then click <em>Back Up Now</em>.</p>
        </div>
      ) : (
        <ul className="cards">
          {status.sources.map((s) => (
            <li key={s.source.id} className="card">
              <div>
                <strong>{s.source.name}</strong>
                <div className="muted">{s.source.path}</div>
                <div className="muted">
                  {s.newest ? `Newest restore point ${when(s.newest.createdAt)}` : 'Never backed up'} · {s.restorePoints} restore point{s.restorePoints === 1 ? '' : 's'} · {bytes(s.bytes)}
                </div>
                <div className="muted">
                  Schedule: {describe(s.source.schedule ?? { kind: 'off' })}{' '}
                  <button type="button" className="link" onClick={() => setEditing(editing === s.source.id ? undefined : s.source.id)}>
                    Change schedule…
                  </button>
                </div>
                {editing === s.source.id && (
                  <ScheduleEditor
                    sourceId={s.source.id}
                    onSaved={() => void refresh()}
                    onDone={() => {
                      setEditing(undefined);
                      void refresh();
                    }}
                  />
                )}
              </div>
              <button type="button" className="primary" disabled={busy !== undefined} onClick={() => void backUp(s.source.id)}>
                {busy === `backup:${s.source.id}` ? 'Backing up…' : 'Back Up Now'}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RestorePoints() {
  const { points, busy, verified, verify, askRestore } = useDashboard();
  if (points.length === 0) return null;
  return (
    <section aria-label="Restore points">
      <h2>Restore points</h2>
      <table>
        <thead>
          <tr>
            <th>Taken</th>
            <th>Database</th>
            <th>Why</th>
            <th>Size</th>
            <th>Checked</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {points.map((m) => (
            <tr key={m.id} data-id={m.id}>
              <td>{when(m.createdAt)}</td>
              <td>{m.source.name}</td>
              <td>{m.trigger === 'safety' ? 'safety copy' : m.trigger}</td>
              <td>{bytes(m.artifact.bytes)}</td>
              <td>{verified[m.id] ? (verified[m.id]!.ok ? 'verified ✓' : `FAILED: ${verified[m.id]!.message}`) : m.integrity.status === 'ok' ? 'ok' : 'FAILED'}</td>
              <td>
                <div className="actions">
                  <button type="button" disabled={busy !== undefined} onClick={() => void verify(m.id)}>
                    {busy === `verify:${m.id}` ? 'Verifying…' : 'Verify'}
                  </button>
                  <button type="button" disabled={busy !== undefined} onClick={() => askRestore(m)}>
                    Restore…
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function RestoreDialog({ point }: { point: Manifest }) {
  const { restore, askRestore, busy } = useDashboard();
  return (
    <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="restore-title">
      <h2 id="restore-title">Restore {point.source.name} to {when(point.createdAt)}?</h2>
      <p>
        The database at <code>{point.source.path}</code> will be replaced by this restore point. A <strong>safety copy</strong> of it is taken first, so you can undo this.
      </p>
      <p>A program that has the database open will see the restored data; restart it afterwards so it forgets what it had in memory.</p>
      <div className="buttons">
        <button type="button" onClick={() => askRestore(undefined)}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={busy !== undefined} onClick={() => void restore(point.id)}>
          Restore
        </button>
      </div>
    </div>
  );
}

export function App() {
  const { refresh, problem, notice, lastRestore, confirming, undo, busy } = useDashboard();
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), 15_000); // notice a database that disappears
    return () => clearInterval(timer);
  }, [refresh]);
  return (
    <main>
      <header>
        <h1>Lifeboat</h1>
      </header>
      <Health />
      {problem && (
        <div className="banner error" role="alert">
          {problem.message}
          {problem.hint ? `. ${problem.hint}` : ''}
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
      <Sources />
      <RestorePoints />
      {confirming && <RestoreDialog point={confirming} />}
    </main>
  );
}
