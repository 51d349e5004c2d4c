// What a restore would change, computed on real databases: a comparison that matches, table by
// table, what the test changed (keys, content-matched rows, a WITHOUT ROWID table, a virtual
// table, schema changes), two restore points both ways, a program without a busy handler that never
// sees an error while comparisons run, and a comparison stopped half-way.
import Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restoreSentence } from '../../../shared/comparison-words.ts';
import type { TableDiff } from '../../../shared/inside-view.ts';
import type { Engine } from '../engine.ts';
import { openTestEngine } from '../testing/test-engine.ts';
import { bankState, makeBankDb, makeShopDb, startHelper } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();
let engine: Engine;
beforeEach(async () => {
  engine = await openTestEngine(tmp.home);
});
afterEach(() => engine.close());

/** The changes made after the restore point, each one a line of the expected comparison below. */
function changeTheShop(file: string): void {
  const db = new Database(file);
  db.exec(`
    DELETE FROM photos WHERE id IN (4, 5);
    DELETE FROM items WHERE order_id IN (4, 5);
    DELETE FROM orders WHERE id IN (4, 5);
    INSERT INTO customers (id, email, name) VALUES (21, 'new@example.com', 'New');
    INSERT INTO orders (id, customer, placed, total, note) VALUES (61, 21, '2026-03-01', 1, 'fragile'), (62, 21, '2026-03-02', 2, NULL), (63, 21, '2026-03-03', 3, NULL);
    INSERT INTO items (order_id, line, sku, qty) VALUES (61, 1, 'SKU-1', 1), (62, 1, 'SKU-1', 1), (63, 1, 'SKU-1', 1);
    UPDATE orders SET total = 1 WHERE id = 10;
    UPDATE customers SET name = 'Renamed' WHERE id = 2;
    DELETE FROM events WHERE rowid = 4;
    INSERT INTO events (at, what) VALUES ('2026-02-01', 'closing');
    ALTER TABLE customers ADD COLUMN phone TEXT;
    CREATE INDEX orders_by_placed ON orders (placed);
    DROP VIEW big_orders;
  `);
  db.close();
}

function exec(file: string, script: string): void {
  const db = new Database(file);
  db.exec(script);
  db.close();
}

const pick = (t: TableDiff) => ({ back: t.back, lost: t.lost, changed: t.changed, match: t.match, samples: t.samples });

describe.each(['wal', 'delete'] as const)('comparing a restore point with the database now (%s mode)', (mode) => {
  it('finds, table by table, exactly what changed since', async () => {
    makeShopDb(tmp.db, { mode });
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    changeTheShop(tmp.db);
    const progress: number[] = [];
    const c = await engine.compare(m.id, undefined, { onProgress: (p) => p.phase === 'comparing' && progress.push(p.done / Math.max(1, p.total)) });
    const byName = Object.fromEntries(c.tables.map((t) => [t.table, t]));
    expect(Object.keys(byName).sort()).toEqual(['audit', 'customers', 'events', 'items', 'order_search', 'orders', 'photos']);
    expect(pick(byName.orders!)).toEqual({ back: 2, lost: 3, changed: 1, match: 'key', samples: { back: [[4], [5]], lost: [[61], [62], [63]], changed: [[10]] } });
    expect(pick(byName.customers!)).toEqual({ back: 0, lost: 1, changed: 1, match: 'key', samples: { back: [], lost: [[21]], changed: [[2]] } });
    expect(byName.customers!.columns).toEqual({ added: ['phone'], removed: [], retyped: [] });
    expect(pick(byName.items!)).toEqual({ back: 4, lost: 3, changed: 0, match: 'key', samples: { back: [[4, 1], [4, 2], [5, 1], [5, 2]], lost: [[61, 1], [62, 1], [63, 1]], changed: [] } });
    expect(byName.items!.kind).toBe('without-rowid');
    // No primary key: matched by whole rows; the deleted duplicate is one row back, the new event one lost.
    expect(pick(byName.events!)).toEqual({ back: 1, lost: 1, changed: 0, match: 'content', samples: { back: [[4]], lost: [[11]], changed: [] } });
    expect(pick(byName.photos!)).toMatchObject({ back: 2, lost: 0, changed: 0 });
    // The UPDATE trigger wrote an audit row: a restore loses it too.
    expect(pick(byName.audit!)).toMatchObject({ back: 0, lost: 1, changed: 0 });
    // The FTS index: counted only (its triggers took order 4's note out and put order 61's in).
    expect(byName.order_search).toMatchObject({ kind: 'virtual', match: 'count', back: 0, lost: 0, changed: 0, rows: { a: 15, b: 15 } });
    expect(c.totals).toEqual({ back: 9, lost: 9, changed: 2 });
    expect(c.schema).toEqual(
      expect.arrayContaining([
        { type: 'table', name: 'customers', change: 'changed' },
        { type: 'index', name: 'orders_by_placed', change: 'added' },
        { type: 'view', name: 'big_orders', change: 'removed' },
      ]),
    );
    expect(c.schema).toHaveLength(3);
    expect(c.same).toBe(false);
    expect(c.b).toMatchObject({ kind: 'live', path: tmp.db });
    expect(progress.at(-1)).toBe(1);
    expect(restoreSentence(c, '02:30')).toBe(
      'Restoring to 02:30 gives back 4 items, 2 orders, 2 photos and 1 row of 1 more table and loses 3 items, 3 orders, 1 row of audit and 2 rows of 2 more tables added since, and undoes the changes made since to 1 customer and 1 order.',
    );
    // Nothing of the live database was touched, and the private snapshot is gone.
    expect(readdirSync(tmp.dir).sort()).toEqual(['home', 'store.db']);
    expect(readdirSync(path.join(tmp.home, 'tmp')).filter((n) => n.includes('-live-'))).toEqual([]);
  });
});

