// What Lifeboat reads when it looks inside databases. A restore point is made readable by
// openRestorePoint (vault/read-restore-point.ts): a compressed or encrypted one is decoded
// (decompressed, decrypted) and checked against both its SHA-256s into the private place:
// `tmp/` in the data folder, owner-only, never the vault (decrypted bytes never land there). A
// plain restore point needs no decoding: SQLite reads the vault's file itself, read-only (it writes
// nothing beside it), while it is hashed alongside; nothing is shown or written from it until its
// checksum matched. Except when it carries the query planner's statistics (sqlite_stat1,
// sqlite_stat4): a restore point is foreign data, and its statistics would choose how SQLite runs
// every query on it (see withoutPlannerStats); such a one is copied into the private place like a
// decoded one, and its statistics are dropped there. The live database is read as a backup reads it: in place inside one read
// transaction when it is in WAL mode and open elsewhere (its writers never wait for a WAL reader),
// otherwise from a private lock-free snapshot (snapshot.ts). Each private copy has its own folder
// named after the process that made it (workDir's rule); it is removed when done, a decoded restore
// point a few minutes later (the next look at it is then instant), and what a crashed or killed
// process left is removed at the next start (cleanLeftovers).
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JobProgress, Manifest, Source } from '../../../shared/model.ts';
import type { DecryptWith } from '../artifact/artifact-codec.ts';
import { workDir } from '../common/data-folder.ts';
import { type EngineContext } from '../vault/context.ts';
import { ensureFreeSpace } from '../common/durable-fs.ts';
import { LifeboatError, explainWriteError, isLifeboatError } from '../common/errors.ts';
import { openRestorePoint } from '../vault/read-restore-point.ts';
import { readDatabaseHeader } from '../snapshot/quiet-copy.ts';
import { takeSnapshot } from '../snapshot/snapshot.ts';
import { finishCopy, preflight } from '../snapshot/sqlite-files.ts';
import { runInside } from './run-inside.ts';

export interface CopyOptions {
  keys?: DecryptWith;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
}

/** A database to read, and `release` when done with it (idempotent; a snapshot is removed before it resolves). */
export interface PrivateCopy {
  /** What SQLite opens (read-only): a file in the private place, or the file itself. */
  file: string;
  /** Resolves once the bytes read are known to match the manifest's SHA-256s; rejects `tampered`. */
  verified: Promise<void>;
  /** A live database read in place: read it inside one read transaction, so it is one committed state. */
  inPlace?: boolean;
  release(): Promise<void>;
}

export interface PrivateCopies {
  /** The database inside a restore point, decoded and verified (shared by concurrent users, kept a few minutes after). */
  restorePoint(manifest: Manifest, o?: CopyOptions): Promise<PrivateCopy>;
  /** A consistent snapshot of a live database, taken as a backup takes it: never blocking its writers. */
  live(source: Source, o?: CopyOptions): Promise<PrivateCopy>;
  /** Removes the restore points' copies nobody is using now (the person is done looking). */
  dropIdle(): void;
  /** Removes every private copy now; the engine is closing. */
  closeAll(): void;
}

/** A new owner-only folder for one copy. */
async function newFolder(ctx: EngineContext, kind: 'look' | 'live', label: string): Promise<string> {
  const root = workDir(ctx);
  try {
    await mkdir(root, { recursive: true, mode: 0o700 });
    await chmod(root, 0o700);
    const dir = path.join(root, `${process.pid}-${kind}-${label}-${randomBytes(3).toString('hex')}`);
    await mkdir(dir, { mode: 0o700 });
    return dir;
  } catch (e) {
    throw explainWriteError(e, root);
  }
}

/** Waits for `p`, or rejects with `cancelled` as soon as `signal` aborts. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(stopped());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(stopped());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function stopped(): LifeboatError {
  return new LifeboatError('cancelled', 'Stopped', 'Nothing was changed');
}

/**
 * Runs `work` while the copies are verified alongside, and returns its result only once they are;
 * a checksum that does not match stops the work and is what is thrown.
 */
