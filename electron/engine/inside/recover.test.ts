// Bringing rows back on real databases: a deleted row while another process keeps committing (WAL
// and rollback journal), a recover undone by `lifeboat undo`, foreign keys (refused, a parent with
// its children, switched off), triggers, skip and replace, a unique value taken since, a table
// without a primary key (duplicates), blobs byte for byte, and schema changes since.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecoverSummary } from '../../../shared/inside-view.ts';
import type { Manifest } from '../../../shared/model.ts';
import type { Engine } from '../engine.ts';
import { openTestEngine } from '../testing/test-engine.ts';
import { artifactPath } from '../vault/manifest.ts';
import { bankState, makeBankDb, makeShopDb, runCli, startCliHeldAt, startHelper, keepWholeFiles } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is read here (backup-pages.test.ts does the same with pages).
beforeEach(() => keepWholeFiles(tmp.home));
let engine: Engine;
beforeEach(async () => {
  engine = await openTestEngine(tmp.home);
});
afterEach(() => engine.close());

function sql<T = unknown>(file: string, query: string, ...params: unknown[]): T[] {
  const db = new Database(file, { timeout: 30_000 });
  try {
    return db.prepare(query).all(...params) as T[];
  } finally {
    db.close();
  }
}
function exec(file: string, script: string): void {
  const db = new Database(file, { timeout: 30_000 });
  try {
    db.exec(script);
  } finally {
    db.close();
  }
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const safetyCopies = () => engine.list().filter((m) => m.trigger === 'safety');

describe.each(['wal', 'delete'] as const)('a deleted row brought back while another program keeps writing (%s mode)', (mode) => {
  it('comes back byte for byte in one transaction, after a safety copy, and the program never stops committing', async () => {
    makeBankDb(tmp.db, { mode, accounts: 200, blobRows: 300, blobBytes: 3000 });
    const source = await engine.sources.add(tmp.db);
    if (mode === 'delete') {
      // This writer never pauses but waits for locks: the safety copy may hold it off for a moment.
      await engine.sources.update(source.id, { lockIfBusy: true });
      engine.updateSettings({ quietWaitMs: 2_000, busyTimeoutMs: 60_000 });
    }
    const m = await engine.backup({ sourceId: source.id }, { trigger: 'manual' });
    const [lost] = sql<{ data: Buffer }>(tmp.db, 'SELECT data FROM blobs WHERE id = 3');
    exec(tmp.db, 'DELETE FROM blobs WHERE id = 3');
    const writer = startHelper('bank-writer.ts', [tmp.db, mode]);
    await writer.waitFor('ready');
    let r: RecoverSummary;
    const blobsBefore = sql<{ n: number }>(tmp.db, 'SELECT count(*) AS n FROM blobs')[0]!.n;
    try {
      r = await engine.recover({ id: m.id, selections: [{ table: 'blobs', rows: [[3]] }] });
      // The writer goes on committing after the recover.
      for (let waited = 0; sql<{ n: number }>(tmp.db, 'SELECT count(*) AS n FROM blobs')[0]!.n < blobsBefore + 20 && waited < 30_000; waited += 20) await new Promise((res) => setTimeout(res, 20));
    } finally {
      expect(await writer.stop()).toBe('');
    }
    expect(r.tables).toEqual([{ table: 'blobs', inserted: 1, replaced: 0, skipped: 0, unchanged: 0, droppedColumns: [], triggers: [] }]);
    const [back] = sql<{ data: Buffer }>(tmp.db, 'SELECT data FROM blobs WHERE id = 3');
    expect(sha(back!.data)).toBe(sha(lost!.data));
    expect(bankState(tmp.db)).toEqual({ total: 20_000, accounts: 200, check: 'ok' });
    expect(Number(/commits (\d+)/.exec(writer.lines.join('\n'))?.[1])).toBeGreaterThan(20);
    // The safety copy is what `undo` brings back: the database just before, without row 3.
    const change = engine.lastChange(source.id)!;
    expect(change.reason).toBe('recover');
    const safety = change.safetyCopy;
    expect(safety.id).toBe(r.safetyCopyId);
    expect(safety.safety).toEqual({ before: 'restore', restoring: m.id });
    expect(sql(artifactPath(engine.vaultDir, safety), 'SELECT id FROM blobs WHERE id = 3')).toEqual([]);
  });
});

describe('bringing rows back', () => {
  let m: Manifest;
  beforeEach(async () => {
    makeShopDb(tmp.db);
    m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
  });

  it('refuses a row that would point at nothing; brings a parent and its children back together; lets them in unchecked when asked', async () => {
    exec(tmp.db, 'DELETE FROM photos WHERE order_id IN (4, 5, 6); DELETE FROM items WHERE order_id IN (4, 5, 6); DELETE FROM orders WHERE customer = 2; DELETE FROM customers WHERE id = 2;');
    const refused = engine.recover({ id: m.id, selections: [{ table: 'orders', rows: [[4]] }] });
    await expect(refused).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/1 row of orders would point at customers rows that are not there.*nothing was changed/),
      hint: expect.stringMatching(/--table customers/),
    });
    expect(sql(tmp.db, 'SELECT id FROM orders WHERE id = 4')).toEqual([]);
    expect(safetyCopies()).toEqual([]); // a recover that changed nothing keeps no safety copy

    // The children first: foreign keys are checked when the transaction ends.
    const r = await engine.recover({ id: m.id, selections: [{ table: 'items', rows: [[4, 1], [4, 2]] }, { table: 'orders', rows: [[4]] }, { table: 'customers', rows: [[2]] }] });
    expect(r.tables.map((t) => [t.table, t.inserted])).toEqual([['items', 2], ['orders', 1], ['customers', 1]]);
    expect(sql(tmp.db, 'SELECT count(*) AS n FROM items WHERE order_id = 4')).toEqual([{ n: 2 }]);

    const unchecked = await engine.recover({ id: m.id, selections: [{ table: 'items', rows: [[5, 1]] }], foreignKeys: false });
    expect(unchecked.tables[0]).toMatchObject({ inserted: 1 });
    expect(sql(tmp.db, 'SELECT "table", parent FROM pragma_foreign_key_check')).toEqual([{ table: 'items', parent: 'orders' }]);
  });

  it('runs the database\'s own triggers, and leaves or overwrites rows that changed, as asked', async () => {
    exec(tmp.db, "DELETE FROM items WHERE order_id = 8; DELETE FROM orders WHERE id = 8; UPDATE orders SET total = 1 WHERE id = 10; DELETE FROM audit;");
    expect(sql(tmp.db, "SELECT rowid FROM order_search WHERE order_search MATCH 'wrap AND 8'")).toEqual([]);

    const skip = await engine.recover({ id: m.id, selections: [{ table: 'orders' }] });
    expect(skip.tables).toEqual([{ table: 'orders', inserted: 1, replaced: 0, skipped: 1, unchanged: 58, droppedColumns: [], triggers: ['orders_indexed'] }]);
    // The INSERT trigger put order 8's note back into the FTS index, as the shop's program would have.
    expect(sql(tmp.db, "SELECT rowid FROM order_search WHERE order_search MATCH 'wrap AND 8'")).toEqual([{ rowid: 8 }]);
    expect(sql(tmp.db, 'SELECT total FROM orders WHERE id = 10')).toEqual([{ total: 1 }]);

    const replace = await engine.recover({ id: m.id, selections: [{ table: 'orders' }], onConflict: 'replace' });
    expect(replace.tables).toEqual([{ table: 'orders', inserted: 0, replaced: 1, skipped: 0, unchanged: 59, droppedColumns: [], triggers: ['orders_audited'] }]);
    expect(sql(tmp.db, 'SELECT total FROM orders WHERE id = 10')).toEqual([{ total: 1000 }]);
    expect(sql(tmp.db, 'SELECT what FROM audit')).toEqual([{ what: 'order 10 changed' }]);

    const again = await engine.recover({ id: m.id, selections: [{ table: 'orders' }], onConflict: 'replace' });
    expect(again).toMatchObject({ nothingToDo: true, tables: [{ inserted: 0, replaced: 0, unchanged: 60 }] });
    expect(again.safetyCopyId).toBeUndefined();
    expect(safetyCopies()).toHaveLength(2);
  });

  it('refuses rows that would repeat a unique value another row holds now, changing nothing', async () => {
    exec(tmp.db, "DELETE FROM photos WHERE order_id IN (58, 59, 60); DELETE FROM items WHERE order_id IN (58, 59, 60); DELETE FROM orders WHERE customer = 20; DELETE FROM customers WHERE id = 20; INSERT INTO customers (id, email, name) VALUES (22, 'c20@example.com', 'Took the address');");
    await expect(engine.recover({ id: m.id, selections: [{ table: 'customers', rows: [[20]] }] })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/Rows could not be brought back into customers: a row would repeat a value that must be unique.*customers\.email/),
    });
    expect(sql(tmp.db, 'SELECT id FROM customers WHERE id = 20')).toEqual([]);
    expect(safetyCopies()).toEqual([]);
  });

  it('names chosen rows the restore point does not have', async () => {
    await expect(engine.recover({ id: m.id, selections: [{ table: 'orders', rows: [[4], [999], [1000]] }] })).rejects.toMatchObject({ code: 'not-found', message: '2 of the chosen rows of orders are not in the restore point (id 999, 1000)' });
    await expect(engine.recover({ id: m.id, selections: [{ table: 'nope' }] })).rejects.toMatchObject({ code: 'not-found', message: 'There is no table "nope" in the restore point' });
  });

  it('brings back rows of a table without a primary key by content, duplicates counted', async () => {
    // ('2026-01-01', 'door opened') was there twice; both went, and one more event came.
    exec(tmp.db, "DELETE FROM events WHERE rowid IN (1, 4, 5); INSERT INTO events (at, what) VALUES ('2026-02-01', 'closing');");
    const one = await engine.recover({ id: m.id, selections: [{ table: 'events', rows: [[1]] }] });
    expect(one.tables[0]).toMatchObject({ inserted: 1, unchanged: 0 });
    // Choosing the same row again, or its duplicate, brings back the second copy, and then nothing.
    const dup = await engine.recover({ id: m.id, selections: [{ table: 'events', rows: [[1], [4]] }] });
    expect(dup.tables[0]).toMatchObject({ inserted: 1, unchanged: 1 });
    const all = await engine.recover({ id: m.id, selections: [{ table: 'events' }] });
    expect(all.tables[0]).toMatchObject({ inserted: 1, unchanged: 9 });
    expect(sql(tmp.db, "SELECT count(*) AS n FROM events WHERE at = '2026-01-01' AND what = 'door opened'")).toEqual([{ n: 2 }]);
    expect(sql(tmp.db, 'SELECT count(*) AS n FROM events')).toEqual([{ n: 11 }]); // the new event stays: nothing is deleted
    expect((await engine.recover({ id: m.id, selections: [{ table: 'events' }] })).nothingToDo).toBe(true);
  });

  it('follows the schema as it is now: a new column gets its default, a dropped one is said, a dropped table or another key is refused', async () => {
    exec(tmp.db, "DELETE FROM photos WHERE order_id IN (58, 59, 60); DELETE FROM items WHERE order_id IN (58, 59, 60); DELETE FROM orders WHERE customer = 20; DELETE FROM customers WHERE id = 20; ALTER TABLE customers ADD COLUMN vip INTEGER NOT NULL DEFAULT 0; ALTER TABLE customers DROP COLUMN name;");
    const r = await engine.recover({ id: m.id, selections: [{ table: 'customers', rows: [[20]] }] });
    expect(r.tables[0]).toMatchObject({ inserted: 1, droppedColumns: ['name'] });
    expect(sql(tmp.db, 'SELECT * FROM customers WHERE id = 20')).toEqual([{ id: 20, email: 'c20@example.com', vip: 0 }]);

    exec(tmp.db, 'DROP TABLE events; CREATE TABLE photos2 (id INTEGER, order_id INTEGER, data BLOB, PRIMARY KEY (order_id, id)); DROP TABLE photos; ALTER TABLE photos2 RENAME TO photos;');
    await expect(engine.recover({ id: m.id, selections: [{ table: 'events' }] })).rejects.toMatchObject({ code: 'schema-changed', message: expect.stringMatching(/has no table events now/), hint: expect.stringMatching(/--to events\.csv/) });
    await expect(engine.recover({ id: m.id, selections: [{ table: 'photos' }] })).rejects.toMatchObject({ code: 'schema-changed', message: expect.stringMatching(/primary key of photos is not the same.*\(id then, order_id, id now\)/) });
    await expect(engine.recover({ id: m.id, selections: [{ table: 'order_search' }] })).rejects.toMatchObject({ code: 'usage', message: expect.stringMatching(/order_search is a virtual table/) });
  });
});

