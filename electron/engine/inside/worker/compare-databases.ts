// Comparing a restore point (main) with another database (lifeboat_b), table by table, in chunks
// that stop when asked. Runs in the worker.
import type BetterSqlite3 from 'better-sqlite3';
import type { RowKey, SchemaChange, TableDiff } from '../../../../shared/inside-view.ts';
import type { CompareResult, Db, Raw, TableDesc } from './messages.ts';
import { countRows, describeTables } from './describe-tables.ts';
import { checkStop, colRef, isBusy, nap, num, quoteId, toValue } from './sql.ts';

/**
 * Starts one read transaction that covers `schema` (a live WAL database read in place): from here
 * until COMMIT every statement sees the same committed state, while its program's writers carry on.
 * A WAL reader waits only for a moment (a checkpoint, a recovery): it retries until the deadline.
 */
export function beginReadOf(db: Db, schema: string, busyTimeoutMs: number, stop: Int32Array): void {
  for (const deadline = Date.now() + busyTimeoutMs; ; nap(5)) {
    checkStop(stop);
    try {
      db.exec('BEGIN');
      db.prepare(`SELECT count(*) FROM ${quoteId(schema)}.sqlite_schema`).get();
      return;
    } catch (e) {
      if (db.inTransaction) db.exec('COMMIT');
      if (!isBusy(e) || Date.now() > deadline) throw e;
    }
  }
}

/**
 * Walks a table in chunks of its walk columns (rowid, or the primary key): yields the condition
 * (on alias `alias`) and its parameters for each chunk, in order (or from the end: newest first).
 */
function* chunksOf(db: Db, schema: string, t: TableDesc, alias: string, stop: Int32Array, fromTheEnd = false): Generator<{ where: string; params: Raw[]; }> {
  const size = 20_000;
  const cols = t.walk.map((c) => colRef(alias, c, t)).join(', ');
  const bare = t.walk.map((c) => (c === t.rowid ? c : quoteId(c))).join(', ');
  const order = fromTheEnd ? t.walk.map((c) => `${c === t.rowid ? c : quoteId(c)} DESC`).join(', ') : bare;
  const [past, upTo] = fromTheEnd ? ['<', '>='] : ['>', '<='];
  const marks = t.walk.map(() => '?').join(', ');
  const first = db.prepare(`SELECT ${bare} FROM ${quoteId(schema)}.${quoteId(t.name)} ORDER BY ${order} LIMIT 1 OFFSET ${size - 1}`).raw();
  const next = db.prepare(`SELECT ${bare} FROM ${quoteId(schema)}.${quoteId(t.name)} WHERE (${bare}) ${past} (${marks}) ORDER BY ${order} LIMIT 1 OFFSET ${size - 1}`).raw();
  let done: Raw[] | undefined;
  for (;;) {
    checkStop(stop);
    const bound = (done ? next.get(...done) : first.get()) as Raw[] | undefined;
    const parts: string[] = [];
    if (done) parts.push(`(${cols}) ${past} (${marks})`);
    if (bound) parts.push(`(${cols}) ${upTo} (${marks})`);
    yield { where: parts.join(' AND ') || '1', params: [...(done ?? []), ...(bound ?? [])] };
    if (!bound) return;
    done = bound;
  }
}

/** Whether any row of `t` has a NULL in a key column (possible only in an old-style rowid table with a non-integer key). */
function nullKeys(db: Db, schema: string, t: TableDesc): boolean {
  if (t.kind === 'without-rowid' || (t.key.length === 1 && t.columns.some((c) => c.primaryKey === 1 && /^INTEGER$/i.test(c.type.trim())))) return false;
  return db.prepare(`SELECT 1 FROM ${quoteId(schema)}.${quoteId(t.name)} AS t WHERE ${t.key.map((k) => `${colRef('t', k, t)} IS NULL`).join(' OR ')} LIMIT 1`).get() !== undefined;
}

/** Columns both tables have (not generated), as [name in a, name in b]. */
export function commonColumns(a: TableDesc, b: TableDesc): [string, string][] {
  const inB = new Map(b.columns.filter((c) => !c.generated).map((c) => [c.name.toLowerCase(), c.name]));
  return a.columns.filter((c) => !c.generated && inB.has(c.name.toLowerCase())).map((c) => [c.name, inB.get(c.name.toLowerCase())!]);
}

