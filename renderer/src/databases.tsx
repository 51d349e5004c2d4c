// Databases: the sources Lifeboat protects. Add one through the system dialog, remove one, and set
// each one's schedule, retention, automatic copies, compression and encryption (only the fields of
// the encryption chosen are shown), and the passphrase itself.
import { useEffect, useState } from 'react';
import type { EncryptionView, SourceSummary } from '../../shared/ipc-contract.ts';
import { RetentionEditor } from './retention-editor.tsx';
import { ScheduleEditor } from './schedule-editor.tsx';
import { bytes, scheduleWords, when } from './format.ts';
import { useDashboard } from './store.ts';

type Panel = 'schedule' | 'retention' | 'options' | 'remove' | undefined;
type Encryption = 'off' | 'passphrase' | 'recipients';

const COMPRESSION: { value: string; label: string }[] = [
  { value: 'off', label: 'off' },
  { value: '3', label: 'on, fast' },
  { value: '9', label: 'on, smaller (slower)' },
  { value: '19', label: 'on, smallest (slowest)' },
];

function Options({ s }: { s: SourceSummary }) {
  const { run, revision, show } = useDashboard();
  const saved: Encryption = s.source.encryption?.kind ?? 'off';
  // What the form shows: the choice made here, saved at once unless it needs keys first.
  const [mode, setMode] = useState<Encryption>(saved);
  const [keys, setKeys] = useState((s.source.encryption?.kind === 'recipients' ? s.source.encryption.recipients : []).join('\n'));
  const [passphrase, setPassphrase] = useState<EncryptionView | undefined>();
  useEffect(() => setMode(saved), [saved]);
  useEffect(() => {
    void window.lifeboat['encryption:get'](undefined).then(setPassphrase, () => undefined);
  }, [revision]);
  const update = (patch: Parameters<(typeof window.lifeboat)['sources:update']>[0]['patch']) => run('options', async () => void (await window.lifeboat['sources:update']({ sourceId: s.source.id, patch })));
  const choose = (next: Encryption) => {
    setMode(next);
    if (next === 'off') void update({ encryption: null });
    else if (next === 'passphrase') void update({ encryption: { kind: 'passphrase' } });
    // key files: saved with "Encrypt to these keys" once they are entered
  };
  return (
    <div className="options" aria-label="Options">
      <label>
        <input type="checkbox" checked={s.source.autoUpload !== false} onChange={(e) => void update({ autoUpload: e.target.checked })} /> Copy new restore points to the destinations automatically
      </label>
      <label>
        <input type="checkbox" checked={s.source.backUpWhenClosed === true} onChange={(e) => void update({ backUpWhenClosed: e.target.checked })} /> Also back up as soon as the program using it closes it
      </label>
      <label>
        <input type="checkbox" checked={s.source.lockIfBusy === true} onChange={(e) => void update({ lockIfBusy: e.target.checked })} /> If its program never pauses, hold it for a moment to copy (only for programs that wait; see the README)
      </label>
      <label>
        Compression{' '}
        <select aria-label="Compression" value={s.source.compressLevel === undefined ? 'off' : String(s.source.compressLevel)} onChange={(e) => void update({ compressLevel: e.target.value === 'off' ? null : Number(e.target.value) })}>
          {COMPRESSION.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Encryption{' '}
        <select aria-label="Encryption" value={mode} onChange={(e) => choose(e.target.value as Encryption)}>
          <option value="off">off</option>
          <option value="passphrase">with the passphrase</option>
          <option value="recipients">with key files</option>
        </select>
      </label>
      {mode === 'passphrase' && (
        <p className="muted">
          {passphrase?.passphraseKeyId ? 'New restore points are encrypted with the passphrase remembered on this computer.' : 'No passphrase is set yet: set one below ("Encryption passphrase") first.'} Keep the passphrase somewhere safe: without it, nobody can restore them, not even Lifeboat.
        </p>
      )}
      {mode === 'recipients' && (
        <>
          <label className="block">
            Public keys, one per line (each starts with age1); anyone holding a matching key file can restore
            <textarea aria-label="Public keys" rows={2} value={keys} onChange={(e) => setKeys(e.target.value)} />
          </label>
          <div className="buttons">
            <button type="button" className="primary" disabled={keys.trim() === ''} onClick={() => void update({ encryption: { kind: 'recipients', recipients: keys.split(/\s+/).filter(Boolean) } })}>
              Encrypt to these keys
            </button>
            {saved !== 'recipients' && (
              <button type="button" onClick={() => setMode(saved)}>
                Keep it as it is
              </button>
            )}
          </div>
        </>
      )}
      <details className="technical">
        <summary>Technical details</summary>
        <p className="muted">
          Compressed restore points are standard zstd files, encrypted ones standard age files: <code>zstd -d</code> and <code>age -d</code> open them without Lifeboat. Key files are made with <code>age-keygen</code>.{' '}
          <button type="button" className="link" onClick={() => show('restore-points')}>
            Restore points
          </button>{' '}
          lists the format of each.
        </p>
      </details>
    </div>
  );
}

function Passphrase() {
  const { run, revision } = useDashboard();
  const [view, setView] = useState<EncryptionView | undefined>();
  const [entry, setEntry] = useState('');
  const [again, setAgain] = useState('');
  useEffect(() => {
    void window.lifeboat['encryption:get'](undefined).then(setView, () => undefined);
  }, [revision]);
  const mismatch = again !== '' && entry !== again;
  return (
    <section aria-label="Encryption passphrase" className="passphrase">
      <h2>Encryption passphrase</h2>
      <p className="muted">
        {view?.passphraseKeyId ? 'A passphrase is remembered on this computer; scheduled backups use it. Changing it applies to new restore points only.' : 'No passphrase is set. Set one to encrypt restore points with a passphrase.'}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run('passphrase', async () => {
            setView(await window.lifeboat['encryption:set-passphrase']({ passphrase: entry }));
            setEntry('');
            setAgain('');
          });
        }}
      >
        <label className="block">
          New passphrase (at least 8 characters)
          <input type="password" aria-label="New passphrase" value={entry} onChange={(e) => setEntry(e.target.value)} autoComplete="new-password" />
        </label>
        <label className="block">
          The same again
          <input type="password" aria-label="Repeat the passphrase" value={again} onChange={(e) => setAgain(e.target.value)} autoComplete="new-password" />
        </label>
        <div className="buttons end">
          <button type="submit" disabled={entry.length < 8 || entry !== again}>
            {view?.passphraseKeyId ? 'Change passphrase' : 'Set passphrase'}
          </button>
          {view?.passphraseKeyId && (
            <button type="button" onClick={() => void run('passphrase', async () => setView(await window.lifeboat['encryption:forget-passphrase'](undefined)))}>
              Forget it
            </button>
          )}
        </div>
        {mismatch && <span className="err">The two entries differ.</span>}
      </form>
      {view?.passphraseKeyId && (
        <details className="technical">
          <summary>Technical details</summary>
          <p className="muted">Key id {view.passphraseKeyId}: each restore point records the id of the passphrase it was encrypted with (never the passphrase).</p>
        </details>
      )}
    </section>
  );
}

