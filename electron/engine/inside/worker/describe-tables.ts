// What the worker knows of a database's tables: their kind, columns, key and order (TableDesc), how
// many rows each holds (counted without running anything a restore point chooses), which virtual
// tables may be read, the contents shown for a restore point, and its planner statistics.
import type BetterSqlite3 from 'better-sqlite3';
import type { ColumnInfo, MatchBy, RowKey, TableInfo, TableKind } from '../../../../shared/inside-view.ts';
import type { ContentsResult, Db, Failure, TableDesc } from './messages.ts';
import { colRef, fail, fillSelection, num, quoteId } from './sql.ts';

/** Which virtual table a shadow table stores: the longest virtual table name followed by "_". */
function shadowOwner(name: string, virtuals: string[]): string | undefined {
  return virtuals.filter((v) => name.toLowerCase().startsWith(`${v.toLowerCase()}_`)).sort((a, b) => b.length - a.length)[0];
}

/** The tables of schema `schema` (main, or an attached one), by lower-cased name. */
export function describeTables(db: Db, schema: string): Map<string, TableDesc> {
  const list = db.prepare('SELECT name, type, wr FROM pragma_table_list WHERE schema = ?').all(schema) as { name: string; type: string; wr: bigint }[];
  const sqlOf = new Map((db.prepare(`SELECT name, sql FROM ${quoteId(schema)}.sqlite_schema WHERE type = 'table'`).all() as { name: string; sql: string | null }[]).map((r) => [r.name.toLowerCase(), r.sql ?? '']));
  const virtuals = list.filter((t) => t.type === 'virtual').map((t) => t.name);
  const out = new Map<string, TableDesc>();
  for (const t of list) {
    if (t.name.toLowerCase().startsWith('sqlite_') || !['table', 'virtual', 'shadow'].includes(t.type)) continue;
    const kind: TableKind = t.type === 'virtual' ? 'virtual' : t.type === 'shadow' ? 'shadow' : num(t.wr) ? 'without-rowid' : 'table';
    let columns: ColumnInfo[] = [];
    let computed: string[] = [];
    let unreadable: string | undefined;
    try {
      const info = db.prepare('SELECT name, type, "notnull" AS nn, pk, hidden FROM pragma_table_xinfo(?, ?)').all(t.name, schema) as { name: string; type: string; nn: bigint; pk: bigint; hidden: bigint }[];
      columns = info.filter((c) => num(c.hidden) !== 1).map((c) => ({ name: c.name, type: c.type, notNull: num(c.nn) === 1, primaryKey: num(c.pk), generated: num(c.hidden) >= 2 }));
      computed = info.filter((c) => num(c.hidden) === 2).map((c) => c.name);
    } catch (e) {
      unreadable = String((e as Error).message);
    }
    const names = new Set(columns.map((c) => c.name.toLowerCase()));
    const rowid = kind === 'without-rowid' ? undefined : ['rowid', '_rowid_', 'oid'].find((a) => !names.has(a));
    const pk = columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey);
    let match: MatchBy;
    let key: string[];
    if (kind === 'virtual' || kind === 'shadow') {
      match = 'count';
      key = pk.length && kind === 'shadow' ? pk.map((c) => c.name) : rowid ? [rowid] : [];
    } else if (pk.length) {
      match = 'key';
      key = pk.map((c) => c.name);
    } else {
      match = 'content';
      key = rowid ? [rowid] : [];
    }
    const walk = rowid ? [rowid] : pk.map((c) => c.name);
    const ref = (c: string) => (c === rowid ? c : quoteId(c));
    const datePattern = /(^|_)(date|time|timestamp|created|updated|modified|placed|when)$|_(at|on)$/i;
    // Never a generated column: ordering by one would compute it for every row.
    const stored = columns.filter((c) => !c.generated);
    const dateCol = stored.find((c) => /DATE|TIME/i.test(c.type)) ?? stored.find((c) => datePattern.test(c.name));
    let orderSql: string;
    let order: string;
    if (match === 'key' && pk.length === 1 && /INT/i.test(pk[0]!.type)) {
      orderSql = `${ref(pk[0]!.name)} DESC`;
      order = `newest first, by ${pk[0]!.name}`;
    } else if (dateCol) {
      orderSql = `${ref(dateCol.name)} DESC`;
      order = `newest first, by ${dateCol.name}`;
    } else if (rowid) {
      orderSql = `${rowid} DESC`;
      order = 'newest first, in the order they were added';
    } else {
      orderSql = key.map(ref).join(', ') || '1';
      order = `by ${key.join(', ')}`;
    }
    const desc: TableDesc = { name: t.name, kind, columns, key, match, walk, orderSql, order, sql: sqlOf.get(t.name.toLowerCase()) ?? '', computed };
    if (rowid) desc.rowid = rowid;
    if (kind === 'shadow') desc.of = shadowOwner(t.name, virtuals);
    if (unreadable) desc.unreadable = unreadable;
    out.set(t.name.toLowerCase(), desc);
  }
  return out;
}