/** Same key columns, in the same order. */
export function sameKey(a: TableDesc, b: TableDesc): boolean {
  return a.match === 'key' && b.match === 'key' && a.key.length === b.key.length && a.key.every((k, i) => k.toLowerCase() === b.key[i]!.toLowerCase());
}

/** Compares two tables matched by their primary key, chunk by chunk; fills `d`. */
function compareKeyed(db: Db, ta: TableDesc, tb: TableDesc, common: [string, string][], d: TableDiff, sample: number, stop: Int32Array, tick: (rows: number) => void): void {
  const rowsB = d.rows.b ?? 0;
  const A = `main.${quoteId(ta.name)}`;
  const B = `lifeboat_b.${quoteId(tb.name)}`;
  const yOnX = ta.key.map((k, i) => `${colRef('y', tb.key[i]!, tb)} IS ${colRef('x', k, ta)}`).join(' AND ');
  const marker = tb.rowid ? `y.${tb.rowid}` : colRef('y', tb.key[0]!, tb);
  const keyNames = new Set(ta.key.map((k) => k.toLowerCase()));
  const values = common.filter(([a]) => !keyNames.has(a.toLowerCase()));
  const differs = values.length ? `(${values.map(([a, b]) => `${colRef('x', a, ta)} IS NOT ${colRef('y', b, tb)}`).join(' OR ')})` : '0';
  const from = `${A} AS x LEFT JOIN ${B} AS y ON ${yOnX}`;
  const aKeys = ta.key.map((k) => colRef('x', k, ta)).join(', ');
  const statements = new Map<string, BetterSqlite3.Statement>();
  const st = (sql: string) => statements.get(sql) ?? statements.set(sql, db.prepare(sql)).get(sql)!;
  for (const c of chunksOf(db, 'main', ta, 'x', stop)) {
    const r = st(`SELECT count(*) AS n, coalesce(sum(${marker} IS NULL), 0) AS back, coalesce(sum(${marker} IS NOT NULL AND ${differs}), 0) AS changed FROM ${from} WHERE ${c.where}`).get(...c.params) as { n: bigint; back: bigint; changed: bigint };
    d.back += num(r.back);
    d.changed += num(r.changed);
    if (num(r.back) && d.samples.back.length < sample) {
      const rows = st(`SELECT ${aKeys} FROM ${from} WHERE ${c.where} AND ${marker} IS NULL LIMIT ${sample}`).raw().all(...c.params) as Raw[][];
      d.samples.back.push(...rows.slice(0, sample - d.samples.back.length).map((row) => row.map(toValue)));
    }
    if (num(r.changed) && d.samples.changed.length < sample) {
      const rows = st(`SELECT ${aKeys} FROM ${from} WHERE ${c.where} AND ${marker} IS NOT NULL AND ${differs} LIMIT ${sample}`).raw().all(...c.params) as Raw[][];
      d.samples.changed.push(...rows.slice(0, sample - d.samples.changed.length).map((row) => row.map(toValue)));
    }
    tick(num(r.n));
  }
  const xOnY = ta.key.map((k, i) => `${colRef('x', k, ta)} IS ${colRef('y', tb.key[i]!, tb)}`).join(' AND ');
  const missing = `NOT EXISTS (SELECT 1 FROM ${A} AS x WHERE ${xOnY})`;
  const bKeys = tb.key.map((k) => colRef('y', k, tb)).join(', ');
  // Keys are unique on both sides, so every row of B not matched by A is lost: counted without
  // reading B. B is then walked only for the keys of lost rows, newest first (rows added since are
  // usually the newest), and only until they are all found (or enough to show).
  const unique = !nullKeys(db, 'main', ta) && !nullKeys(db, 'lifeboat_b', tb);
  let known = -1;
  if (unique) {
    known = rowsB - (num(d.rows.a) - d.back);
    d.lost = known;
  }
  let walked = 0;
  if (known !== 0) {
    for (const c of chunksOf(db, 'lifeboat_b', tb, 'y', stop, unique)) {
      const r = st(`SELECT count(*) AS n, coalesce(sum(${missing}), 0) AS lost FROM ${B} AS y WHERE ${c.where}`).get(...c.params) as { n: bigint; lost: bigint };
      if (!unique) d.lost += num(r.lost);
      if (num(r.lost) && d.samples.lost.length < sample) {
        const rows = st(`SELECT ${bKeys} FROM ${B} AS y WHERE ${c.where} AND ${missing} LIMIT ${sample}`).raw().all(...c.params) as Raw[][];
        d.samples.lost.push(...rows.slice(0, sample - d.samples.lost.length).map((row) => row.map(toValue)));
      }
      walked += num(r.n);
      tick(num(r.n));
      if (unique && d.samples.lost.length >= Math.min(sample, known)) break;
    }
  }
  tick(rowsB - walked);
}

