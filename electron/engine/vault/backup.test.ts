// Promise 1–4 for a single backup: a real database, the real CLI, the real vault on disk.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, beforeEach } from 'vitest';
import { manifestSchema, type Manifest } from '../../../shared/model.ts';
import { bankState, makeBankDb, runCli, sha256, keepWholeFiles } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is tested here (the page store has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));

function filesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('lifeboat backup', () => {
  it('writes a checksummed, integrity-checked artifact and a valid manifest beside it', async () => {
    const db = path.join(tmp.dir, 'store.db');
    makeBankDb(db, { mode: 'wal', blobRows: 200 });
    const r = await runCli(['--json', 'backup', db], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    const manifest = manifestSchema.parse(JSON.parse(r.stdout)) as Manifest;

    expect(manifest.trigger).toBe('manual');
    expect(manifest.source).toMatchObject({ id: 'store', name: 'store.db', path: db });
    expect(manifest.integrity).toMatchObject({ check: 'quick_check', status: 'ok', message: 'ok' });
    expect(manifest.database.journalMode).toBe('wal');
    expect(manifest.snapshot).toMatchObject({ method: 'quiet-copy', heldLock: false });
    expect(new Date(manifest.createdAt).toISOString()).toBe(manifest.createdAt);

    const dir = path.join(tmp.home, 'vault', 'store');
    const stem = `store_${manifest.id}`;
    expect(filesIn(dir)).toEqual([`${stem}.manifest.json`, `${stem}.sqlite`]);
    const artifact = path.join(dir, `${stem}.sqlite`);
    expect(manifest.artifact.path).toBe(`store/${stem}.sqlite`);
    expect(sha256(artifact)).toBe(manifest.artifact.sha256);
    expect(statSync(artifact).size).toBe(manifest.artifact.bytes);
    expect(manifest.database.pageCount * manifest.database.pageSize).toBe(manifest.artifact.bytes);
    expect(JSON.parse(readFileSync(path.join(dir, `${stem}.manifest.json`), 'utf8'))).toEqual(manifest);
    expect(bankState(artifact)).toEqual({ total: 100 * 100, accounts: 100, check: 'ok' });
  });

  it('produces an artifact that the sqlite3 tool opens on its own, read-only, with no WAL', async () => {
    const db = path.join(tmp.dir, 'store.db');
    makeBankDb(db, { mode: 'wal' });
    const r = await runCli(['--json', 'backup', db], { home: tmp.home });
    const manifest = JSON.parse(r.stdout) as Manifest;
    const artifact = path.join(tmp.home, 'vault', manifest.artifact.path);
    const out = execFileSync('sqlite3', ['-readonly', artifact, 'PRAGMA journal_mode; PRAGMA integrity_check; SELECT sum(balance) FROM accounts;'], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toEqual(['delete', 'ok', '10000']);
  });

  it('never changes the source: same bytes in the database and its WAL, no new files beside it', async () => {
    const appDir = path.join(tmp.dir, 'app');
    mkdirSync(appDir);
    const db = path.join(appDir, 'store.db');
    makeBankDb(db, { mode: 'wal', blobRows: 50 });
    // Leave committed frames in the WAL (a checkpoint would move them into the main file).
    const Database = (await import('better-sqlite3')).default;
    const app = new Database(db);
    app.pragma('wal_autocheckpoint = 0');
    app.exec("INSERT INTO marker VALUES ('in the wal')");
    const before = { db: sha256(db), wal: sha256(`${db}-wal`), files: filesIn(appDir), mtime: statSync(db).mtimeMs };
    const r = await runCli(['backup', db], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    expect({ db: sha256(db), wal: sha256(`${db}-wal`), files: filesIn(appDir), mtime: statSync(db).mtimeMs }).toEqual(before);
    app.close();
    // The copy has the row that was only in the WAL.
    const list = JSON.parse((await runCli(['--json', 'list'], { home: tmp.home })).stdout) as Manifest[];
    const copy = new Database(path.join(tmp.home, 'vault', list[0]!.artifact.path), { readonly: true });
    expect(copy.prepare('SELECT label FROM marker').pluck().get()).toBe('in the wal');
    copy.close();
  });

  it('keeps several sources apart, each in its own folder, with sortable readable names', async () => {
    const a = path.join(tmp.dir, 'shop.db');
    const b = path.join(tmp.dir, 'Notes App.sqlite');
    makeBankDb(a);
    makeBankDb(b, { mode: 'delete' });
    for (const db of [a, b, a]) expect((await runCli(['backup', db], { home: tmp.home })).code).toBe(0);
    expect(filesIn(path.join(tmp.home, 'vault'))).toEqual(['.lifeboat-vault', 'notes-app', 'shop']);
    const shop = filesIn(path.join(tmp.home, 'vault', 'shop')).filter((f) => f.endsWith('.sqlite'));
    expect(shop).toHaveLength(2);
    for (const f of shop) expect(f).toMatch(/^shop_\d{8}T\d{6}Z-[0-9a-f]{6}\.sqlite$/);
    const list = JSON.parse((await runCli(['--json', 'list'], { home: tmp.home })).stdout) as Manifest[];
    expect(list.map((m) => m.source.id).sort()).toEqual(['notes-app', 'shop', 'shop']);
    expect(list.map((m) => m.createdAt)).toEqual([...list.map((m) => m.createdAt)].sort().reverse());
    const notes = list.find((m) => m.source.id === 'notes-app')!;
    expect(notes.database.journalMode).toBe('delete');
  });

  it('takes a compacted copy with VACUUM INTO on request, leaving the source as it was', async () => {
    const db = path.join(tmp.dir, 'store.db');
    makeBankDb(db, { mode: 'wal', blobRows: 300 });
    const Database = (await import('better-sqlite3')).default;
    const app = new Database(db);
    app.exec('DELETE FROM blobs WHERE id % 2 = 0');
    app.pragma('wal_checkpoint(TRUNCATE)');
    const freeBefore = Number(app.pragma('freelist_count', { simple: true }));
    app.close();
    const before = sha256(db);
    const r = await runCli(['--json', 'backup', '--compact', db], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as Manifest;
    expect(freeBefore).toBeGreaterThan(50);
    expect(m.snapshot.method).toBe('vacuum-into');
    expect(m.database.freelistCount).toBe(0);
    expect(m.artifact.bytes).toBeLessThan(statSync(db).size);
    expect(sha256(db)).toBe(before);
    expect(bankState(path.join(tmp.home, 'vault', m.artifact.path)).check).toBe('ok');
  });

  it('refuses a database above the size limit, naming the limit and how to raise it', async () => {
    const db = path.join(tmp.dir, 'big.db');
    makeBankDb(db, { blobRows: 300 });
    const r = await runCli(['backup', '--max-size', '100KB', db], { home: tmp.home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/above the 100 KB size limit/);
    expect(r.stderr).toMatch(/lifeboat sources set big --max-size/);
    expect(filesIn(path.join(tmp.home, 'vault', 'big'))).toEqual([]);
    const set = await runCli(['sources', 'set', 'big', '--max-size', '10MB'], { home: tmp.home });
    expect(set.code, set.stderr).toBe(0);
    expect((await runCli(['backup', db], { home: tmp.home })).code).toBe(0);
  });

  it('marks a copy that fails its integrity check, keeps it, and exits 1', async () => {
    const db = path.join(tmp.dir, 'damaged.db');
    makeBankDb(db, { mode: 'delete', blobRows: 400 });
    // Damage an index page in the middle of the file, past the schema page.
    const Database = (await import('better-sqlite3')).default;
    const app = new Database(db);
    app.exec('CREATE INDEX blobs_len ON blobs (length(data))');
    const root = app.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'blobs_len'").pluck().get() as number;
    const pageSize = Number(app.pragma('page_size', { simple: true }));
    app.close();
    const bytes = readFileSync(db);
    bytes.fill(0x55, (root - 1) * pageSize + 8, root * pageSize - 100);
    writeFileSync(db, bytes);
    const r = await runCli(['--json', 'backup', db], { home: tmp.home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fails SQLite's integrity check/);
    const list = JSON.parse((await runCli(['--json', 'list'], { home: tmp.home })).stdout) as Manifest[];
    expect(list).toHaveLength(1);
    expect(list[0]!.integrity.status).toBe('failed');
  });
});
