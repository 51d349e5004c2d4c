// Test helpers: temporary folders, real databases, and the real CLI run as a child process.
import Database from 'better-sqlite3';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../../..');

/** Every child a test starts is killed when the test process exits, so none outlives the run. */
const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
function track<C extends ChildProcess>(child: C): C {
  children.add(child);
  child.on('close', () => children.delete(child));
  return child;
}
export const CLI = path.join(REPO, 'bin', 'lifeboat.mjs');

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'lifeboat-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type JournalMode = 'wal' | 'delete';

/**
 * A bank-like database: `accounts` whose balances always sum to 100 × accounts (transfers keep the
 * total), plus a `blobs` table so the file has some size.
 */
export function makeBankDb(file: string, opts: { mode?: JournalMode; accounts?: number; blobRows?: number; blobBytes?: number } = {}): void {
  const db = new Database(file);
  db.pragma(`journal_mode = ${opts.mode ?? 'wal'}`);
  db.exec('CREATE TABLE IF NOT EXISTS accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)');
  db.exec('CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
  db.exec('CREATE TABLE IF NOT EXISTS marker (label TEXT NOT NULL)');
  const accounts = opts.accounts ?? 100;
  db.transaction(() => {
    const add = db.prepare('INSERT INTO accounts (balance) VALUES (100)');
    for (let i = 0; i < accounts; i++) add.run();
    const blob = db.prepare('INSERT INTO blobs (data) VALUES (randomblob(?))');
    for (let i = 0; i < (opts.blobRows ?? 0); i++) blob.run(opts.blobBytes ?? 4000);
  })();
  db.close();
}

/**
 * A small shop: customers, orders (referencing customers), items (WITHOUT ROWID, a two-column key,
 * referencing orders), events (no primary key, with duplicate rows), photos (blobs), an FTS5 index of
 * order notes kept in step by triggers, and an audit table an UPDATE trigger writes. Foreign keys
 * are declared; ids are predictable: customer c has orders 3c-2…3c, order o has items (o, 1) and (o, 2).
 */
export function makeShopDb(file: string, opts: { mode?: JournalMode; customers?: number } = {}): void {
  const db = new Database(file);
  db.pragma(`journal_mode = ${opts.mode ?? 'wal'}`);
  db.exec(`
    CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL REFERENCES customers (id), placed TEXT NOT NULL, total INTEGER NOT NULL, note TEXT);
    CREATE TABLE items (order_id INTEGER NOT NULL REFERENCES orders (id), line INTEGER NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL, PRIMARY KEY (order_id, line)) WITHOUT ROWID;
    CREATE TABLE events (at TEXT NOT NULL, what TEXT NOT NULL);
    CREATE TABLE photos (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders (id), data BLOB NOT NULL);
    CREATE VIRTUAL TABLE order_search USING fts5 (note);
    CREATE TRIGGER orders_indexed AFTER INSERT ON orders WHEN new.note IS NOT NULL BEGIN INSERT INTO order_search (rowid, note) VALUES (new.id, new.note); END;
    CREATE TRIGGER orders_unindexed AFTER DELETE ON orders WHEN old.note IS NOT NULL BEGIN DELETE FROM order_search WHERE rowid = old.id; END;
    CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT NOT NULL);
    CREATE TRIGGER orders_audited AFTER UPDATE ON orders BEGIN INSERT INTO audit (what) VALUES ('order ' || new.id || ' changed'); END;
    CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 500;
  `);
  const customers = opts.customers ?? 20;
  db.transaction(() => {
    for (let c = 1; c <= customers; c++) {
      db.prepare('INSERT INTO customers (id, email, name) VALUES (?, ?, ?)').run(c, `c${c}@example.com`, `Customer ${c}`);
      for (let k = 2; k >= 0; k--) {
        const o = 3 * c - k;
        db.prepare('INSERT INTO orders (id, customer, placed, total, note) VALUES (?, ?, ?, ?, ?)').run(o, c, new Date(Date.UTC(2026, 0, 1) + o * 3_600_000).toISOString(), 100 * o, o % 4 === 0 ? `gift wrap for order ${o}` : null);
        for (const line of [1, 2]) db.prepare('INSERT INTO items (order_id, line, sku, qty) VALUES (?, ?, ?, ?)').run(o, line, `SKU-${(o * 7 + line) % 50}`, line);
      }
    }
    for (let i = 0; i < 10; i++) db.prepare('INSERT INTO events (at, what) VALUES (?, ?)').run(`2026-01-0${1 + (i % 3)}`, i < 4 ? 'door opened' : `event ${i}`);
    for (let p = 1; p <= 5; p++) db.prepare('INSERT INTO photos (id, order_id, data) VALUES (?, ?, randomblob(?))').run(p, p, 3000 + p);
  })();
  db.close();
}

/** Sets the single-row marker table, so a test can tell which version of a database it has. */
export function setMarker(file: string, label: string): void {
  const db = new Database(file);
  db.exec('DELETE FROM marker');
  db.prepare('INSERT INTO marker (label) VALUES (?)').run(label);
  db.close();
}

export function readMarker(file: string): string | undefined {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT label FROM marker').get() as { label: string } | undefined)?.label;
  } finally {
    db.close();
  }
}

