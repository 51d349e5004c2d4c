// Looking inside a restore point without restoring it, on real databases: its tables with row
// counts, sizes and keys; pages of rows newest first; encrypted restore points (a passphrase, an
// age key; refused without); a tampered one refused; the private place (owner-only, in the data
// folder, removed when done and after a kill); a table exported to CSV and to a new SQLite file;
// and `lifeboat show` / `diff` / `recover --to` as a person runs them.
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Comparison, RestorePointContents, RowsPage } from '../../../shared/inside-view.ts';
import type { Manifest } from '../../../shared/model.ts';
import type { Engine } from '../engine.ts';
import { openTestEngine } from '../testing/test-engine.ts';
import { artifactPath } from '../vault/manifest.ts';
import { makeShopDb, runCli, sha256, startCliHeldAt, keepWholeFiles } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is read here (backup-pages.test.ts does the same with pages).
beforeEach(() => keepWholeFiles(tmp.home));
let engine: Engine;
beforeEach(async () => {
  engine = await openTestEngine(tmp.home, { fastKeys: true });
});
afterEach(() => engine.close());

const scratch = () => path.join(tmp.home, 'tmp');
const inScratch = () => (existsSync(scratch()) ? readdirSync(scratch()) : []);
const mode = (file: string) => statSync(file).mode & 0o777;

