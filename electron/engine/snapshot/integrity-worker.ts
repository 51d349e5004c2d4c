// The integrity check's worker (checkIntegrity in sqlite-files.ts starts it): runs SQLite's
// quick_check or integrity_check on a copy, off the main thread, and posts the lines it said. An
// integrity_check of a large database takes minutes, and in the desktop app the caller is Electron's
// main thread, which must keep answering the window and the tray meanwhile. Each build makes this
// its own file (scripts/worker-entries.mjs); from the sources Node runs it as it is. better-sqlite3
// is loaded from the path the caller sends (unpacked beside app.asar in the packaged app).
import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

/** What the worker is started with. */
export interface IntegrityWorkerInput {
  /** Where better-sqlite3 is (see betterSqlitePath). */
  module: string;
  file: string;
  kind: 'quick_check' | 'integrity_check';
}

/** What it posts, once: the check's lines, or why SQLite could not run it. */
export type IntegrityWorkerReply = { lines: string[] } | { error: string };

/** Runs the check on `input.file` (read-only) and says what SQLite reported. */
function check(input: IntegrityWorkerInput): IntegrityWorkerReply {
  let db: BetterSqlite3.Database | undefined;
  try {
    const Database = createRequire(import.meta.url)(input.module) as typeof BetterSqlite3;
    db = new Database(input.file, { readonly: true, fileMustExist: true });
    // The check reads each page about once: a small page cache is as fast and keeps memory low.
    db.pragma('cache_size = -2000');
    const rows = db.pragma(`${input.kind}(100)`) as Record<string, unknown>[];
    return { lines: rows.map((r) => String(Object.values(r)[0])) };
  } catch (e) {
    return { error: String((e as Error | undefined)?.message || e) };
  } finally {
    db?.close();
  }
}

parentPort!.postMessage(check(workerData as IntegrityWorkerInput));
