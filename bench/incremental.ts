// `npm run bench -- --only incremental`: what a restore point costs after a day's change. A shop's
// WAL database (sales with an index on customer, accounts) goes through the same states for each
// tool: a first backup; change 1 (1% of sales appended, 200 balances updated); an idle round;
// change 2 (amount updated on 1% of the sales at random). Per round: bytes added to the repository
// (the vault's folder, restic's, borg's), time and peak memory; then a restore from the last one,
// and sqlite3 .backup of the same file for scale.
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatBytes } from '../shared/bytes.ts';
import type { Manifest } from '../shared/model.ts';
import { timed, type Run } from './timed.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const CLI = path.join(REPO, 'bin', 'lifeboat.mjs');

/** A deterministic random sequence, so every tool sees the very same database states. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** The shop's database: `sales` rows (~136 bytes each) with an index on customer, and 20,000 accounts. */
function makeShop(file: string, sales: number): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE sales (id INTEGER PRIMARY KEY, ts TEXT, customer INTEGER, amount INTEGER, note TEXT); CREATE INDEX sales_customer ON sales (customer); CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)');
  const add = db.prepare('INSERT INTO sales (ts, customer, amount, note) VALUES (?, ?, ?, ?)');
  const words = ['coffee', 'tea', 'cake', 'bread', 'milk', 'butter', 'jam', 'eggs', 'flour', 'sugar'];
  const r = random(42);
  for (let b = 0; b < sales; b += 100_000) {
    db.transaction(() => {
      for (let i = b; i < Math.min(sales, b + 100_000); i++) {
        const note = `${words[i % 10]} x${1 + Math.floor(r() * 5)} ${words[(i * 7) % 10]} paid ${r() < 0.5 ? 'card' : 'cash'} ${Math.floor(r() * 1e6)} at till ${1 + Math.floor(r() * 4)} by clerk ${words[Math.floor(r() * 10)]}son receipt ${Math.floor(r() * 1e9)}`;
        add.run(new Date(1.7e12 + i * 10_000).toISOString(), Math.floor(r() * 50_000), Math.floor(r() * 10_000), note);
      }
    })();
  }
  db.transaction(() => {
    const a = db.prepare('INSERT INTO accounts (balance) VALUES (1000)');
    for (let i = 0; i < 20_000; i++) a.run();
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** Change 1, a day of trade: 1% of the sales appended, 200 balances updated. Change 2: 1% of the amounts updated at random. */
function change(file: string, which: 1 | 2): void {
  const db = new Database(file);
  const r = random(which * 7);
  const n = db.prepare('SELECT max(id) FROM sales').pluck().get() as number;
  db.transaction(() => {
    if (which === 1) {
      const add = db.prepare('INSERT INTO sales (ts, customer, amount, note) VALUES (?, ?, ?, ?)');
      for (let i = 0; i < Math.round(n * 0.01); i++) add.run(new Date(1.8e12 + i * 1000).toISOString(), Math.floor(r() * 50_000), Math.floor(r() * 10_000), `day trade ${i} ${Math.floor(r() * 1e6)}`);
      const move = db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?');
      for (let i = 0; i < 200; i++) move.run(Math.floor(r() * 100) - 50, 1 + Math.floor(r() * 20_000));
    } else {
      const up = db.prepare('UPDATE sales SET amount = ? WHERE id = ?');
      for (let i = 0; i < Math.round(n * 0.01); i++) up.run(Math.floor(r() * 10_000), 1 + Math.floor(r() * n));
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** Bytes of every file under `dir`. */
function folderBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[]).filter((e) => e.isFile()).reduce((n, e) => n + statSync(path.join(e.parentPath, e.name)).size, 0);
}

interface Tool {
  name: string;
  /** Makes an empty repository. */
  init(): void;
  /** One backup of `db`. */
  backup(db: string, round: string): Run & { stdout: string };
  /** Where its repository is (what is measured). */
  repo: string;
  /** Restores the last backup into `to`. */
  restore?(to: string, last: string): Run;
}

const ROUNDS = ['first backup', 'change 1: a day of trade', 'idle (nothing changed)', 'change 2: 1% of amounts updated'] as const;

/** Runs the rounds for each tool on fresh copies of the same database; prints one table. */
export async function benchIncremental(work: string, sales = 3_000_000): Promise<{ title: string; rows: string[][]; notes: string[] }> {
  const dir = path.join(work, 'incremental');
  mkdirSync(dir, { recursive: true });
  const pristine = path.join(dir, `shop-${sales}.db`);
  if (!existsSync(pristine)) {
    console.error(`bench: generating the shop database (${sales.toLocaleString('en')} sales) in ${dir}…`);
    makeShop(pristine, sales);
  }
  const db = path.join(dir, 'shop.db');
  const dbBytes = statSync(pristine).size;
  const env = { RESTIC_PASSWORD: 'bench-password', BORG_PASSPHRASE: '', BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes', BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes' };
  const home = path.join(dir, 'lifeboat-home');
  const tools: Tool[] = [
    {
      name: 'lifeboat backup',
      repo: path.join(home, 'vault'),
      init: () => rmSync(home, { recursive: true, force: true }),
      backup: (file) => timed(process.execPath, [CLI, '--home', home, '--json', 'backup', file, '--no-prune']),
      restore: (to, last) => timed(process.execPath, [CLI, '--home', home, 'restore', last, '--to', to]),
    },
    {
      name: 'restic 0.14 backup',
      repo: path.join(dir, 'restic'),
      init() {
        rmSync(this.repo, { recursive: true, force: true });
        execFileSync('restic', ['init', '--repo', this.repo], { env: { ...process.env, ...env }, stdio: 'ignore' });
      },
      backup(file) {
        return timed('restic', ['--repo', this.repo, 'backup', '--quiet', file], env);
      },
    },
    {
      name: 'borg 1.2 create',
      repo: path.join(dir, 'borg'),
      init() {
        rmSync(this.repo, { recursive: true, force: true });
        execFileSync('borg', ['init', '-e', 'none', this.repo], { env: { ...process.env, ...env }, stdio: 'ignore' });
      },
      backup(file, round) {
        return timed('borg', ['create', `${this.repo}::${round.replace(/\W+/g, '-')}`, file], env);
      },
    },
  ];
  const rows: string[][] = [['tool', ...ROUNDS.map((r) => `${r}: added (share of db), time, peak`)]];
  const notes: string[] = [];
  const sqliteBackup = timed('sqlite3', [pristine, `.backup '${path.join(dir, 'sqlite3-backup.db')}'`]);
  rmSync(path.join(dir, 'sqlite3-backup.db'), { force: true });
  for (const tool of tools) {
    if (spawnSync('sh', ['-c', `command -v ${tool.name.split(' ')[0] === 'lifeboat' ? 'node' : tool.name.split(' ')[0]}`]).status !== 0) {
      rows.push([tool.name, 'not installed (Debian: apt-get install restic borgbackup)']);
      continue;
    }
    tool.init();
    copyFileSync(pristine, db);
    const cells: string[] = [];
    let last = '';
    for (const [i, round] of ROUNDS.entries()) {
      if (i === 1) change(db, 1);
      if (i === 3) change(db, 2);
      const before = folderBytes(tool.repo);
      const run = tool.backup(db, round);
      const added = folderBytes(tool.repo) - before;
      if (tool.name.startsWith('lifeboat')) last = (JSON.parse(run.stdout) as Manifest).id;
      cells.push(`${formatBytes(added)} (${((added / dbBytes) * 100).toFixed(1)}%), ${run.seconds.toFixed(2)} s, ${formatBytes(run.peakKb * 1024)}`);
    }
    rows.push([tool.name, ...cells]);
    if (tool.restore) {
      const to = path.join(dir, 'restored.db');
      rmSync(to, { force: true });
      const r = tool.restore(to, last);
      notes.push(`${tool.name}: restore of the last restore point (${formatBytes(dbBytes)}) ${r.seconds.toFixed(2)} s (${(r.seconds / sqliteBackup.seconds).toFixed(2)}× sqlite3 .backup), peak ${formatBytes(r.peakKb * 1024)}`);
      rmSync(to, { force: true });
    }
  }
  notes.push(`sqlite3 .backup of the same database: ${sqliteBackup.seconds.toFixed(2)} s, peak ${formatBytes(sqliteBackup.peakKb * 1024)}`);
  rmSync(db, { force: true });
  return { title: `What each restore point adds to the repository: a ${formatBytes(dbBytes)} shop database (4 KiB pages), the same changes for every tool`, rows, notes };
}