/**
 * Compares two tables without a common primary key by whole rows (on the columns both have):
 * duplicates count, so a table holding a row twice on one side and once on the other differs by one.
 */
function compareByContent(db: Db, ta: TableDesc, tb: TableDesc, common: [string, string][], d: TableDiff, sample: number): void {
  const n = common.length;
  const c = Array.from({ length: n }, (_, i) => `c${i}`);
  const groups = (schema: string, t: TableDesc, side: 0 | 1, into: string) =>
    db.exec(`DROP TABLE IF EXISTS temp.${into}; CREATE TEMP TABLE ${into} AS SELECT ${common.map((p, i) => `${colRef('t', p[side], t)} COLLATE BINARY AS c${i}`).join(', ')}, count(*) AS n FROM ${schema}.${quoteId(t.name)} AS t GROUP BY ${c.map((_, i) => i + 1).join(', ')}; CREATE INDEX temp.${into}_i ON ${into} (${c.join(', ')});`);
  groups('main', ta, 0, 'lifeboat_ga');
  groups('lifeboat_b', tb, 1, 'lifeboat_gb');
  const excess = (from: string, other: string) =>
    num(db.prepare(`SELECT coalesce(sum(max(g.n - coalesce((SELECT o.n FROM temp.${other} AS o WHERE ${c.map((x) => `o.${x} IS g.${x}`).join(' AND ')}), 0), 0)), 0) FROM temp.${from} AS g`).pluck().get());
  d.back = excess('lifeboat_ga', 'lifeboat_gb');
  d.lost = excess('lifeboat_gb', 'lifeboat_ga');
  const samples = (schema: string, t: TableDesc, side: 0 | 1, other: string): RowKey[] => {
    if (!t.rowid) return [];
    const vals = common.map((p, i) => `${colRef('t', p[side], t)} AS c${i}`).join(', ');
    const partition = common.map((p) => `${colRef('t', p[side], t)} COLLATE BINARY`).join(', ');
    const sql = `SELECT r FROM (SELECT t.${t.rowid} AS r, ${vals}, row_number() OVER (PARTITION BY ${partition} ORDER BY t.${t.rowid}) AS occ FROM ${schema}.${quoteId(t.name)} AS t) AS z
      WHERE z.occ > coalesce((SELECT o.n FROM temp.${other} AS o WHERE ${c.map((x) => `o.${x} IS z.${x}`).join(' AND ')}), 0) LIMIT ${sample}`;
    return (db.prepare(sql).raw().all() as Raw[][]).map((row) => row.map(toValue));
  };
  if (d.back) d.samples.back = samples('main', ta, 0, 'lifeboat_gb');
  if (d.lost) d.samples.lost = samples('lifeboat_b', tb, 1, 'lifeboat_ga');
  db.exec('DROP TABLE temp.lifeboat_ga; DROP TABLE temp.lifeboat_gb;');
}

/** Whitespace-insensitive form of a CREATE statement, to tell a real change from reformatting. */
function normalSql(sql: string): string {
  return sql.replace(/\s+/g, ' ').replace(/\s*([(),])\s*/g, '$1').trim().toLowerCase();
}

type Rows = { a: number | null; b: number | null };

/** Compares main (A, a restore point) with lifeboat_b (B): per table rows back, lost and changed, and schema changes. */
export function compareDatabases(db: Db, sample: number, stop: Int32Array, progress: (done: number, total: number) => void): CompareResult {
  const A = describeTables(db, 'main');
  const B = describeTables(db, 'lifeboat_b');
  const counts = new Map<string, Rows>();
  let total = 0;
  for (const name of [...new Set([...A.keys(), ...B.keys()])].sort()) {
    const ta = A.get(name);
    const tb = B.get(name);
    if (ta?.kind === 'shadow' || tb?.kind === 'shadow') continue;
    const rows = { a: ta ? countRows(db, 'main', ta, A) : null, b: tb ? countRows(db, 'lifeboat_b', tb, B) : null };
    counts.set(name, rows);
    total += (rows.a ?? 0) + (rows.b ?? 0);
  }
  let done = 0;
  const tick = (n: number) => {
    done += n;
    progress(Math.min(done, total), total);
  };
  progress(0, total);
  const tables: TableDiff[] = [];
  for (const [name, rows] of counts) {
    checkStop(stop);
    tables.push(compareTable(db, A.get(name), B.get(name), rows, sample, stop, tick));
  }
  progress(total, total);
  return { tables, schema: schemaChanges(db, A, B) };
}

