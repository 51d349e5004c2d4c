// The SQL behind looking inside a restore point, comparing two databases, bringing rows back and
// exporting a table. It runs in a worker thread: a comparison of a large database takes a while,
// and in the desktop app this code would otherwise run on Electron's main thread. Like the
// integrity check (sqlite-files.ts), the worker is given as text with better-sqlite3's resolved
// path, so the bundled app needs no separate file: the text is the source of the functions below,
// which therefore use nothing but their parameters, each other and JavaScript's globals (no
// imports, no module constants; types are erased).
//
// Every statement names its tables through quoteId and binds its values; nothing a caller sends
// (a table name, a row key) is ever pasted into SQL unquoted.
//
// A restore point is foreign data (it may come back from a disk anyone could write to), and the
// work done on it is bounded by its size, whatever its schema says. SQLite's own ways to cut a
// query short are not there (better-sqlite3 builds SQLite without the progress handler and offers
// no interrupt), and a worker thread inside SQLite cannot be terminated (nor can the process exit
// while it runs), so the bound comes from what is never run: a restore point's views, the queries
// of its virtual tables whose modules read something it chooses (virtualReadRefusal; they are
// counted from their own storage), its VIRTUAL generated columns (TableDesc.computed), and its
// planner statistics (private-copies.ts reads a copy without them). Values are cut to previews by
// SQLite (previewSql), and a look's heap is bounded (runInside).
import type BetterSqlite3 from 'better-sqlite3';
import type * as NodeFs from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import { Worker } from 'node:worker_threads';
import type { ErrorCode } from '../../../shared/errors.ts';
import type { Cell, ColumnInfo, ExportFormat, MatchBy, OnConflict, RecoveredTable, RecoverSelection, RowKey, RowsPage, SchemaChange, SqlValue, TableDiff, TableInfo, TableKind } from '../../../shared/inside.ts';
import { LifeboatError } from '../common/errors.ts';
import { betterSqlitePath, explainSqliteError } from '../snapshot/sqlite-files.ts';

type Db = BetterSqlite3.Database;
type Raw = null | number | bigint | string | Uint8Array;

/** What the worker is asked to do. Paths are private copies, except `live` (the registered database) and `temp` (an export's new file). */
export type InsideRequest =
  | { op: 'contents'; file: string }
  | { op: 'rows'; file: string; table: string; offset: number; limit: number; keys?: RowKey[] }
  /** `bInPlace`: B is a live WAL database read in place, inside one read transaction. */
  | { op: 'compare'; a: string; b: string; sample: number; bInPlace?: boolean; busyTimeoutMs?: number }
  | { op: 'recover'; live: string; from: string; selections: RecoverSelection[]; onConflict: OnConflict; foreignKeys: boolean; busyTimeoutMs: number }
  | { op: 'export'; file: string; table: string; temp: string; format: ExportFormat; keys?: RowKey[] }
  /** The planner statistics tables in `file`; with `drop`, removes them (only ever from a private copy). */
  | { op: 'planner-stats'; file: string; drop: boolean };

export interface ContentsResult {
  pageSize: number;
  userVersion: number;
  tables: TableInfo[];
  views: { name: string; sql: string }[];
  otherTriggers: { name: string; sql: string }[];
}
export interface CompareResult {
  tables: TableDiff[];
  schema: SchemaChange[];
}
export interface RecoverResult {
  tables: RecoveredTable[];
  changed: number;
}
export interface ExportResult {
  table: string;
  rows: number;
}

/** A table as the worker sees it: TableInfo's facts plus how to walk and order its rows. */
interface TableDesc {
  name: string;
  kind: TableKind;
  of?: string;
  columns: ColumnInfo[];
  key: string[];
  match: MatchBy;
  /** The name that reaches this table's rowid (rowid, _rowid_ or oid, whichever no column hides), if it has one. */
  rowid?: string;
  /** Columns to walk the table in order, in chunks: its rowid, or its primary key (WITHOUT ROWID). */
  walk: string[];
  orderSql: string;
  order: string;
  sql: string;
  /** The table could not be read (a virtual table whose module is not built into Lifeboat's SQLite). */
  unreadable?: string;
  /**
   * Its VIRTUAL generated columns: SQLite computes them on every read, with an expression the
   * database's schema chooses (one can take any time and up to a gigabyte per value), so the
   * values of a restore point's are never computed (see readRows). STORED ones are read as stored.
   */
  computed: string[];
}

/** A failure meant for a person, sent back from the worker and raised as a LifeboatError. */
interface Failure {
  lifeboat: true;
  code: ErrorCode;
  message: string;
  hint: string;
}

// ---------------------------------------------------------------------------------------------
// The worker's functions (sent to the worker as text: see the module comment).

/** The worker's entry: runs the request, posts progress, and posts the result or the failure. */
function insideWorkerMain(port: MessagePort, data: { request: InsideRequest; stop: Int32Array }, Database: typeof BetterSqlite3, fs: typeof NodeFs): void {
  const { request, stop } = data;
  const progress = (done: number, total: number) => port.postMessage({ progress: { done, total } });
  try {
    let result: unknown;
    if (request.op === 'recover') {
      result = recoverRows(Database, request, stop);
    } else if (request.op === 'planner-stats') {
      result = plannerStats(Database, request.file, request.drop);
    } else {
      const db = new Database(request.op === 'compare' ? request.a : request.file, { readonly: true, fileMustExist: true });
      try {
        db.defaultSafeIntegers(true);
        // A restore point is foreign data: functions named in its schema may not run with side effects.
        db.pragma('trusted_schema = OFF');
        if (request.op === 'contents') result = readContents(db);
        else if (request.op === 'rows') result = readRows(db, request.table, request.offset, request.limit, request.keys);
        else if (request.op === 'compare') {
          db.prepare('ATTACH DATABASE ? AS lifeboat_b').run(request.b);
          if (request.bInPlace) beginReadOf(db, 'lifeboat_b', request.busyTimeoutMs ?? 10_000, stop);
          try {
            result = compareDatabases(db, request.sample, stop, progress);
          } finally {
            if (db.inTransaction) db.exec('COMMIT');
          }
        } else result = exportTable(db, Database, fs, request.table, request.temp, request.format, request.keys, stop, progress);
      } finally {
        db.close();
      }
    }
    port.postMessage({ ok: result });
  } catch (e) {
    const err = e as { lifeboat?: boolean; code?: string; message?: string; hint?: string };
    if (err && err.lifeboat) port.postMessage({ fail: { code: err.code, message: err.message, hint: err.hint } });
    else port.postMessage({ error: { message: String((err && err.message) || e), code: err && typeof err.code === 'string' ? err.code : undefined } });
  }
}

