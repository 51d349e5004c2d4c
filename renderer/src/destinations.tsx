// Destinations: the vault on this computer and its free space, then one section per kind of
// destination this build knows (folders on an external disk or a NAS, Google Drive; S3 and Azure
// next), each drawn from what the kind describes: its set-up (a folder from main's dialog; Connect
// in one click with the build's own sign-in, the person's own client under Advanced), its
// destinations with their copies, and an account with its storage where the kind has one.
import { useEffect, useState } from 'react';
import type { DestinationKindView, DestinationsView, DestinationUsage } from '../../shared/ipc-contract.ts';
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

/** "12 copied · 1 waiting · last copy today 10:00": a destination's copies in a line. */
function Copies({ entry, hideError }: { entry: Entry; hideError?: boolean }) {
  return (
    <>
      {entry.completed} copied{entry.pending ? ` · ${entry.pending} waiting` : ''}
      {entry.failed ? ` · ${entry.failed} not copied yet${entry.lastError && !hideError ? `: ${entry.lastError}` : ''}` : ''}
      {entry.lastUploadAt ? ` · last copy ${when(entry.lastUploadAt)}` : ''}
    </>
  );
}

/** The set-up button of a kind (and Cancel while its sign-in waits in the browser). */
function SetUpButton({ kind, label, values, primary }: { kind: DestinationKindView; label: string; values?: Record<string, string>; primary?: boolean }) {
  const { busy, settingUp, setUp } = useDashboard();
  const waiting = settingUp === kind.kind;
  return (
    <div className="actions start">
      <button type="button" className={primary ? 'primary' : undefined} disabled={!kind.ready || settingUp !== undefined || busy !== undefined} onClick={() => void setUp(kind.kind, values)}>
        {waiting && kind.words.waiting ? kind.words.waiting : label}
      </button>
      {waiting && kind.browserSignIn && (
        <button type="button" onClick={() => void window.lifeboat['destinations:cancel-setup']({ kind: kind.kind })}>
          Cancel
        </button>
      )}
    </div>
  );
}

/** Inputs for some of a kind's fields (never a folder: main's dialog chooses it). */
function Fields({ kind, advanced, values, set }: { kind: DestinationKindView; advanced: boolean; values: Record<string, string>; set: (v: Record<string, string>) => void }) {
  return (
    <>
      {kind.fields
        .filter((f) => f.type !== 'folder' && Boolean(f.advanced) === advanced)
        .map((f) => (
          <label key={f.name} className="block">
            {f.label}
            <input aria-label={f.label} type={f.type === 'secret' ? 'password' : 'text'} autoComplete="off" placeholder={f.placeholder} size={f.type === 'secret' ? 24 : 40} value={values[f.name] ?? ''} onChange={(e) => set({ ...values, [f.name]: e.target.value })} />
          </label>
        ))}
    </>
  );
}

/** The advanced values a kind remembers (Drive: the person's own Google client), saved or forgotten without setting anything up. */
function Advanced({ kind }: { kind: DestinationKindView }) {
  const { run } = useDashboard();
  const [values, setValues] = useState<Record<string, string>>({});
  const first = kind.fields.find((f) => f.advanced && f.type !== 'folder' && !f.optional) ?? kind.fields.find((f) => f.advanced && f.type !== 'folder');
  return (
    <details className="advanced" open={kind.advancedOpen || undefined}>
      <summary>{kind.words.advanced}</summary>
      {kind.advancedNote && <p className="muted">{kind.advancedNote}</p>}
      <form
        className="client"
        onSubmit={(e) => {
          e.preventDefault();
          void run(`remember:${kind.kind}`, async () => {
            await window.lifeboat['destinations:remember']({ kind: kind.kind, values: Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== '')) });
            setValues({});
          });
        }}
      >
        <Fields kind={kind} advanced values={values} set={setValues} />
        <div className="buttons end">
          <button type="submit" disabled={first !== undefined && (values[first.name] ?? '').trim() === ''}>
            {kind.words.save}
          </button>
          {kind.canForget && kind.words.forget && (
            <button type="button" onClick={() => void run(`remember:${kind.kind}`, async () => void (await window.lifeboat['destinations:forget-remembered']({ kind: kind.kind })))}>
              {kind.words.forget}
            </button>
          )}
        </div>
      </form>
    </details>
  );
}

/** How a kind is set up when it has no destination yet (or to add another): what it is for, its fields, its button. */
function SetUp({ kind, primary }: { kind: DestinationKindView; primary?: boolean }) {
  const settingUp = useDashboard((s) => s.settingUp);
  const [values, setValues] = useState<Record<string, string>>({});
  const typed = kind.fields.some((f) => f.type !== 'folder' && !f.advanced);
  return (
    <>
      {typed && <Fields kind={kind} advanced={false} values={values} set={setValues} />}
      {kind.ready ? <SetUpButton kind={kind} label={kind.words.add} values={typed ? values : undefined} primary={primary} /> : <p className="muted">{kind.words.notReady}</p>}
      {settingUp === kind.kind && kind.words.waitingNote && <p className="muted">{kind.words.waitingNote}</p>}
      {kind.words.advanced && <Advanced kind={kind} />}
    </>
  );
}

