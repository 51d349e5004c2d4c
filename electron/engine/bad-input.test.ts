// Promise 10: every bad input gets one clear line (what happened, what to do), a non-zero exit, no
// stack trace, and nothing half-written in the vault.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, beforeEach } from 'vitest';
import type { Manifest } from '../../shared/model.ts';
import { makeBankDb, readMarker, runCli, startHelper, type CliResult, keepWholeFiles } from './testing/fixtures.ts';
import { useTestFolder } from './testing/test-folder.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is tested here (the page store has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));
afterEach(() => {
  if (existsSync(path.join(tmp.home, 'vault'))) chmodSync(path.join(tmp.home, 'vault'), 0o755);
});

/** The vault holds only complete restore points (a manifest for every artifact and back). */
function expectVaultClean(): void {
  const vault = path.join(tmp.home, 'vault');
  if (!existsSync(vault)) return;
  for (const source of readdirSync(vault).filter((f) => f !== '.lifeboat-vault')) {
    const files = readdirSync(path.join(vault, source));
    const stems = (suffix: string) => files.filter((f) => f.endsWith(suffix)).map((f) => f.slice(0, -suffix.length)).sort();
    expect(files.filter((f) => !f.endsWith('.sqlite') && !f.endsWith('.manifest.json'))).toEqual([]);
    expect(stems('.sqlite')).toEqual(stems('.manifest.json'));
  }
}

function expectClearFailure(r: CliResult, pattern: RegExp, code = 1): void {
  expect(r.code, r.stdout + r.stderr).toBe(code);
  // Without a terminal (a pipe, a log file, a cron job's mail) no progress: one line, the error.
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^lifeboat: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
  expectVaultClean();
}

