// Databases: the sources Lifeboat protects. Add one through the system dialog, remove one, and set
// each one's schedule, retention, automatic uploads, compression and encryption.
import { useEffect, useState } from 'react';
import type { EncryptionView, SourceSummary } from '../../shared/ipc-contract.ts';
import { RetentionEditor } from './retention-editor.tsx';
import { describeSchedule } from '../../shared/schedule-words.ts';
import { ScheduleEditor } from './schedule-editor.tsx';
import { bytes, when } from './format.ts';
import { useDashboard } from './store.ts';

type Panel = 'schedule' | 'retention' | 'options' | 'remove' | undefined;

function Options({ s }: { s: SourceSummary }) {
  const { run } = useDashboard();
  const [keys, setKeys] = useState((s.source.encryption?.kind === 'recipients' ? s.source.encryption.recipients : []).join('\n'));
  const update = (patch: Parameters<(typeof window.lifeboat)['sources:update']>[0]['patch']) => run('options', async () => void (await window.lifeboat['sources:update']({ sourceId: s.source.id, patch })));
  const encryption = s.source.encryption?.kind ?? 'off';
  return (
    <div className="options" aria-label="Options">
      <label>
        <input type="checkbox" checked={s.source.autoUpload !== false} onChange={(e) => void update({ autoUpload: e.target.checked })} /> Copy new restore points to the destinations automatically
      </label>
      <label>
        <input type="checkbox" checked={s.source.backUpWhenClosed === true} onChange={(e) => void update({ backUpWhenClosed: e.target.checked })} /> Back up as soon as the program using it closes it
      </label>
      <label>
        <input type="checkbox" checked={s.source.lockIfBusy === true} onChange={(e) => void update({ lockIfBusy: e.target.checked })} /> If its program never pauses, hold it for a moment to copy (only for programs that wait, see the README)
      </label>
      <label>
        Compression{' '}
        <select aria-label="Compression" value={s.source.compressLevel === undefined ? 'off' : String(s.source.compressLevel)} onChange={(e) => void update({ compressLevel: e.target.value === 'off' ? null : Number(e.target.value) })}>
          <option value="off">off (plain SQLite file)</option>
          <option value="3">zstd, fast (level 3)</option>
          <option value="9">zstd, smaller (level 9)</option>
          <option value="19">zstd, smallest (level 19, slow)</option>
        </select>
      </label>
      <label>
        Encryption{' '}
        <select
          aria-label="Encryption"
          value={encryption}
          onChange={(e) => {
            const v = e.target.value;
            if (v === 'off') void update({ encryption: null });
            else if (v === 'passphrase') void update({ encryption: { kind: 'passphrase' } });
          }}
        >
          <option value="off">off</option>
          <option value="passphrase">with the passphrase</option>
          <option value="recipients" disabled={keys.trim() === ''}>
            to age keys
          </option>
        </select>
      </label>
      <label className="block">
        age public keys (one per line; anyone holding the matching secret key can restore)
        <textarea aria-label="age public keys" rows={2} value={keys} onChange={(e) => setKeys(e.target.value)} placeholder="age1…" />
      </label>
      <button type="button" disabled={keys.trim() === ''} onClick={() => void update({ encryption: { kind: 'recipients', recipients: keys.split(/\s+/).filter(Boolean) } })}>
        Encrypt to these keys
      </button>
      <p className="muted">Encrypted and compressed restore points open with the standard tools: <code>age -d</code> and <code>zstd -d</code>. Keep the passphrase or key somewhere safe: without it, nobody can restore them, not even Lifeboat.</p>
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
        {view?.passphraseKeyId ? `A passphrase is remembered on this computer (key ${view.passphraseKeyId}); scheduled backups use it. Changing it applies to new restore points only.` : 'No passphrase is set. Set one to encrypt restore points with a passphrase.'}
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
        <input type="password" aria-label="New passphrase" placeholder="new passphrase (8+ characters)" value={entry} onChange={(e) => setEntry(e.target.value)} autoComplete="new-password" />
        <input type="password" aria-label="Repeat the passphrase" placeholder="repeat it" value={again} onChange={(e) => setAgain(e.target.value)} autoComplete="new-password" />
        <button type="submit" disabled={entry.length < 8 || entry !== again}>
          {view?.passphraseKeyId ? 'Change passphrase' : 'Set passphrase'}
        </button>
        {view?.passphraseKeyId && (
          <button type="button" onClick={() => void run('passphrase', async () => setView(await window.lifeboat['encryption:forget-passphrase'](undefined)))}>
            Forget it
          </button>
        )}
        {mismatch && <span className="err"> The two entries differ.</span>}
      </form>
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
          <p>No database is protected yet. Choose the file your shop or app keeps its data in (often called <code>store.db</code> or <code>data.sqlite</code>) with <em>Add a database…</em>.</p>
        </div>
      ) : (
        <ul className="cards">
          {status.sources.map((s) => {
            const panel = open.id === s.source.id ? open.panel : undefined;
            return (
              <li key={s.source.id} className="card column">
                <div className="card-top">
                  <div>
                    <strong>{s.source.name}</strong>
                    {s.missing && <span className="err"> · missing</span>}
                    <div className="muted">{s.source.path}</div>
                    <div className="muted">
                      Schedule: {describeSchedule(s.source.schedule ?? { kind: 'off' })}
                      {s.nextRunAt ? ` · next ${when(s.nextRunAt)}` : ''} · {s.restorePoints} restore points, {bytes(s.bytes)}
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
                  <div className="actions wrap">
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
                      Stop protecting {s.source.name}? Its {s.restorePoints} restore points stay in the vault and at the destinations; the database itself is not touched.
                    </p>
                    <button type="button" className="danger" onClick={() => void run('remove', async () => void (await window.lifeboat['sources:remove']({ sourceId: s.source.id })))}>
                      Stop protecting it
                    </button>{' '}
                    <button type="button" onClick={() => toggle(s.source.id, 'remove')}>
                      Keep it
                    </button>
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
