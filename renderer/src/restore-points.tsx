// Restore points: a virtualised list that stays fast with thousands of entries, filters (database,
// destination, why, date), and a details panel with sizes, checksums, integrity, the copies at each
// destination, and the actions: look inside, verify, restore, restore to another file, pin, delete.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { RestorePointDetails, RestorePointRow } from '../../shared/ipc-contract.ts';
import { bytes, explain, when, whenExact } from './format.ts';
import { Inside } from './inside.tsx';
import { useDashboard, type Filters } from './store.ts';

const ROW_HEIGHT = 38;
const WHY: Record<string, string> = { manual: 'manual', scheduled: 'scheduled', safety: 'safety copy' };

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

function checked(r: RestorePointRow): string {
  if (r.verified) return r.verified.ok ? 'verified ✓' : 'FAILED';
  return r.integrity === 'ok' ? 'ok' : 'FAILED';
}

function FilterBar({ total, shown }: { total: number; shown: number }) {
  const { filters, setFilters, status } = useDashboard();
  const [destinations, setDestinations] = useState<{ id: string; name: string }[]>([]);
  useEffect(() => {
    void window.lifeboat['destinations:list'](undefined).then((v) => setDestinations(v.destinations.map((d) => ({ id: d.destination.id, name: d.destination.name }))), () => undefined);
  }, []);
  return (
    <div className="filters" role="search" aria-label="Filter restore points">
      <label>
        Database{' '}
        <select aria-label="Database" value={filters.sourceId} onChange={(e) => setFilters({ sourceId: e.target.value })}>
          <option value="">all</option>
          {status?.sources.map((s) => (
            <option key={s.source.id} value={s.source.id}>
              {s.source.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Copied to{' '}
        <select aria-label="Copied to" value={filters.destinationId} onChange={(e) => setFilters({ destinationId: e.target.value })}>
          <option value="">anywhere</option>
          <option value="vault-only">only this computer</option>
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
          <option value="manual">manual</option>
          <option value="scheduled">scheduled</option>
          <option value="safety">safety copy</option>
        </select>
      </label>
      <label>
        From <input aria-label="From" type="date" value={filters.from} onChange={(e) => setFilters({ from: e.target.value })} />
      </label>
      <label>
        To <input aria-label="To" type="date" value={filters.to} onChange={(e) => setFilters({ to: e.target.value })} />
      </label>
      <span className="muted" aria-live="polite">
        {shown === total ? `${total} restore point${total === 1 ? '' : 's'}` : `${shown} of ${total}`}
      </span>
    </div>
  );
}

function Details({ id }: { id: string }) {
  const { busy, verify, restore, rows, run, select, revision, openInside } = useDashboard();
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
  return (
    <aside className="details" aria-label="Details">
      <h3>
        {m.source.name} · {whenExact(m.createdAt)}
      </h3>
      <dl>
        <dt>Why</dt>
        <dd>{WHY[m.trigger]}{m.pinned ? ' · pinned (retention keeps it)' : ''}</dd>
        <dt>Database</dt>
        <dd>
          {bytes(m.database.bytes)} · {m.database.pageCount.toLocaleString()} pages · SQLite {m.database.sqliteVersion}
        </dd>
        <dt>Stored</dt>
        <dd>
          {bytes(m.artifact.bytes)} · {m.artifact.format}
          {m.artifact.compression ? ` · zstd level ${m.artifact.compression.level}, ${m.artifact.compression.ratio.toFixed(2)}×` : ''}
          {m.artifact.encryption ? ` · encrypted (${m.artifact.encryption.kind === 'passphrase' ? 'passphrase' : 'age keys'})` : ''}
        </dd>
        <dt>Integrity</dt>
        <dd>
          {m.integrity.check}: {m.integrity.status === 'ok' ? 'ok' : `FAILED (${m.integrity.message})`}
          {details.verified ? ` · verified ${when(details.verified.at)}: ${details.verified.ok ? 'ok' : details.verified.message}` : ''}
        </dd>
        <dt>SHA-256 (database)</dt>
        <dd className="hash">{m.database.sha256}</dd>
        {m.artifact.sha256 !== m.database.sha256 && (
          <>
            <dt>SHA-256 (stored)</dt>
            <dd className="hash">{m.artifact.sha256}</dd>
          </>
        )}
        <dt>Id</dt>
        <dd className="hash">{m.id}</dd>
      </dl>
      <h4>Copies</h4>
      <ul className="replicas" aria-label="Copies">
        <li>This computer (vault): kept</li>
        {details.replicas.map((r) => (
          <li key={r.destinationId} className={r.status === 'failed' ? 'err' : undefined}>
            {r.destinationName}: {r.status}
            {r.finishedAt ? ` ${when(r.finishedAt)}` : ''}
            {r.attempts > 1 ? ` · ${r.attempts} attempts` : ''}
            {r.error ? ` · ${r.error}` : ''}
          </li>
        ))}
      </ul>
      <div className="actions wrap">
        <button type="button" onClick={() => openInside(m.id)}>
          Look inside
        </button>
        <button type="button" disabled={busy !== undefined} onClick={() => void verify(m.id)}>
          {busy === `verify:${m.id}` ? 'Verifying…' : 'Verify'}
        </button>
        {/* Main confirms in its own dialog, naming the database it replaces (or asks where to restore to). */}
        <button type="button" className="primary" disabled={busy !== undefined} onClick={() => void restore(m.id, false)}>
          Restore…
        </button>
        <button type="button" disabled={busy !== undefined} onClick={() => void restore(m.id, true)}>
          Restore to another file…
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
    </aside>
  );
}

export function RestorePoints() {
  const { rows, filters, selectedId, select, inside } = useDashboard();
  const shown = useMemo(() => filterRows(rows, filters), [rows, filters]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  if (inside) return <Inside id={inside} />;
  if (rows.length === 0) {
    return (
      <div className="empty">
        <p>No restore points yet. Take the first one with <em>Back Up Now</em> on the Overview.</p>
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
  return (
    <div className="points">
      <FilterBar total={rows.length} shown={shown.length} />
      <div className="points-body">
        <div className="list" role="table" aria-label="Restore points" aria-rowcount={shown.length}>
          <div role="rowgroup">
            <div className="row head" role="row">
              <span role="columnheader">Taken</span>
              <span role="columnheader">Database</span>
              <span role="columnheader">Why</span>
              <span role="columnheader">Size</span>
              <span role="columnheader">Checked</span>
              <span role="columnheader">Copies</span>
            </div>
          </div>
          <div className="scroller" ref={scroller} role="rowgroup">
            <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
              {virtual.getVirtualItems().map((item) => {
                const r = shown[item.index]!;
                const copies = Object.values(r.replicas);
                return (
                  <div
                    key={r.id}
                    data-id={r.id}
                    role="row"
                    aria-rowindex={item.index + 1}
                    aria-selected={r.id === selectedId}
                    tabIndex={0}
                    className={`row${r.id === selectedId ? ' selected' : ''}`}
                    style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                    onClick={() => select(r.id)}
                    onKeyDown={(e) => onKey(e, item.index)}
                  >
                    <span role="cell">{whenExact(r.createdAt)}</span>
                    <span role="cell">{r.sourceName}</span>
                    <span role="cell">
                      {WHY[r.trigger]}
                      {r.pinned ? ' · pinned' : ''}
                    </span>
                    <span role="cell">{bytes(r.bytes)}</span>
                    <span role="cell" className={checked(r) === 'FAILED' ? 'err' : undefined}>
                      {checked(r)}
                    </span>
                    <span role="cell">{copies.length === 0 ? 'vault only' : `${copies.filter((c) => c === 'completed').length}/${copies.length} copied`}</span>
                  </div>
                );
              })}
            </div>
          </div>
        </div>
        {selectedId && rows.some((r) => r.id === selectedId) ? <Details id={selectedId} /> : <aside className="details muted">Choose a restore point to see its details and restore it.</aside>}
      </div>
    </div>
  );
}