describe('looking inside a restore point', () => {
  it('lists its tables with rows, sizes, keys and schema, and changes nothing', async () => {
    makeShopDb(tmp.db);
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const before = sha256(tmp.db);
    const c = await engine.lookInside(m.id);
    const t = Object.fromEntries(c.tables.map((x) => [x.name, x]));
    expect(c).toMatchObject({ id: m.id, sourceId: 'store', databaseBytes: m.database.bytes, pageSize: 4096, views: [{ name: 'big_orders' }] });
    expect(t.orders).toMatchObject({ kind: 'table', rows: 60, key: ['id'], match: 'key', order: 'newest first, by id', triggers: [{ name: 'orders_indexed' }, { name: 'orders_unindexed' }, { name: 'orders_audited' }] });
    expect(t.items).toMatchObject({ kind: 'without-rowid', rows: 120, key: ['order_id', 'line'], match: 'key', order: 'by order_id, line' });
    expect(t.events).toMatchObject({ kind: 'table', rows: 10, key: ['rowid'], match: 'content' });
    expect(t.customers!.indexes).toEqual([]); // the UNIQUE constraint's index has no SQL of its own
    expect(t.customers!.indexBytes).toBeGreaterThan(0);
    expect(t.photos!.bytes).toBeGreaterThan(5 * 3000);
    expect(t.order_search).toMatchObject({ kind: 'virtual', rows: 15, match: 'count' });
    expect(c.tables.filter((x) => x.of === 'order_search').map((x) => x.name).sort()).toEqual(['order_search_config', 'order_search_content', 'order_search_data', 'order_search_docsize', 'order_search_idx']);
    expect(t.orders!.sql).toMatch(/^CREATE TABLE orders/);
    expect(sha256(tmp.db)).toBe(before);
    // A plain restore point is read in the vault itself: nothing was written beside it, nothing copied.
    expect(readdirSync(path.join(engine.vaultDir, 'store')).sort()).toEqual([path.basename(m.artifact.path), path.basename(m.artifact.path).replace(/\.sqlite$/, '.manifest.json')].sort());
    expect(inScratch()).toEqual([]);
  });

  it('shows a page of rows newest first, then the next, or the rows with given keys; blobs and long text as previews', async () => {
    makeShopDb(tmp.db);
    const db = new Database(tmp.db);
    db.prepare('INSERT INTO events (at, what) VALUES (?, ?)').run('2026-05-01', 'x'.repeat(500));
    db.close();
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const first = await engine.tableRows(m.id, 'orders', { limit: 3 });
    expect(first).toMatchObject({ table: 'orders', columns: ['id', 'customer', 'placed', 'total', 'note'], keyColumns: ['id'], total: 60, offset: 0 });
    expect(first.rows.map((r) => r.key)).toEqual([[60], [59], [58]]);
    expect(first.rows[0]!.cells).toEqual([60, 20, '2026-01-03T12:00:00.000Z', 6000, 'gift wrap for order 60']);
    expect((await engine.tableRows(m.id, 'orders', { limit: 2, offset: 3 })).rows.map((r) => r.key)).toEqual([[57], [56]]);
    expect((await engine.tableRows(m.id, 'ORDERS', { rows: [[7], [5], [999]] })).rows.map((r) => r.key)).toEqual([[7], [5]]);
    const items = await engine.tableRows(m.id, 'items', { rows: [[4, 2]] });
    expect(items.rows).toEqual([{ key: [4, 2], cells: [4, 2, 'SKU-30', 2] }]);
    const photo = (await engine.tableRows(m.id, 'photos', { rows: [[1]] })).rows[0]!.cells[2] as { blob: number; hex: string };
    expect(photo.blob).toBe(3001);
    expect(photo.hex).toHaveLength(64);
    const events = await engine.tableRows(m.id, 'events', { limit: 1 });
    expect(events).toMatchObject({ keyColumns: ['rowid'], order: 'newest first, in the order they were added', rows: [{ key: [11], cells: ['2026-05-01', { text: 'x'.repeat(200), chars: 500 }] }] });
    await expect(engine.tableRows(m.id, 'nope')).rejects.toMatchObject({ code: 'not-found', message: 'There is no table "nope" in this restore point', hint: 'Its tables are: audit, customers, events, items, order_search, orders, photos' });
    await expect(engine.tableRows(m.id, 'orders', { limit: 5000 })).rejects.toMatchObject({ code: 'usage' });
  });

  it('opens an encrypted restore point with its passphrase or age key, and refuses without one', async () => {
    makeShopDb(tmp.db);
    const keyFile = path.join(tmp.dir, 'key.txt');
    execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
    const key = readFileSync(keyFile, 'utf8');
    const recipient = /age1[0-9a-z]+/.exec(key)![0];
    const identity = /AGE-SECRET-KEY-1[0-9A-Z]+/.exec(key)![0];
    const withPassphrase = await engine.backup({ path: tmp.db }, { trigger: 'manual', compressLevel: 3, encrypt: { passphrase: 'correct horse battery' } });
    const withKey = await engine.backup({ path: tmp.db }, { trigger: 'manual', encrypt: { recipients: [recipient] } });
    expect(withPassphrase.artifact.format).toBe('sqlite+zstd+age');
    await expect(engine.lookInside(withPassphrase.id)).rejects.toMatchObject({ code: 'wrong-key', message: 'This restore point is encrypted and no passphrase or key was given' });
    await expect(engine.lookInside(withPassphrase.id, { keys: { passphrases: ['not it'] } })).rejects.toMatchObject({ code: 'wrong-key' });
    expect(inScratch()).toEqual([]);
    const c = await engine.lookInside(withPassphrase.id, { keys: { passphrases: ['correct horse battery'] } });
    expect(c.tables.find((t) => t.name === 'orders')!.rows).toBe(60);
    // Decrypted bytes are only in the private place: owner-only, in the data folder, never the vault.
    const [folder] = inScratch();
    expect(mode(scratch())).toBe(0o700);
    expect(mode(path.join(scratch(), folder!))).toBe(0o700);
    expect(mode(path.join(scratch(), folder!, 'restore-point.sqlite'))).toBe(0o600);
    expect(readdirSync(path.join(engine.vaultDir, 'store')).filter((n) => !n.endsWith('.age') && !n.endsWith('.manifest.json'))).toEqual([]);
    engine.doneLooking();
    expect(inScratch()).toEqual([]);

    const rows = await engine.tableRows(withKey.id, 'customers', { limit: 1, keys: { identities: [identity] } });
    expect(rows.rows[0]!.key).toEqual([20]);
    const db = new Database(tmp.db);
    db.exec('DELETE FROM items WHERE order_id = 9; DELETE FROM orders WHERE id = 9');
    db.close();
    const diff = await engine.compare(withKey.id, undefined, { keys: { identities: [identity] } });
    expect(diff.tables.find((t) => t.table === 'orders')).toMatchObject({ back: 1, samples: { back: [[9]] } });
    const r = await engine.recover({ id: withPassphrase.id, selections: [{ table: 'orders', rows: [[9]] }, { table: 'items' }], keys: { passphrases: ['correct horse battery'] } });
    expect(r.tables.map((t) => t.inserted)).toEqual([1, 2]);
  });

  it('refuses a restore point that does not match its checksum, and leaves nothing behind', async () => {
    makeShopDb(tmp.db);
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const file = artifactPath(engine.vaultDir, m);
    const bytes = readFileSync(file);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    await expect(engine.lookInside(m.id)).rejects.toMatchObject({ code: 'tampered', message: `Restore point ${m.id} does not match its checksum (the artifact was changed or damaged), so it was not opened` });
    await expect(engine.compare(m.id)).rejects.toMatchObject({ code: 'tampered' });
    expect(inScratch()).toEqual([]);
  });

  it('removes what a killed look left at the next start, never what a running one uses', async () => {
    makeShopDb(tmp.db);
    // Compressed: it is decoded into the private place (a plain one is read in the vault itself).
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual', compressLevel: 3 });
    engine.close();
    const held = await startCliHeldAt(['show', m.id], tmp.home, 'look:decoded');
    const [left] = inScratch();
    expect(left).toMatch(new RegExp(`^${held.child.pid}-look-${m.id}-`));
    // While that process runs, another one leaves its copy alone.
    expect((await runCli(['list'], { home: tmp.home })).code).toBe(0);
    expect(inScratch()).toEqual([left]);
    held.child.kill('SIGKILL');
    await held.exited;
    expect(inScratch()).toEqual([left]);
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    mkdirSync(path.join(scratch(), `${dead}-live-store-abcdef`));
    expect((await runCli(['list'], { home: tmp.home })).code).toBe(0);
    expect(inScratch()).toEqual([]);
    // And a command that finishes takes its copy away with it.
    expect((await runCli(['show', m.id], { home: tmp.home })).code).toBe(0);
    expect(inScratch()).toEqual([]);
    engine = await openTestEngine(tmp.home);
  });
});