describe('backup refuses bad input clearly', () => {
  it('a missing path', async () => {
    expectClearFailure(await runCli(['backup', path.join(tmp.dir, 'nope.db')], { home: tmp.home }), /nope\.db does not exist\. Check the path/);
  });
  it('a directory', async () => {
    mkdirSync(path.join(tmp.dir, 'folder'));
    expectClearFailure(await runCli(['backup', path.join(tmp.dir, 'folder')], { home: tmp.home }), /is a folder, not a database file/);
  });
  it('an empty file', async () => {
    writeFileSync(path.join(tmp.dir, 'empty.db'), '');
    expectClearFailure(await runCli(['backup', path.join(tmp.dir, 'empty.db')], { home: tmp.home }), /is empty \(0 bytes\)/);
  });
  it('a file that is not SQLite', async () => {
    writeFileSync(path.join(tmp.dir, 'notes.db'), 'just some text, not a database at all '.repeat(10));
    expectClearFailure(await runCli(['backup', path.join(tmp.dir, 'notes.db')], { home: tmp.home }), /is not a SQLite database/);
  });
  it('an encrypted database (random bytes where the header should be)', async () => {
    const bytes = Buffer.alloc(8192);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 251;
    writeFileSync(path.join(tmp.dir, 'secret.db'), bytes);
    expectClearFailure(await runCli(['backup', path.join(tmp.dir, 'secret.db')], { home: tmp.home }), /encrypted/);
  });
  it('a truncated database: the copy is kept, marked failed, and the exit is 1', async () => {
    const db = path.join(tmp.dir, 'cut.db');
    makeBankDb(db, { mode: 'delete', blobRows: 300 });
    truncateSync(db, 40_000);
    const r = await runCli(['backup', db], { home: tmp.home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fails SQLite's integrity check|is damaged/);
    expect(r.stderr).toMatch(/the database was not added to the ones Lifeboat protects/);
    // No progress lines before it in a pipe (a cron job's mail): the one message.
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expectVaultClean();
    // Not registered: it is neither scheduled nor reported as protected.
    expect(JSON.parse((await runCli(['--json', 'sources', 'list'], { home: tmp.home })).stdout)).toEqual([]);
  });
  it('a rollback-journal database in an exclusive transaction of another program: nothing taken, the program named and never disturbed', async () => {
    // Its pages may already be in the file (journal_mode MEMORY or OFF leave no other trace), so no
    // copy of it now can be proven a committed state: the backup waits until its deadline, then says so.
    const db = path.join(tmp.dir, 'locked.db');
    makeBankDb(db, { mode: 'delete' });
    await runCli(['status'], { home: tmp.home });
    const settings = JSON.parse(readFileSync(path.join(tmp.home, 'settings.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(tmp.home, 'settings.json'), JSON.stringify({ ...settings, quietWaitMs: 500 }));
    const conn = new Database(db);
    conn.exec('BEGIN EXCLUSIVE');
    try {
      expectClearFailure(await runCli(['backup', db], { home: tmp.home }), /node has been writing .*locked\.db for \d+ s without committing/);
      conn.exec("INSERT INTO marker (label) VALUES ('written while backed up')");
    } finally {
      conn.exec('COMMIT');
      conn.close();
    }
    expect(readMarker(db)).toBe('written while backed up');
    const r = await runCli(['--json', 'backup', db], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Manifest).snapshot).toMatchObject({ method: 'quiet-copy', heldLock: false });
  });
  it('a WAL database another program keeps locked (locking_mode=EXCLUSIVE): the program is named, the wait ends', async () => {
    const db = path.join(tmp.dir, 'locked.db');
    makeBankDb(db, { mode: 'wal' });
    const holder = startHelper('exclusive-holder.ts', [db]);
    await holder.waitFor('locked');
    try {
      await runCli(['status'], { home: tmp.home });
      const settings = JSON.parse(readFileSync(path.join(tmp.home, 'settings.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(path.join(tmp.home, 'settings.json'), JSON.stringify({ ...settings, busyTimeoutMs: 300 }));
      expectClearFailure(await runCli(['backup', db], { home: tmp.home }), /node keeps .*locked\.db locked while it runs\. Close node/);
    } finally {
      await holder.stop();
    }
  });
  const isRoot = process.getuid?.() === 0;
  it.skipIf(isRoot)('an unreadable file (skipped as root: root reads every file whatever its mode)', async () => {
    const db = path.join(tmp.dir, 'private.db');
    makeBankDb(db);
    chmodSync(db, 0o000);
    expectClearFailure(await runCli(['backup', db], { home: tmp.home }), /cannot be read: permission denied/);
  });
  it('a read-only vault', async () => {
    const db = path.join(tmp.dir, 'store.db');
    makeBankDb(db);
    expect((await runCli(['backup', db], { home: tmp.home })).code).toBe(0);
    const vault = path.join(tmp.home, 'vault');
    let mounted = false;
    if (isRoot) {
      // root ignores permission bits; a read-only file system is what stops it
      try {
        execFileSync('mount', ['-o', 'bind', vault, vault]);
        mounted = true;
        execFileSync('mount', ['-o', 'remount,bind,ro', vault]);
      } catch (e) {
        if (mounted) execFileSync('umount', [vault]);
        console.warn(`skipped the read-only vault check: cannot mount here (${(e as Error).message.split('\n')[0]})`);
        return;
      }
    } else {
      chmodSync(path.join(vault, 'store'), 0o555);
    }
    try {
      expectClearFailure(await runCli(['backup', db], { home: tmp.home }), /Lifeboat cannot write to/);
      expect(readdirSync(path.join(vault, 'store'))).toHaveLength(2);
    } finally {
      if (mounted) execFileSync('umount', [vault]);
    }
  });
  it('a path with spaces and non-ASCII characters, and a symlink to it', async () => {
    const dir = path.join(tmp.dir, 'Mes données (2026)');
    mkdirSync(dir);
    const db = path.join(dir, 'boutique ünï.db');
    makeBankDb(db);
    const link = path.join(tmp.dir, 'link.db');
    symlinkSync(db, link);
    const r = await runCli(['--json', 'backup', link], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as Manifest;
    expect(m.source.path).toBe(db); // the real file, so a restore never replaces the link
    expect(m.source.id).toBe('boutique-uni');
    const dangling = path.join(tmp.dir, 'dangling.db');
    symlinkSync(path.join(tmp.dir, 'gone.db'), dangling);
    expectClearFailure(await runCli(['backup', dangling], { home: tmp.home }), /dangling\.db does not exist/);
  });
});

describe('restore and verify refuse bad manifests and ids clearly', () => {
  async function oneRestorePoint(): Promise<{ m: Manifest; manifestFile: string; db: string }> {
    const db = path.join(tmp.dir, 'store.db');
    makeBankDb(db);
    const r = await runCli(['--json', 'backup', db], { home: tmp.home });
    const m = JSON.parse(r.stdout) as Manifest;
    return { m, db, manifestFile: path.join(tmp.home, 'vault', 'store', `store_${m.id}.manifest.json`) };
  }

  it('an unknown restore point id', async () => {
    await oneRestorePoint();
    expectClearFailure(await runCli(['--yes', 'restore', '20991231T000000Z-abcdef'], { home: tmp.home }), /There is no restore point "20991231T000000Z-abcdef"\. See the ids with `lifeboat list`/);
  });

  it('a manifest whose artifact path climbs out of the vault', async () => {
    const { m, manifestFile, db } = await oneRestorePoint();
    writeFileSync(path.join(tmp.dir, 'evil.sqlite'), readFileSync(path.join(tmp.home, 'vault', m.artifact.path)));
    writeFileSync(manifestFile, JSON.stringify({ ...m, artifact: { ...m.artifact, path: 'store/../../evil.sqlite' } }));
    const r = await runCli(['--yes', 'restore', m.id], { home: tmp.home });
    expectClearFailure(r, /is not a valid Lifeboat manifest \(artifact\.path/);
    expect(readMarker(db)).toBeUndefined();
  });

  it('a manifest pointing at another source folder', async () => {
    const { m, manifestFile } = await oneRestorePoint();
    writeFileSync(manifestFile, JSON.stringify({ ...m, source: { ...m.source, id: 'other' }, artifact: { ...m.artifact, path: `other/other_${m.id}.sqlite` } }));
    expectClearFailure(await runCli(['--yes', 'restore', m.id], { home: tmp.home }), /does not match its place in the vault/);
  });

  it('a malformed manifest', async () => {
    const { m, manifestFile } = await oneRestorePoint();
    writeFileSync(manifestFile, '{"version": 1, "id": ');
    expectClearFailure(await runCli(['--yes', 'restore', m.id], { home: tmp.home }), /is not valid JSON/);
    const v = await runCli(['verify'], { home: tmp.home });
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/FAILED .*is not valid JSON/);
  });

  it('a tampered checksum in the manifest', async () => {
    const { m, manifestFile, db } = await oneRestorePoint();
    writeFileSync(manifestFile, JSON.stringify({ ...m, artifact: { ...m.artifact, sha256: '0'.repeat(64) } }));
    const before = readFileSync(db);
    expectClearFailure(await runCli(['--yes', 'restore', m.id], { home: tmp.home }), /does not match its checksum/);
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it('a usage error exits 2', async () => {
    const r = await runCli(['backup'], { home: tmp.home });
    expect(r.code).toBe(2);
    expect((await runCli(['frobnicate'], { home: tmp.home })).code).toBe(2);
  });
});
