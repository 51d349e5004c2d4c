// Promise 5: restore in place with a safety copy, restore to a new file, undo, refusal of tampered
// artifacts, and restore while another process has the database open.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, beforeEach } from 'vitest';
import type { Manifest } from '../../../shared/model.ts';
import { bankState, makeBankDb, readMarker, runCli, setMarker, setSetting, sha256, startHelper, keepWholeFiles } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is tested here (the page store has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));

async function backupWithMarker(label: string): Promise<Manifest> {
  setMarker(tmp.db, label);
  const r = await runCli(['--json', 'backup', tmp.db], { home: tmp.home });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Manifest;
}

describe.each(['wal', 'delete'] as const)('restore in place (%s mode)', (mode) => {
  it('takes a safety copy first, restores, and undo brings the previous database back', async () => {
    makeBankDb(tmp.db, { mode, blobRows: 100 });
    const monday = await backupWithMarker('monday');
    setMarker(tmp.db, 'tuesday');

    const r = await runCli(['--json', '--yes', 'restore', monday.id], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { method: string; safetyCopy: Manifest; requiresRestart: boolean; inPlace: boolean };
    expect(result).toMatchObject({ method: 'sqlite-backup', inPlace: true, requiresRestart: false });
    expect(result.safetyCopy.trigger).toBe('safety');
    expect(result.safetyCopy.safety).toEqual({ before: 'restore', restoring: monday.id });
    expect(readMarker(tmp.db)).toBe('monday');
    expect(bankState(tmp.db)).toEqual({ total: 10_000, accounts: 100, check: 'ok' });
    // The journal mode the application chose is kept.
    const Database = (await import('better-sqlite3')).default;
    const conn = new Database(tmp.db, { readonly: true });
    expect(conn.pragma('journal_mode', { simple: true })).toBe(mode);
    conn.close();

    const u = await runCli(['--json', '--yes', 'undo'], { home: tmp.home });
    expect(u.code, u.stderr).toBe(0);
    expect(readMarker(tmp.db)).toBe('tuesday');
    // Undo took its own safety copy, so the undo can be undone too.
    const again = await runCli(['--yes', 'undo'], { home: tmp.home });
    expect(again.code, again.stderr).toBe(0);
    expect(readMarker(tmp.db)).toBe('monday');
    expect(readdirSync(tmp.dir).filter((f) => f.includes('lifeboat-restore'))).toEqual([]);
  });
});

describe('restore', () => {
  it('to another path writes a new file and leaves the database alone', async () => {
    makeBankDb(tmp.db, { mode: 'wal' });
    const m = await backupWithMarker('monday');
    setMarker(tmp.db, 'tuesday');
    const before = sha256(tmp.db);
    const to = path.join(tmp.dir, 'sub dir', 'ünïcode copy.db');
    const missingDir = await runCli(['restore', m.id, '--to', to], { home: tmp.home });
    expect(missingDir.code).toBe(1);
    expect(missingDir.stderr).toMatch(/folder .* does not exist/);
    await import('node:fs').then((fs) => fs.mkdirSync(path.dirname(to)));
    const r = await runCli(['restore', m.id, '--to', to], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    expect(readMarker(to)).toBe('monday');
    expect(sha256(tmp.db)).toBe(before);
    // Never over an existing file.
    const twice = await runCli(['restore', m.id, '--to', to], { home: tmp.home });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already exists/);
  });

  it('refuses a tampered artifact before touching the database', async () => {
    makeBankDb(tmp.db, { blobRows: 50 });
    const m = await backupWithMarker('monday');
    setMarker(tmp.db, 'tuesday');
    const artifact = path.join(tmp.home, 'vault', m.artifact.path);
    const bytes = readFileSync(artifact);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
    writeFileSync(artifact, bytes);
    const before = sha256(tmp.db);
    const r = await runCli(['--yes', 'restore', m.id], { home: tmp.home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not match its checksum/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(sha256(tmp.db)).toBe(before);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('lifeboat-restore'))).toEqual([]);
    const v = await runCli(['verify', m.id], { home: tmp.home });
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/FAILED/);
  });

  it('goes through SQLite when another process holds the database open: that process sees the restored data', async () => {
    makeBankDb(tmp.db, { mode: 'wal' });
    const m = await backupWithMarker('monday');
    setMarker(tmp.db, 'tuesday');
    const holder = startHelper('db-holder.ts', [tmp.db]);
    try {
      await holder.waitFor('open tuesday');
      // Refused while the program has it open (nothing changes, no safety copy), unless asked for.
      const refused = await runCli(['--yes', 'restore', m.id], { home: tmp.home });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/lifeboat: node has .*store\.db open, so the restore did not start \(nothing was changed\)\. Close node and try again.*--while-open/);
      expect(readMarker(tmp.db)).toBe('tuesday');
      expect((JSON.parse((await runCli(['--json', 'list'], { home: tmp.home })).stdout) as Manifest[]).map((x) => x.trigger)).toEqual(['manual']);
      const r = await runCli(['--json', '--yes', 'restore', m.id, '--while-open'], { home: tmp.home });
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { method: string; requiresRestart: boolean; holders: { pid: number }[] };
      expect(result.method).toBe('sqlite-backup');
      if (process.platform === 'linux') {
        expect(result.requiresRestart).toBe(true);
        expect(result.holders.map((h) => h.pid)).toContain(holder.child.pid);
        expect(JSON.parse(r.stdout).holders).toBeDefined();
      }
      holder.child.stdin?.write('read\n');
      await holder.waitFor('marker monday');
    } finally {
      await holder.stop();
    }
  });

  it('restores a database that was deleted, without replaying its stale WAL', async () => {
    makeBankDb(tmp.db, { mode: 'wal' });
    const m = await backupWithMarker('monday');
    // The application wrote more, then the main file vanished and left its -wal behind.
    const Database = (await import('better-sqlite3')).default;
    const app = new Database(tmp.db);
    app.pragma('wal_autocheckpoint = 0');
    app.exec("UPDATE marker SET label = 'in the stale wal'");
    const walCopy = readFileSync(`${tmp.db}-wal`);
    app.close();
    rmSync(tmp.db);
    writeFileSync(`${tmp.db}-wal`, walCopy);
    const r = await runCli(['--json', '--yes', 'restore', m.id], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { method: string; quarantinedTo: string };
    expect(result.method).toBe('rename');
    expect(readMarker(tmp.db)).toBe('monday');
    expect(bankState(tmp.db).check).toBe('ok');
    expect(readdirSync(result.quarantinedTo)).toContain('store.db-wal');
  });

  it('replaces an unreadable database after keeping its bytes in quarantine', async () => {
    makeBankDb(tmp.db, { mode: 'delete' });
    const m = await backupWithMarker('monday');
    writeFileSync(tmp.db, 'this is no longer a database');
    const r = await runCli(['--json', '--yes', 'restore', m.id], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { quarantinedTo: string };
    expect(readMarker(tmp.db)).toBe('monday');
    expect(readFileSync(path.join(result.quarantinedTo, 'store.db'), 'utf8')).toBe('this is no longer a database');
  });

  it('that fails because another program holds the database locked leaves no safety copy and no record: undo goes back to before the last restore that succeeded', async () => {
    makeBankDb(tmp.db, { mode: 'wal' });
    const monday = await backupWithMarker('monday');
    const tuesday = await backupWithMarker('tuesday');
    setMarker(tmp.db, 'wednesday');
    const ok = await runCli(['--yes', 'restore', monday.id], { home: tmp.home });
    expect(ok.code, ok.stderr).toBe(0);
    expect(readMarker(tmp.db)).toBe('monday');
    const listed = async () => (JSON.parse((await runCli(['--json', 'list'], { home: tmp.home })).stdout) as Manifest[]).map((m) => m.id).sort();
    const before = await listed();

    await setSetting(tmp.home, 'busyTimeoutMs', 300);
    const locker = startHelper('db-locker.ts', [tmp.db]);
    let failed;
    try {
      await locker.waitFor('locked');
      // Asked to go ahead while it is open, the restore meets the lock (refused outright otherwise).
      failed = await runCli(['--yes', 'restore', tuesday.id, '--while-open'], { home: tmp.home });
    } finally {
      await locker.stop();
    }
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/busy in another program.*the database was not changed/);
    expect(readMarker(tmp.db)).toBe('monday');
    expect(await listed()).toEqual(before);
    expect(readdirSync(path.join(tmp.home, 'vault', 'store')).filter((f) => f.startsWith('.lifeboat'))).toEqual([]);

    const u = await runCli(['--json', '--yes', 'undo'], { home: tmp.home });
    expect(u.code, u.stderr).toBe(0);
    expect(readMarker(tmp.db)).toBe('wednesday');
  });

  it('undo follows its own record of the last restore, not the dates or triggers inside manifests', async () => {
    makeBankDb(tmp.db, { mode: 'wal' });
    const monday = await backupWithMarker('monday');
    setMarker(tmp.db, 'tuesday');
    const ok = await runCli(['--json', '--yes', 'restore', monday.id], { home: tmp.home });
    expect(ok.code, ok.stderr).toBe(0);
    // A restore point that claims to be a newer safety copy (as a pulled one, or a clock gone back, could).
    const claimed = await backupWithMarker('planted');
    const file = path.join(tmp.home, 'vault', 'store', `store_${claimed.id}.manifest.json`);
    writeFileSync(file, JSON.stringify({ ...claimed, trigger: 'safety', safety: { before: 'restore', restoring: monday.id }, createdAt: '2099-01-01T00:00:00.000Z' }));
    expect((await runCli(['reindex'], { home: tmp.home })).code).toBe(0);
    setMarker(tmp.db, 'monday');
    const u = await runCli(['--yes', 'undo'], { home: tmp.home });
    expect(u.code, u.stderr).toBe(0);
    expect(readMarker(tmp.db)).toBe('tuesday');
  });

  it('in place goes over the registered database only, never the path a manifest names; an unregistered one needs --to', async () => {
    makeBankDb(tmp.db, { mode: 'wal' });
    const m = await backupWithMarker('monday');
    setMarker(tmp.db, 'tuesday');
    const victim = path.join(tmp.dir, 'notes.txt');
    writeFileSync(victim, 'my notes\n');
    const file = path.join(tmp.home, 'vault', 'store', `store_${m.id}.manifest.json`);
    writeFileSync(file, JSON.stringify({ ...m, source: { ...m.source, path: victim } }));
    expect((await runCli(['reindex'], { home: tmp.home })).code).toBe(0);

    const r = await runCli(['--json', '--yes', 'restore', m.id], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { target: string }).target).toBe(tmp.db);
    expect(readMarker(tmp.db)).toBe('monday');
    expect(readFileSync(victim, 'utf8')).toBe('my notes\n');

    expect((await runCli(['sources', 'remove', 'store'], { home: tmp.home })).code).toBe(0);
    const refused = await runCli(['--yes', 'restore', m.id], { home: tmp.home });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not a database registered on this machine.*--to PATH/);
    expect(readFileSync(victim, 'utf8')).toBe('my notes\n');
    const to = path.join(tmp.dir, 'copy.db');
    const copied = await runCli(['restore', m.id, '--to', to], { home: tmp.home });
    expect(copied.code, copied.stderr).toBe(0);
    expect(readMarker(to)).toBe('monday');
  });

  it('asks for confirmation: without a terminal and without --yes it refuses with exit 2', async () => {
    makeBankDb(tmp.db);
    const m = await backupWithMarker('monday');
    setMarker(tmp.db, 'tuesday');
    const r = await runCli(['restore', m.id], { home: tmp.home });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
    expect(readMarker(tmp.db)).toBe('tuesday');
    expect(existsSync(path.join(tmp.home, 'vault', 'store'))).toBe(true);
  });
});