/** The table named `name` (any case), or a failure that names the tables there are. */
export function findTable(tables: Map<string, TableDesc>, name: string, where: string): TableDesc {
  const t = tables.get(name.toLowerCase());
  if (!t) {
    const known = [...tables.values()].filter((x) => x.kind !== 'shadow').map((x) => x.name).sort();
    throw fail('not-found', `There is no table "${name}" in ${where}`, `Its tables are: ${known.join(', ') || 'none'}`);
  }
  return t;
}

/**
 * Rows in a table, or null when they cannot be counted here. A virtual table is counted from the
 * storage table its module keeps one row per entry in (FTS `_docsize` or `_content`, R*Tree
 * `_rowid`), never by running its own query: that may read anything (an FTS table's content= can
 * name a view that never ends). A virtual table without such a table is not counted (null).
 */
export function countRows(db: Db, schema: string, t: TableDesc, tables: Map<string, TableDesc>): number | null {
  if (t.unreadable) return null;
  let counted: TableDesc | undefined = t;
  if (t.kind === 'virtual') {
    counted = ['_docsize', '_content', '_rowid'].map((suffix) => tables.get(`${t.name}${suffix}`.toLowerCase())).find((s) => s?.kind === 'shadow' && s.of === t.name);
    if (!counted) return null;
  }
  try {
    return num(db.prepare(`SELECT count(*) FROM ${quoteId(schema)}.${quoteId(counted.name)}`).pluck().get());
  } catch {
    return null;
  }
}

/**
 * Why the rows of virtual table `t` are not read here, or undefined when reading them is bounded:
 * its module is one built into Lifeboat's SQLite that reads only its own storage (FTS, R*Tree,
 * geopoly, dbstat, fts5vocab), or an FTS table whose content= names a plain table. An FTS table
 * whose content= names a view (or anything else) would run that view's query, and an FTS4 table
 * with uncompress= calls that function on every value (zeroblob() makes a gigabyte of a number):
 * the restore point chooses both, so neither is ever run.
 */
