// The catalog (catalog.db in the data folder): a SQLite index of the vault's manifests so that lists
// are fast, and the only record of what is not in a manifest: each copy at a destination (replicas:
// status, attempts, next retry), each verification, and each in-place restore that succeeded (what
// `undo` follows). `reindex` rebuilds the index of restore points from the manifests alone; replicas,
// verifications and restore records are lost with the file.
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync, statSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { LifeboatError, errorCode, explainWriteError } from '../common/errors.ts';
import { manifestSchema, type JobView, type Manifest, type Replica } from '../../../shared/model.ts';
import { restorePointTime } from './manifest.ts';

export interface VerificationRecord {
  id: string;
  at: string;
  status: 'ok' | 'failed';
  message: string;
}

/** The last check of one copy at one destination (downloaded and re-hashed). */
export interface CopyCheckRecord extends Omit<VerificationRecord, 'status'> {
  destinationId: string;
  status: 'ok' | 'failed' | 'unchecked';
}

/** What an in-place change of a database was: what `undo` says it takes back. */
export type ChangeReason = 'restore' | 'undo' | 'recover';

/** A stored reason read back (a catalog row, a pending-restore file): anything unknown is a restore. */
export function changeReasonOf(value: unknown): ChangeReason {
  return value === 'undo' || value === 'recover' ? value : 'restore';
}

/** An in-place restore that succeeded: what `undo` follows (written only after the target changed). */
export interface RestoreRecord {
  sourceId: string;
  restoredId: string;
  /** The safety copy taken just before; absent when the database it replaced was unreadable or missing. */
  safetyCopyId?: string;
  target: string;
  /** What changed the database: a restore, an undo, or rows brought back from a restore point. */
  reason: ChangeReason;
  at: string;
  quarantinedTo?: string;
  /** The process died after the safety copy; whether the restore committed is unknown. */
  interrupted?: boolean;
}

