// Promise 2, the program Lifeboat protects never fails because of it: a backup never waits without a
// deadline for another program's lock, names the program when it has to give up, frees its own lock
// at once, and leaves the database's folder exactly as it was (no -wal or -shm of its own, even in a
// folder it cannot write).
import { execFileSync, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Manifest } from '../../../shared/model.ts';
import { createEngine } from '../engine.ts';
import { databaseOf } from '../testing/restore-point-file.ts';
import { CLI, REPO, bankState, makeBankDb, readMarker, runCli, sha256, startHelper } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();
const readOnly: string[] = [];
afterEach(() => readOnly.splice(0).forEach((dir) => chmodSync(dir, 0o755)));

/** Sets global settings in the data folder (created by a first command). */
async function settings(change: Record<string, unknown>): Promise<void> {
  await runCli(['status'], { home: tmp.home });
  const file = path.join(tmp.home, 'settings.json');
  writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), ...change }));
}

const vaultFiles = () => readdirSync(path.join(tmp.home, 'vault', 'store'));

describe('a program in the middle of a long write transaction', () => {
  it('is waited for only until the deadline; the backup names it, takes nothing, and frees its lock', async () => {
    makeBankDb(tmp.db, { mode: 'delete', blobRows: 200 });
    await settings({ quietWaitMs: 1500 });
    const holder = startHelper('journal-holder.ts', [tmp.db]);
    await holder.waitFor('holding');
    try {
      const started = Date.now();
      const r = await runCli(['backup', tmp.db], { home: tmp.home });
      expect(r.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(60_000); // a generous bound: it returned, it did not hang
      expect(r.stderr).toMatch(/lifeboat: node has been writing .*store\.db for \d+ s without committing \(an unfinished transaction/);
      expect(r.stderr).toMatch(/switch the database to WAL mode.*lifeboat sources set store --lock-if-busy/);
      expect(vaultFiles()).toEqual([]);
      // Allowed to hold writers off for a moment, it still gives up at its deadline, naming the program.
      expect((await runCli(['sources', 'set', 'store', '--lock-if-busy'], { home: tmp.home })).code).toBe(0);
      await settings({ quietWaitMs: 300, busyTimeoutMs: 500 });
      const locked = await runCli(['backup', tmp.db], { home: tmp.home });
      expect(locked.code).toBe(1);
      expect(locked.stderr).toMatch(/node keeps .*store\.db locked while it runs\. Close node/);
      holder.child.stdin?.write('commit\n');
      await holder.waitFor('committed');
    } finally {
      await holder.stop();
    }
    // Nothing of the failed backups holds the source: the next one goes through at once.
    const ok = await runCli(['--json', 'backup', tmp.db], { home: tmp.home });
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as Manifest).integrity.status).toBe('ok');
  });

  it('that crashed, leaving a hot journal, is reported at once with what to do', async () => {
    makeBankDb(tmp.db, { mode: 'delete', blobRows: 200 });
    const holder = startHelper('journal-holder.ts', [tmp.db]);
    await holder.waitFor('holding');
    holder.child.stdin?.write('crash\n');
    await new Promise((r) => holder.child.on('close', r));
    const before = { db: sha256(tmp.db), journal: sha256(`${tmp.db}-journal`) };
    const r = await runCli(['backup', tmp.db], { home: tmp.home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has an unfinished transaction left by a program that crashed\. Open it once with its application/);
    // The hot journal is SQLite's to roll back, with the program that wrote it: Lifeboat touched neither file.
    expect({ db: sha256(tmp.db), journal: sha256(`${tmp.db}-journal`) }).toEqual(before);
  });
});

describe('a WAL database nobody has open', () => {
  it('is backed up without leaving a -wal or -shm beside it', async () => {
    const appDir = path.join(tmp.dir, 'app');
    mkdirSync(appDir);
    const db = path.join(appDir, 'store.db');
    makeBankDb(db, { mode: 'wal', blobRows: 50 });
    const before = { files: readdirSync(appDir), db: sha256(db) };
    const r = await runCli(['--json', 'backup', db], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Manifest).snapshot.method).toBe('quiet-copy');
    expect({ files: readdirSync(appDir), db: sha256(db) }).toEqual(before);
  });

  it('with an empty -wal and -shm left by a closed program is copied without a lock, and both files stay as they were', async () => {
    makeBankDb(tmp.db, { mode: 'wal', blobRows: 50 });
    // What a program leaves when its last connection to close was read-only (it may not checkpoint
    // and delete the WAL): an empty -wal and a -shm. The commit before it is in the main file.
    const writer = new Database(tmp.db);
    writer.prepare('INSERT INTO marker (label) VALUES (?)').run('before the crash');
    writer.pragma('wal_checkpoint(TRUNCATE)');
    const reader = new Database(tmp.db, { readonly: true });
    reader.prepare('SELECT count(*) FROM marker').get();
    writer.close();
    reader.close();
    const dir = path.dirname(tmp.db);
    const leftOvers = () => ['store.db', 'store.db-shm', 'store.db-wal'].map((f) => ({ f, size: statSync(path.join(dir, f)).size, sha: sha256(path.join(dir, f)) }));
    const before = leftOvers();
    expect(before.find((x) => x.f === 'store.db-wal')?.size).toBe(0);

    const r = await runCli(['--json', 'backup', tmp.db], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as Manifest;
    expect(m.snapshot.method).toBe('quiet-copy');
    const copy = path.join(tmp.dir, 'check.db');
    expect((await runCli(['restore', m.id, '--to', copy], { home: tmp.home })).code).toBe(0);
    expect(readMarker(copy)).toBe('before the crash');
    expect(leftOvers()).toEqual(before);

    // The same files while a program has the database open: read through SQLite, as any open WAL database.
    const holder = startHelper('db-holder.ts', [tmp.db]);
    await holder.waitFor('open');
    try {
      const held = await runCli(['--json', 'backup', tmp.db], { home: tmp.home });
      expect(held.code, held.stderr).toBe(0);
      expect((JSON.parse(held.stdout) as Manifest).snapshot.method).toBe('backup-api');
    } finally {
      await holder.stop();
    }
  });

  // Root writes anywhere; without the capability that lets it (as for any other user) a folder's
  // mode applies. Needs util-linux's setpriv, which every Debian has.
  const canDropCaps = process.getuid?.() !== 0 || spawnSync('setpriv', ['--version']).status === 0;
  it.runIf(canDropCaps)('in a folder Lifeboat cannot write is backed up all the same, and the folder stays as it was', async () => {
    const appDir = path.join(tmp.dir, 'readonly-app');
    mkdirSync(appDir);
    const db = path.join(appDir, 'store.db');
    makeBankDb(db, { mode: 'wal', blobRows: 50 });
    await runCli(['status'], { home: tmp.home });
    chmodSync(appDir, 0o555);
    readOnly.push(appDir);
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--', process.execPath] : [process.execPath];
    // The folder really is read-only for the command (not just on paper).
    expect(spawnSync(asUser[0]!, [...asUser.slice(1), '-e', `require('fs').writeFileSync(${JSON.stringify(path.join(appDir, 'x'))}, '')`]).status).not.toBe(0);
    const out = execFileSync(asUser[0]!, [...asUser.slice(1), CLI, '--home', tmp.home, '--json', 'backup', db], { cwd: REPO, encoding: 'utf8', env: { ...process.env, LIFEBOAT_HOME: undefined } });
    expect((JSON.parse(out) as Manifest).integrity.status).toBe('ok');
    expect(readdirSync(appDir)).toEqual(['store.db']);
    expect(readMarker(db)).toBeUndefined();
  });
});

describe('a WAL database whose program closes it while the backup reads it', () => {
  it('is left as that program would have left it: no -wal or -shm beside it, no row changed', async () => {
    makeBankDb(tmp.db, { mode: 'wal', accounts: 500, blobRows: 6000, blobBytes: 4000 });
    const engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test' });
    const writer = startHelper('bank-writer.ts', [tmp.db, 'wal']);
    try {
      await writer.waitFor('ready');
      const source = await engine.sources.add(tmp.db);
      let closedMidCopy = false;
      const m = await engine.backup({ sourceId: source.id }, {
        trigger: 'manual',
        onProgress: (p) => {
          if (closedMidCopy || p.phase !== 'copying' || p.unit !== 'pages' || p.done >= p.total) return;
          // The program closes while the snapshot's read transaction is open: its close cannot
          // checkpoint, so it leaves its -wal and -shm. Wait (up to 30 s) until it has gone.
          closedMidCopy = true;
          writer.child.stdin?.end('stop\n');
          const fds = `/proc/${writer.child.pid}/fd`;
          for (let waited = 0; existsSync(fds) && readdirSync(fds).length > 0 && waited < 30_000; waited += 20) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        },
      });
      expect(closedMidCopy).toBe(true);
      expect(m.snapshot).toMatchObject({ method: 'backup-api', heldLock: false });
      expect(bankState(await databaseOf(engine, m, tmp.dir))).toEqual({ total: 500 * 100, accounts: 500, check: 'ok' });
    } finally {
      await writer.stop();
      engine.close();
    }
    expect(readdirSync(path.dirname(tmp.db)).filter((f) => f.startsWith('store.db'))).toEqual(['store.db']);
    expect(bankState(tmp.db)).toEqual({ total: 500 * 100, accounts: 500, check: 'ok' });
  });
});

describe('a rollback-journal database another program keeps open', () => {
  it('gets advice in status: what WAL mode would change, that Lifeboat will not switch it, and how', async () => {
    makeBankDb(tmp.db, { mode: 'delete' });
    expect((await runCli(['sources', 'add', tmp.db], { home: tmp.home })).code).toBe(0);
    expect((await runCli(['status'], { home: tmp.home })).stdout).not.toMatch(/note:/); // closed: nothing to say
    const holder = startHelper('db-holder.ts', [tmp.db]);
    await holder.waitFor('open');
    try {
      const r = await runCli(['status'], { home: tmp.home });
      expect(r.stdout).toMatch(/note: store\.db is open in node and uses a rollback journal/);
      expect(r.stdout).toMatch(/Lifeboat never switches it itself: close the program, run `sqlite3 ".*store\.db" "PRAGMA journal_mode=WAL;"`/);
    } finally {
      await holder.stop();
    }
  });
});