export async function whileVerifying<T>(copies: PrivateCopy[], signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let failure: unknown;
  const checks = Promise.all(copies.map((c) => c.verified)).then(
    () => undefined,
    (e: unknown) => {
      failure = e;
      stop.abort();
    },
  );
  try {
    const result = await work(stop.signal);
    await checks;
    if (failure !== undefined) throw failure;
    return result;
  } catch (e) {
    throw failure ?? e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Whether a database file carries planner statistics, read in a worker (a restore point's schema is
 * never parsed on the main thread). A file SQLite cannot read counts as without: reading it will
 * say what is wrong with it.
 */
async function carriesPlannerStats(file: string): Promise<boolean> {
  try {
    return (await runInside({ op: 'planner-stats', file, drop: false })).tables.length > 0;
  } catch {
    return false;
  }
}

/**
 * Drops the planner statistics from a private copy. SQLite loads sqlite_stat1 and sqlite_stat4 from
 * a database file whenever it reads its schema, and the planner follows them: statistics that say
 * every key matches every row turn each lookup of a comparison into a full scan (a diff of a second
 * takes hours). Nothing turns that off for a file opened read-only (`PRAGMA analysis_limit` only
 * bounds ANALYZE, `PRAGMA optimize` writes statistics of its own, a planner's statistics always come
 * from the database's own file), and forcing each query's plan by hand would leave the next query
 * exposed. So a restore point is read from a file without them: SQLite then plans with its built-in
 * estimates, as for any database that was never analyzed. The vault's file is never changed.
 */
async function withoutPlannerStats(file: string): Promise<void> {
  try {
    await runInside({ op: 'planner-stats', file, drop: true });
  } catch (e) {
    // A file SQLite cannot read is explained by the reading itself; statistics left in place are not.
    if (await carriesPlannerStats(file)) throw e;
  }
}

/**
 * Makes a new entry readable. A plain restore point without planner statistics is read in the vault
 * while it is hashed alongside (`verified`); any other is decoded (a plain one copied) into a new
 * private folder, verified on the way, and its statistics dropped there (withoutPlannerStats).
 */
async function prepare(ctx: EngineContext, manifest: Manifest, entry: Entry, opts: CopyOptions, failed: (err: unknown) => never): Promise<void> {
  const opened = await openRestorePoint(ctx, manifest, {
    inPlace: async (file) => !(await carriesPlannerStats(file)),
    to: async () => {
      entry.dir = await newFolder(ctx, 'look', manifest.id);
      return path.join(entry.dir, 'restore-point.sqlite');
    },
    keys: opts.keys,
    signal: entry.stop.signal,
    onProgress: (done, total) => opts.onProgress?.({ phase: 'opening', done, total, unit: 'bytes' }),
    refusal: ', so it was not opened',
  });
  entry.file = opened.file;
  if (opened.inPlace) {
    entry.verified = opened.verified.then(() => void (entry.settled = true), failed);
    entry.verified.catch(() => undefined);
    return;
  }
  await withoutPlannerStats(entry.file);
  await ctx.checkpoint('look:decoded');
  entry.settled = true;
}

interface Entry {
  id: string;
  /** The private folder of a decoded restore point (none for a plain one, read in the vault). */
  dir?: string;
  file: string;
  /** The file can be opened (decoded); for a plain restore point at once. */
  ready: Promise<void>;
  /** The checksums matched (for a decoded one, together with `ready`). */
  verified: Promise<void>;
  settled: boolean;
  users: number;
  idleSince: number;
  timer?: unknown;
  stop: AbortController;
}

/** An entry for `manifest` whose copy is being made (`prepare` settles where it is read from); `drop` forgets it when that fails. */
function newEntry(ctx: EngineContext, manifest: Manifest, opts: CopyOptions, drop: (e: Entry) => void): Entry {
  const created: Entry = { id: manifest.id, file: '', ready: Promise.resolve(), verified: Promise.resolve(), settled: false, users: 0, idleSince: 0, stop: new AbortController() };
  const failed = (err: unknown): never => {
    drop(created);
    throw err;
  };
  created.ready = prepare(ctx, manifest, created, opts, failed).catch(failed);
  created.verified = created.ready;
  // Waited for by the users; never an unhandled rejection.
  created.ready.catch(() => undefined);
  return created;
}

/**
 * A live database to read: in place when it is in WAL mode and open in its program (in one read
 * transaction that never holds up its writers), else a private snapshot taken as a backup takes it,
 * in a new folder listed in `liveDirs` until it is released.
 */
async function liveCopy(ctx: EngineContext, liveDirs: Set<string>, source: Source, opts: CopyOptions): Promise<PrivateCopy> {
  const facts = await preflight(source.path);
  const header = await readDatabaseHeader(source.path);
  if (header.wal && (await stat(`${source.path}-wal`).then(() => true, () => false))) {
    return { file: source.path, verified: Promise.resolve(), inPlace: true, release: async () => undefined };
  }
  const dir = await newFolder(ctx, 'live', source.id);
  liveDirs.add(dir);
  const file = path.join(dir, 'live.sqlite');
  const forget = async () => {
    liveDirs.delete(dir);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    await ensureFreeSpace(dir, facts.bytes + facts.walBytes, 'a private snapshot of the database', 'Free some space and try again; nothing was changed');
    const settings = ctx.settings.read();
    await takeSnapshot(source.path, file, {
      busyTimeoutMs: settings.busyTimeoutMs,
      quietWaitMs: settings.quietWaitMs,
      lockIfBusy: source.lockIfBusy,
      whenClosed: source.backUpWhenClosed,
      sourceId: source.id,
      signal: opts.signal,
      onProgress: (done, total, unit) => opts.onProgress?.({ phase: 'copying', done, total, unit }),
    });
    // A self-contained rollback-journal file, so the worker can read it read-only.
    finishCopy(file);
    await chmod(file, 0o600);
  } catch (e) {
    await forget();
    if (isLifeboatError(e) && e.code === 'cancelled') throw stopped();
    throw e;
  }
  return { file, verified: Promise.resolve(), release: once(forget) };
}

/** `fn` run at most once, however often the result is called. */
function once(fn: () => void | Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= Promise.resolve(fn()));
}

/**
 * The private copies of one engine. A restore point's copy is kept `keepMs` after its last user
 * lets go (at most `keep` idle ones), so that looking at its tables one after another, then
 * comparing, decodes it once.
 */
export function createPrivateCopies(ctx: EngineContext, o: { keepMs?: number; keep?: number } = {}): PrivateCopies {
  const keepMs = o.keepMs ?? 5 * 60_000;
  const keep = o.keep ?? 2;
  const entries = new Map<string, Entry>();
  const liveDirs = new Set<string>();
  let closed = false;

  const drop = (e: Entry) => {
    if (entries.get(e.id) === e) entries.delete(e.id);
    if (e.timer !== undefined) ctx.clock.clearTimer(e.timer);
    e.timer = undefined;
    e.stop.abort();
    if (e.dir) rmSync(e.dir, { recursive: true, force: true });
  };
  const release = (e: Entry) => {
    e.users--;
    if (e.users > 0) return;
    if (closed || !e.settled) return drop(e); // nobody waits for an unfinished decode or hash any more
    e.idleSince = ctx.now().getTime();
    e.timer = ctx.clock.setTimer(() => drop(e), keepMs);
    const idle = [...entries.values()].filter((x) => x.users === 0).sort((a, b) => a.idleSince - b.idleSince);
    for (const x of idle.slice(0, Math.max(0, idle.length - keep))) drop(x);
  };

  return {
    async restorePoint(manifest, opts = {}) {
      if (closed) throw new LifeboatError('cancelled', 'Lifeboat is closing', '');
      // Listed at once (the next user waits for the same copy).
      const entry = entries.get(manifest.id) ?? newEntry(ctx, manifest, opts, drop);
      entries.set(manifest.id, entry);
      entry.users++;
      if (entry.timer !== undefined) {
        ctx.clock.clearTimer(entry.timer);
        entry.timer = undefined;
      }
      try {
        await abortable(entry.ready, opts.signal);
      } catch (err) {
        release(entry);
        throw isLifeboatError(err) || !(err instanceof Error) ? err : explainWriteError(err, entry.dir ?? ctx.vaultDir);
      }
      return { file: entry.file, verified: entry.verified, release: once(() => release(entry)) };
    },

    async live(source, opts = {}) {
      if (closed) throw new LifeboatError('cancelled', 'Lifeboat is closing', '');
      return liveCopy(ctx, liveDirs, source, opts);
    },

    dropIdle() {
      for (const e of [...entries.values()]) if (e.users === 0) drop(e);
    },

    closeAll() {
      closed = true;
      for (const e of [...entries.values()]) {
        if (e.timer !== undefined) ctx.clock.clearTimer(e.timer);
        e.stop.abort();
        entries.delete(e.id);
        if (e.dir) rmSync(e.dir, { recursive: true, force: true });
      }
      for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
      liveDirs.clear();
    },
  };
}