/** How one table differs between A and B (either may lack it); `tick` is told every row looked at. */
function compareTable(db: Db, ta: TableDesc | undefined, tb: TableDesc | undefined, rows: Rows, sample: number, stop: Int32Array, tick: (rows: number) => void): TableDiff {
  const t = (ta ?? tb)!;
  const d: TableDiff = { table: t.name, kind: t.kind, match: t.match, keyColumns: t.key, rows, back: 0, lost: 0, changed: 0, samples: { back: [], lost: [], changed: [] } };
  if (!ta || !tb) {
    d.only = ta ? 'a' : 'b';
    if (t.match !== 'count') {
      if (ta) d.back = rows.a ?? 0;
      else d.lost = rows.b ?? 0;
    }
    tick((rows.a ?? 0) + (rows.b ?? 0));
    return d;
  }
  const common = commonColumns(ta, tb);
  const bNames = new Set(tb.columns.map((c) => c.name.toLowerCase()));
  const aNames = new Set(ta.columns.map((c) => c.name.toLowerCase()));
  const added = tb.columns.filter((c) => !aNames.has(c.name.toLowerCase())).map((c) => c.name);
  const removed = ta.columns.filter((c) => !bNames.has(c.name.toLowerCase())).map((c) => c.name);
  const retyped = ta.columns.filter((c) => tb.columns.some((x) => x.name.toLowerCase() === c.name.toLowerCase() && x.type.toUpperCase() !== c.type.toUpperCase())).map((c) => c.name);
  if (added.length || removed.length || retyped.length) d.columns = { added, removed, retyped };
  if (ta.match === 'count' || tb.match === 'count' || ta.unreadable || tb.unreadable) {
    d.match = 'count';
    d.note = ta.kind === 'virtual' || tb.kind === 'virtual' ? 'a virtual table (its index is kept by its module): only its rows are counted' : 'compared by row count only';
  } else if (sameKey(ta, tb)) {
    d.match = 'key';
    compareKeyed(db, ta, tb, common, d, sample, stop, tick);
    return d;
  } else if (common.length === 0) {
    d.match = 'count';
    d.note = 'no column in common: only its rows are counted';
  } else {
    if (ta.match === 'key' || tb.match === 'key') {
      d.keyChanged = true;
      d.note = 'its primary key changed: rows compared by content';
    }
    d.match = 'content';
    d.keyColumns = ta.rowid ? [ta.rowid] : [];
    compareByContent(db, ta, tb, common, d, sample);
  }
  tick((rows.a ?? 0) + (rows.b ?? 0));
  return d;
}

/** The tables, indexes, views and triggers added, removed or changed (beyond reformatting) from A to B. */
function schemaChanges(db: Db, A: Map<string, TableDesc>, B: Map<string, TableDesc>): SchemaChange[] {
  const objects = (schema: string) =>
    new Map(
      (db.prepare(`SELECT type, name, coalesce(sql, '') AS sql FROM ${quoteId(schema)}.sqlite_schema WHERE substr(name, 1, 7) <> 'sqlite_'`).all() as { type: SchemaChange['type']; name: string; sql: string }[])
        .filter((o) => !(o.type === 'table' && ((schema === 'main' ? A : B).get(o.name.toLowerCase())?.kind === 'shadow')))
        .map((o) => [`${o.type}:${o.name.toLowerCase()}`, o]),
    );
  const oa = objects('main');
  const ob = objects('lifeboat_b');
  const schema: SchemaChange[] = [];
  for (const [k, o] of oa) {
    const other = ob.get(k);
    if (!other) schema.push({ type: o.type, name: o.name, change: 'removed' });
    else if (normalSql(other.sql) !== normalSql(o.sql)) schema.push({ type: o.type, name: o.name, change: 'changed' });
  }
  for (const [k, o] of ob) if (!oa.has(k)) schema.push({ type: o.type, name: o.name, change: 'added' });
  return schema;
}