/** Every row of every table of a database, to show that nothing changed. */
function dump(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}" ORDER BY 1, 2`).all()]));
  } finally {
    db.close();
  }
}

describe('rows brought back never delete a live row, whatever the schema says', () => {
  // child: rows 1–5 with codes c1–c5 in the restore point. Since: row 5 deleted, row 3's code
  // changed to x3, and row 6 (or 7) took code c5 (or c3). `log` is written by triggers.
  const cases: { name: string; schema: string; later?: string; rows: number; onConflict?: 'replace'; refused: RegExp }[] = [
    { name: 'a column UNIQUE ON CONFLICT REPLACE', schema: 'CREATE TABLE child (id INTEGER PRIMARY KEY, code TEXT UNIQUE ON CONFLICT REPLACE, n INTEGER)', rows: 5, refused: /UNIQUE constraint failed: child\.code/ },
    { name: 'a table UNIQUE (…) ON CONFLICT REPLACE', schema: 'CREATE TABLE child (id INTEGER PRIMARY KEY, code TEXT, n INTEGER, UNIQUE (code) ON CONFLICT REPLACE)', rows: 5, refused: /UNIQUE constraint failed: child\.code/ },
    { name: 'a PRIMARY KEY ON CONFLICT REPLACE (WITHOUT ROWID) and a UNIQUE ON CONFLICT REPLACE', schema: 'CREATE TABLE child (id INTEGER, code TEXT UNIQUE ON CONFLICT REPLACE, n INTEGER, PRIMARY KEY (id) ON CONFLICT REPLACE) WITHOUT ROWID', rows: 5, refused: /UNIQUE constraint failed: child\.code/ },
    { name: '--on-conflict replace over a UNIQUE ON CONFLICT REPLACE (a different row holds the value)', schema: 'CREATE TABLE child (id INTEGER PRIMARY KEY ON CONFLICT REPLACE, code TEXT UNIQUE ON CONFLICT REPLACE, n INTEGER)', rows: 3, onConflict: 'replace', refused: /UNIQUE constraint failed: child\.code/ },
    { name: 'a trigger whose INSERT OR REPLACE would replace a row of another table', schema: 'CREATE TABLE child (id INTEGER PRIMARY KEY, code TEXT, n INTEGER); CREATE TRIGGER child_latest AFTER INSERT ON child BEGIN INSERT OR REPLACE INTO log (what, id) VALUES (new.code, new.id); END', rows: 5, refused: /UNIQUE constraint failed: log\.what/ },
    { name: 'a trigger that deletes', schema: "CREATE TABLE child (id INTEGER PRIMARY KEY, code TEXT, n INTEGER); CREATE TRIGGER child_tidy AFTER INSERT ON child BEGIN DELETE FROM log WHERE what = new.code; END", rows: 5, refused: /would delete rows of log/ },
    { name: 'an UPDATE trigger that deletes (--on-conflict replace)', schema: "CREATE TABLE child (id INTEGER PRIMARY KEY, code TEXT, n INTEGER); CREATE TRIGGER child_tidy AFTER UPDATE ON child BEGIN DELETE FROM log; END", rows: 3, onConflict: 'replace', refused: /would delete rows of log/ },
    { name: 'a foreign key ON DELETE CASCADE reached from a trigger', schema: "CREATE TABLE child (id INTEGER PRIMARY KEY, code TEXT, n INTEGER); CREATE TABLE grandchild (id INTEGER PRIMARY KEY, what TEXT REFERENCES log (what) ON DELETE CASCADE); INSERT INTO log VALUES ('c5', 0); INSERT INTO grandchild VALUES (1, 'c5'); CREATE TRIGGER child_tidy AFTER INSERT ON child BEGIN DELETE FROM log WHERE what = new.code; END", rows: 5, refused: /would delete rows of (log|grandchild)/ },
    { name: 'a BEFORE INSERT trigger that silently skips the row (RAISE(IGNORE))', schema: 'CREATE TABLE child (id INTEGER PRIMARY KEY, code TEXT, n INTEGER)', later: 'CREATE TRIGGER child_skip BEFORE INSERT ON child BEGIN SELECT RAISE(IGNORE); END', rows: 5, refused: /only 0 of the 1 rows of child that are not in the database were inserted.*child_skip/ },
  ];
  it.each(cases)('$name: refused, nothing changed', async ({ schema, later, rows, onConflict, refused }) => {
    const db = new Database(tmp.db);
    db.pragma('journal_mode = delete');
    db.exec(`CREATE TABLE log (what TEXT PRIMARY KEY, id INTEGER); ${schema};`);
    for (let i = 1; i <= 5; i++) db.prepare('INSERT INTO child (id, code, n) VALUES (?, ?, ?)').run(i, `c${i}`, i);
    if (later) db.exec(later);
    db.close();
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    // Since the restore point: row 5 went and row 6 took its code; row 3 changed code, row 7 took c3.
    exec(tmp.db, "PRAGMA foreign_keys = ON; DELETE FROM child WHERE id = 5; INSERT INTO child (id, code, n) VALUES (6, 'c5', 6); UPDATE child SET code = 'x3' WHERE id = 3; INSERT INTO child (id, code, n) VALUES (7, 'c3', 7); INSERT OR IGNORE INTO log (what, id) VALUES ('c5', 6), ('c3', 7);");
    const before = dump(tmp.db);
    await expect(engine.recover({ id: m.id, selections: [{ table: 'child', rows: [[rows]] }], ...(onConflict ? { onConflict } : {}) })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(new RegExp(`${refused.source}.*nothing was changed`, 'i')) });
    expect(dump(tmp.db)).toEqual(before);
    expect(safetyCopies()).toEqual([]);
  });

  it('lifeboat recover says so and keeps the live row (the case of the review)', async () => {
    engine.close();
    const db = new Database(tmp.db);
    db.exec('CREATE TABLE child (id INTEGER PRIMARY KEY, code TEXT UNIQUE ON CONFLICT REPLACE)');
    for (let i = 1; i <= 5; i++) db.prepare('INSERT INTO child (id, code) VALUES (?, ?)').run(i, `c${i}`);
    db.close();
    const cli = (args: string[]) => runCli(args, { home: tmp.home });
    const m = JSON.parse((await cli(['--json', 'backup', tmp.db])).stdout) as Manifest;
    exec(tmp.db, "DELETE FROM child WHERE id = 5; INSERT INTO child (id, code) VALUES (6, 'c5');");
    const r = await cli(['-y', 'recover', m.id, '--table', 'child', '--rows', '5']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^lifeboat: Rows could not be brought back into child: a row would repeat a value that must be unique and another row now holds it \(UNIQUE constraint failed: child\.code\); nothing was changed/);
    expect(sql(tmp.db, 'SELECT id, code FROM child ORDER BY id')).toEqual([1, 2, 3, 4, 6].map((id) => ({ id, code: `c${id === 6 ? 5 : id}` })));
    engine = await openTestEngine(tmp.home);
  });

  it('still brings rows back (and replaces the row with the same key) when nothing would be deleted; a key given twice comes back once', async () => {
    const db = new Database(tmp.db);
    db.exec('CREATE TABLE log (what TEXT PRIMARY KEY, id INTEGER); CREATE TABLE child (id INTEGER PRIMARY KEY ON CONFLICT REPLACE, code TEXT UNIQUE ON CONFLICT REPLACE, n INTEGER); CREATE TRIGGER child_logged AFTER INSERT ON child BEGIN INSERT OR REPLACE INTO log (what, id) VALUES (new.code, new.id); END; CREATE TABLE events (what TEXT)');
    for (let i = 1; i <= 5; i++) db.prepare('INSERT INTO child (id, code, n) VALUES (?, ?, ?)').run(i, `c${i}`, i);
    db.exec("INSERT INTO events VALUES ('a'), ('a'), ('b')");
    db.close();
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    exec(tmp.db, "DELETE FROM child WHERE id IN (4, 5); DELETE FROM log WHERE id IN (4, 5); UPDATE child SET n = 30 WHERE id = 3; DELETE FROM events;");
    const r = await engine.recover({ id: m.id, selections: [{ table: 'child', rows: [[3], [4], [5], [4], [3]] }, { table: 'events', rows: [[1], [1]] }], onConflict: 'replace' });
    expect(r.tables.map((t) => [t.table, t.inserted, t.replaced])).toEqual([['child', 2, 1], ['events', 1, 0]]);
    expect(sql(tmp.db, 'SELECT id, code, n FROM child ORDER BY id')).toEqual([1, 2, 3, 4, 5].map((id) => ({ id, code: `c${id}`, n: id })));
    expect(sql(tmp.db, 'SELECT what, id FROM log ORDER BY id')).toEqual([1, 2, 3, 4, 5].map((id) => ({ what: `c${id}`, id })));
    expect(sql(tmp.db, 'SELECT what FROM events')).toEqual([{ what: 'a' }]);
  });
});

