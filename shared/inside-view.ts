// What Lifeboat shows of the data inside a restore point: its tables, a page of rows, what a restore
// would change (a comparison with the live database or another restore point), and what bringing
// rows back did. Shared by the engine, the CLI's --json output, the IPC contract and the dashboard.
import { z } from 'zod';

/**
 * One SQLite value as it crosses a boundary (JSON), without loss: a number that fits a double, text,
 * null, a 64-bit integer beyond 2^53 as `{ int: "digits" }`, a blob as `{ hex }`. Row keys use it.
 */
export type SqlValue = null | number | string | { int: string } | { hex: string };

export const sqlValueSchema: z.ZodType<SqlValue> = z.union([
  z.null(),
  z.number().finite(),
  z.string().max(100_000),
  z.object({ int: z.string().regex(/^-?\d{1,20}$/) }).strict(),
  z.object({ hex: z.string().regex(/^(?:[0-9a-f]{2}){0,65536}$/) }).strict(),
]);

/** A row's key: the values of its table's key columns, in order (one value for a rowid). */
export type RowKey = SqlValue[];
export const rowKeySchema = z.array(sqlValueSchema).min(1).max(32);

/**
 * A value shown on screen: long text and blobs are cut to a preview (200 characters, 32 bytes) with
 * their full size; a value over 1 MiB is not read at all: a text is then only its size in bytes,
 * a blob's `hex` is empty. A VIRTUAL generated column of a restore point is not computed
 * (`generated`): its expression is the restore point's, and could take any time or memory.
 */
export type Cell = SqlValue | { text: string; chars: number } | { text: ''; bytes: number } | { blob: number; hex: string } | { generated: true };

/**
 * How rows of a table are told apart across two databases: by the primary key's columns (`key`),
 * by whole content for a table without a primary key (`content`), or only counted (`count`: a
 * virtual table such as FTS, whose storage is an index of other data).
 */
export type MatchBy = 'key' | 'content' | 'count';

export type TableKind = 'table' | 'without-rowid' | 'virtual' | 'shadow';

export interface ColumnInfo {
  name: string;
  type: string;
  notNull: boolean;
  /** 1-based position in the primary key, 0 when not part of it. */
  primaryKey: number;
  /** A generated column (computed by SQLite; never copied, compared or written). */
  generated: boolean;
}

export interface TableInfo {
  name: string;
  kind: TableKind;
  /** For a shadow table: the virtual table it stores (FTS keeps its index in ordinary tables). */
  of?: string;
  /** Rows in the table; null when it cannot be read here (a virtual table of a module Lifeboat lacks). */
  rows: number | null;
  /** Bytes its pages take (SQLite's dbstat), and its indexes'. */
  bytes: number;
  indexBytes: number;
  columns: ColumnInfo[];
  /** The columns that identify a row (its primary key), or ['rowid'] when it has none. */
  key: string[];
  match: MatchBy;
  /** How its rows are listed, in words ("newest first, by id"). */
  order: string;
  sql: string;
  indexes: { name: string; sql: string }[];
  triggers: { name: string; sql: string }[];
}

/** What is inside a restore point. */
export interface RestorePointContents {
  id: string;
  sourceId: string;
  createdAt: string;
  databaseBytes: number;
  pageSize: number;
  userVersion: number;
  tables: TableInfo[];
  views: { name: string; sql: string }[];
  /** Triggers, views and indexes are listed with their tables; these are the ones on no table. */
  otherTriggers: { name: string; sql: string }[];
}

/** A page of one table's rows. */
export interface RowsPage {
  table: string;
  columns: string[];
  /** The columns `key` holds, per row: the primary key, or ['rowid'] for a table without one. */
  keyColumns: string[];
  order: string;
  total: number;
  offset: number;
  rows: { key: RowKey; cells: Cell[] }[];
}

/** What differs in one table between A (a restore point) and B (the live database, or another restore point). */
export interface TableDiff {
  table: string;
  kind: TableKind;
  match: MatchBy;
  /** The key columns rows were matched by (['rowid'] of A's rows for a content-matched table's samples). */
  keyColumns: string[];
  rows: { a: number | null; b: number | null };
  /** Rows A has and B has not: restoring A gives them back. */
  back: number;
  /** Rows B has and A has not: restoring A loses them. */
  lost: number;
  /** Rows both have, with different values (compared on the columns both sides have). */
  changed: number;
  /** Up to a hundred keys of each (back and changed: A's keys; lost: B's). */
  samples: { back: RowKey[]; lost: RowKey[]; changed: RowKey[] };
  /** The table exists on one side only. */
  only?: 'a' | 'b';
  /** Columns B has that A has not, columns A has that B has not, columns whose declared type differs. */
  columns?: { added: string[]; removed: string[]; retyped: string[] };
  /** The primary key differs between the sides, so rows were matched by content. */
  keyChanged?: boolean;
  note?: string;
}

export interface SchemaChange {
  type: 'table' | 'index' | 'view' | 'trigger';
  name: string;
  /** Seen from A to B: `added` exists only in B (since A, for the live database). */
  change: 'added' | 'removed' | 'changed';
}

export interface Comparison {
  a: { id: string; createdAt: string };
  b: { kind: 'live'; path: string; at: string } | { kind: 'restore-point'; id: string; createdAt: string };
  tables: TableDiff[];
  schema: SchemaChange[];
  totals: { back: number; lost: number; changed: number };
  /** No row and no schema differs. */
  same: boolean;
  tookMs: number;
}

/** What to do with a row whose key already exists in the live database. */
export type OnConflict = 'skip' | 'replace';

/** One table to bring rows back into: some rows by key (or rowid), or all of them. */
export interface RecoverSelection {
  table: string;
  rows?: RowKey[];
}

export interface RecoveredTable {
  table: string;
  /** Rows that were missing and were inserted. */
  inserted: number;
  /** Rows that existed with other values and were overwritten (`replace`). */
  replaced: number;
  /** Rows that existed with other values and were left alone (`skip`). */
  skipped: number;
  /** Rows that existed with the same values: nothing to do. */
  unchanged: number;
  /** Columns of the restore point the live table no longer has: their values were not brought back. */
  droppedColumns: string[];
  /** Triggers of the live database on this table for what was done (INSERT, and UPDATE for replaced rows); each ran where its own WHEN matched. */
  triggers: string[];
}

export interface RecoverSummary {
  restorePointId: string;
  sourceId: string;
  target: string;
  tables: RecoveredTable[];
  /** The restore point taken of the database just before (undo brings it back); absent when nothing changed. */
  safetyCopyId?: string;
  /** Nothing needed bringing back, so nothing was written and no safety copy was kept. */
  nothingToDo: boolean;
}

export type ExportFormat = 'csv' | 'sqlite';

export interface ExportSummary {
  restorePointId: string;
  table: string;
  file: string;
  format: ExportFormat;
  rows: number;
}

export const recoverSelectionSchema = z
  .object({
    table: z.string().min(1).max(256),
    rows: z.array(rowKeySchema).min(1).max(100_000).optional(),
  })
  .strict();
