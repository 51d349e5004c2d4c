// The benchmark's database: a shop (customers, orders and items with indexes, plus attachments),
// generated to a size in WAL mode.
import Database from 'better-sqlite3';
import { existsSync, rmSync, statSync } from 'node:fs';

/** A shop-like database: customers, orders and items with indexes, plus a table of attachments. */
export function generate(file: string, bytes: number): void {
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, created TEXT NOT NULL);
    CREATE UNIQUE INDEX customers_email ON customers (email);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL, placed TEXT NOT NULL, total INTEGER NOT NULL, note TEXT);
    CREATE INDEX orders_customer ON orders (customer, placed);
    CREATE TABLE items (id INTEGER PRIMARY KEY, "order" INTEGER NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL, price INTEGER NOT NULL);
    CREATE INDEX items_order ON items ("order");
    CREATE INDEX items_sku ON items (sku);
    CREATE TABLE attachments (id INTEGER PRIMARY KEY, "order" INTEGER NOT NULL, data BLOB NOT NULL);
  `);
  const addCustomer = db.prepare('INSERT INTO customers (email, name, created) VALUES (?, ?, ?)');
  const addOrder = db.prepare('INSERT INTO orders (customer, placed, total, note) VALUES (?, ?, ?, ?)');
  const addItem = db.prepare('INSERT INTO items ("order", sku, qty, price) VALUES (?, ?, ?, ?)');
  const addAttachment = db.prepare('INSERT INTO attachments ("order", data) VALUES (?, randomblob(?))');
  let orderId = 0;
  for (let batch = 0; statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0) < bytes; batch++) {
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) {
        const c = Number(addCustomer.run(`c${batch}-${i}@example.com`, `Customer ${batch}-${i}`, new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString()).lastInsertRowid);
        for (let o = 0; o < 3; o++) {
          orderId = Number(addOrder.run(c, new Date(Date.UTC(2024, 0, 1) + orderId * 60_000).toISOString(), 1000 + o, o === 0 ? 'gift wrap' : null).lastInsertRowid);
          for (let k = 0; k < 3; k++) addItem.run(orderId, `SKU-${(orderId * 7 + k) % 5000}`, 1 + k, 499 + k * 100);
        }
        if (i % 4 === 0) addAttachment.run(orderId, 16_000);
      }
    })();
    if (batch % 10 === 0) db.pragma('wal_checkpoint(TRUNCATE)');
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
