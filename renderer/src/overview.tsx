// Overview: is everything protected (and if not, what is missing, with the one click that fixes
// it), the last and next backup, the success rate, Back Up Now per database with live progress,
// size and duration over time, and disk usage.
import { useEffect, useState } from 'react';
import type { DestinationKindView, DestinationsView, DestinationUsage } from '../../shared/ipc-contract.ts';
import type { HealthFix } from '../../shared/model.ts';
import { BarChart, durationFormat, sizeFormat, UsageBar } from './charts.tsx';
import { ago, bytes, scheduleWords, when } from './format.ts';
import { useDashboard } from './store.ts';

/** The kinds of destination and the destinations there are: what the copy and reconnect fixes offer. */
interface DestinationsKnown {
  kinds: DestinationKindView[];
  destinations: DestinationsView['destinations'];
}

/** "A copy off this disk": each kind's own button (Connect Google Drive, Add a folder on another disk…), sign-ins first. */
function AddCopy({ known, idle }: { known?: DestinationsKnown; idle: boolean }) {
  const { settingUp, setUp, show } = useDashboard();
  const kinds = [...(known?.kinds ?? [])].sort((a, b) => Number(b.browserSignIn) - Number(a.browserSignIn));
  return (
    <span className="fix-pair">
      {kinds.map((k, i) =>
        k.ready && !k.fields.some((f) => f.type !== 'folder' && !f.advanced && !f.optional) ? (
          <button key={k.kind} type="button" className={i === 0 ? 'primary' : undefined} disabled={!idle} onClick={() => void setUp(k.kind)}>
            {settingUp === k.kind && k.words.waiting ? k.words.waiting : k.words.addFromHealth}
          </button>
        ) : (
          <button key={k.kind} type="button" onClick={() => show('destinations')}>
            {k.words.setUpElsewhere ?? `Set up ${k.label}…`}
          </button>
        ),
      )}
    </span>
  );
}

/** The button (or two) that fixes one health reason in one click. */
function Fix({ fix, known }: { fix: HealthFix; known?: DestinationsKnown }) {
  const { busy, settingUp, addSource, backUp, setSchedule, setUp, show, run } = useDashboard();
  const idle = busy === undefined && settingUp === undefined;
  switch (fix.kind) {
    case 'add-database':
      return (
        <button type="button" className="primary" disabled={!idle} onClick={() => void addSource()}>
          Add a database…
        </button>
      );
    case 'back-up':
      return (
        <button type="button" disabled={!idle} onClick={() => void backUp(fix.sourceId)}>
          Take a restore point now
        </button>
      );
    case 'set-schedule':
      return (
        <button type="button" disabled={!idle} onClick={() => void setSchedule(fix.sourceId, fix.schedule)}>
          Back up {scheduleWords(fix.schedule).replace(/, on the hour$/, '')}
        </button>
      );
    case 'add-copy':
      return <AddCopy known={known} idle={idle} />;
    case 'reconnect': {
      const d = known?.destinations.find((x) => x.destination.id === fix.destinationId)?.destination;
      const kind = known?.kinds.find((k) => k.kind === d?.kind);
      if (!d || !kind) return null;
      return (
        <button type="button" className="primary" disabled={!idle} onClick={() => void setUp(kind.kind)}>
          {settingUp === kind.kind && kind.words.waiting ? kind.words.waiting : (kind.words.reconnect ?? `Reconnect ${d.name}`)}
        </button>
      );
    }
    case 'resume-schedule':
      return (
        <button type="button" disabled={!idle} onClick={() => void run('pause', async () => void (await window.lifeboat['schedule:pause']({ paused: false })))}>
          Resume the schedule
        </button>
      );
    case 'show-destinations':
    case 'show-restore-points':
    case 'show-settings': {
      const [screen, label] = OPENS[fix.kind];
      return (
        <button type="button" onClick={() => show(screen)}>
          {label}
        </button>
      );
    }
  }
}

/** The screen each "open it" fix shows, and the words on its button. */
const OPENS = {
  'show-destinations': ['destinations', 'Open Destinations'],
  'show-restore-points': ['restore-points', 'Open Restore points'],
  'show-settings': ['settings', 'Open Settings'],
} as const;

/** Fixes whose button says all the reason's action says. */
const SELF_EVIDENT = new Set<HealthFix['kind']>(['add-database', 'back-up', 'set-schedule', 'reconnect', 'resume-schedule']);

