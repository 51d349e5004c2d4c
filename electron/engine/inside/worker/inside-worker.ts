// The inside worker's entry: the SQL behind looking inside a restore point, comparing two databases,
// bringing rows back and exporting a table runs here, in a worker thread (run-inside.ts starts it): a
// comparison of a large database takes a while, and in the desktop app this code would otherwise run
// on Electron's main thread. Each build makes this folder one file of its own (scripts/worker-
// entries.mjs); from the sources Node runs it as it is. better-sqlite3 is loaded from the path the
// caller sends (unpacked beside app.asar in the packaged app), never imported here.
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
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { compareDatabases, beginReadOf } from './compare-databases.ts';
import { plannerStats, readContents } from './describe-tables.ts';
import { exportTable } from './export-table.ts';
import type { InsideRequest, WorkerInput, WorkerMessage } from './messages.ts';
import { readRows } from './read-rows.ts';
import { recoverRows } from './recover-rows.ts';

/** Runs one request on its own connection(s) and returns what the caller gets. */
function run(request: InsideRequest, Database: typeof BetterSqlite3, stop: Int32Array, progress: (done: number, total: number) => void): unknown {
  if (request.op === 'recover') return recoverRows(Database, request, stop);
  if (request.op === 'planner-stats') return plannerStats(Database, request.file, request.drop);
  const db = new Database(request.op === 'compare' ? request.a : request.file, { readonly: true, fileMustExist: true });
  try {
    db.defaultSafeIntegers(true);
    // A restore point is foreign data: functions named in its schema may not run with side effects.
    db.pragma('trusted_schema = OFF');
    if (request.op === 'contents') return readContents(db);
    if (request.op === 'rows') return readRows(db, request.table, request.offset, request.limit, request.keys);
    if (request.op === 'export') return exportTable(db, Database, request.table, request.temp, request.format, request.keys, stop, progress);
    db.prepare('ATTACH DATABASE ? AS lifeboat_b').run(request.b);
    if (request.bInPlace) beginReadOf(db, 'lifeboat_b', request.busyTimeoutMs ?? 10_000, stop);
    try {
      return compareDatabases(db, request.sample, stop, progress);
    } finally {
      if (db.inTransaction) db.exec('COMMIT');
    }
  } finally {
    db.close();
  }
}

/** What the worker posts for a failure: a person's (see fail) as it is, anything else as an error with its code. */
function failureMessage(e: unknown): WorkerMessage {
  const err = e as { lifeboat?: boolean; code?: string; message?: string; hint?: string } | undefined;
  if (err?.lifeboat) return { fail: e as Extract<WorkerMessage, { fail: unknown }>['fail'] };
  return { error: { message: String(err?.message || e), code: typeof err?.code === 'string' ? err.code : undefined } };
}

const port = parentPort!;
const input = workerData as WorkerInput;
const post = (m: WorkerMessage) => port.postMessage(m);
try {
  const Database = createRequire(import.meta.url)(input.module) as typeof BetterSqlite3;
  post({ ok: run(input.request, Database, input.stop, (done, total) => post({ progress: { done, total } })) });
} catch (e) {
  post(failureMessage(e));
}
