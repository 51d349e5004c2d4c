// The small pieces every job of the inside worker shares: failures for a person, the stop flag,
// quoting identifiers, and values as they cross between SQLite and the caller. Runs in the worker.
import type { ErrorCode } from '../../../../shared/errors.ts';
import type { Cell, RowKey, SqlValue } from '../../../../shared/inside-view.ts';
import type { Db, Failure, Raw } from './messages.ts';

/** A failure for a person (see Failure). */
export function fail(code: ErrorCode, message: string, hint: string): Failure {
  return { lifeboat: true, code, message, hint };
}

/** Throws `cancelled` once the caller has asked the work to stop. */
export function checkStop(stop: Int32Array): void {
  if (Atomics.load(stop, 0) !== 0) throw fail('cancelled', 'Stopped', 'Nothing was changed');
}

/** An identifier quoted for SQL: "my ""table""". */
export function quoteId(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A column of row alias `alias` (the rowid alias is a keyword, not quoted). */
export function colRef(alias: string, name: string, t: { rowid?: string }): string {
  return name === t.rowid ? `${alias}.${name}` : `${alias}.${quoteId(name)}`;
}

/** A value read with safe integers, as it crosses to the caller (see SqlValue). */
export function toValue(v: Raw): SqlValue {
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
export function previewSql(ref: string): string {
  const max = 1 << 20;
  return [
    `CASE WHEN typeof(${ref}) NOT IN ('text', 'blob') THEN ${ref} WHEN octet_length(${ref}) > ${max} THEN NULL WHEN typeof(${ref}) = 'text' THEN substr(${ref}, 1, 200) ELSE substr(${ref}, 1, 32) END`,
    `CASE typeof(${ref}) WHEN 'text' THEN (CASE WHEN octet_length(${ref}) > ${max} THEN -octet_length(${ref}) ELSE length(${ref}) END) WHEN 'blob' THEN octet_length(${ref}) END`,
  ].join(', ');
}

/** A cell from the two columns previewSql reads: the value, or a preview with its full size. */
export function previewCell(v: Raw, size: Raw): Cell {
  if (size === null || size === undefined) return toValue(v);
  const n = num(size);
  if (typeof v === 'string') return n <= 200 ? v : { text: v, chars: n };
  if (v instanceof Uint8Array) return { blob: n, hex: Buffer.from(v).toString('hex') };
  // Too long to read: its size alone.
  return n < 0 ? { text: '', bytes: -n } : { blob: n, hex: '' };
}

/** A SqlValue bound as SQLite would have stored it (a whole number as an INTEGER, not a REAL). */
export function fromValue(v: SqlValue): Raw {
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if ('int' in v) return BigInt(v.int);
  return Buffer.from(v.hex, 'hex');
}

/** Number of a count read with safe integers. */
export function num(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v);
}

/** Fills the temporary table temp.lifeboat_sel(k0, k1, …) with row keys (replacing what was there). */
export function fillSelection(db: Db, width: number, keys: RowKey[], what: string): void {
  const cols = Array.from({ length: width }, (_, i) => `k${i}`);
  db.exec(`DROP TABLE IF EXISTS temp.lifeboat_sel; CREATE TEMP TABLE lifeboat_sel (${cols.join(', ')})`);
  const add = db.prepare(`INSERT INTO temp.lifeboat_sel VALUES (${cols.map(() => '?').join(', ')})`);
  for (const key of keys) {
    if (key.length !== width) throw fail('usage', `A row key of ${what} has ${key.length} value(s), but its key has ${width} column(s)`, 'Give one value per key column');
    add.run(...key.map(fromValue));
  }
}

/** Sleeps this thread for `ms` (the worker has nothing else to do meanwhile). */
export function nap(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether SQLite said the database is held by another connection (busy or locked). */
export function isBusy(e: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test((e as { code?: string }).code ?? '');
}