describe('exporting a table', () => {
  it('writes CSV (quoted where needed, NULL empty, blobs as hex) and a new SQLite file, never over a file', async () => {
    makeShopDb(tmp.db);
    const db = new Database(tmp.db);
    db.prepare('INSERT INTO events (at, what) VALUES (?, ?)').run('2026-05-01', 'said "hi", then\nleft');
    db.prepare('UPDATE photos SET data = ? WHERE id = 1').run(Buffer.from([0, 1, 0xfe]));
    db.close();
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const csv = path.join(tmp.dir, 'events.csv');
    expect(await engine.exportTable({ id: m.id, table: 'events', to: csv })).toEqual({ restorePointId: m.id, table: 'events', file: csv, format: 'csv', rows: 11 });
    const text = readFileSync(csv, 'utf8');
    expect(text.split('\r\n').slice(0, 2)).toEqual(['at,what', '2026-01-01,door opened']);
    expect(text.endsWith('2026-05-01,"said ""hi"", then\nleft"\r\n')).toBe(true);
    expect(mode(csv)).toBe(0o600);
    const photos = path.join(tmp.dir, 'photos.csv');
    await engine.exportTable({ id: m.id, table: 'photos', to: photos, rows: [[1], [2]] });
    expect(readFileSync(photos, 'utf8').split('\r\n')[1]).toBe('1,1,\\x0001fe');

    const out = path.join(tmp.dir, 'items.db');
    expect(await engine.exportTable({ id: m.id, table: 'items', to: out })).toMatchObject({ format: 'sqlite', rows: 120 });
    const copy = new Database(out, { readonly: true });
    expect(copy.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all()).toEqual(['items']);
    expect(copy.prepare('SELECT count(*) FROM items').pluck().get()).toBe(120);
    expect(String(copy.pragma('quick_check', { simple: true }))).toBe('ok');
    copy.close();
    const search = await engine.exportTable({ id: m.id, table: 'order_search', to: path.join(tmp.dir, 'search.csv') });
    expect(search.rows).toBe(15);

    const before = sha256(csv);
    await expect(engine.exportTable({ id: m.id, table: 'orders', to: csv })).rejects.toMatchObject({ code: 'exists' });
    await expect(engine.exportTable({ id: m.id, table: 'orders', to: path.join(tmp.dir, 'no', 'such', 'x.csv') })).rejects.toMatchObject({ code: 'not-found' });
    expect(sha256(csv)).toBe(before);
    expect(readdirSync(tmp.dir).filter((n) => n.includes('lifeboat-export'))).toEqual([]);
  });
});