/** A destination's account and storage, as its kind reads them (Drive: the account and its quota). */
function Usage({ kind, entry }: { kind: DestinationKindView; entry: Entry }) {
  const { revision, settingUp } = useDashboard();
  const [usage, setUsage] = useState<DestinationUsage | null | undefined>();
  useEffect(() => {
    void window.lifeboat['destinations:usage']({ id: entry.destination.id }).then(setUsage, () => undefined);
  }, [revision, settingUp, entry.destination.id]);
  if (!usage) return null;
  return (
    <>
      {usage.error ? (
        <div className="banner error" role="alert">
          {usage.error}
        </div>
      ) : (
        <>
          <p>
            Connected as <strong>{usage.account}</strong>. {usage.detail}
          </p>
          <UsageBar label={`${kind.label} storage`} used={usage.used ?? 0} total={usage.total} detail={`Lifeboat's restore points take ${bytes(usage.mine ?? 0)}${usage.level && usage.level !== 'ok' ? ` · ${usage.level === 'critical' ? 'almost full: copies will fail soon' : 'filling up'}` : ''}`} />
        </>
      )}
      {usage.needsSignIn && kind.words.reconnect && <SetUpButton kind={kind} label={kind.words.reconnect} primary />}
    </>
  );
}

/** One destination of a kind that has several (a folder): its copies, on/off, remove, what it sends. */
function Listed({ kind, entry }: { kind: DestinationKindView; entry: Entry }) {
  const { run } = useDashboard();
  const d = entry.destination;
  return (
    <li className="folder">
      <div>
        <strong>{d.name}</strong>{' '}
        <span className="muted">
          <Copies entry={entry} />
        </span>
        <Sending entry={entry} />
      </div>
      <div className="actions start">
        <label>
          <input type="checkbox" checked={d.enabled} onChange={(e) => void run('dest', async () => void (await window.lifeboat['destinations:set-enabled']({ id: d.id, enabled: e.target.checked })))} /> Copy here
        </label>
        <button type="button" className="link" onClick={() => void run('dest', async () => void (await window.lifeboat['destinations:remove']({ id: d.id })))}>
          {kind.words.remove}
        </button>
      </div>
      <Encoding entry={entry} />
    </li>
  );
}

/** The one destination of a kind that allows one (Google Drive), set up: its account, copies, what it sends, remove. */
function Single({ kind, entry }: { kind: DestinationKindView; entry: Entry }) {
  const { run, busy } = useDashboard();
  return (
    <>
      {entry.hasUsage && <Usage kind={kind} entry={entry} />}
      <p className="muted">
        <Copies entry={entry} hideError={entry.lastError?.startsWith('Reconnect ')} />
      </p>
      <Sending entry={entry} />
      <Encoding entry={entry} />
      <div className="actions start">
        <button type="button" disabled={busy !== undefined} onClick={() => void run(`remove:${kind.kind}`, async () => void (await window.lifeboat['destinations:remove']({ id: entry.destination.id })))}>
          {kind.words.remove}
        </button>
      </div>
      {kind.words.removeNote && <p className="muted">{kind.words.removeNote}</p>}
    </>
  );
}

/** A kind's section: its destinations, and how to set one up. */
function KindSection({ kind, entries }: { kind: DestinationKindView; entries: Entry[] }) {
  const typed = kind.fields.some((f) => f.type !== 'folder' && !f.advanced);
  if (kind.single) {
    return (
      <section className="card column" aria-label={kind.title}>
        <h3>{kind.title}</h3>
        {entries[0] ? (
          <Single kind={kind} entry={entries[0]} />
        ) : (
          <>
            <p>{kind.about}</p>
            <SetUp kind={kind} primary />
          </>
        )}
      </section>
    );
  }
  return (
    <section className="card column" aria-label={kind.title}>
      <div className="section-head">
        <h3>{kind.title}</h3>
        {!typed && kind.ready && <SetUpButton kind={kind} label={kind.words.add} />}
      </div>
      {entries.length === 0 ? (
        <p className="muted">{kind.words.empty ?? kind.about}</p>
      ) : (
        <ul className="plain">
          {entries.map((e) => (
            <Listed key={e.destination.id} kind={kind} entry={e} />
          ))}
        </ul>
      )}
      {typed && <SetUp kind={kind} />}
    </section>
  );
}

export function Destinations() {
  const { revision, settingUp, show } = useDashboard();
  const [view, setView] = useState<DestinationsView | undefined>();
  const [kinds, setKinds] = useState<DestinationKindView[] | undefined>();
  useEffect(() => {
    void window.lifeboat['destinations:list'](undefined).then(setView, () => undefined);
    void window.lifeboat['destinations:kinds'](undefined).then(setKinds, () => undefined);
  }, [revision, settingUp]);
  if (!view || !kinds) return <p>Loading…</p>;
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
      {kinds.map((k) => (
        <KindSection key={k.kind} kind={k} entries={view.destinations.filter((d) => d.destination.kind === k.kind)} />
      ))}
    </>
  );
}