describe('when rows cannot be brought back', () => {
  it('says who keeps the database busy, and changes nothing', async () => {
    makeBankDb(tmp.db, { blobRows: 20 });
    engine.updateSettings({ busyTimeoutMs: 1_000 });
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    exec(tmp.db, 'DELETE FROM blobs WHERE id = 3');
    const holder = startHelper('write-holder.ts', [tmp.db]);
    await holder.waitFor('holding');
    try {
      await expect(engine.recover({ id: m.id, selections: [{ table: 'blobs', rows: [[3]] }] })).rejects.toMatchObject({ code: 'in-use', message: expect.stringMatching(new RegExp(`is busy in another program that kept it locked for 1 s \\(pid ${holder.child.pid} \\(`)) });
    } finally {
      await holder.stop();
    }
    expect(sql(tmp.db, 'SELECT id FROM blobs WHERE id = 3')).toEqual([]);
    expect(safetyCopies()).toEqual([]);
  });

  it('refuses a restore point whose integrity check failed', async () => {
    makeShopDb(tmp.db);
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const file = path.join(engine.vaultDir, 'store', path.basename(m.artifact.path).replace(/\.sqlite$/, '.manifest.json'));
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    writeFileSync(file, JSON.stringify({ ...manifest, integrity: { ...manifest.integrity, status: 'failed', message: '*** in database main ***' } }));
    await engine.reindex();
    exec(tmp.db, 'DELETE FROM items WHERE order_id = 7; DELETE FROM orders WHERE id = 7');
    await expect(engine.recover({ id: m.id, selections: [{ table: 'orders', rows: [[7]] }] })).rejects.toMatchObject({ code: 'integrity-failed', hint: expect.stringMatching(/--to rows\.csv/) });
    expect(sql(tmp.db, 'SELECT id FROM orders WHERE id = 7')).toEqual([]);
  });
});

