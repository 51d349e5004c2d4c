// What the caller and the inside worker say to each other (types only: nothing here runs). The
// caller (run-inside.ts) sends one request with a stop flag and better-sqlite3's path; the worker
// (inside-worker.ts) answers with progress messages, then one result, failure or error.
import type BetterSqlite3 from 'better-sqlite3';
import type { ErrorCode } from '../../../../shared/errors.ts';
import type { ColumnInfo, ExportFormat, MatchBy, OnConflict, RecoveredTable, RecoverSelection, RestorePointContents, RowKey, SchemaChange, TableDiff, TableKind } from '../../../../shared/inside-view.ts';

/** A connection, as better-sqlite3 gives it. */
export type Db = BetterSqlite3.Database;
/** A value as SQLite gives it with safe integers on. */
export type Raw = null | number | bigint | string | Uint8Array;

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

/** What is inside a database, as the worker reads it (the caller adds which restore point it is). */
export type ContentsResult = Omit<RestorePointContents, 'id' | 'sourceId' | 'createdAt' | 'databaseBytes'>;
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
export interface TableDesc {
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
export interface Failure {
  lifeboat: true;
  code: ErrorCode;
  message: string;
  hint: string;
}


/** What the worker is started with. */
export interface WorkerInput {
  request: InsideRequest;
  /** Set to 1 by the caller to stop the work (see checkStop). */
  stop: Int32Array;
  /** Where better-sqlite3 is (unpacked beside app.asar in the packaged app: see betterSqlitePath). */
  module: string;
}

/** What the worker posts: progress any number of times, then exactly one of `ok`, `fail` or `error`. */
export type WorkerMessage =
  | { progress: { done: number; total: number } }
  | { ok: unknown }
  | { fail: { code: ErrorCode; message: string; hint: string } }
  | { error: { message: string; code?: string } };
