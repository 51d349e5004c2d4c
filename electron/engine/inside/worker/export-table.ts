// One table of a restore point (or chosen rows) written to a new CSV or SQLite file. Runs in the worker.
import type BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import type { ColumnInfo, ExportFormat, RowKey } from '../../../../shared/inside-view.ts';
import type { Db, ExportResult, Raw, TableDesc } from './messages.ts';
import { chosenRows, readableTable } from './describe-tables.ts';
import { checkStop, colRef, num, quoteId } from './sql.ts';

/** A CSV field: quoted when it has to be; NULL empty, blobs as \x-prefixed hex, integers exact. */
function csvField(v: Raw): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return String(v);
  const s = typeof v === 'string' ? v : `\\x${Buffer.from(v).toString('hex')}`;
  return s === '' || /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Where an export writes, and what it reports as it goes. */
interface ExportTarget {
  temp: string;
  stop: Int32Array;
  /** Called with the rows written so far, every so often. */
  tick: (rows: number) => void;
}

/**
 * Writes one table (or the chosen rows of it) into `temp`: a CSV file (RFC 4180, a header row) or a
 * new SQLite database holding that table alone (with its indexes; a virtual table as a plain table).
 */
export function exportTable(db: Db, Database: typeof BetterSqlite3, table: string, temp: string, format: ExportFormat, keys: RowKey[] | undefined, stop: Int32Array, progress: (done: number, total: number) => void): ExportResult {
  const t = readableTable(db, table);
  // A generated column is left to the new table's own definition (SQLite), or written to CSV when it
  // is STORED; a VIRTUAL one is never computed from a restore point (TableDesc.computed).
  const cols = t.columns.filter((c) => !c.generated || (format === 'csv' && !t.computed.includes(c.name)));
  const where = chosenRows(db, t, keys);
  const from = `main.${quoteId(t.name)} AS x`;
  const total = num(db.prepare(`SELECT count(*) FROM ${from} ${where}`).pluck().get());
  const order = t.walk.length ? `ORDER BY ${t.walk.map((c) => colRef('x', c, t)).join(', ')}` : '';
  const select = db.prepare(`SELECT ${cols.map((c) => colRef('x', c.name, t)).join(', ')} FROM ${from} ${where} ${order}`).raw();
  const rowsOut = select.iterate() as Iterable<Raw[]>;
  progress(0, total);
  const target: ExportTarget = { temp, stop, tick: (rows) => progress(rows, total) };
  const rows = format === 'csv' ? writeCsv(cols, rowsOut, target) : writeSqlite(db, Database, t, cols, rowsOut, target);
  progress(rows, total);
  return { table: t.name, rows };
}

/** Writes `rows` as CSV under a header of `cols` into the new file `to.temp`, fsynced; returns how many. */
function writeCsv(cols: ColumnInfo[], rows: Iterable<Raw[]>, to: ExportTarget): number {
  let n = 0;
  const fd = fs.openSync(to.temp, 'wx', 0o600);
  try {
    let buffer = `${cols.map((c) => csvField(c.name)).join(',')}\r\n`;
    for (const row of rows) {
      buffer += `${row.map(csvField).join(',')}\r\n`;
      n++;
      if (buffer.length > 1 << 20) {
        fs.writeSync(fd, buffer);
        buffer = '';
        checkStop(to.stop);
        to.tick(n);
      }
    }
    fs.writeSync(fd, buffer);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return n;
}

/** Writes `rows` of `t` into the new SQLite file `to.temp`: the table as defined (else plain), then its indexes; returns how many. */
function writeSqlite(db: Db, Database: typeof BetterSqlite3, t: TableDesc, cols: ColumnInfo[], rows: Iterable<Raw[]>, to: ExportTarget): number {
  let n = 0;
  fs.closeSync(fs.openSync(to.temp, 'wx', 0o600));
  const out = new Database(to.temp);
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
    for (const row of rows) {
      add.run(...row);
      n++;
      if (n % 10_000 === 0) {
        checkStop(to.stop);
        to.tick(n);
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
  return n;
}