describe('a recover killed half-way', () => {
  it.each(['recover:safety-copied', 'recover:written'])('at %s: undo puts the database back as it was just before it', async (checkpoint) => {
    engine.close();
    makeShopDb(tmp.db, { mode: 'delete' });
    const cli = (args: string[]) => runCli(args, { home: tmp.home });
    const m = JSON.parse((await cli(['--json', 'backup', tmp.db])).stdout) as Manifest;
    exec(tmp.db, 'DELETE FROM items WHERE order_id = 9; DELETE FROM orders WHERE id = 9;');
    const held = await startCliHeldAt(['--yes', 'recover', m.id, '--table', 'orders', '--rows', '9'], tmp.home, checkpoint);
    held.child.kill('SIGKILL');
    await held.exited;
    expect(sql(tmp.db, 'SELECT count(*) AS n FROM orders WHERE id = 9')).toEqual([{ n: checkpoint === 'recover:written' ? 1 : 0 }]);
    exec(tmp.db, "UPDATE customers SET name = 'after the crash' WHERE id = 1");
    const u = await cli(['--yes', 'undo']);
    expect(u.code, u.stderr).toBe(0);
    expect(sql(tmp.db, 'SELECT count(*) AS n FROM orders WHERE id = 9')).toEqual([{ n: 0 }]);
    expect(sql(tmp.db, 'SELECT name FROM customers WHERE id = 1')).toEqual([{ name: 'Customer 1' }]);
    engine = await openTestEngine(tmp.home);
  });
});

