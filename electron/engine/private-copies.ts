// The private place where Lifeboat looks inside databases: a restore point decoded (decrypted,
// decompressed) and checked against both its SHA-256s, or a consistent snapshot of a live
// database. It is `tmp/` in the data folder, owner-only, never the vault (decrypted bytes never
// land there). Each copy has its own folder named after the process that made it; it is removed
// when done, a restore point's copy a few minutes later (the next look at it is then instant), and
// what a crashed or killed process left is removed at the next start.
import { randomBytes } from 'node:crypto';
import { constants, rmSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { JobProgress, Manifest, Source } from '../../shared/model.ts';
import { decodeArtifact, type DecryptWith } from './artifact-codec.ts';
import type { EngineContext } from './context.ts';
import { ensureFreeSpace, hashFile, type HashResult } from './durable-fs.ts';
import { LifeboatError, errorCode, explainWriteError, isLifeboatError } from './errors.ts';
import { artifactPath } from './manifest.ts';
import { takeSnapshot } from './snapshot.ts';
import { finishCopy, preflight } from './sqlite-files.ts';

export interface CopyOptions {
  keys?: DecryptWith;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
}

/** A private copy in use: its file, and `release` when done with it (idempotent; a snapshot is removed before it resolves). */
export interface PrivateCopy {
  file: string;
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

/** Lifeboat's private scratch folder in the data folder (owner-only, never inside the vault). */
export function scratchDir(ctx: Pick<EngineContext, 'dataDir'>): string {
  return path.join(ctx.dataDir, 'tmp');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM';
  }
}

/** Removes the private copies that processes no longer running left behind (a crash, a kill); returns what went. */
export async function cleanPrivateLeftovers(ctx: Pick<EngineContext, 'dataDir'>): Promise<string[]> {
  const dir = scratchDir(ctx);
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = /^(\d+)-(look|live)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    await rm(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** A new owner-only folder for one copy. */
async function newFolder(ctx: EngineContext, kind: 'look' | 'live', label: string): Promise<string> {
  const root = scratchDir(ctx);
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

/** Decodes and verifies a restore point's database into `file` (see PrivateCopies.restorePoint). */
async function decodeInto(ctx: EngineContext, manifest: Manifest, file: string, o: CopyOptions): Promise<void> {
  const report = (done: number, total: number) => o.onProgress?.({ phase: 'opening', done, total, unit: 'bytes' });
  await ensureFreeSpace(path.dirname(file), manifest.database.bytes, 'a private copy of the restore point', 'Free some space and try again; nothing was changed');
  const artifact = artifactPath(ctx.vaultDir, manifest);
  let plain: HashResult;
  let stored: HashResult;
  try {
    if (manifest.artifact.format === 'sqlite') {
      // The kernel copies (or clones) the file; the copy itself is then hashed: what SQLite reads is what was checked.
      report(0, manifest.database.bytes);
      await copyFile(artifact, file, constants.COPYFILE_FICLONE);
      await chmod(file, 0o600);
      plain = stored = await hashFile(file, { signal: o.signal, onBytes: (b) => report(b, manifest.database.bytes) });
    } else {
      ({ plain, stored } = await decodeArtifact(artifact, manifest.artifact.format, file, { keys: o.keys, signal: o.signal, onBytes: (b) => report(b, manifest.artifact.bytes) }));
      await chmod(file, 0o600);
    }
  } catch (e) {
    if (errorCode(e) === 'ENOENT') throw new LifeboatError('tampered', `The artifact of restore point ${manifest.id} is missing from the vault`, 'Choose another restore point (`lifeboat list`)');
    if (errorCode(e) === 'ABORT_ERR') throw stopped();
    throw explainWriteError(e, path.dirname(file));
  }
  if (stored.sha256 !== manifest.artifact.sha256 || stored.bytes !== manifest.artifact.bytes || plain.sha256 !== manifest.database.sha256 || plain.bytes !== manifest.database.bytes) {
    throw new LifeboatError('tampered', `Restore point ${manifest.id} does not match its checksum (the artifact was changed or damaged), so it was not opened`, 'Choose another restore point (`lifeboat list`) and run `lifeboat verify` to check the rest');
  }
}

interface Entry {
  id: string;
  dir: string;
  file: string;
  ready: Promise<void>;
  settled: boolean;
  users: number;
  idleSince: number;
  timer?: unknown;
  stop: AbortController;
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
    rmSync(e.dir, { recursive: true, force: true });
  };
  const release = (e: Entry) => {
    e.users--;
    if (e.users > 0) return;
    if (closed || !e.settled) return drop(e); // nobody waits for an unfinished decode any more
    e.idleSince = ctx.now().getTime();
    e.timer = ctx.clock.setTimer(() => drop(e), keepMs);
    const idle = [...entries.values()].filter((x) => x.users === 0).sort((a, b) => a.idleSince - b.idleSince);
    for (const x of idle.slice(0, Math.max(0, idle.length - keep))) drop(x);
  };
  const once = (fn: () => void | Promise<void>) => {
    let done: Promise<void> | undefined;
    return () => (done ??= Promise.resolve(fn()));
  };

  return {
    async restorePoint(manifest, opts = {}) {
      if (closed) throw new LifeboatError('cancelled', 'Lifeboat is closing', '');
      let e = entries.get(manifest.id);
      if (!e) {
        const dir = await newFolder(ctx, 'look', manifest.id);
        const created: Entry = { id: manifest.id, dir, file: path.join(dir, 'restore-point.sqlite'), ready: Promise.resolve(), settled: false, users: 0, idleSince: 0, stop: new AbortController() };
        created.ready = decodeInto(ctx, manifest, created.file, { ...opts, signal: created.stop.signal })
          .then(() => ctx.checkpoint('look:decoded'))
          .then(
          () => void (created.settled = true),
          (err: unknown) => {
            drop(created);
            throw err;
          },
        );
        created.ready.catch(() => undefined); // waited for below; never an unhandled rejection
        entries.set(manifest.id, created);
        e = created;
      }
      const entry = e;
      entry.users++;
      if (entry.timer !== undefined) {
        ctx.clock.clearTimer(entry.timer);
        entry.timer = undefined;
      }
      try {
        await abortable(entry.ready, opts.signal);
      } catch (err) {
        release(entry);
        throw isLifeboatError(err) || !(err instanceof Error) ? err : explainWriteError(err, entry.dir);
      }
      return { file: entry.file, release: once(() => release(entry)) };
    },

    async live(source, opts = {}) {
      if (closed) throw new LifeboatError('cancelled', 'Lifeboat is closing', '');
      const facts = await preflight(source.path);
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
      return { file, release: once(forget) };
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
        rmSync(e.dir, { recursive: true, force: true });
      }
      for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
      liveDirs.clear();
    },
  };
}
