// Overview: is everything protected (and if not, what to do), the last and next backup, the success
// rate, Back Up Now per database with live progress, size and duration over time, and disk usage.
import { useEffect, useState } from 'react';
import type { DriveView } from '../../shared/ipc-contract.ts';
import { BarChart, durationFormat, sizeFormat, UsageBar } from './charts.tsx';
import { bytes, when } from './format.ts';
import { useDashboard } from './store.ts';

export function HealthPanel() {
  const status = useDashboard((s) => s.status);
  if (!status) return null;
  const { health } = status;
  return (
    <section className={`health health-${health.level}`} aria-label="Health">
      <strong>{health.summary}</strong>
      {health.reasons.length > 0 && (
        <ul>
          {health.reasons.map((r) => (
            <li key={r.text} className={r.level}>
              {r.text} <span className="muted">{r.action}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Tiles() {
  const status = useDashboard((s) => s.status);
  if (!status) return null;
  const newest = status.sources.map((s) => s.newest?.createdAt).filter((t): t is string => !!t).sort().at(-1);
  const next = status.sources.map((s) => s.nextRunAt).filter((t): t is string => !!t).sort()[0];
  const rates = status.sources.map((s) => s.successRate).filter((r): r is number => r !== undefined);
  const rate = rates.length ? Math.round((rates.reduce((a, b) => a + b, 0) / rates.length) * 100) : undefined;
  return (
    <dl className="tiles">
      <div>
        <dt>Last backup</dt>
        <dd>{newest ? when(newest) : 'never'}</dd>
      </div>
      <div>
        <dt>Next scheduled</dt>
        <dd>{status.schedulePaused ? 'paused' : next ? when(next) : 'no schedule'}</dd>
      </div>
      <div>
        <dt>Scheduled runs that succeeded</dt>
        <dd>{rate !== undefined ? `${rate}%` : 'none yet'}</dd>
      </div>
      <div>
        <dt>Restore points</dt>
        <dd>
          {status.sources.reduce((n, s) => n + s.restorePoints, 0)} · {bytes(status.vaultBytes)}
        </dd>
      </div>
    </dl>
  );
}

function BackUpList() {
  const { status, busy, jobs, backUp, addSource, show } = useDashboard();
  if (!status) return <p>Loading…</p>;
  if (status.sources.length === 0) {
    return (
      <div className="empty">
        <p>Lifeboat keeps restore points of the database your shop or app lives on (for example <code>store.db</code>).</p>
        <p>
          Choose it with{' '}
          <button type="button" className="primary" onClick={() => void addSource()} disabled={busy !== undefined}>
            Add a database…
          </button>{' '}
          then click <em>Back Up Now</em>.
        </p>
      </div>
    );
  }
  return (
    <ul className="cards">
      {status.sources.map((s) => {
        // An upload of an earlier restore point, a verify, a look inside or a comparison does not stop a new backup.
        const running = Object.values(jobs).find((j) => j.sourceId === s.source.id && !['upload', 'verify', 'look', 'compare', 'export'].includes(j.kind));
        return (
          <li key={s.source.id} className="card">
            <div>
              <strong>{s.source.name}</strong>
              <div className="muted">{s.source.path}</div>
              <div className="muted">
                {s.newest ? `Newest restore point ${when(s.newest.createdAt)}` : 'Never backed up'} · {s.restorePoints} restore point{s.restorePoints === 1 ? '' : 's'}
                {s.newest ? ` · database ${bytes(s.newest.database.bytes)}` : ''}
              </div>
              {s.history.length > 1 && (
                <div className="charts">
                  <BarChart label="Database size" values={s.history.map((h) => ({ at: h.createdAt, value: h.databaseBytes }))} format={sizeFormat} />
                  <BarChart label="Backup took" values={s.history.map((h) => ({ at: h.createdAt, value: h.durationMs }))} format={durationFormat} />
                </div>
              )}
            </div>
            <div className="card-actions">
              <button type="button" className="primary" disabled={busy !== undefined || running !== undefined || s.missing} onClick={() => void backUp(s.source.id)}>
                {running?.kind === 'backup' ? 'Backing up…' : 'Back Up Now'}
              </button>
              <button type="button" className="link" onClick={() => show('databases')}>
                Schedule and settings
              </button>
            </div>
          </li>
        );
      })}
    </ul>
  );
}

function Storage() {
  const status = useDashboard((s) => s.status);
  const revision = useDashboard((s) => s.revision);
  const [drive, setDrive] = useState<DriveView | undefined>();
  useEffect(() => {
    void window.lifeboat['drive:status'](undefined).then(setDrive, () => setDrive(undefined));
  }, [revision]);
  if (!status) return null;
  return (
    <section aria-label="Storage" className="storage">
      <h2>Storage</h2>
      <UsageBar
        label="This computer (vault)"
        used={status.vaultBytes}
        total={status.freeBytes !== undefined ? status.vaultBytes + status.freeBytes : undefined}
        detail={status.freeBytes !== undefined ? `${bytes(status.freeBytes)} free in ${status.vaultDir}` : status.vaultDir}
      />
      {drive?.connected &&
        (drive.error ? (
          <p className="muted">Google Drive: {drive.error}</p>
        ) : (
          <UsageBar label={`Google Drive (${drive.email})`} used={drive.usage ?? 0} total={drive.limit} detail={`Lifeboat's restore points: ${bytes(drive.lifeboatBytes ?? 0)}`} />
        ))}
    </section>
  );
}

export function Overview() {
  const { status, run } = useDashboard();
  return (
    <>
      <HealthPanel />
      <Tiles />
      <div className="section-head">
        <h2>Databases</h2>
        {status && (status.schedulePaused || status.sources.some((s) => (s.source.schedule?.kind ?? 'off') !== 'off')) && (
          <button type="button" onClick={() => void run('pause', async () => void (await window.lifeboat['schedule:pause']({ paused: !status.schedulePaused })))}>
            {status.schedulePaused ? 'Resume schedule' : 'Pause schedule'}
          </button>
        )}
      </div>
      <BackUpList />
      <Storage />
    </>
  );
}
