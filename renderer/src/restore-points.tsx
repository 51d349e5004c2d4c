// Restore points: a virtualised list that stays fast with thousands of entries, filters (database,
// destination, why, date), and a details panel in plain words (when, why, how big, checked, where the
// copies are; checksums, format and keys under "Technical details"), with the actions: restore,
// restore to another file, look inside, verify, pin, delete.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { RestorePointDetails, RestorePointRow } from '../../shared/ipc-contract.ts';
import type { Manifest, Replica } from '../../shared/model.ts';
import { bytes, explain, when, whenExact } from './format.ts';
import { LookInside } from './look-inside.tsx';
import { useDashboard, type Filters } from './store.ts';

const ROW_HEIGHT = 38;
/** Why a restore point was taken, in a few words (the list) and in a sentence (the details). */
const WHY: Record<Manifest['trigger'], string> = { manual: 'by hand', scheduled: 'scheduled', safety: 'safety copy' };
const WHY_LONG: Record<Manifest['trigger'], string> = {
  manual: 'by hand (Back Up Now)',
  scheduled: 'by the schedule',
  safety: 'automatically, just before a restore replaced the database (a safety copy: restoring it undoes that restore)',
};

/** The rows that pass the filters (dates are local days, inclusive). */
export function filterRows(rows: RestorePointRow[], f: Filters): RestorePointRow[] {
  const from = f.from ? new Date(`${f.from}T00:00`).getTime() : -Infinity;
  const to = f.to ? new Date(`${f.to}T00:00`).getTime() + 86_400_000 : Infinity;
  return rows.filter((r) => {
    if (f.sourceId && r.sourceId !== f.sourceId) return false;
    if (f.trigger && r.trigger !== f.trigger) return false;
    if (f.destinationId === 'vault-only' && Object.values(r.replicas).includes('completed')) return false;
    if (f.destinationId && f.destinationId !== 'vault-only' && r.replicas[f.destinationId] !== 'completed') return false;
    const t = Date.parse(r.createdAt);
    return t >= from && t < to;
  });
}

/** Whether it can be trusted, in a word. */
function checked(r: RestorePointRow): { text: string; bad: boolean } {
  if (r.verified) return r.verified.ok ? { text: 'checked ✓', bad: false } : { text: 'damaged', bad: true };
  return r.integrity === 'ok' ? { text: 'passed', bad: false } : { text: 'damaged', bad: true };
}

/** Where its copies are, in a few words. */
function copiesOf(r: RestorePointRow): { text: string; bad: boolean } {
  const all = Object.values(r.replicas);
  if (all.length === 0) return { text: 'this computer only', bad: false };
  const failed = all.filter((c) => c === 'failed').length;
  if (failed) return { text: `${failed} cop${failed === 1 ? 'y' : 'ies'} failed`, bad: true };
  const done = all.filter((c) => c === 'completed').length;
  return { text: done === all.length ? `copied to ${done === 1 ? '1 place' : `${done} places`}` : `${done} of ${all.length} copied`, bad: false };
}