export function virtualReadRefusal(db: Db, schema: string, t: TableDesc): Failure | undefined {
  if (t.kind !== 'virtual') return undefined;
  const id = '(?:"(?:[^"]|"")*"|\\[[^\\]]*\\]|`(?:[^`]|``)*`|\'(?:[^\']|\'\')*\'|[^\\s.(]+)';
  const m = new RegExp(`^\\s*CREATE\\s+VIRTUAL\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(?:${id}\\s*\\.\\s*)?${id}\\s+USING\\s+(\\w+)\\s*(?:\\(([\\s\\S]*)\\))?[\\s;]*$`, 'i').exec(t.sql);
  const module = (m?.[1] ?? '').toLowerCase();
  const hint = `Its index is counted from its own storage tables (\`lifeboat show ID\`); read the rows of the table it indexes instead`;
  if (!['fts3', 'fts4', 'fts5', 'fts5vocab', 'rtree', 'rtree_i32', 'geopoly', 'dbstat'].includes(module)) {
    return fail('unreadable', `The rows of ${t.name} are not read here: its module (${module || 'unknown'}) is not one Lifeboat reads`, hint);
  }
  if (!module.startsWith('fts') || module === 'fts5vocab') return undefined;
  // Its options, split at the commas outside quotes and brackets: content=… names where its rows are.
  const args = (m?.[2] ?? '').match(/(?:"(?:[^"]|"")*"|'(?:[^']|'')*'|`(?:[^`]|``)*`|\[[^\]]*\]|\([^)]*\)|[^,])+/g) ?? [];
  const codec = args.map((a) => /^\s*uncompress\s*=\s*([\s\S]*?)\s*$/i.exec(a)).find(Boolean);
  if (codec) return fail('unreadable', `The rows of ${t.name} are not read here: its module (${module}) passes each of them through ${codec[1]}, a function the restore point chooses`, hint);
  const option = args.map((a) => /^\s*content\s*=\s*([\s\S]*?)\s*$/i.exec(a)).find(Boolean);
  if (!option) return undefined;
  const raw = option[1]!;
  const content = /^(["'`])([\s\S]*)\1$/.test(raw) ? raw.slice(1, -1).replace(new RegExp(`${raw[0]}${raw[0]}`, 'g'), raw[0]!) : /^\[[\s\S]*\]$/.test(raw) ? raw.slice(1, -1) : raw;
  if (content === '') return undefined;
  const type = db.prepare('SELECT type FROM pragma_table_list WHERE schema = ? AND lower(name) = lower(?)').pluck().get(schema, content) as string | undefined;
  if (type === 'table') return undefined;
  const what = type === 'view' ? "a view, and Lifeboat never runs the queries of a restore point's views" : type ? `a ${type} table, not a plain one` : 'not in the restore point';
  return fail('unreadable', `The rows of ${t.name} are not read here: its module (${module}) reads them from ${content}, which is ${what}`, hint);
}

/** The tables, their row counts and sizes, and the schema of the database opened as main. */
export function readContents(db: Db): ContentsResult {
  const tables = describeTables(db, 'main');
  const sizes = new Map<string, number>();
  for (const r of db.prepare("SELECT name, pgsize FROM dbstat('main', 1)").all() as { name: string; pgsize: bigint }[]) sizes.set(r.name.toLowerCase(), num(r.pgsize));
  const objects = db.prepare("SELECT type, name, tbl_name AS tbl, coalesce(sql, '') AS sql FROM sqlite_schema WHERE substr(name, 1, 7) <> 'sqlite_' OR type = 'index'").all() as { type: string; name: string; tbl: string; sql: string }[];
  const out: TableInfo[] = [];
  for (const t of tables.values()) {
    const mine = objects.filter((o) => o.tbl.toLowerCase() === t.name.toLowerCase());
    const indexes = mine.filter((o) => o.type === 'index');
    const info: TableInfo = {
      name: t.name,
      kind: t.kind,
      rows: countRows(db, 'main', t, tables),
      bytes: sizes.get(t.name.toLowerCase()) ?? 0,
      indexBytes: indexes.reduce((n, i) => n + (sizes.get(i.name.toLowerCase()) ?? 0), 0),
      columns: t.columns,
      key: t.key,
      match: t.match,
      order: t.order,
      sql: t.sql,
      indexes: indexes.filter((i) => i.sql).map((i) => ({ name: i.name, sql: i.sql })),
      triggers: mine.filter((o) => o.type === 'trigger').map((o) => ({ name: o.name, sql: o.sql })),
    };
    if (t.of) info.of = t.of;
    out.push(info);
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
  const tableNames = new Set(out.map((t) => t.name.toLowerCase()));
  return {
    pageSize: num(db.pragma('page_size', { simple: true })),
    userVersion: num(db.pragma('user_version', { simple: true })),
    tables: out,
    views: objects.filter((o) => o.type === 'view').map((o) => ({ name: o.name, sql: o.sql })),
    otherTriggers: objects.filter((o) => o.type === 'trigger' && !tableNames.has(o.tbl.toLowerCase())).map((o) => ({ name: o.name, sql: o.sql })),
  };
}

/**
 * The planner statistics tables (sqlite_stat1 and sqlite_stat4, and the stat2 and stat3 of old
 * versions) in `file`. With `drop` they are dropped: the file is a private copy, and nothing else
 * in it changes (no foreign key action: a crafted schema may point a table at one of them).
 */
export function plannerStats(Database: typeof BetterSqlite3, file: string, drop: boolean): { tables: string[] } {
  const db = new Database(file, { readonly: !drop, fileMustExist: true });
  try {
    db.pragma('trusted_schema = OFF');
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'sqlite!_stat%' ESCAPE '!'").pluck().all() as string[];
    if (drop && tables.length) {
      db.pragma('foreign_keys = OFF');
      db.pragma('journal_mode = DELETE');
      db.exec(tables.map((t) => `DROP TABLE main.${quoteId(t)};`).join(' '));
    }
    return { tables };
  } finally {
    db.close();
  }
}

/**
 * The table of the restore point opened as main that a caller names, when its rows may be read here:
 * not one Lifeboat's SQLite cannot read, nor a virtual table that would run what the restore point
 * chooses (virtualReadRefusal). `hint` ends the hint for an unreadable one.
 */
export function readableTable(db: Db, name: string, hint = ''): TableDesc {
  const t = findTable(describeTables(db, 'main'), name, 'this restore point');
  if (t.unreadable) throw fail('unreadable', `The table ${t.name} cannot be read here (${t.unreadable})`, `It is a virtual table of a SQLite module Lifeboat does not have${hint}`);
  const refusal = virtualReadRefusal(db, 'main', t);
  if (refusal) throw refusal;
  return t;
}

/** The WHERE clause that keeps the rows of `t` (as `x`) whose key is one of `keys`, or '' for every row. */
export function chosenRows(db: Db, t: TableDesc, keys: RowKey[] | undefined): string {
  if (!keys) return '';
  if (t.key.length === 0) throw fail('usage', `The rows of ${t.name} cannot be told apart`, 'Export the whole table');
  fillSelection(db, t.key.length, keys, t.name);
  return `WHERE EXISTS (SELECT 1 FROM temp.lifeboat_sel AS s WHERE ${t.key.map((k, i) => `s.k${i} IS ${colRef('x', k, t)}`).join(' AND ')})`;
}