/** Sum and count of balances, and SQLite's quick_check, for a database file. */
export function bankState(file: string): { total: number; accounts: number; check: string } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const { total, accounts } = db.prepare('SELECT sum(balance) AS total, count(*) AS accounts FROM accounts').get() as { total: number; accounts: number };
    return { total, accounts, check: String(db.pragma('quick_check', { simple: true })) };
  } finally {
    db.close();
  }
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `lifeboat` in a child process with the given data folder. `maxFileKb` caps the size of any
 * file it writes (the shell's `ulimit -f`): a write past it kills the process with SIGXFSZ, which is
 * how a test shows that nothing could fill the disk. `killAfterMs` kills it (SIGKILL, in `signal`)
 * if it has not ended by then, so that a command that would never finish fails the test instead of
 * hanging it (a generous bound, not a measurement).
 */
export function runCli(args: string[], opts: { home: string; env?: NodeJS.ProcessEnv; cwd?: string; input?: string; maxFileKb?: number; killAfterMs?: number } = { home: '' }): Promise<CliResult> {
  const argv = [CLI, '--home', opts.home, ...args];
  // POSIX sh counts `ulimit -f` in 512-byte blocks.
  const [command, commandArgs] = opts.maxFileKb === undefined ? [process.execPath, argv] : ['/bin/sh', ['-c', `ulimit -f ${opts.maxFileKb * 2} && exec "$0" "$@"`, process.execPath, ...argv]];
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, commandArgs, {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, LIFEBOAT_HOME: undefined, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    }));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Starts `lifeboat` and resolves once it prints `HOLD <checkpoint>`, so the test can kill it there. */
export function startCliHeldAt(args: string[], home: string, checkpoint: string, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; exited: Promise<CliResult> }> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, [CLI, '--home', home, ...args], {
      cwd: REPO,
      env: { ...process.env, LIFEBOAT_HOME: undefined, ...env, LIFEBOAT_TEST_HOLD_AT: checkpoint },
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    let stdout = '';
    let stderr = '';
    const exited = new Promise<CliResult>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes(`HOLD ${checkpoint}`)) resolve({ child, exited });
    });
    void exited.then((r) => reject(new Error(`lifeboat exited (${r.code}) before reaching ${checkpoint}: ${r.stderr}`)));
  });
}

/** Starts a helper script from this folder as a child process (a writer, a holder): Node's, or python3 for a .py. */
export function startHelper(script: string, args: string[]): { child: ChildProcess; lines: string[]; waitFor: (text: string) => Promise<void>; stop: () => Promise<string> } {
  const runtime = script.endsWith('.py') ? 'python3' : process.execPath;
  const child = track(spawn(runtime, [path.join(import.meta.dirname, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const lines: string[] = [];
  let buffer = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) if (line.includes(w.text)) w.resolve();
    }
  });
  const closed = new Promise<void>((res) => child.on('close', () => res()));
  return {
    child,
    lines,
    waitFor: (text) =>
      lines.some((l) => l.includes(text))
        ? Promise.resolve()
        : new Promise<void>((res, rej) => {
            waiters.push({ text, resolve: res });
            void closed.then(() => rej(new Error(`${script} exited before printing "${text}": ${stderr}`)));
          }),
    stop: async () => {
      child.stdin?.end('stop\n');
      await closed;
      return stderr;
    },
  };
}

/** Changes one global setting in a data folder (creating the settings file first if needed). */
export async function setSetting(home: string, key: string, value: unknown): Promise<void> {
  const { readFileSync, writeFileSync, existsSync } = await import('node:fs');
  const file = path.join(home, 'settings.json');
  if (!existsSync(file)) await runCli(['status'], { home });
  const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...settings, [key]: value }));
}

/** A small disk of its own (a tmpfs), for full-disk and read-only tests. */
export interface SmallDisk {
  dir: string;
  /** Writes a ballast file (not Lifeboat's) until only about `leaveBytes` are free. */
  fill(leaveBytes?: number): void;
  /** Removes the ballast. */
  empty(): void;
  /** Remounts it read-only, or writable again. */
  readOnly(on: boolean): void;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `bytes` at `dir` (created). Needs root (CI containers run tests as root); returns
 * why not otherwise, so the test can say what it skipped.
 */
export function mountSmallDisk(dir: string, bytes: number): SmallDisk | string {
  if (process.getuid?.() !== 0) return 'mounting a small disk needs root';
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    return `cannot mount a tmpfs here (${(e as Error).message.split('\n')[0]})`;
  }
  const ballast = path.join(dir, 'ballast.bin');
  return {
    dir,
    fill(leaveBytes = 0) {
      const fd = openSync(ballast, 'a');
      const chunk = Buffer.alloc(64 * 1024);
      try {
        for (;;) {
          const s = statfsSync(dir);
          const free = s.bavail * s.bsize;
          if (free <= leaveBytes) break;
          writeSync(fd, chunk, 0, Math.min(chunk.length, free - leaveBytes));
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      } finally {
        closeSync(fd);
      }
    },
    empty: () => rmSync(ballast, { force: true }),
    readOnly: (on) => execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, dir], { stdio: 'pipe' }),
    unmount: () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' }),
  };
}

/**
 * Makes a new data folder keep whole-file restore points (settings' `wholeFiles`): for the tests of
 * what a whole-file artifact is (the page store has tests of its own).
 */
export function keepWholeFiles(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ wholeFiles: true }), { mode: 0o600 });
}