function FilterBar({ total, shown }: { total: number; shown: number }) {
  const { filters, setFilters, status } = useDashboard();
  const [destinations, setDestinations] = useState<{ id: string; name: string }[]>([]);
  useEffect(() => {
    void window.lifeboat['destinations:list'](undefined).then((v) => setDestinations(v.destinations.map((d) => ({ id: d.destination.id, name: d.destination.name }))), () => undefined);
  }, []);
  const sources = status?.sources ?? [];
  return (
    <div className="filters" role="search" aria-label="Filter restore points">
      {(sources.length > 1 || filters.sourceId) && (
        <label>
          Database{' '}
          <select aria-label="Database" value={filters.sourceId} onChange={(e) => setFilters({ sourceId: e.target.value })}>
            <option value="">all</option>
            {sources.map((s) => (
              <option key={s.source.id} value={s.source.id}>
                {s.source.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Copied to{' '}
        <select aria-label="Copied to" value={filters.destinationId} onChange={(e) => setFilters({ destinationId: e.target.value })}>
          <option value="">anywhere</option>
          <option value="vault-only">this computer only</option>
          {destinations.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Why{' '}
        <select aria-label="Why" value={filters.trigger} onChange={(e) => setFilters({ trigger: e.target.value })}>
          <option value="">any</option>
          <option value="manual">by hand</option>
          <option value="scheduled">scheduled</option>
          <option value="safety">safety copy</option>
        </select>
      </label>
      <span className="dates">
        <label>
          From <input aria-label="From" type="date" value={filters.from} onChange={(e) => setFilters({ from: e.target.value })} />
        </label>
        <label>
          to <input aria-label="To" type="date" value={filters.to} onChange={(e) => setFilters({ to: e.target.value })} />
        </label>
      </span>
      <span className="muted count" aria-live="polite">
        {shown === total ? `${total} restore point${total === 1 ? '' : 's'}` : `${shown} of ${total}`}
      </span>
    </div>
  );
}

/** One copy at a destination, in words. */
function copyInWords(r: Replica & { destinationName: string }): string {
  switch (r.status) {
    case 'completed':
      return `copied${r.finishedAt ? ` ${when(r.finishedAt)}` : ''}`;
    case 'pending':
      return 'waiting to be copied';
    case 'uploading':
      return 'being copied now';
    case 'failed':
      return `not copied yet${r.error ? `: ${r.error}` : ''}${r.attempts > 1 ? ` (${r.attempts} attempts; Lifeboat keeps trying)` : ''}`;
  }
}

function Technical({ m }: { m: Manifest }) {
  const enc = m.artifact.encryption;
  return (
    <details className="technical">
      <summary>Technical details</summary>
      <dl>
        <dt>Id</dt>
        <dd className="hash">{m.id}</dd>
        <dt>Stored as</dt>
        <dd>
          {m.pages ? `pages (${m.pages.newPages.toLocaleString()} of ${m.pages.pageCount.toLocaleString()} new, ${bytes(m.artifact.bytes)} added)` : m.artifact.format}
          {m.artifact.compression ? ` · zstd level ${m.artifact.compression.level}, ${m.artifact.compression.ratio.toFixed(2)}×` : ''}
          {enc ? ` · age, ${enc.kind === 'passphrase' ? `passphrase${enc.keyId ? ` (key ${enc.keyId})` : ''}` : `${enc.recipients.length} recipient key${enc.recipients.length === 1 ? '' : 's'}`}` : ''}
        </dd>
        <dt>Database</dt>
        <dd>
          {m.database.pageCount.toLocaleString()} pages of {m.database.pageSize} bytes · {m.database.journalMode} · SQLite {m.database.sqliteVersion}
        </dd>
        <dt>Check</dt>
        <dd>
          {m.integrity.check}: {m.integrity.status === 'ok' ? 'ok' : m.integrity.message}
        </dd>
        <dt>Copied with</dt>
        <dd>
          {m.snapshot.method}
          {m.snapshot.restarts ? ` · retaken ${m.snapshot.restarts}×` : ''} · {(m.durationMs / 1000).toFixed(1)} s · Lifeboat {m.appVersion}
        </dd>
        <dt>SHA-256 (database)</dt>
        <dd className="hash">{m.database.sha256}</dd>
        {!m.pages && m.artifact.sha256 !== m.database.sha256 && (
          <>
            <dt>SHA-256 (stored)</dt>
            <dd className="hash">{m.artifact.sha256}</dd>
          </>
        )}
      </dl>
    </details>
  );
}

/** What can be done with the restore point shown: restore, look inside, verify, pin, delete. */
function DetailActions({ m }: { m: Manifest }) {
  const { busy, verify, restore, run, select, openInside } = useDashboard();
  return (
    <div className="detail-actions">
      {/* Main confirms in its own dialog, naming the database it replaces (or asks where to restore to). */}
      <button type="button" className="primary wide" disabled={busy !== undefined} onClick={() => void restore(m.id, false)}>
        Restore…
      </button>
      <button type="button" className="wide" disabled={busy !== undefined} onClick={() => void restore(m.id, true)}>
        Restore to another file…
      </button>
      <button type="button" onClick={() => openInside(m.id)}>
        Look inside
      </button>
      <button type="button" disabled={busy !== undefined} onClick={() => void verify(m.id)}>
        {busy === `verify:${m.id}` ? 'Verifying…' : 'Verify'}
      </button>
      <button type="button" disabled={busy !== undefined} onClick={() => void run('pin', async () => void (await window.lifeboat['restore-points:pin']({ id: m.id, pinned: !m.pinned })))}>
        {m.pinned ? 'Unpin' : 'Pin'}
      </button>
      <button
        type="button"
        disabled={busy !== undefined || m.pinned}
        title={m.pinned ? 'Unpin it first' : undefined}
        onClick={() =>
          void run('delete', async () => {
            // Main asks in its own dialog, naming the file it deletes.
            if (await window.lifeboat['restore-points:delete']({ id: m.id })) select(undefined);
          })
        }
      >
        Delete…
      </button>
    </div>
  );
}

function Details({ id }: { id: string }) {
  const { rows, revision } = useDashboard();
  const [details, setDetails] = useState<RestorePointDetails | undefined>();
  const [error, setError] = useState<string | undefined>();
  const row = rows.find((r) => r.id === id);
  useEffect(() => {
    void window.lifeboat['restore-points:details']({ id }).then(
      (d) => {
        setDetails(d);
        setError(undefined);
      },
      (e: Error & { hint?: string }) => setError(explain(e)),
    );
  }, [id, row?.pinned, row?.verified?.at, revision]);
  if (error) return <aside className="details" aria-label="Details"><p className="banner error">{error}</p></aside>;
  if (!details || !row) return <aside className="details" aria-label="Details">Loading…</aside>;
  const m = details.manifest;
  const v = details.verified;
  const enc = m.artifact.encryption;
  const stored = [m.artifact.compression ? 'compressed' : '', enc ? (enc.kind === 'passphrase' ? 'encrypted with the passphrase' : 'encrypted to key files') : ''].filter(Boolean).join(', ');
  return (
    <aside className="details" aria-label="Details">
      <h3>
        {m.source.name} · {whenExact(m.createdAt)}
      </h3>
      <dl>
        <dt>Taken</dt>
        <dd>{WHY_LONG[m.trigger]}</dd>
        <dt>Size</dt>
        <dd>
          database {bytes(m.database.bytes)}
          {m.artifact.bytes !== m.database.bytes || stored ? ` · stored in ${bytes(m.artifact.bytes)}` : ''}
          {stored ? ` (${stored})` : ''}
        </dd>
        <dt>Checked</dt>
        <dd className={m.integrity.status !== 'ok' || v?.ok === false ? 'err' : undefined}>
          {m.integrity.status === 'ok' ? 'passed its check when it was taken' : 'FAILED its check when it was taken: the database was probably damaged'}
          {v ? `; checked again ${when(v.at)}: ${v.ok ? 'intact' : `DAMAGED (${v.message})`}` : ''}
        </dd>
        {m.pinned && (
          <>
            <dt>Kept</dt>
            <dd>pinned: kept whatever the retention rules say</dd>
          </>
        )}
      </dl>
      <h4>Copies</h4>
      <ul className="replicas" aria-label="Copies">
        <li>This computer (vault): kept</li>
        {details.replicas.map((r) => (
          <li key={r.destinationId} className={r.status === 'failed' ? 'err' : undefined}>
            {r.destinationName}: {copyInWords(r)}
          </li>
        ))}
      </ul>
      <Technical m={m} />
      <DetailActions m={m} />
    </aside>
  );
}

/** One restore point in the list: when, (which database,) why, size, its check and its copies. */
function PointRow(p: { r: RestorePointRow; index: number; start: number; cls: string; manySources: boolean; selected: boolean; onSelect: () => void; onKeyDown: (e: React.KeyboardEvent) => void }) {
  const { r } = p;
  const check = checked(r);
  const copies = copiesOf(r);
  return (
    <div
      data-id={r.id}
      role="row"
      aria-rowindex={p.index + 1}
      aria-selected={p.selected}
      tabIndex={0}
      className={`${p.cls}${p.selected ? ' selected' : ''}`}
      style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${p.start}px)` }}
      onClick={p.onSelect}
      onKeyDown={p.onKeyDown}
    >
      <span role="cell">{whenExact(r.createdAt)}</span>
      {p.manySources && <span role="cell">{r.sourceName}</span>}
      <span role="cell">
        {WHY[r.trigger]}
        {r.pinned ? ' · pinned' : ''}
      </span>
      <span role="cell" className="num">
        {bytes(r.bytes)}
      </span>
      <span role="cell" className={check.bad ? 'err' : undefined}>
        {check.text}
      </span>
      <span role="cell" className={copies.bad ? 'err' : undefined}>
        {copies.text}
      </span>
    </div>
  );
}

export function RestorePoints() {
  const { rows, filters, selectedId, select, inside, status } = useDashboard();
  const shown = useMemo(() => filterRows(rows, filters), [rows, filters]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  // The database column only when there is more than one to tell apart.
  const manySources = new Set(rows.map((r) => r.sourceId)).size > 1 || (status?.sources.length ?? 0) > 1;
  if (inside) return <LookInside id={inside} />;
  if (rows.length === 0) {
    return (
      <div className="empty">
        <p>No restore points yet. Add a database on the Overview: its first restore point is taken at once.</p>
      </div>
    );
  }
  const onKey = (e: React.KeyboardEvent, index: number) => {
    const move = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (move) {
      e.preventDefault();
      const next = shown[index + move];
      if (next) {
        select(next.id);
        virtual.scrollToIndex(index + move);
        requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`[data-id="${next.id}"]`)?.focus());
      }
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      select(shown[index]!.id);
    }
  };
  const cls = `row${manySources ? ' with-source' : ''}`;
  return (
    <div className="points">
      <FilterBar total={rows.length} shown={shown.length} />
      <div className="points-body">
        <div className="list" role="table" aria-label="Restore points" aria-rowcount={shown.length}>
          <div role="rowgroup">
            <div className={`${cls} head`} role="row">
              <span role="columnheader">Taken</span>
              {manySources && <span role="columnheader">Database</span>}
              <span role="columnheader">Why</span>
              <span role="columnheader" className="num">
                Size
              </span>
              <span role="columnheader">Checked</span>
              <span role="columnheader">Copies</span>
            </div>
          </div>
          <div className="scroller" ref={scroller} role="rowgroup">
            <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
              {virtual.getVirtualItems().map((item) => {
                const r = shown[item.index]!;
                return <PointRow key={r.id} r={r} index={item.index} start={item.start} cls={cls} manySources={manySources} selected={r.id === selectedId} onSelect={() => select(r.id)} onKeyDown={(e) => onKey(e, item.index)} />;
              })}
            </div>
          </div>
        </div>
        {selectedId && rows.some((r) => r.id === selectedId) ? <Details id={selectedId} /> : <aside className="details muted">Choose a restore point to see its details and restore it.</aside>}
      </div>
    </div>
  );
}