/**
 * The planner statistics tables (sqlite_stat1 and sqlite_stat4, and the stat2 and stat3 of old
 * versions) in `file`. With `drop` they are dropped: the file is a private copy, and nothing else
 * in it changes (no foreign key action: a crafted schema may point a table at one of them).
 */
function plannerStats(Database: typeof BetterSqlite3, file: string, drop: boolean): { tables: string[] } {
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
 * Starts one read transaction that covers `schema` (a live WAL database read in place): from here
 * until COMMIT every statement sees the same committed state, while its program's writers carry on.
 * A WAL reader waits only for a moment (a checkpoint, a recovery): it retries until the deadline.
 */
function beginReadOf(db: Db, schema: string, busyTimeoutMs: number, stop: Int32Array): void {
  const napper = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + busyTimeoutMs; ; Atomics.wait(napper, 0, 0, 5)) {
    checkStop(stop);
    try {
      db.exec('BEGIN');
      db.prepare(`SELECT count(*) FROM ${quoteId(schema)}.sqlite_schema`).get();
      return;
    } catch (e) {
      if (db.inTransaction) db.exec('COMMIT');
      if (!/^SQLITE_(BUSY|LOCKED)/.test((e as { code?: string }).code ?? '') || Date.now() > deadline) throw e;
    }
  }
}

/** A failure for a person (see Failure). */
function fail(code: ErrorCode, message: string, hint: string): Failure {
  return { lifeboat: true, code, message, hint };
}

/** Throws `cancelled` once the caller has asked the work to stop. */
function checkStop(stop: Int32Array): void {
  if (Atomics.load(stop, 0) !== 0) throw fail('cancelled', 'Stopped', 'Nothing was changed');
}

/** An identifier quoted for SQL: "my ""table""". */
function quoteId(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A column of row alias `alias` (the rowid alias is a keyword, not quoted). */
function colRef(alias: string, name: string, t: { rowid?: string }): string {
  return name === t.rowid ? `${alias}.${name}` : `${alias}.${quoteId(name)}`;
}

/** A value read with safe integers, as it crosses to the caller (see SqlValue). */
function toValue(v: Raw): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : { int: v.toString() };
  if (typeof v === 'number' || typeof v === 'string') return v;
  return { hex: Buffer.from(v).toString('hex') };
}

/**
 * The SQL for a value as shown on screen, two result columns: the value itself (a number, NULL),
 * or its preview (the first 200 characters of a text, the first 32 bytes of a blob), cut by SQLite
 * so that a long value never reaches JavaScript; and its size (characters of a text, bytes of a
 * blob). A value over 1 MiB is not read at all, not even by SQLite: no preview, and its size in
 * bytes (a text's as a negative number), which octet_length() knows without reading the value
 * (and a zeroblob() without making it).
 */
function previewSql(ref: string): string {
  const max = 1 << 20;
  return [
    `CASE WHEN typeof(${ref}) NOT IN ('text', 'blob') THEN ${ref} WHEN octet_length(${ref}) > ${max} THEN NULL WHEN typeof(${ref}) = 'text' THEN substr(${ref}, 1, 200) ELSE substr(${ref}, 1, 32) END`,
    `CASE typeof(${ref}) WHEN 'text' THEN (CASE WHEN octet_length(${ref}) > ${max} THEN -octet_length(${ref}) ELSE length(${ref}) END) WHEN 'blob' THEN octet_length(${ref}) END`,
  ].join(', ');
}

/** A cell from the two columns previewSql reads: the value, or a preview with its full size. */
function previewCell(v: Raw, size: Raw): Cell {
  if (size === null || size === undefined) return toValue(v);
  const n = num(size);
  if (typeof v === 'string') return n <= 200 ? v : { text: v, chars: n };
  if (v instanceof Uint8Array) return { blob: n, hex: Buffer.from(v).toString('hex') };
  // Too long to read: its size alone.
  return n < 0 ? { text: '', bytes: -n } : { blob: n, hex: '' };
}

/** A SqlValue bound as SQLite would have stored it (a whole number as an INTEGER, not a REAL). */
function fromValue(v: SqlValue): Raw {
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if ('int' in v) return BigInt(v.int);
  return Buffer.from(v.hex, 'hex');
}

/** Number of a count read with safe integers. */
function num(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v);
}

/** Which virtual table a shadow table stores: the longest virtual table name followed by "_". */
function shadowOwner(name: string, virtuals: string[]): string | undefined {
  return virtuals.filter((v) => name.toLowerCase().startsWith(`${v.toLowerCase()}_`)).sort((a, b) => b.length - a.length)[0];
}