export interface Catalog {
  upsert(manifest: Manifest): void;
  remove(id: string): void;
  get(id: string): Manifest | undefined;
  list(filter?: { sourceId?: string }): Manifest[];
  ids(): Set<string>;
  /** Replaces the whole index with `manifests` in one transaction. */
  replaceAll(manifests: Manifest[]): void;
  recordVerification(record: VerificationRecord): void;
  upsertReplica(replica: Replica & { nextAttemptAt?: string }): void;
  /** Replicas, optionally of one restore point or one destination. */
  replicas(filter?: { restorePointId?: string; destinationId?: string }): (Replica & { nextAttemptAt?: string })[];
  removeReplica(restorePointId: string, destinationId: string): void;
  lastVerification(id: string): VerificationRecord | undefined;
  /** Copies that never reached a destination, of restore points no longer in the vault: moot, so forgotten. */
  removeOrphanReplicas(): void;
  recordCopyCheck(record: CopyCheckRecord): void;
  /** The last check of each copy at `destinationId` (or every destination), by restore point id then destination. */
  copyChecks(destinationId?: string): CopyCheckRecord[];
  /** A small named note kept with the catalog (gone with it); undefined removes it. */
  setNote(key: string, value: string | undefined): void;
  note(key: string): string | undefined;
  /** Records an in-place restore that succeeded. */
  recordRestore(record: RestoreRecord): void;
  /** The last in-place restore recorded (of one source, or of any), in the order they were recorded. */
  lastRestore(sourceId?: string): RestoreRecord | undefined;
  /** The last verification of every restore point that has one, by id (one query for a whole list). */
  verifications(): Map<string, VerificationRecord>;
  /** Records a finished operation (a job of the app, a command, a run of the daemon); the oldest go past HISTORY_KEEP. */
  recordOperation(op: JobView): void;
  /** Finished operations, newest first (by when they finished), of one source or all. */
  operations(filter?: { limit?: number; sourceId?: string }): JobView[];
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS restore_points (
  id TEXT PRIMARY KEY,
  source_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  manifest TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS restore_points_by_source ON restore_points (source_id, created_at);
CREATE TABLE IF NOT EXISTS replicas (
  restore_point_id TEXT NOT NULL,
  destination_id TEXT NOT NULL,
  status TEXT NOT NULL,
  remote_id TEXT,
  bytes INTEGER,
  sha256 TEXT,
  started_at TEXT,
  finished_at TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  next_attempt_at TEXT,
  PRIMARY KEY (restore_point_id, destination_id)
);
CREATE TABLE IF NOT EXISTS restores (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id TEXT NOT NULL,
  restored_id TEXT NOT NULL,
  safety_copy_id TEXT,
  target TEXT NOT NULL,
  reason TEXT NOT NULL,
  at TEXT NOT NULL,
  quarantined_to TEXT,
  interrupted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS verifications (
  id TEXT PRIMARY KEY,
  at TEXT NOT NULL,
  status TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS copy_checks (
  id TEXT NOT NULL,
  destination_id TEXT NOT NULL,
  at TEXT NOT NULL,
  status TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (id, destination_id)
);
CREATE TABLE IF NOT EXISTS operations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  finished_at TEXT NOT NULL,
  source_id TEXT,
  job TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS operations_by_time ON operations (finished_at);
CREATE TABLE IF NOT EXISTS notes (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

const DAMAGED = 'LIFEBOAT_CATALOG_DAMAGED';
/** How many finished operations the history keeps (years of hourly backups with their copies). */
export const HISTORY_KEEP = 20_000;

function openDb(file: string): Database.Database {
  const db = new Database(file, { timeout: 10_000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    if (db.pragma('quick_check', { simple: true }) !== 'ok') throw Object.assign(new Error('catalog damaged'), { code: DAMAGED });
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/** Whether opening failed because the file is damaged (not because its disk is full, read-only or locked). */
function isDamage(e: unknown): boolean {
  const code = errorCode(e) ?? '';
  return code === DAMAGED || code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

/** Explains a catalog that could not be opened for any reason other than damage; nothing is moved. */
function explainOpenError(e: unknown, file: string): unknown {
  const dir = path.dirname(file);
  const code = errorCode(e) ?? '';
  const free = (() => {
    try {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  })();
  // SQLite reports a full disk met while growing its shared-memory file as an I/O error.
  if (code === 'SQLITE_FULL' || ((code.startsWith('SQLITE_IOERR') || code === 'ENOSPC') && free !== undefined && free < 1024 * 1024)) {
    return new LifeboatError('disk-full', `The disk holding ${dir} is full, so the catalog cannot be opened`, 'Free some space and try again (nothing was changed; prune old restore points once there is room)', { cause: e });
  }
  const explained = explainWriteError(e, dir);
  if (explained !== e) return explained;
  return new LifeboatError('unreadable', `The catalog ${file} cannot be opened (${(e as Error).message})`, 'Check the disk it is on; nothing was changed', { cause: e });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Opens (or creates) the catalog at `file`. A damaged catalog is moved aside and started afresh;
 * the caller then rebuilds it from the vault. A disk that is full, read-only or not writable is not
 * damage: that is a LifeboatError saying so, and the catalog stays where it is.
 */
export function openCatalog(file: string): { catalog: Catalog; fresh: boolean } {
  let db: Database.Database;
  // New when there is no file yet, or only the empty owner-only file made for it (createPrivateFile).
  let fresh = !existsSync(file) || statSync(file).size === 0;
  try {
    db = openDb(file);
  } catch (e) {
    if (!isDamage(e)) throw explainOpenError(e, file);
    const aside = `${file}.damaged-${Date.now()}`;
    for (const suffix of ['', '-wal']) {
      try {
        renameSync(`${file}${suffix}`, `${aside}${suffix}`);
      } catch {
        // nothing to move aside
      }
    }
    rmSync(`${file}-shm`, { force: true });
    try {
      db = openDb(file);
    } catch (again) {
      throw explainOpenError(again, file);
    }
    fresh = true;
  }
  const insert = db.prepare('INSERT OR REPLACE INTO restore_points (id, source_id, created_at, manifest) VALUES (?, ?, ?, ?)');
  // Parsing and validating 10,000 manifests takes a while; a manifest whose stored text has not
  // changed since it was last read is the same manifest, so it is reused.
  const parsed = new Map<string, { text: string; manifest: Manifest }>();
  const parse = (row: { manifest: string } | undefined): Manifest | undefined => {
    if (!row) return undefined;
    // Frozen: a cached manifest is shared by every caller, so none may change it.
    const manifest = deepFreeze(manifestSchema.parse(JSON.parse(row.manifest)));
    parsed.set(manifest.id, { text: row.manifest, manifest });
    return manifest;
  };
  const parseRow = (row: { id: string; manifest: string }): Manifest => {
    const hit = parsed.get(row.id);
    return hit && hit.text === row.manifest ? hit.manifest : (parse(row) as Manifest);
  };
  const catalog: Catalog = {
    upsert(m) {
      // Lists are in Lifeboat's order: a received restore point is never newer than its arrival.
      insert.run(m.id, m.source.id, restorePointTime(m), JSON.stringify(m));
    },
    remove(id) {
      parsed.delete(id);
      db.prepare('DELETE FROM restore_points WHERE id = ?').run(id);
      db.prepare('DELETE FROM verifications WHERE id = ?').run(id);
      // A copy that reached a destination is still there; one that never got there is moot now.
      db.prepare("DELETE FROM replicas WHERE restore_point_id = ? AND status <> 'completed'").run(id);
    },
    get(id) {
      return parse(db.prepare('SELECT manifest FROM restore_points WHERE id = ?').get(id) as { manifest: string } | undefined);
    },
    list(filter = {}) {
      const rows = (
        filter.sourceId
          ? db.prepare('SELECT id, manifest FROM restore_points WHERE source_id = ? ORDER BY created_at DESC, id DESC').all(filter.sourceId)
          : db.prepare('SELECT id, manifest FROM restore_points ORDER BY created_at DESC, id DESC').all()
      ) as { id: string; manifest: string }[];
      return rows.map(parseRow);
    },
    ids() {
      return new Set((db.prepare('SELECT id FROM restore_points').all() as { id: string }[]).map((r) => r.id));
    },
    replaceAll(manifests) {
      db.transaction(() => {
        db.exec('DELETE FROM restore_points');
        for (const m of manifests) catalog.upsert(m);
        db.exec('DELETE FROM verifications WHERE id NOT IN (SELECT id FROM restore_points)');
      })();
    },
    recordVerification(r) {
      db.prepare('INSERT OR REPLACE INTO verifications (id, at, status, message) VALUES (?, ?, ?, ?)').run(r.id, r.at, r.status, r.message);
    },
    upsertReplica(r) {
      db.prepare(
        `INSERT OR REPLACE INTO replicas (restore_point_id, destination_id, status, remote_id, bytes, sha256, started_at, finished_at, attempts, error, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(r.restorePointId, r.destinationId, r.status, r.remoteId ?? null, r.bytes ?? null, r.sha256 ?? null, r.startedAt ?? null, r.finishedAt ?? null, r.attempts, r.error ?? null, r.nextAttemptAt ?? null);
    },
    replicas(filter = {}) {
      const rows = db
        .prepare(
          `SELECT * FROM replicas WHERE (? IS NULL OR restore_point_id = ?) AND (? IS NULL OR destination_id = ?) ORDER BY restore_point_id DESC, destination_id`,
        )
        .all(filter.restorePointId ?? null, filter.restorePointId ?? null, filter.destinationId ?? null, filter.destinationId ?? null) as Record<string, string | number | null>[];
      return rows.map((r) => {
        const opt = (k: string) => (r[k] === null ? undefined : r[k]);
        return {
          restorePointId: String(r.restore_point_id),
          destinationId: String(r.destination_id),
          status: r.status as Replica['status'],
          remoteId: opt('remote_id') as string | undefined,
          bytes: opt('bytes') as number | undefined,
          sha256: opt('sha256') as string | undefined,
          startedAt: opt('started_at') as string | undefined,
          finishedAt: opt('finished_at') as string | undefined,
          attempts: Number(r.attempts),
          error: opt('error') as string | undefined,
          nextAttemptAt: opt('next_attempt_at') as string | undefined,
        };
      });
    },
    removeReplica(restorePointId, destinationId) {
      db.prepare('DELETE FROM replicas WHERE restore_point_id = ? AND destination_id = ?').run(restorePointId, destinationId);
    },
    verifications() {
      const rows = db.prepare('SELECT id, at, status, message FROM verifications').all() as VerificationRecord[];
      return new Map(rows.map((r) => [r.id, r]));
    },
    recordCopyCheck(r) {
      db.prepare('INSERT OR REPLACE INTO copy_checks (id, destination_id, at, status, message) VALUES (?, ?, ?, ?, ?)').run(r.id, r.destinationId, r.at, r.status, r.message);
    },
    copyChecks(destinationId) {
      const rows = (destinationId
        ? db.prepare('SELECT id, destination_id, at, status, message FROM copy_checks WHERE destination_id = ?').all(destinationId)
        : db.prepare('SELECT id, destination_id, at, status, message FROM copy_checks').all()) as { id: string; destination_id: string; at: string; status: CopyCheckRecord['status']; message: string }[];
      return rows.map((r) => ({ id: r.id, destinationId: r.destination_id, at: r.at, status: r.status, message: r.message }));
    },
    removeOrphanReplicas() {
      db.prepare("DELETE FROM replicas WHERE status <> 'completed' AND restore_point_id NOT IN (SELECT id FROM restore_points)").run();
    },
    setNote(key, value) {
      if (value === undefined) db.prepare('DELETE FROM notes WHERE key = ?').run(key);
      else db.prepare('INSERT OR REPLACE INTO notes (key, value) VALUES (?, ?)').run(key, value);
    },
    note(key) {
      return (db.prepare('SELECT value FROM notes WHERE key = ?').get(key) as { value: string } | undefined)?.value;
    },
    recordRestore(r) {
      db.prepare('INSERT INTO restores (source_id, restored_id, safety_copy_id, target, reason, at, quarantined_to, interrupted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        r.sourceId,
        r.restoredId,
        r.safetyCopyId ?? null,
        r.target,
        r.reason,
        r.at,
        r.quarantinedTo ?? null,
        r.interrupted ? 1 : 0,
      );
    },
    lastRestore(sourceId) {
      const row = db.prepare('SELECT * FROM restores WHERE (? IS NULL OR source_id = ?) ORDER BY seq DESC LIMIT 1').get(sourceId ?? null, sourceId ?? null) as Record<string, string | number | null> | undefined;
      if (!row) return undefined;
      return {
        sourceId: String(row.source_id),
        restoredId: String(row.restored_id),
        safetyCopyId: row.safety_copy_id === null ? undefined : String(row.safety_copy_id),
        target: String(row.target),
        reason: changeReasonOf(row.reason),
        at: String(row.at),
        quarantinedTo: row.quarantined_to === null ? undefined : String(row.quarantined_to),
        ...(Number(row.interrupted) ? { interrupted: true } : {}),
      };
    },
    recordOperation(op) {
      db.transaction(() => {
        const at = op.finishedAt ?? op.startedAt;
        const seq = db.prepare('INSERT OR REPLACE INTO operations (id, finished_at, source_id, job) VALUES (?, ?, ?, ?)').run(op.id, at, op.sourceId ?? null, JSON.stringify(op)).lastInsertRowid;
        // Kept within bounds as it grows: one delete now and then, not one per insert.
        if (Number(seq) % 500 === 0) db.prepare('DELETE FROM operations WHERE seq NOT IN (SELECT seq FROM operations ORDER BY finished_at DESC, seq DESC LIMIT ?)').run(HISTORY_KEEP);
      })();
    },
    operations(filter = {}) {
      const rows = db
        .prepare('SELECT job FROM operations WHERE (? IS NULL OR source_id = ?) ORDER BY finished_at DESC, seq DESC LIMIT ?')
        .all(filter.sourceId ?? null, filter.sourceId ?? null, filter.limit ?? 100) as { job: string }[];
      return rows.flatMap((r) => {
        try {
          return [JSON.parse(r.job) as JobView];
        } catch {
          return [];
        }
      });
    },
    lastVerification(id) {
      return db.prepare('SELECT id, at, status, message FROM verifications WHERE id = ?').get(id) as VerificationRecord | undefined;
    },
    close() {
      db.close();
    },
  };
  return { catalog, fresh };
}