export function Databases() {
  const { status, busy, addSource, refresh, run } = useDashboard();
  const [open, setOpen] = useState<{ id: string; panel: Panel }>({ id: '', panel: undefined });
  const toggle = (id: string, panel: Panel) => setOpen(open.id === id && open.panel === panel ? { id: '', panel: undefined } : { id, panel });
  if (!status) return <p>Loading…</p>;
  return (
    <>
      <div className="section-head">
        <h2>Databases</h2>
        <button type="button" onClick={() => void addSource()} disabled={busy !== undefined}>
          Add a database…
        </button>
      </div>
      {status.sources.length === 0 ? (
        <div className="empty">
          <p>No database is protected yet. Choose the file your shop or app keeps its data in (often called <code>store.db</code> or <code>data.sqlite</code>) with “Add a database…”: it is backed up at once, then every hour.</p>
        </div>
      ) : (
        <ul className="cards">
          {status.sources.map((s) => {
            const panel = open.id === s.source.id ? open.panel : undefined;
            return (
              <li key={s.source.id} className="card column">
                <div>
                  <strong>{s.source.name}</strong>
                  {s.missing && <span className="err"> · missing</span>}
                  <div className="muted path">{s.source.path}</div>
                  <div className="muted">
                    Backed up {scheduleWords(s.source.schedule ?? { kind: 'off' }).replace(/^off$/, 'only by hand (no schedule)')}
                    {s.nextRunAt ? ` · next ${when(s.nextRunAt)}` : ''}
                  </div>
                  <div className="muted">
                    {s.restorePoints} restore point{s.restorePoints === 1 ? '' : 's'}, {bytes(s.bytes)}
                    {s.source.compressLevel !== undefined ? ' · compressed' : ''}
                    {s.source.encryption ? ' · encrypted' : ''}
                    {s.source.autoUpload === false ? ' · not copied automatically' : ''}
                  </div>
                  {s.advice && (
                    <div className="advice" role="note">
                      <p>{s.advice.message}.</p>
                      <p className="muted">{s.advice.hint}.</p>
                    </div>
                  )}
                </div>
                <div className="actions start">
                  <button type="button" aria-expanded={panel === 'schedule'} onClick={() => toggle(s.source.id, 'schedule')}>
                    Change schedule…
                  </button>
                  <button type="button" aria-expanded={panel === 'retention'} onClick={() => toggle(s.source.id, 'retention')}>
                    Retention…
                  </button>
                  <button type="button" aria-expanded={panel === 'options'} onClick={() => toggle(s.source.id, 'options')}>
                    Options…
                  </button>
                  <button type="button" aria-expanded={panel === 'remove'} onClick={() => toggle(s.source.id, 'remove')}>
                    Remove…
                  </button>
                </div>
                {panel === 'schedule' && <ScheduleEditor sourceId={s.source.id} onSaved={() => void refresh()} onDone={() => toggle(s.source.id, 'schedule')} />}
                {panel === 'retention' && (
                  <RetentionEditor
                    sourceId={s.source.id}
                    onSave={(policy) => run('retention', async () => void (await window.lifeboat['sources:update']({ sourceId: s.source.id, patch: { retention: policy } })))}
                  />
                )}
                {panel === 'options' && <Options s={s} />}
                {panel === 'remove' && (
                  <div className="confirm" role="group" aria-label="Remove">
                    <p>
                      Stop protecting {s.source.name}? Its {s.restorePoints} restore point{s.restorePoints === 1 ? '' : 's'} stay in the vault and at the destinations; the database itself is not touched.
                    </p>
                    <div className="buttons">
                      <button type="button" className="danger" onClick={() => void run('remove', async () => void (await window.lifeboat['sources:remove']({ sourceId: s.source.id })))}>
                        Stop protecting it
                      </button>
                      <button type="button" onClick={() => toggle(s.source.id, 'remove')}>
                        Keep it
                      </button>
                    </div>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <Passphrase />
    </>
  );
}