describe('lifeboat show, diff and recover --to', () => {
  it('answers in words and in --json', async () => {
    engine.close();
    makeShopDb(tmp.db);
    const cli = (args: string[]) => runCli(args, { home: tmp.home });
    const m = JSON.parse((await cli(['--json', 'backup', tmp.db])).stdout) as Manifest;
    const shown = await cli(['show', m.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^Restore point .* of store, taken .*: .* KB, 7 tables\n/);
    expect(shown.stdout).toMatch(/\norders +table +60 +[\d.]+ KB +id\n/);
    expect(shown.stdout).toMatch(/\norder_search +virtual \(5 storage tables\) +15 /);
    expect(shown.stdout).toMatch(/\nevents +table +10 +[\d.]+ KB +\(none: rows matched by content\)\n/);
    const json = JSON.parse((await cli(['--json', 'show', m.id])).stdout) as RestorePointContents;
    expect(json.tables.map((t) => t.name)).toContain('orders');
    const page = await cli(['show', m.id, '--table', 'photos', '--limit', '2']);
    expect(page.stdout).toMatch(/^photos in .*: rows 1–2 of 5, newest first, by id\nid +order_id +data\n5 +5 +<blob 3.0 KB [0-9a-f]{16}…>\n4 +4 /);
    expect(page.stdout).toMatch(/More: --offset 2\n$/);
    const rows = JSON.parse((await cli(['--json', 'show', m.id, '--table', 'items', '--rows', '[[4,1],[4,2]]'])).stdout) as RowsPage;
    expect(rows.rows.map((r) => r.key)).toEqual([[4, 1], [4, 2]]);

    const db = new Database(tmp.db);
    db.exec("DELETE FROM items WHERE order_id = 9; DELETE FROM orders WHERE id = 9; INSERT INTO customers (id, email, name) VALUES (21, 'n@example.com', 'N');");
    db.close();
    const diff = await cli(['diff', m.id]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/\norders +60 +59 +1 +0 +0\n/);
    expect(diff.stdout).toMatch(/\nRestoring to .* gives back 2 items and 1 order and loses 1 customer added since\.\n$/);
    const cmp = JSON.parse((await cli(['--json', 'diff', m.id])).stdout) as Comparison;
    expect(cmp.totals).toEqual({ back: 3, lost: 1, changed: 0 });

    const to = path.join(tmp.dir, 'order-9.csv');
    const exported = await cli(['recover', m.id, '--table', 'orders', '--rows', '9', '--to', to]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe(`Wrote 1 row of orders to ${to} (CSV)\n`);
    expect(readFileSync(to, 'utf8')).toBe('id,customer,placed,total,note\r\n9,3,2026-01-01T09:00:00.000Z,900,\r\n');
    const twoTables = await cli(['recover', m.id, '--table', 'orders', '--table', 'items', '--to', to]);
    expect(twoTables.code).toBe(2);
    expect(twoTables.stderr).toMatch(/--to writes one table/);
    const noTable = await cli(['--json', 'recover', m.id]);
    expect(noTable.code).toBe(2);
    expect(JSON.parse(noTable.stdout)).toMatchObject({ error: { code: 'usage', message: 'Name the table to bring rows back into' } });
    engine = await openTestEngine(tmp.home);
  });
});

describe('names and values that drive a terminal', () => {
  it('are printed with their control characters visible by show, diff and recover, and exact in --json', async () => {
    engine.close();
    const table = 'evil\x1b[2J\x1b]0;owned\x07';
    const note = 'note\x9b31m';
    const who = 'who\u202egnp.exe';
    const db = new Database(tmp.db);
    db.exec(`CREATE TABLE "${table}" (id INTEGER PRIMARY KEY, "${note}" TEXT, "${who}" TEXT);
      CREATE TABLE "two
lines" (a);
      CREATE VIEW "view\x1b[5m" AS SELECT 1;
      CREATE TRIGGER "trigger\x1b[8m" AFTER INSERT ON "${table}" BEGIN SELECT 1; END;`);
    const add = db.prepare(`INSERT INTO "${table}" VALUES (?, ?, ?)`);
    add.run(1, '\x1b[31mred\x1b[0m', 'x\u2066y');
    add.run(2, 'fake\r\x1b[1Aline\nnext', 'plain');
    db.close();
    const cli = (args: string[]) => runCli(args, { home: tmp.home });
    const m = JSON.parse((await cli(['--json', 'backup', tmp.db])).stdout) as Manifest;
    const live = new Database(tmp.db);
    live.exec(`DELETE FROM "${table}" WHERE id = 1; ALTER TABLE "${table}" ADD COLUMN "added\x1b[7m" TEXT;`);
    live.close();
    const outputs = {
      show: await cli(['show', m.id]),
      schema: await cli(['show', m.id, '--schema']),
      rows: await cli(['show', m.id, '--table', table]),
      diff: await cli(['diff', m.id]),
      missing: await cli(['show', m.id, '--table', 'nope']),
      recover: await cli(['-y', 'recover', m.id, '--table', table, '--rows', '1']),
    };
    // Nothing but newlines below U+0020, no DEL or C1 control, no bidi control.
    const unsafe = (text: string) =>
      [...text].filter((ch) => {
        const c = ch.codePointAt(0)!;
        return (c < 0x20 && ch !== '\n') || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
      });
    for (const [name, r] of Object.entries(outputs)) {
      expect(r.code, `${name}: ${r.stderr}`).toBe(name === 'missing' ? 1 : 0);
      const last = r.stderr.trim().split('\n').at(-1) ?? '';
      expect(unsafe(`${r.stdout}${name === 'missing' ? last : ''}`), name).toEqual([]);
    }
    expect(outputs.show.stdout).toContain('evil\\x1b[2J\\x1b]0;owned\\x07');
    expect(outputs.show.stdout).toContain('two\\x0alines');
    expect(outputs.show.stdout).toMatch(/Views: view\\x1b\[5m\n/);
    expect(outputs.show.stdout).toMatch(/Triggers: trigger\\x1b\[8m\n/);
    expect(outputs.schema.stdout).toContain(`CREATE TABLE "evil\\x1b[2J\\x1b]0;owned\\x07" (id INTEGER PRIMARY KEY, "note\\x9b31m" TEXT, "who\\u202egnp.exe" TEXT);`);
    expect(outputs.rows.stdout).toMatch(/^evil\\x1b\[2J\\x1b\]0;owned\\x07 in .*\nid +note\\x9b31m +who\\u202egnp\.exe\n2 +fake \\x1b\[1Aline next +plain\n1 +\\x1b\[31mred\\x1b\[0m +x\\u2066y\n$/);
    expect(outputs.diff.stdout).toMatch(/\nevil\\x1b\[2J\\x1b\]0;owned\\x07 +2 +1 +1 +0 +0\n/);
    expect(outputs.diff.stdout).toContain('column evil\\x1b[2J\\x1b]0;owned\\x07.added\\x1b[7m added since');
    expect(outputs.missing.stderr).toMatch(/Its tables are: evil\\x1b\[2J\\x1b\]0;owned\\x07, two\\x0alines\n$/);
    expect(outputs.recover.stdout).toMatch(/^evil\\x1b\[2J\\x1b\]0;owned\\x07: 1 brought back\n {2}the database's own triggers for these rows were in force \(each runs when its WHEN matches\): trigger\\x1b\[8m\n/);
    // --json keeps every name and value exact (JSON escapes control characters itself).
    const json = JSON.parse((await cli(['--json', 'show', m.id, '--table', table])).stdout) as RowsPage;
    expect(json).toMatchObject({ table, columns: ['id', note, who] });
    expect(json.rows.map((r) => r.cells[1])).toEqual(['fake\r\x1b[1Aline\nnext', '\x1b[31mred\x1b[0m']);
    engine = await openTestEngine(tmp.home);
  });
});