/** The tables of schema `schema` (main, or an attached one), by lower-cased name. */
function describeTables(db: Db, schema: string): Map<string, TableDesc> {
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
function findTable(tables: Map<string, TableDesc>, name: string, where: string): TableDesc {
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
function countRows(db: Db, schema: string, t: TableDesc, tables: Map<string, TableDesc>): number | null {
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
function virtualReadRefusal(db: Db, schema: string, t: TableDesc): Failure | undefined {
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
function readContents(db: Db): {
  pageSize: number;
  userVersion: number;
  tables: TableInfo[];
  views: { name: string; sql: string }[];
  otherTriggers: { name: string; sql: string }[];
} {
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

/** Fills the temporary table temp.lifeboat_sel(k0, k1, …) with row keys (replacing what was there). */
function fillSelection(db: Db, width: number, keys: RowKey[], what: string): void {
  const cols = Array.from({ length: width }, (_, i) => `k${i}`);
  db.exec(`DROP TABLE IF EXISTS temp.lifeboat_sel; CREATE TEMP TABLE lifeboat_sel (${cols.join(', ')})`);
  const add = db.prepare(`INSERT INTO temp.lifeboat_sel VALUES (${cols.map(() => '?').join(', ')})`);
  for (const key of keys) {
    if (key.length !== width) throw fail('usage', `A row key of ${what} has ${key.length} value(s), but its key has ${width} column(s)`, 'Give one value per key column');
    add.run(...key.map(fromValue));
  }
}

/**
 * A page of rows of one table, in its order (newest first where it can tell), or the rows with the
 * given keys. The page's rows are found first (their keys), then each one's cells are read as
 * previews (previewSql), a few hundred columns at a time (SQLite's limit on result columns). A
 * VIRTUAL generated column is not computed (TableDesc.computed): its cells say so.
 */
function readRows(db: Db, table: string, offset: number, limit: number, keys: RowKey[] | undefined): RowsPage {
  const t = findTable(describeTables(db, 'main'), table, 'this restore point');
  if (t.unreadable) throw fail('unreadable', `The table ${t.name} cannot be read here (${t.unreadable})`, 'It is a virtual table of a SQLite module Lifeboat does not have; its data is in its own tables');
  if (t.key.length === 0 || t.walk.length === 0) throw fail('unreadable', `The rows of ${t.name} cannot be told apart (it has no primary key and no rowid)`, 'Export the table instead');
  const refusal = virtualReadRefusal(db, 'main', t);
  if (refusal) throw refusal;
  const keyRefs = t.key.map((k) => colRef('x', k, t));
  const walkRefs = t.walk.map((k) => colRef('x', k, t));
  const from = `main.${quoteId(t.name)} AS x`;
  let where = '';
  if (keys) {
    fillSelection(db, t.key.length, keys, t.name);
    where = `WHERE EXISTS (SELECT 1 FROM temp.lifeboat_sel AS s WHERE ${keyRefs.map((k, i) => `s.k${i} IS ${k}`).join(' AND ')})`;
  }
  const total = num(db.prepare(`SELECT count(*) FROM ${from} ${where}`).pluck().get());
  const page = db.prepare(`SELECT ${[...walkRefs, ...keyRefs].join(', ')} FROM ${from} ${where} ORDER BY ${t.orderSql} LIMIT ? OFFSET ?`).raw().all(BigInt(limit), BigInt(offset)) as Raw[][];
  const read = t.columns.map((c) => c.name).filter((c) => !t.computed.includes(c));
  const batches: string[][] = [];
  for (let i = 0; i < read.length; i += 500) batches.push(read.slice(i, i + 500));
  const byWalk = walkRefs.map((w) => `${w} = ?`).join(' AND ');
  const reads = batches.map((b) => db.prepare(`SELECT ${b.map((c) => previewSql(colRef('x', c, t))).join(', ')} FROM ${from} WHERE ${byWalk}`).raw());
  const rows = page.map((r) => {
    const got: Cell[] = [];
    for (const stmt of reads) {
      const values = (stmt.get(...r.slice(0, t.walk.length)) ?? []) as Raw[];
      for (let i = 0; i < values.length; i += 2) got.push(previewCell(values[i]!, values[i + 1]!));
    }
    const cells = t.columns.map((c): Cell => (t.computed.includes(c.name) ? { generated: true } : got.shift()!));
    return { key: r.slice(t.walk.length).map(toValue), cells };
  });
  return { table: t.name, columns: t.columns.map((c) => c.name), keyColumns: t.key, order: t.order, total, offset, rows };
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
function commonColumns(a: TableDesc, b: TableDesc): [string, string][] {
  const inB = new Map(b.columns.filter((c) => !c.generated).map((c) => [c.name.toLowerCase(), c.name]));
  return a.columns.filter((c) => !c.generated && inB.has(c.name.toLowerCase())).map((c) => [c.name, inB.get(c.name.toLowerCase())!]);
}

/** Same key columns, in the same order. */
function sameKey(a: TableDesc, b: TableDesc): boolean {
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

/** Compares main (A, a restore point) with lifeboat_b (B): per table rows back, lost and changed, and schema changes. */
function compareDatabases(db: Db, sample: number, stop: Int32Array, progress: (done: number, total: number) => void): { tables: TableDiff[]; schema: SchemaChange[] } {
  const A = describeTables(db, 'main');
  const B = describeTables(db, 'lifeboat_b');
  const names = [...new Set([...A.keys(), ...B.keys()])].sort();
  const counts = new Map<string, { a: number | null; b: number | null }>();
  let total = 0;
  for (const name of names) {
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
    const ta = A.get(name);
    const tb = B.get(name);
    const t = (ta ?? tb)!;
    const d: TableDiff = { table: t.name, kind: t.kind, match: t.match, keyColumns: t.key, rows, back: 0, lost: 0, changed: 0, samples: { back: [], lost: [], changed: [] } };
    if (!ta || !tb) {
      d.only = ta ? 'a' : 'b';
      if (t.match !== 'count') {
        if (ta) d.back = rows.a ?? 0;
        else d.lost = rows.b ?? 0;
      }
      tick((rows.a ?? 0) + (rows.b ?? 0));
      tables.push(d);
      continue;
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
      tables.push(d);
      continue;
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
    tables.push(d);
  }
  progress(total, total);
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
  return { tables, schema };
}

/** The live database's triggers on `table` that run for `events` (INSERT, UPDATE). */
function triggersFor(db: Db, table: string, events: string[]): string[] {
  if (events.length === 0) return [];
  const rows = db.prepare("SELECT name, coalesce(sql, '') AS sql FROM main.sqlite_schema WHERE type = 'trigger' AND lower(tbl_name) = lower(?)").all(table) as { name: string; sql: string }[];
  const head = /^\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"(?:[^"]|"")*"|\[[^\]]*\]|`(?:[^`]|``)*`|[^\s(]+)\s+(?:BEFORE\s+|AFTER\s+|INSTEAD\s+OF\s+)?(INSERT|UPDATE|DELETE)\b/i;
  return rows.filter((r) => events.includes((head.exec(r.sql)?.[1] ?? '').toUpperCase())).map((r) => r.name);
}

/** A failure for a constraint SQLite refused while rows were brought back into `table`. */
function constraintFailure(e: { code?: string; message?: string }, table: string): Failure | undefined {
  const code = e.code ?? '';
  if (!code.startsWith('SQLITE_CONSTRAINT')) return undefined;
  const why = code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
    ? `a row would repeat a value that must be unique and another row now holds it (${e.message})`
    : code === 'SQLITE_CONSTRAINT_NOTNULL'
      ? `a column the table has now must have a value the restore point's rows do not carry (${e.message})`
      : `the database refused a row (${e.message})`;
  return fail('conflict', `Rows could not be brought back into ${table}: ${why}; nothing was changed`, 'Bring back fewer rows, or export them (`--to rows.csv`) and merge them by hand');
}

/** The message a guard trigger raises when a row of `table` would be deleted (see guardAgainstDeletes). */
function deleteGuardMessage(table: string): string {
  return `lifeboat: a row of ${table} would be deleted`;
}

/**
 * Rows brought back never delete a row, whatever the database's schema says. The statements that
 * write say OR ABORT, which overrides every ON CONFLICT REPLACE of the schema (a column's or table's
 * UNIQUE, PRIMARY KEY or NOT NULL) and the conflict clauses inside its triggers (SQLite's rule: the
 * outer statement's OR clause wins). What is left is a trigger that deletes (or a foreign key's ON
 * DELETE CASCADE it sets off): a TEMP trigger on every ordinary table (kept in this connection
 * only, never in the database) raises an error at the first row deleted, and the whole
 * transaction rolls back. Storage tables of virtual tables are left alone: their modules delete
 * there as part of keeping their index.
 */
function guardAgainstDeletes(db: Db, live: Map<string, TableDesc>): void {
  let n = 0;
  for (const t of live.values()) {
    if (t.kind !== 'table' && t.kind !== 'without-rowid') continue;
    const message = deleteGuardMessage(t.name).replace(/'/g, "''");
    db.exec(`CREATE TEMP TRIGGER lifeboat_guard_${n++} AFTER DELETE ON main.${quoteId(t.name)} BEGIN SELECT RAISE(ABORT, '${message}'); END`);
  }
}

/** A failure for a guard trigger's error (a row would have been deleted), or undefined for any other error. */
function deletionFailure(e: { code?: string; message?: string }, table: string): Failure | undefined {
  const m = /^lifeboat: a row of ([\s\S]*) would be deleted$/.exec(e.message ?? '');
  if (!m) return undefined;
  return fail(
    'conflict',
    `Bringing these rows back into ${table} would delete rows of ${m[1]} (a trigger of the database deletes there, directly or through a foreign key's ON DELETE), and Lifeboat never deletes a row to bring one back; nothing was changed`,
    'Export the rows instead (`--to rows.csv`) and add them with the program that owns the database',
  );
}

/**
 * Brings back the rows of `a` (restore point) that `pick` chooses into `l` (live), matched by their
 * primary key: missing ones inserted; existing ones that differ skipped, or updated in place with
 * `replace`. Fills `r`. Refuses (throws) when SQLite inserted fewer rows than were missing (a
 * trigger of the database skipped some).
 */
function bringBackByKey(db: Db, a: TableDesc, l: TableDesc, common: [string, string][], pick: string, onConflict: OnConflict, r: RecoveredTable): void {
  const T = `main.${quoteId(l.name)}`;
  const S = `lifeboat_rp.${quoteId(a.name)}`;
  const yOnX = a.key.map((k, i) => `${colRef('y', l.key[i]!, l)} IS ${colRef('x', k, a)}`).join(' AND ');
  const keyNames = new Set(a.key.map((k) => k.toLowerCase()));
  const values = common.filter(([x]) => !keyNames.has(x.toLowerCase()));
  const differs = values.length ? `(${values.map(([x, y]) => `${colRef('x', x, a)} IS NOT ${colRef('y', y, l)}`).join(' OR ')})` : '0';
  const counts = db.prepare(`SELECT count(*) AS total, coalesce(sum(NOT EXISTS (SELECT 1 FROM ${T} AS y WHERE ${yOnX})), 0) AS missing, coalesce(sum(EXISTS (SELECT 1 FROM ${T} AS y WHERE ${yOnX} AND NOT ${differs})), 0) AS same FROM ${S} AS x WHERE ${pick}`).get() as { total: bigint; missing: bigint; same: bigint };
  const missing = num(counts.missing);
  const differing = num(counts.total) - missing - num(counts.same);
  r.unchanged = num(counts.same);
  if (common.length) {
    const insertCols = common.map(([, b]) => quoteId(b)).join(', ');
    const selectCols = common.map(([x]) => colRef('x', x, a)).join(', ');
    r.inserted = db.prepare(`INSERT OR ABORT INTO ${T} (${insertCols}) SELECT ${selectCols} FROM ${S} AS x WHERE ${pick} AND NOT EXISTS (SELECT 1 FROM ${T} AS y WHERE ${yOnX})`).run().changes;
    if (r.inserted !== missing) throw skippedFailure(db, l.name, r.inserted, missing);
  }
  if (onConflict === 'replace' && values.length && differing > 0) {
    const kAs = a.key.map((k, i) => `${colRef('x', k, a)} AS k${i}`);
    const vAs = values.map(([x], i) => `${colRef('x', x, a)} AS v${i}`);
    const on = l.key.map((k, i) => `lifeboat_y.${quoteId(k)} IS z.k${i}`).join(' AND ');
    const set = values.map(([, y], i) => `${quoteId(y)} = z.v${i}`).join(', ');
    const diff = values.map(([, y], i) => `lifeboat_y.${quoteId(y)} IS NOT z.v${i}`).join(' OR ');
    r.replaced = db.prepare(`UPDATE OR ABORT ${T} AS lifeboat_y SET ${set} FROM (SELECT ${[...kAs, ...vAs].join(', ')} FROM ${S} AS x WHERE ${pick}) AS z WHERE ${on} AND (${diff})`).run().changes;
  } else r.skipped = differing;
}

/**
 * Brings back the rows of `a` that `pick` chooses into `l`, both without a primary key, by whole
 * rows: a chosen row comes back while the database holds fewer copies of it than the restore point
 * did. Fills `r`; refuses like bringBackByKey when a trigger skipped rows.
 */
function bringBackByContent(db: Db, a: TableDesc, l: TableDesc, common: [string, string][], pick: string, r: RecoveredTable): void {
  const T = `main.${quoteId(l.name)}`;
  const S = `lifeboat_rp.${quoteId(a.name)}`;
  const c = common.map((_, i) => `c${i}`);
  const groups = (into: string, alias: string, t: TableDesc, side: 0 | 1, table: string) =>
    db.exec(`DROP TABLE IF EXISTS temp.${into}; CREATE TEMP TABLE ${into} AS SELECT ${common.map((p, i) => `${colRef(alias, p[side], t)} COLLATE BINARY AS c${i}`).join(', ')}, count(*) AS n FROM ${table} AS ${alias} GROUP BY ${c.map((_, i) => i + 1).join(', ')}; CREATE INDEX temp.${into}_i ON ${into} (${c.join(', ')});`);
  groups('lifeboat_have', 'y', l, 1, T);
  groups('lifeboat_then', 'x', a, 0, S);
  const vals = common.map(([x], i) => `${colRef('x', x, a)} AS c${i}`).join(', ');
  const partition = common.map(([x]) => `${colRef('x', x, a)} COLLATE BINARY`).join(', ');
  const chosen = `SELECT ${vals}, row_number() OVER (PARTITION BY ${partition} ORDER BY x.${a.rowid}) AS occ FROM ${S} AS x WHERE ${pick}`;
  const same = (g: string) => `coalesce((SELECT g.n FROM temp.${g} AS g WHERE ${c.map((x) => `g.${x} IS z.${x}`).join(' AND ')}), 0)`;
  const wanted = `FROM (${chosen}) AS z WHERE z.occ <= ${same('lifeboat_then')} - ${same('lifeboat_have')}`;
  const total = num(db.prepare(`SELECT count(*) FROM ${S} AS x WHERE ${pick}`).pluck().get());
  const missing = num(db.prepare(`SELECT count(*) ${wanted}`).pluck().get());
  r.inserted = db.prepare(`INSERT OR ABORT INTO ${T} (${common.map(([, b]) => quoteId(b)).join(', ')}) SELECT ${c.join(', ')} ${wanted}`).run().changes;
  if (r.inserted !== missing) throw skippedFailure(db, l.name, r.inserted, missing);
  r.unchanged = total - r.inserted;
  db.exec('DROP TABLE temp.lifeboat_have; DROP TABLE temp.lifeboat_then;');
}

/** A failure for rows SQLite did not insert although they were missing (a trigger's RAISE(IGNORE)). */
function skippedFailure(db: Db, table: string, inserted: number, missing: number): Failure {
  const triggers = triggersFor(db, table, ['INSERT']);
  return fail(
    'conflict',
    `Only ${inserted} of the ${missing} rows of ${table} that are not in the database were inserted: ${triggers.length ? `a trigger of the database (${triggers.join(', ')})` : 'the database'} skipped the others; nothing was changed`,
    'Export the rows instead (`--to rows.csv`) and add them with the program that owns the database',
  );
}

/**
 * Brings rows of the restore point's copy (`from`) back into the live database in one transaction
 * through SQLite's locking (waiting up to busyTimeoutMs for its writers): missing rows are
 * inserted, existing ones skipped or replaced. Foreign keys are checked at the end (deferred), so
 * a parent and its children can come back together; the live database's triggers run.
 */
function recoverRows(Database: typeof BetterSqlite3, req: Extract<InsideRequest, { op: 'recover' }>, stop: Int32Array): { tables: RecoveredTable[]; changed: number } {
  checkStop(stop);
  // The lock is asked for again every few milliseconds rather than through SQLite's busy handler,
  // whose growing sleeps lose every race against a program that commits without pause.
  const napper = new Int32Array(new SharedArrayBuffer(4));
  const nap = () => Atomics.wait(napper, 0, 0, 2 + Math.floor(Math.random() * 3));
  const busy = (e: unknown) => /^SQLITE_(BUSY|LOCKED)/.test((e as { code?: string }).code ?? '');
  const db = new Database(req.live, { fileMustExist: true, timeout: 0 });
  try {
    db.defaultSafeIntegers(true);
    db.pragma(`foreign_keys = ${req.foreignKeys ? 'ON' : 'OFF'}`);
    // SQLite's own default (better-sqlite3 turns it on): a trigger does not fire itself again.
    db.pragma('recursive_triggers = OFF');
    let attached = false;
    for (const deadline = Date.now() + req.busyTimeoutMs; ; nap()) {
      checkStop(stop);
      try {
        // ATTACH reads the database's schema first, so it too may meet the program's lock.
        if (!attached) db.prepare('ATTACH DATABASE ? AS lifeboat_rp').run(req.from);
        attached = true;
        db.exec('BEGIN IMMEDIATE');
        break;
      } catch (e) {
        if (!busy(e)) throw e;
        if (Date.now() > deadline) throw fail('in-use', `${req.live} is busy in another program that kept it locked for ${Math.round(req.busyTimeoutMs / 1000)} s`, 'Close that program (or let it finish its work) and try again; nothing was changed');
      }
    }
    // From here on nothing stops it: the transaction is short, and it commits or rolls back whole.
    db.pragma(`busy_timeout = ${req.busyTimeoutMs}`);
    const results: RecoveredTable[] = [];
    try {
      db.pragma('defer_foreign_keys = ON');
      const rp = describeTables(db, 'lifeboat_rp');
      const live = describeTables(db, 'main');
      guardAgainstDeletes(db, live);
      let changed = 0;
      for (const sel of req.selections) {
        const a = findTable(rp, sel.table, 'the restore point');
        const l = live.get(sel.table.toLowerCase());
        if (a.kind === 'virtual' || a.kind === 'shadow') {
          throw fail('usage', `${a.name} is ${a.kind === 'virtual' ? 'a virtual table' : `part of the virtual table ${a.of ?? ''}`}, so its rows are not brought back directly`, 'Bring back the rows of the table it indexes: the database\'s triggers keep such an index in step, or its program rebuilds it. Or export it (`--to file.csv`)');
        }
        if (!l) throw fail('schema-changed', `The database has no table ${a.name} now (it was dropped or renamed since the restore point)`, `Nothing was changed. Export it instead: \`lifeboat recover ID --table ${a.name} --to ${a.name}.csv\` (or .db for a new SQLite file)`);
        if (l.kind === 'virtual' || l.kind === 'shadow') throw fail('schema-changed', `${l.name} is a virtual table in the database now`, 'Nothing was changed. Export the rows instead (`--to file.csv`)');
        const common = commonColumns(a, l);
        const dropped = a.columns.filter((c) => !c.generated && !common.some(([x]) => x === c.name)).map((c) => c.name);
        const keyed = sameKey(a, l);
        if (!keyed && !(a.match === 'content' && l.match === 'content')) {
          throw fail('schema-changed', `The primary key of ${l.name} is not the same as in the restore point (${a.key.join(', ') || 'none'} then, ${l.key.join(', ') || 'none'} now), so its rows cannot be matched`, `Nothing was changed. Export them instead: \`lifeboat recover ID --table ${a.name} --to ${a.name}.csv\``);
        }
        if (!keyed && !a.rowid) throw fail('usage', `The rows of ${a.name} cannot be told apart`, 'Export the table instead');
        const keyCols = keyed ? a.key : [a.rowid!];
        let pick = '1';
        if (sel.rows) {
          fillSelection(db, keyCols.length, sel.rows, a.name);
          const S = `lifeboat_rp.${quoteId(a.name)}`;
          const on = keyCols.map((k, i) => `${colRef('x', k, a)} IS s.k${i}`).join(' AND ');
          const absent = db.prepare(`SELECT ${keyCols.map((_, i) => `s.k${i}`).join(', ')} FROM temp.lifeboat_sel AS s WHERE NOT EXISTS (SELECT 1 FROM ${S} AS x WHERE ${on})`).raw().all() as Raw[][];
          if (absent.length) {
            const list = absent.slice(0, 5).map((r) => r.map((v) => JSON.stringify(toValue(v))).join('/')).join(', ');
            throw fail('not-found', `${absent.length} of the chosen rows of ${a.name} are not in the restore point (${keyCols.join(', ')} ${list}${absent.length > 5 ? ', …' : ''})`, 'Nothing was changed. See its rows with `lifeboat show ID --table ' + a.name + '`');
          }
          // EXISTS rather than a join: a key given twice still picks its row once.
          pick = `EXISTS (SELECT 1 FROM temp.lifeboat_sel AS s WHERE ${on})`;
        }
        const r: RecoveredTable = { table: l.name, inserted: 0, replaced: 0, skipped: 0, unchanged: 0, droppedColumns: dropped, triggers: [] };
        try {
          if (keyed) bringBackByKey(db, a, l, common, pick, req.onConflict, r);
          else bringBackByContent(db, a, l, common, pick, r);
        } catch (e) {
          throw deletionFailure(e as { code?: string; message?: string }, l.name) ?? constraintFailure(e as { code?: string }, l.name) ?? e;
        }
        r.triggers = triggersFor(db, l.name, [...(r.inserted ? ['INSERT'] : []), ...(r.replaced ? ['UPDATE'] : [])]);
        changed += r.inserted + r.replaced;
        results.push(r);
      }
      db.exec('DROP TABLE IF EXISTS temp.lifeboat_sel');
      if (changed === 0) {
        db.exec('ROLLBACK');
        return { tables: results, changed };
      }
      db.pragma('busy_timeout = 0');
      for (const deadline = Date.now() + req.busyTimeoutMs; ; nap()) {
        try {
          db.exec('COMMIT');
          break;
        } catch (e) {
          // Still in the transaction: SQLite waits for the last readers to finish before it writes.
          if (busy(e) && db.inTransaction && Date.now() < deadline) continue;
          throw e;
        }
      }
      return { tables: results, changed };
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        const problems: string[] = [];
        const parents = new Set<string>();
        for (const r of results) {
          const bad = db.prepare('SELECT rowid AS r, parent AS p FROM pragma_foreign_key_check(?)').all(r.table) as { r: bigint | null; p: string }[];
          const to = [...new Set(bad.map((b) => b.p))];
          to.forEach((p) => parents.add(p));
          if (bad.length) problems.push(`${bad.length} row${bad.length === 1 ? '' : 's'} of ${r.table} would point at ${to.join(', ')} rows that are not there${bad[0]!.r !== null ? ` (for example rowid ${String(bad[0]!.r)})` : ''}`);
        }
        throw fail(
          'conflict',
          `Bringing these rows back would break the database's foreign keys: ${problems.join('; ') || 'a row would point at a row that is not there'}; nothing was changed`,
          `Bring back the rows they point at in the same run (${[...parents].map((p) => `--table ${p}`).join(' ') || 'add the parent table'}), or export the rows instead (\`--to rows.csv\`)`,
        );
      }
      if (/^SQLITE_(BUSY|LOCKED)/.test(code)) {
        throw fail('in-use', `${req.live} is busy in another program that kept it from being written for ${Math.round(req.busyTimeoutMs / 1000)} s`, 'Close that program (or let it finish its work) and try again; nothing was changed');
      }
      throw e;
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
  } finally {
    db.close();
  }
}

/** A CSV field: quoted when it has to be; NULL empty, blobs as \x-prefixed hex, integers exact. */
function csvField(v: Raw): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return String(v);
  const s = typeof v === 'string' ? v : `\\x${Buffer.from(v).toString('hex')}`;
  return s === '' || /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Writes one table (or the chosen rows of it) into `temp`: a CSV file (RFC 4180, a header row) or a
 * new SQLite database holding that table alone (with its indexes; a virtual table as a plain table).
 */
function exportTable(db: Db, Database: typeof BetterSqlite3, fs: typeof NodeFs, table: string, temp: string, format: ExportFormat, keys: RowKey[] | undefined, stop: Int32Array, progress: (done: number, total: number) => void): { table: string; rows: number } {
  const t = findTable(describeTables(db, 'main'), table, 'this restore point');
  if (t.unreadable) throw fail('unreadable', `The table ${t.name} cannot be read here (${t.unreadable})`, 'It is a virtual table of a SQLite module Lifeboat does not have');
  const refusal = virtualReadRefusal(db, 'main', t);
  if (refusal) throw refusal;
  // A generated column is left to the new table's own definition (SQLite), or written to CSV when it
  // is STORED; a VIRTUAL one is never computed from a restore point (TableDesc.computed).
  const cols = t.columns.filter((c) => !c.generated || (format === 'csv' && !t.computed.includes(c.name)));
  const keyRefs = t.key.map((k) => colRef('x', k, t));
  let where = '';
  if (keys) {
    if (t.key.length === 0) throw fail('usage', `The rows of ${t.name} cannot be told apart`, 'Export the whole table');
    fillSelection(db, t.key.length, keys, t.name);
    where = `WHERE EXISTS (SELECT 1 FROM temp.lifeboat_sel AS s WHERE ${keyRefs.map((k, i) => `s.k${i} IS ${k}`).join(' AND ')})`;
  }
  const from = `main.${quoteId(t.name)} AS x`;
  const total = num(db.prepare(`SELECT count(*) FROM ${from} ${where}`).pluck().get());
  const order = t.walk.length ? `ORDER BY ${t.walk.map((c) => colRef('x', c, t)).join(', ')}` : '';
  const select = db.prepare(`SELECT ${cols.map((c) => colRef('x', c.name, t)).join(', ')} FROM ${from} ${where} ${order}`).raw();
  let rows = 0;
  progress(0, total);
  if (format === 'csv') {
    const fd = fs.openSync(temp, 'wx', 0o600);
    try {
      let buffer = `${cols.map((c) => csvField(c.name)).join(',')}\r\n`;
      for (const row of select.iterate() as Iterable<Raw[]>) {
        buffer += `${row.map(csvField).join(',')}\r\n`;
        rows++;
        if (buffer.length > 1 << 20) {
          fs.writeSync(fd, buffer);
          buffer = '';
          checkStop(stop);
          progress(rows, total);
        }
      }
      fs.writeSync(fd, buffer);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } else {
    fs.closeSync(fs.openSync(temp, 'wx', 0o600));
    const out = new Database(temp);
    try {
      out.pragma('foreign_keys = OFF');
      out.pragma('journal_mode = DELETE');
      let created = false;
      if (t.kind !== 'virtual' && t.sql) {
        try {
          out.exec(t.sql);
          created = true;
        } catch {
          // a table whose definition names things that are not in the new file: a plain table below
        }
      }
      if (!created) out.exec(`CREATE TABLE ${quoteId(t.name)} (${cols.map((c) => `${quoteId(c.name)} ${c.type}`.trim()).join(', ')})`);
      const add = out.prepare(`INSERT INTO ${quoteId(t.name)} (${cols.map((c) => quoteId(c.name)).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      out.exec('BEGIN');
      for (const row of select.iterate() as Iterable<Raw[]>) {
        add.run(...row);
        rows++;
        if (rows % 10_000 === 0) {
          checkStop(stop);
          progress(rows, total);
        }
      }
      out.exec('COMMIT');
      for (const i of db.prepare("SELECT sql FROM main.sqlite_schema WHERE type = 'index' AND sql IS NOT NULL AND lower(tbl_name) = lower(?)").pluck().all(t.name) as string[]) {
        try {
          out.exec(i);
        } catch {
          // an index on an expression the new file cannot evaluate: the rows are what matters
        }
      }
    } finally {
      out.close();
    }
  }
  progress(rows, total);
  return { table: t.name, rows };
}

// ---------------------------------------------------------------------------------------------
// The caller's side.

const WORKER_FUNCTIONS: ((...args: never[]) => unknown)[] = [
  insideWorkerMain,
  plannerStats,
  beginReadOf,
  fail,
  checkStop,
  quoteId,
  colRef,
  toValue,
  previewSql,
  previewCell,
  fromValue,
  num,
  shadowOwner,
  describeTables,
  findTable,
  countRows,
  virtualReadRefusal,
  readContents,
  fillSelection,
  readRows,
  chunksOf,
  nullKeys,
  commonColumns,
  sameKey,
  compareKeyed,
  compareByContent,
  normalSql,
  compareDatabases,
  triggersFor,
  constraintFailure,
  deleteGuardMessage,
  guardAgainstDeletes,
  deletionFailure,
  bringBackByKey,
  bringBackByContent,
  skippedFailure,
  recoverRows,
  csvField,
  exportTable,
];

const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const fs = require('node:fs');
${WORKER_FUNCTIONS.map((f) => f.toString()).join('\n')}
insideWorkerMain(parentPort, workerData, Database, fs);
`;

/** The heap a look inside gets (see runInside). */
const LOOK_HEAP_MB = 256;

export interface RunOptions {
  /** Stops the work: a read at once (the worker is ended), a recover only before it starts writing. */
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Named in errors SQLite raises about the file (the live database for a recover). */
  file?: string;
}

/**
 * Runs one request in a worker thread and returns its result. A failure the worker explains
 * becomes a LifeboatError; a SQLite error is explained for `file`.
 */
export function runInside(request: Extract<InsideRequest, { op: 'contents' }>, o?: RunOptions): Promise<ContentsResult>;
export function runInside(request: Extract<InsideRequest, { op: 'rows' }>, o?: RunOptions): Promise<RowsPage>;
export function runInside(request: Extract<InsideRequest, { op: 'compare' }>, o?: RunOptions): Promise<CompareResult>;
export function runInside(request: Extract<InsideRequest, { op: 'recover' }>, o?: RunOptions): Promise<RecoverResult>;
export function runInside(request: Extract<InsideRequest, { op: 'export' }>, o?: RunOptions): Promise<ExportResult>;
export function runInside(request: Extract<InsideRequest, { op: 'planner-stats' }>, o?: RunOptions): Promise<{ tables: string[] }>;
export async function runInside(request: InsideRequest, o: RunOptions = {}): Promise<unknown> {
  if (o.signal?.aborted) throw cancelledError(request.op);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  // Looking (tables, a page of rows, a comparison) holds little in JavaScript: previews, counts and
  // keys, whatever the data. Its heap is bounded, so that a restore point that would make it hold
  // more stops it with a clear error instead of swelling the app. (An export carries whole values,
  // and a recover none: they keep the default.)
  const look = request.op === 'contents' || request.op === 'rows' || request.op === 'compare';
  const resourceLimits = look ? { maxOldGenerationSizeMb: LOOK_HEAP_MB, maxYoungGenerationSizeMb: 16 } : undefined;
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: betterSqlitePath(), request, stop }, ...(resourceLimits ? { resourceLimits } : {}) });
  let settled = false;
  try {
    return await new Promise((resolve, reject) => {
      const onAbort = () => {
        Atomics.store(stop, 0, 1);
        // A read is ended at once; a recover stops itself before it writes, or finishes its one transaction.
        if (request.op !== 'recover') {
          settled = true;
          reject(cancelledError(request.op));
        }
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (m: { progress?: { done: number; total: number }; ok?: unknown; fail?: { code: ErrorCode; message: string; hint: string }; error?: { message: string; code?: string } }) => {
        if (m.progress) return o.onProgress?.(m.progress.done, m.progress.total);
        if (settled) return;
        settled = true;
        o.signal?.removeEventListener('abort', onAbort);
        if ('ok' in m) resolve(m.ok);
        else if (m.fail) reject(m.fail.code === 'cancelled' ? cancelledError(request.op) : new LifeboatError(m.fail.code, m.fail.message, m.fail.hint));
        else {
          const err = Object.assign(new Error(m.error?.message ?? 'the worker failed'), { code: m.error?.code });
          reject(o.file ? explainSqliteError(err, o.file) : err);
        }
      });
      worker.on('error', (e) => {
        if (!settled) {
          settled = true;
          reject((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? outOfMemory(o.file) : e);
        }
      });
      worker.on('exit', () => {
        if (!settled) {
          settled = true;
          reject(new LifeboatError('internal', 'The worker looking inside the database stopped unexpectedly', 'Try again'));
        }
      });
    });
  } finally {
    await worker.terminate();
  }
}

function outOfMemory(file: string | undefined): LifeboatError {
  return new LifeboatError('too-large', `Looking inside ${file ?? 'the database'} needed more than the ${LOOK_HEAP_MB} MB of memory Lifeboat gives it, so it was stopped`, 'Export the table you need instead (`lifeboat recover ID --table T --to rows.csv`); nothing was changed');
}

function cancelledError(op: InsideRequest['op']): LifeboatError {
  return new LifeboatError('cancelled', op === 'compare' ? 'The comparison was stopped' : 'Stopped', 'Nothing was changed');
}
