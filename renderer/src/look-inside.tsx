// Inside a restore point, without restoring it: its tables (rows, sizes), a table's rows newest
// first, what changed since (a comparison with the database now), and the way back for just the
// rows that were lost: choose them, bring them back (main confirms in its own dialog naming the
// database; a safety copy first, Undo after), or save the table to a CSV or SQLite file.
import { useEffect, useState } from 'react';
import { restoreSentence, rowsOf, schemaSentence } from '../../shared/comparison-words.ts';
import type { Cell, Comparison, RestorePointContents, RowKey, RowsPage, TableDiff, TableInfo } from '../../shared/inside-view.ts';
import type { JobView } from '../../shared/model.ts';
import { bytes, explain, whenExact } from './format.ts';
import { useDashboard } from './store.ts';

const PAGE = 20;
type Which = 'all' | 'back' | 'changed';

/** A value as a short line of text. */
export function cellText(c: Cell): string {
  if (c === null) return 'NULL';
  if (typeof c === 'number') return String(c);
  if (typeof c === 'string') return c;
  if ('int' in c) return c.int;
  if ('blob' in c) return `‹${bytes(c.blob)} of binary data›`;
  if ('hex' in c) return `x'${c.hex}'`;
  if ('bytes' in c) return `‹${bytes(c.bytes)} of text›`;
  if ('generated' in c) return '‹computed when read: not shown›';
  return `${c.text}… (${c.chars.toLocaleString()} characters)`;
}

/** The running job of `kind` for restore point `id`, if any (its progress, and a way to cancel it). */
export function jobOf(jobs: Record<string, JobView>, kind: JobView['kind'], id: string): JobView | undefined {
  return Object.values(jobs).find((j) => j.kind === kind && j.restorePointId === id);
}

function Progress({ job, label }: { job: JobView | undefined; label: string }) {
  const cancel = useDashboard((s) => s.cancel);
  const p = job?.progress;
  return (
    <div className="muted" role="status" aria-label={label}>
      {label}
      {p?.percent !== undefined ? ` ${p.percent}%` : '…'}{' '}
      {job && (
        <button type="button" className="link" onClick={() => void cancel(job.id)}>
          Stop
        </button>
      )}
    </div>
  );
}

/** What changed in one table since the restore point, in a few words. */
function changedSince(d: TableDiff | undefined): string {
  if (!d) return '';
  if (d.match === 'count') {
    const more = (d.rows.b ?? 0) - (d.rows.a ?? 0);
    return more === 0 ? 'as many rows now' : `${Math.abs(more).toLocaleString()} row${Math.abs(more) === 1 ? '' : 's'} ${more > 0 ? 'more' : 'fewer'} now`;
  }
  if (d.only === 'a') return 'gone since';
  const parts = [d.back && `${d.back} deleted since`, d.lost && `${d.lost} added since`, d.changed && `${d.changed} changed since`].filter(Boolean);
  return parts.join(' · ') || 'no change';
}

const recoverable = (t: TableInfo | undefined) => t !== undefined && (t.kind === 'table' || t.kind === 'without-rowid') && t.key.length > 0;
const keyId = (k: RowKey) => JSON.stringify(k);

