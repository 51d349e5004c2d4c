// Restore with foresight, in the real renderer on the real services: "Look inside" a restore point
// (its tables, a table's rows newest first), the comparison with the database now, rows deleted by
// mistake brought back (and Undo), a table saved to CSV, and the restore confirmation saying in
// words what a restore would change. Screenshots go to test-results/screenshots.
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfirmRequest } from '../electron/app/effects.ts';
import { makeShopDb, tempDir } from '../electron/engine/testing/fixtures.ts';
import { e2eUnavailable, startHarness, type Harness } from './harness.ts';

const unavailable = e2eUnavailable();
if (unavailable) console.warn(`e2e skipped: ${unavailable}`);

function exec(file: string, script: string): void {
  const db = new Database(file);
  db.exec(script);
  db.close();
}
function count(file: string, query: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(query).pluck().get() as number;
  } finally {
    db.close();
  }
}

describe.skipIf(unavailable !== undefined)('restore with foresight', () => {
  let t: ReturnType<typeof tempDir>;
  let h: Harness;
  let db: string;
  /** What main's native confirmation was asked (a recorded stand-in here), and what it answers. */
  let confirms: ConfirmRequest[];
  let answer: boolean;
  /** Holds a comparison once both sides are open, until released (to see it running). */
  let hold: { armed: boolean; reached: () => void; release: () => void };
  beforeEach(async () => {
    t = tempDir();
    db = path.join(t.dir, 'shop.db');
    makeShopDb(db);
    confirms = [];
    answer = true;
    const confirm = async (r: ConfirmRequest) => (confirms.push(r), answer);
    hold = { armed: false, reached: () => undefined, release: () => undefined };
    const checkpoint = async (name: string) => {
      if (name !== 'compare:opened' || !hold.armed) return;
      hold.armed = false;
      const released = new Promise<void>((r) => (hold.release = r));
      hold.reached();
      await released;
    };
    h = await startHarness(path.join(t.dir, 'home'), { chooseDatabase: async () => db, chooseExportTarget: async (name) => path.join(t.dir, name), confirm }, { checkpoint });
    await h.page.getByRole('button', { name: 'Add a database…' }).first().click();
    // Added: its first restore point is taken at once (the one looked inside below).
    await h.page.getByText('shop.db was added and is backed up from now on', { exact: false }).waitFor();
  });
  afterEach(async () => {
    await h.close();
    t.cleanup();
  });

  const openRestorePoint = async () => {
    const { page } = h;
    await page.getByRole('navigation').getByRole('button', { name: 'Restore points' }).click();
    await page.getByRole('table', { name: 'Restore points' }).locator('[role="row"][data-id]').first().click();
  };

  it('looks inside, compares with now, brings two deleted orders back, and Undo takes them out again', async () => {
    const { page } = h;
    // Two orders deleted by mistake (with their items), a new customer and order since, one order changed.
    exec(db, `DELETE FROM items WHERE order_id IN (11, 12); DELETE FROM orders WHERE id IN (11, 12);
      INSERT INTO customers (id, email, name) VALUES (21, 'new@example.com', 'New'); INSERT INTO orders (id, customer, placed, total) VALUES (61, 21, '2026-03-01', 5);
      UPDATE orders SET total = 1 WHERE id = 10;`);
    await openRestorePoint();
    await page.getByRole('complementary', { name: 'Details' }).getByRole('button', { name: 'Look inside' }).click();
    const inside = page.getByRole('region', { name: 'Inside the restore point' });
    const tables = inside.getByRole('list', { name: 'Tables' });
    await tables.getByRole('button', { name: /^audit/ }).waitFor();
    await inside.getByText(/7 tables · .* · read-only: looking changes nothing/).waitFor();
    await tables.getByRole('button', { name: /^orders 60 rows/ }).click();
    const orders = inside.getByRole('table', { name: 'Rows of orders' });
    await inside.getByText('Key: id · newest first, by id').waitFor();
    await expect.poll(() => orders.locator('tbody tr').count()).toBe(20);
    expect(await orders.locator('tbody tr').first().locator('td').nth(1).textContent()).toBe('60');
    await h.screenshot('20-look-inside');

    await inside.getByRole('button', { name: 'Compare with the database now' }).click();
    const sentence = inside.getByLabel('What a restore would change');
    await sentence.getByText(/^Restoring to .* gives back 4 items and 2 orders and loses 1 row of audit, 1 customer and 1 order added since, and undoes the changes made since to 1 order\./).waitFor();
    await tables.getByRole('button', { name: /^orders .*2 deleted since · 1 added since · 1 changed since/ }).waitFor();
    await inside.getByRole('button', { name: 'Deleted since (2)' }).click();
    await expect.poll(() => orders.locator('tbody tr').count()).toBe(2);
    await inside.getByRole('checkbox', { name: 'Choose every row shown' }).check();
    await h.screenshot('21-compare-and-choose');
    // Main asks, in its own dialog naming the database; the first answer is no, and nothing changes.
    answer = false;
    await inside.getByRole('button', { name: 'Bring back 2 rows…' }).click();
    await expect.poll(() => confirms.length).toBe(1);
    expect(confirms[0]).toMatchObject({ confirmLabel: 'Bring back', message: expect.stringMatching(new RegExp(`^Bring 2 orders from the restore point of .* back into ${db.replace(/[.]/g, '\\.')}\\?$`)) });
    expect(confirms[0]!.detail).toMatch(/left as it is.*Nothing is deleted.*safety copy/);
    expect(count(db, 'SELECT count(*) FROM orders WHERE id IN (11, 12)')).toBe(0);
    answer = true;
    await inside.getByRole('button', { name: 'Bring back 2 rows…' }).click();
    await page.getByText('Brought back 2 rows into orders. The database before was kept as a safety copy.').waitFor();
    expect(count(db, 'SELECT count(*) FROM orders WHERE id IN (11, 12)')).toBe(2);
    expect(count(db, 'SELECT total FROM orders WHERE id = 10')).toBe(1); // a row that changed was left as it is
    expect(count(db, 'SELECT count(*) FROM orders WHERE id = 61')).toBe(1); // nothing added since is lost
    await h.screenshot('23-rows-brought-back');

    // Their items, from the same restore point: the whole table, skipping what is there.
    await tables.getByRole('button', { name: /^items/ }).click();
    await inside.getByRole('button', { name: 'Compare with the database now' }).click();
    await inside.getByRole('button', { name: 'Deleted since (4)' }).click();
    await expect.poll(() => inside.getByRole('table', { name: 'Rows of items' }).locator('tbody tr').count()).toBe(4);
    await inside.getByRole('checkbox', { name: 'Choose every row shown' }).check();
    await inside.getByRole('button', { name: 'Bring back 4 rows…' }).click();
    await page.getByText('Brought back 4 rows into items.').waitFor();
    expect(count(db, 'SELECT count(*) FROM items WHERE order_id IN (11, 12)')).toBe(4);

    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByText('Undone: the database is back as it was before the rows were brought back.').waitFor();
    // Main's confirmation named what it takes back: the rows, not "the last restore".
    expect(confirms.at(-1)).toMatchObject({ confirmLabel: 'Undo', message: expect.stringMatching(/, before rows were brought back into it\?$/) });
    expect(count(db, 'SELECT count(*) FROM items WHERE order_id IN (11, 12)')).toBe(0);
    expect(count(db, 'SELECT count(*) FROM orders WHERE id IN (11, 12)')).toBe(2);

    // The other way out: the table saved as a CSV file.
    await tables.getByRole('button', { name: /^customers/ }).click();
    await inside.getByRole('button', { name: 'Save table as CSV…' }).click();
    await inside.getByText(/^Saved 20 rows of customers to .*customers-.*\.csv\.$/).waitFor();
    const csv = readFileSync(path.join(t.dir, `customers-${h.engine.list().find((m) => m.trigger === 'manual')!.createdAt.slice(0, 16).replace(/[:T]/g, '-')}.csv`), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('id,email,name');
    await page.getByRole('navigation').getByRole('button', { name: 'Activity' }).click();
    const activity = page.getByRole('table', { name: 'Activity' });
    await activity.getByText(/Bringing rows back into shop\.db/).first().waitFor();
    await activity.getByText(/Saving customers from a restore point of shop\.db/).waitFor();
    expect(await activity.getByText(/Comparing|Opening a restore point/).count()).toBe(0); // looks and comparisons change nothing: not listed
  });

  it('says in the restore confirmation what a restore would give back and lose', async () => {
    const { page } = h;
    answer = false;
    exec(db, `DELETE FROM items WHERE order_id = 7; DELETE FROM orders WHERE id = 7;
      INSERT INTO customers (id, email, name) VALUES (21, 'a@example.com', 'A'), (22, 'b@example.com', 'B');
      INSERT INTO orders (id, customer, placed, total) VALUES (61, 21, '2026-03-01', 5), (62, 22, '2026-03-02', 6), (63, 22, '2026-03-03', 7);`);
    await openRestorePoint();
    const reached = new Promise<void>((r) => (hold.reached = r));
    hold.armed = true;
    await page.getByRole('button', { name: 'Restore…' }).click();
    // The comparison runs first (a job in the window, with Cancel), then main's dialog says what the restore would do.
    await reached;
    await page.getByRole('status', { name: /Comparing a restore point of shop\.db with the database now progress/ }).waitFor();
    await h.screenshot('24-restore-compares-first');
    hold.release();
    await expect.poll(() => confirms.length).toBe(1);
    expect(confirms[0]).toMatchObject({ confirmLabel: 'Restore', message: expect.stringContaining(`Replace ${db} with`) });
    expect(confirms[0]!.detail).toMatch(/^Restoring to .* gives back 2 items and 1 order and loses 3 orders and 2 customers added since\.\n\nA safety copy/);
    expect(count(db, 'SELECT count(*) FROM orders')).toBe(62); // the answer was no
  });
});