describe('lifeboat recover and undo', () => {
  it('brings an order and its items back from the command line, and `lifeboat undo` takes them out again', async () => {
    engine.close();
    makeShopDb(tmp.db, { mode: 'delete' });
    const cli = (args: string[]) => runCli(args, { home: tmp.home });
    const m = JSON.parse((await cli(['--json', 'backup', tmp.db])).stdout) as Manifest;
    exec(tmp.db, 'DELETE FROM photos WHERE order_id = 5; DELETE FROM items WHERE order_id = 5; DELETE FROM orders WHERE id = 5;');
    const args = ['recover', m.id.slice(-6), '--table', 'items', '--table', 'orders', '--table', 'photos', '--rows', 'orders:5', '--rows', 'items:[[5,1],[5,2]]', '--rows', 'photos:5'];
    const unconfirmed = await cli(args);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/needs confirmation.*--yes/);
    expect(sql(tmp.db, 'SELECT id FROM orders WHERE id = 5')).toEqual([]);

    const r = await cli(['--json', '--yes', ...args]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as RecoverSummary;
    expect(summary.tables.map((t) => [t.table, t.inserted])).toEqual([['items', 2], ['orders', 1], ['photos', 1]]);
    // The log says what was brought back, per table (never the rows themselves).
    const logged = JSON.parse((await cli(['--json', 'log', '-n', '5'])).stdout) as Record<string, unknown>[];
    expect(logged.find((e) => e.msg === 'rows brought back')).toMatchObject({ restorePoint: m.id, source: 'store', safetyCopy: summary.safetyCopyId, tables: [{ table: 'items', inserted: 2, replaced: 0 }, { table: 'orders', inserted: 1, replaced: 0 }, { table: 'photos', inserted: 1, replaced: 0 }] });
    expect((await cli(['log', '-n', '5'])).stdout).toContain(`Rows brought back from ${m.id} into ${tmp.db} (items: 2, orders: 1, photos: 1; safety copy ${summary.safetyCopyId}): ok`);
    expect(sql(tmp.db, 'SELECT count(*) AS n FROM items WHERE order_id = 5')).toEqual([{ n: 2 }]);
    const human = await cli(['--yes', 'recover', m.id, '--table', 'orders', '--on-conflict', 'replace']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toBe('orders: 0 brought back, 60 already there\nNothing was changed: every chosen row is already there.\n');

    const u = await cli(['--yes', 'undo']);
    expect(u.code, u.stderr).toBe(0);
    expect(sql(tmp.db, 'SELECT id FROM orders WHERE id = 5')).toEqual([]);
    expect(sql(tmp.db, 'SELECT count(*) AS n FROM items WHERE order_id = 5')).toEqual([{ n: 0 }]);
    expect(bankLike(tmp.db)).toBe('ok');
    engine = await openTestEngine(tmp.home);
  });
});

function bankLike(file: string): string {
  return String(sql<{ quick_check: string }>(file, 'PRAGMA quick_check')[0]!.quick_check);
}