export function LookInside({ id }: { id: string }) {
  const { closeInside, rows: points, jobs, recover, busy, revision } = useDashboard();
  const point = points.find((r) => r.id === id);
  const [contents, setContents] = useState<RestorePointContents>();
  const [problem, setProblem] = useState<string>();
  const [comparison, setComparison] = useState<Comparison>();
  const [comparing, setComparing] = useState(false);
  const [table, setTable] = useState<string>();
  const [which, setWhich] = useState<Which>('all');
  const [limit, setLimit] = useState(PAGE);
  const [page, setPage] = useState<RowsPage>();
  const [chosen, setChosen] = useState<Map<string, RowKey>>(new Map());
  const [onConflict, setOnConflict] = useState<'skip' | 'replace'>('skip');
  const [saved, setSaved] = useState<string>();

  useEffect(() => {
    let alive = true;
    window.lifeboat['inside:contents']({ id }).then(
      (c) => {
        if (!alive) return;
        setContents(c);
        setTable((t) => t ?? c.tables.find((x) => x.kind !== 'shadow' && (x.rows ?? 0) > 0)?.name ?? c.tables[0]?.name);
      },
      (e: Error & { hint?: string }) => alive && setProblem(explain(e)),
    );
    return () => {
      alive = false;
    };
  }, [id]);

  const info = contents?.tables.find((t) => t.name === table);
  const diff = comparison?.tables.find((t) => t.table === table);
  useEffect(() => {
    if (!table) return;
    let alive = true;
    const keys = which === 'back' ? diff?.samples.back : which === 'changed' ? diff?.samples.changed : undefined;
    if (which !== 'all' && !keys?.length) return setPage(undefined);
    window.lifeboat['inside:rows']({ id, table, limit, ...(keys ? { rows: keys } : {}) }).then(
      (p) => alive && (setPage(p), setProblem(undefined)),
      (e: Error & { hint?: string }) => alive && setProblem(explain(e)),
    );
    return () => {
      alive = false;
    };
  }, [id, table, which, limit, diff, revision]);

  // Escape leaves the panel.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && closeInside();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [closeInside]);

  const choose = (t: string) => {
    if (t !== table) setPage(undefined);
    setTable(t);
    setWhich('all');
    setLimit(PAGE);
    setChosen(new Map());
  };
  const compare = async () => {
    setComparing(true);
    setProblem(undefined);
    try {
      setComparison(await window.lifeboat['inside:compare']({ id }));
    } catch (e) {
      setProblem(explain(e as Error & { hint?: string }));
    } finally {
      setComparing(false);
    }
  };
  const toggle = (k: RowKey) => {
    const next = new Map(chosen);
    if (next.has(keyId(k))) next.delete(keyId(k));
    else next.set(keyId(k), k);
    setChosen(next);
  };
  const bringBack = async () => {
    if (!table) return;
    const ok = await recover(id, [{ table, rows: [...chosen.values()] }], onConflict);
    if (ok) {
      setChosen(new Map());
      setComparison(undefined);
      setPage(undefined);
      setWhich('all');
    }
  };
  const save = async (format: 'csv' | 'sqlite') => {
    if (!table) return;
    setProblem(undefined);
    try {
      const r = await window.lifeboat['recover:export']({ id, table, format, ...(chosen.size ? { rows: [...chosen.values()] } : {}) });
      if (r) setSaved(`Saved ${r.rows.toLocaleString()} row${r.rows === 1 ? '' : 's'} of ${r.table} to ${r.file}.`);
    } catch (e) {
      setProblem(explain(e as Error & { hint?: string }));
    }
  };

  const tables = contents?.tables.filter((t) => t.kind !== 'shadow') ?? [];
  const storage = (t: TableInfo) => (contents?.tables ?? []).filter((s) => s.of === t.name).reduce((n, s) => n + s.bytes + s.indexBytes, t.bytes + t.indexBytes);
  const onPage = page?.rows ?? [];
  const allChosen = onPage.length > 0 && onPage.every((r) => chosen.has(keyId(r.key)));
  const createdAt = contents?.createdAt ?? point?.createdAt;
  return (
    <section className="inside" aria-label="Inside the restore point">
      <div className="section-head">
        <h2>
          Inside {point?.sourceName ?? contents?.sourceId ?? 'the restore point'}
          {createdAt ? ` · ${whenExact(createdAt)}` : ''}
        </h2>
        <button type="button" onClick={closeInside}>
          Back to restore points
        </button>
      </div>
      {problem && (
        <p className="banner error" role="alert">
          {problem}
        </p>
      )}
      {saved && (
        <p className="banner ok" role="status">
          {saved}
        </p>
      )}
      {!contents && !problem && <Progress job={jobOf(jobs, 'look', id)} label="Opening the restore point" />}
      {contents && (
        <>
          <p className="muted">
            {tables.length} table{tables.length === 1 ? '' : 's'} · {bytes(contents.databaseBytes)} · read-only: looking changes nothing
          </p>
          <div className="compare">
            {comparison ? (
              <p aria-label="What a restore would change">
                {restoreSentence(comparison, whenExact(comparison.a.createdAt))} {schemaSentence(comparison) ?? ''}
              </p>
            ) : comparing ? (
              <Progress job={jobOf(jobs, 'compare', id)} label="Comparing with the database now" />
            ) : (
              <button type="button" disabled={point === undefined} onClick={() => void compare()}>
                Compare with the database now
              </button>
            )}
          </div>
          <div className="inside-body">
            <ul className="tables" aria-label="Tables">
              {tables.map((t) => {
                const d = comparison?.tables.find((x) => x.table === t.name);
                return (
                  <li key={t.name}>
                    <button type="button" aria-current={t.name === table ? 'true' : undefined} onClick={() => choose(t.name)}>
                      <strong>{t.name}</strong>
                      <span className="muted">
                        {t.rows === null ? 'cannot be read here' : `${t.rows.toLocaleString()} row${t.rows === 1 ? '' : 's'}`} · {bytes(storage(t))}
                        {t.kind === 'virtual' ? ' · search index' : ''}
                      </span>
                      {d && <span className={d.back || d.changed ? 'changed' : 'muted'}>{changedSince(d)}</span>}
                    </button>
                  </li>
                );
              })}
            </ul>
            {info && (
              <div className="table-view">
                <h3>{info.name}</h3>
                <p className="muted">
                  {info.match === 'content' ? 'No primary key: rows are told apart by their whole content' : info.kind === 'virtual' ? 'A virtual table (a search index its program keeps); its rows can be saved, not brought back' : `Key: ${info.key.join(', ')}`}
                  {page ? ` · ${page.order}` : ''}
                </p>
                {diff && diff.match !== 'count' && (diff.back > 0 || diff.changed > 0) && (
                  <div className="buttons" role="group" aria-label="Which rows">
                    {(['all', 'back', 'changed'] as const).map((w) => (
                      <button key={w} type="button" aria-pressed={which === w} disabled={w !== 'all' && (w === 'back' ? diff.back : diff.changed) === 0} onClick={() => (w !== which && setPage(undefined), setWhich(w), setChosen(new Map()))}>
                        {w === 'all' ? 'All rows' : w === 'back' ? `Deleted since (${diff.back.toLocaleString()})` : `Changed since (${diff.changed.toLocaleString()})`}
                      </button>
                    ))}
                  </div>
                )}
                {page && (
                  <div className="rows-scroll">
                    <table aria-label={`Rows of ${page.table}`}>
                      <thead>
                        <tr>
                          {recoverable(info) && (
                            <th>
                              <input type="checkbox" aria-label="Choose every row shown" checked={allChosen} onChange={() => setChosen(allChosen ? new Map() : new Map(onPage.map((r) => [keyId(r.key), r.key])))} />
                            </th>
                          )}
                          {page.columns.map((c) => (
                            <th key={c}>{c}</th>
                          ))}
                        </tr>
                      </thead>
                      <tbody>
                        {onPage.map((r) => (
                          <tr key={keyId(r.key)} className={chosen.has(keyId(r.key)) ? 'chosen' : undefined}>
                            {recoverable(info) && (
                              <td>
                                <input type="checkbox" aria-label={`Choose row ${r.key.map((k) => cellText(k)).join(', ')}`} checked={chosen.has(keyId(r.key))} onChange={() => toggle(r.key)} />
                              </td>
                            )}
                            {r.cells.map((c, i) => (
                              <td key={i} className={c === null ? 'muted' : undefined} title={cellText(c)}>
                                {cellText(c)}
                              </td>
                            ))}
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
                {page && (
                  <p className="muted">
                    {page.rows.length ? `${page.rows.length.toLocaleString()} of ${page.total.toLocaleString()} rows` : 'No rows'}
                    {which !== 'all' && diff && (which === 'back' ? diff.back : diff.changed) > page.total ? ` (the first ${page.total} of ${(which === 'back' ? diff.back : diff.changed).toLocaleString()})` : ''}{' '}
                    {page.rows.length < page.total && (
                      <button type="button" className="link" onClick={() => setLimit(Math.min(1000, limit + PAGE * 5))}>
                        Show more
                      </button>
                    )}
                  </p>
                )}
                <div className="actions start wrap">
                  {recoverable(info) && (
                    <>
                      <button type="button" className="primary" disabled={chosen.size === 0 || busy !== undefined || point === undefined} onClick={() => void bringBack()}>
                        Bring back {chosen.size ? rowsOf(chosen.size, 'rows') : 'rows'}…
                      </button>
                      <fieldset className="choice">
                        <legend className="muted">A chosen row that is there already:</legend>
                        <label>
                          <input type="radio" name="on-conflict" checked={onConflict === 'skip'} onChange={() => setOnConflict('skip')} /> leave it as it is now
                        </label>
                        <label>
                          <input type="radio" name="on-conflict" checked={onConflict === 'replace'} onChange={() => setOnConflict('replace')} /> replace it with this version
                        </label>
                      </fieldset>
                    </>
                  )}
                  <button type="button" disabled={busy !== undefined} onClick={() => void save('csv')}>
                    Save {chosen.size ? 'chosen rows' : 'table'} as CSV…
                  </button>
                  <button type="button" disabled={busy !== undefined} onClick={() => void save('sqlite')}>
                    Save as a database file…
                  </button>
                </div>
              </div>
            )}
          </div>
        </>
      )}
    </section>
  );
}