export function HealthPanel() {
  const status = useDashboard((s) => s.status);
  const revision = useDashboard((s) => s.revision);
  const settingUp = useDashboard((s) => s.settingUp);
  const [known, setKnown] = useState<DestinationsKnown | undefined>();
  useEffect(() => {
    void Promise.all([window.lifeboat['destinations:kinds'](undefined), window.lifeboat['destinations:list'](undefined)]).then(([kinds, list]) => setKnown({ kinds, destinations: list.destinations }), () => undefined);
  }, [revision, settingUp]);
  const waiting = known?.kinds.find((k) => k.kind === settingUp)?.words.waitingNote;
  if (!status) return null;
  const { health } = status;
  // The same fix offered by several reasons (two databases without a copy elsewhere) is offered once.
  const offered = new Set<string>();
  return (
    <section className={`health health-${health.level}`} aria-label="Health">
      <strong className="health-summary">{health.summary}</strong>
      {health.level === 'healthy' && <span className="muted">Every database is backed up on a schedule, checked, and copied off this computer's disk.</span>}
      {health.reasons.length > 0 && (
        <ul className="reasons">
          {health.reasons.map((r) => {
            const key = r.fix ? JSON.stringify(r.fix) : undefined;
            const showFix = r.fix && key && !offered.has(key);
            if (key) offered.add(key);
            return (
              <li key={r.text} className={r.level}>
                <div>
                  <span className="reason-text">{r.text}</span>
                  {/* The button says it when it is the whole of what to do. */}
                  {!(showFix && r.fix && SELF_EVIDENT.has(r.fix.kind)) && <span className="muted"> {r.action}</span>}
                </div>
                {showFix && r.fix && <Fix fix={r.fix} known={known} />}
              </li>
            );
          })}
        </ul>
      )}
      {waiting && <p className="muted">{waiting}</p>}
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
    <>
      <dl className="tiles">
        <div>
          <dt>Last backup</dt>
          <dd>{newest ? ago(newest) : 'never'}</dd>
          {newest && <dd className="muted">{when(newest)}</dd>}
        </div>
        <div>
          <dt>Next backup</dt>
          <dd>{status.schedulePaused ? 'paused' : next ? when(next) : 'none scheduled'}</dd>
          {!status.schedulePaused && next && <dd className="muted">{ago(next)}</dd>}
        </div>
        <div>
          <dt>Scheduled backups that worked</dt>
          <dd>{rate !== undefined ? `${rate}%` : 'none has run yet'}</dd>
        </div>
        <div>
          <dt>Restore points</dt>
          <dd>{status.sources.reduce((n, s) => n + s.restorePoints, 0)}</dd>
          <dd className="muted">
            {bytes(status.vaultBytes)} on this computer{status.logicalBytes > status.vaultBytes * 1.05 ? ` for ${bytes(status.logicalBytes)} of databases (unchanged pages are kept once)` : ''}
          </dd>
        </div>
      </dl>
      {status.scheduleRunner && (
        <p className="muted" aria-label="What runs the schedule">
          {status.scheduleRunner}
        </p>
      )}
    </>
  );
}

function BackUpList() {
  const { status, busy, jobs, backUp, show } = useDashboard();
  if (!status) return <p>Loading…</p>;
  if (status.sources.length === 0) {
    return (
      <div className="empty">
        <p>Lifeboat keeps restore points of the database your shop or app lives on (for example <code>store.db</code>).</p>
        <p>Choose it with “Add a database…” above: it is backed up at once, then every hour.</p>
      </div>
    );
  }
  return (
    <ul className="cards">
      {status.sources.map((s) => {
        // An upload of an earlier restore point, a verify, a look inside or a comparison does not stop a new backup.
        const running = Object.values(jobs).find((j) => j.sourceId === s.source.id && !['upload', 'verify', 'look', 'compare', 'export'].includes(j.kind));
        const schedule = s.source.schedule && s.source.schedule.kind !== 'off' ? scheduleWords(s.source.schedule) : undefined;
        return (
          <li key={s.source.id} className="card">
            <div className="card-main">
              <strong>{s.source.name}</strong>
              <div className="muted path">{s.source.path}</div>
              <div className="muted">{s.newest ? `Newest restore point ${when(s.newest.createdAt)} · ${s.restorePoints} in all` : 'No restore point yet'}</div>
              <div className="muted">{schedule ? `Backed up ${schedule}${status.schedulePaused ? ' (paused)' : ''}` : 'No schedule: backed up only when you click Back Up Now'}</div>
              {schedule && !status.schedulePaused && s.nextRunAt && <div className="muted">Next backup {when(s.nextRunAt)}</div>}
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

/** The account and storage of each destination whose kind reports them (Google Drive's quota). */
function DestinationStorage({ entry }: { entry: DestinationsView['destinations'][number] }) {
  const revision = useDashboard((s) => s.revision);
  const [usage, setUsage] = useState<DestinationUsage | null | undefined>();
  useEffect(() => {
    void window.lifeboat['destinations:usage']({ id: entry.destination.id }).then(setUsage, () => setUsage(undefined));
  }, [revision, entry.destination.id]);
  if (!usage) return null;
  if (usage.error) return <p className="muted">{usage.error}</p>;
  return <UsageBar label={`${entry.destination.name} (${usage.account})`} used={usage.used ?? 0} total={usage.total} detail={`Lifeboat's restore points: ${bytes(usage.mine ?? 0)}`} />;
}

function Storage() {
  const status = useDashboard((s) => s.status);
  const revision = useDashboard((s) => s.revision);
  const [destinations, setDestinations] = useState<DestinationsView['destinations']>([]);
  useEffect(() => {
    void window.lifeboat['destinations:list'](undefined).then((v) => setDestinations(v.destinations), () => setDestinations([]));
  }, [revision]);
  if (!status) return null;
  return (
    <section aria-label="Storage" className="storage">
      <h2>Storage</h2>
      <UsageBar
        label="This computer (the vault)"
        used={status.vaultBytes}
        total={status.freeBytes !== undefined ? status.vaultBytes + status.freeBytes : undefined}
        detail={status.freeBytes !== undefined ? `${bytes(status.freeBytes)} free · ${status.vaultDir}` : status.vaultDir}
      />
      {destinations
        .filter((d) => d.hasUsage)
        .map((d) => (
          <DestinationStorage key={d.destination.id} entry={d} />
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