describe('comparing', () => {
  it('says "the same" for an unchanged database, and compares two restore points both ways', async () => {
    makeShopDb(tmp.db);
    const before = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const same = await engine.compare(before.id);
    expect(same).toMatchObject({ same: true, totals: { back: 0, lost: 0, changed: 0 }, schema: [] });
    changeTheShop(tmp.db);
    const after = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const ab = await engine.compare(before.id, after.id);
    const ba = await engine.compare(after.id, before.id);
    expect(ab.b).toEqual({ kind: 'restore-point', id: after.id, createdAt: after.createdAt });
    expect(ab.totals).toEqual({ back: 9, lost: 9, changed: 2 });
    const orders = (c: typeof ab) => c.tables.find((t) => t.table === 'orders')!;
    expect([orders(ab).back, orders(ab).lost, orders(ba).back, orders(ba).lost]).toEqual([2, 3, 3, 2]);
    expect(orders(ba).samples.changed).toEqual([[10]]);
    expect(ba.schema).toEqual(expect.arrayContaining([{ type: 'index', name: 'orders_by_placed', change: 'removed' }, { type: 'view', name: 'big_orders', change: 'added' }]));
  });

  it('reports a table only one side has, with all its rows', async () => {
    makeShopDb(tmp.db);
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const db = new Database(tmp.db);
    db.exec("DROP TABLE events; CREATE TABLE coupons (code TEXT PRIMARY KEY, off INTEGER); INSERT INTO coupons VALUES ('A', 5), ('B', 10);");
    db.close();
    const c = await engine.compare(m.id);
    expect(c.tables.find((t) => t.table === 'events')).toMatchObject({ only: 'a', back: 10, lost: 0, rows: { a: 10, b: null } });
    expect(c.tables.find((t) => t.table === 'coupons')).toMatchObject({ only: 'b', back: 0, lost: 2, rows: { a: null, b: 2 } });
    expect(c.schema).toEqual(expect.arrayContaining([{ type: 'table', name: 'events', change: 'removed' }, { type: 'table', name: 'coupons', change: 'added' }]));
  });

  it('counts rows added since even in an old-style table whose text key holds NULLs (keys not unique)', async () => {
    makeShopDb(tmp.db);
    exec(tmp.db, "CREATE TABLE tags (name TEXT PRIMARY KEY, n INTEGER); INSERT INTO tags VALUES (NULL, 1), (NULL, 2), ('a', 3);");
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    exec(tmp.db, "DELETE FROM tags WHERE n = 1; INSERT INTO tags VALUES ('b', 4);");
    const tags = (await engine.compare(m.id)).tables.find((t) => t.table === 'tags')!;
    expect(tags).toMatchObject({ match: 'key', lost: 1, samples: { lost: [['b']] } });
  });

  it('compares a table whose primary key changed by content, and says so', async () => {
    makeShopDb(tmp.db);
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const db = new Database(tmp.db);
    db.pragma('foreign_keys = OFF');
    db.exec('CREATE TABLE photos2 (id INTEGER, order_id INTEGER, data BLOB NOT NULL, PRIMARY KEY (order_id, id)); INSERT INTO photos2 SELECT * FROM photos WHERE id <> 3; DROP TABLE photos; ALTER TABLE photos2 RENAME TO photos;');
    db.close();
    const photos = (await engine.compare(m.id)).tables.find((t) => t.table === 'photos')!;
    expect(photos).toMatchObject({ match: 'content', keyChanged: true, back: 1, lost: 0, samples: { back: [[3]] } });
  });
});

// Promise 2 for a comparison: the live database is read as a backup reads it (a lock-free copy in
// rollback-journal mode), so a program without a busy handler never gets "database is locked".
describe.each(['delete', 'wal'] as const)('a writer with no busy handler while comparisons run (%s mode)', (mode) => {
  it('sees no error, and every comparison sees one committed state', async () => {
    makeBankDb(tmp.db, { mode, accounts: 2000, blobRows: 500, blobBytes: 4000 });
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const writer = startHelper('impatient-writer.ts', [tmp.db, mode]);
    await writer.waitFor('ready');
    try {
      for (let i = 0; i < 8; i++) {
        const c = await engine.compare(m.id);
        const accounts = c.tables.find((t) => t.table === 'accounts')!;
        expect(accounts).toMatchObject({ back: 0, lost: 0, rows: { a: 2000, b: 2000 } });
        expect(accounts.changed).toBeGreaterThan(0); // the writer moved money since
      }
    } finally {
      const stderr = await writer.stop();
      expect(stderr).toBe('');
    }
    expect(writer.lines.join('\n')).toMatch(/commits [1-9]\d* errors 0$/m);
    expect(bankState(tmp.db)).toEqual({ total: 200_000, accounts: 2000, check: 'ok' });
  });
});

describe('stopping a comparison', () => {
  it('stops at once when cancelled, and leaves no private snapshot behind', async () => {
    makeBankDb(tmp.db, { accounts: 60_000, blobRows: 10 });
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const stop = new AbortController();
    const c = engine.compare(m.id, undefined, { signal: stop.signal, onProgress: (p) => p.phase === 'comparing' && p.done > 0 && stop.abort() });
    await expect(c).rejects.toMatchObject({ code: 'cancelled' });
    expect(readdirSync(path.join(tmp.home, 'tmp')).filter((n) => n.includes('-live-'))).toEqual([]);
    engine.close();
    expect(readdirSync(path.join(tmp.home, 'tmp'))).toEqual([]);
    engine = await openTestEngine(tmp.home);
  });
});
