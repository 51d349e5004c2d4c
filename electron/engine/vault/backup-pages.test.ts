// Page-level restore points through the engine: the manifest describes the pages (version 2), a
// backup after a small change adds a small part of the database, an unchanged database adds no pack,
// and an encrypted source's packs are encrypted with the key wrapped for its passphrase.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manifestSchema } from '../../../shared/model.ts';
import { createEngine, type Engine } from '../engine.ts';
import { bankState, makeBankDb } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const tmp = useTestFolder();
let engine: Engine;
beforeEach(async () => {
  engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test' });
});
afterEach(() => engine.close());

const packFiles = () => readdirSync(path.join(engine.vaultDir, '_pages')).filter((f) => f.includes('.pack.'));

describe('page-level restore points', () => {
  it('store only what changed since the last one, and nothing for an unchanged database', async () => {
    makeBankDb(tmp.db, { mode: 'wal', accounts: 2000, blobRows: 3000, blobBytes: 3000 });
    const first = await engine.backup({ path: tmp.db }, { trigger: 'manual', pages: true });
    expect(() => manifestSchema.parse(first)).not.toThrow();
    expect(first).toMatchObject({ version: 2, artifact: { format: 'pages' }, integrity: { status: 'ok' }, pages: { encrypted: false } });
    expect(first.pages?.pageCount).toBe(first.database.pageCount);
    expect(first.pages?.newPages).toBeGreaterThan(first.database.pageCount * 0.9);

    const idle = await engine.backup({ path: tmp.db }, { trigger: 'manual', pages: true });
    expect(idle).toMatchObject({ artifact: { bytes: 0 }, pages: { newPages: 0, map: first.pages?.map } });

    const db = new Database(tmp.db);
    db.exec('UPDATE accounts SET balance = balance + 1 WHERE id IN (3, 1500)');
    db.close();
    const changed = await engine.backup({ path: tmp.db }, { trigger: 'manual', pages: true });
    expect(changed.pages?.newPages).toBeGreaterThan(0);
    expect(changed.pages?.newPages).toBeLessThan(10);
    expect(changed.artifact.bytes).toBeLessThan(first.artifact.bytes / 50);
    expect(engine.list()).toHaveLength(3);
  });

  it('encrypt the packs of an encrypted source, with the store key wrapped for its passphrase', async () => {
    makeBankDb(tmp.db, { mode: 'wal', accounts: 500 });
    await engine.passphrase.remember('a passphrase for the test');
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual', pages: true, encrypt: { passphrase: 'a passphrase for the test' } });
    expect(m.pages?.encrypted).toBe(true);
    expect(packFiles().every((f) => f.endsWith('.age'))).toBe(true);
    const keys = readdirSync(path.join(engine.vaultDir, '_pages')).filter((f) => f.startsWith('key-'));
    expect(keys.some((k) => k.startsWith('key-passphrase-'))).toBe(true);
  });

  it('are restored, verified and looked inside like any other, and a damaged pack is found and refused', async () => {
    makeBankDb(tmp.db, { mode: 'wal', accounts: 1000, blobRows: 500, blobBytes: 2000 });
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual', pages: true });
    const to = path.join(tmp.dir, 'restored.db');
    const r = await engine.restore({ id: m.id, to });
    expect(r.target).toBe(to);
    expect(bankState(to)).toEqual({ total: 1000 * 100, accounts: 1000, check: 'ok' });
    expect(await engine.verify(m.id)).toMatchObject({ ok: true, status: 'ok' });
    const inside = await engine.lookInside(m.id);
    expect(inside.tables.find((t) => t.name === 'accounts')?.rows).toBe(1000);

    // One byte of one pack changed: verify says so, and a restore refuses, writing nothing.
    const pack = packFiles().find((f) => f.endsWith('.pack.zst')) as string;
    const file = path.join(engine.vaultDir, '_pages', pack);
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0xff, 100);
    writeFileSync(file, bytes);
    expect(await engine.verify(m.id)).toMatchObject({ ok: false, status: 'failed' });
    const again = path.join(tmp.dir, 'again.db');
    await expect(engine.restore({ id: m.id, to: again })).rejects.toMatchObject({ code: 'tampered' });
    expect(existsSync(again)).toBe(false);
  });
});

describe('retention of page-level restore points', () => {
  it('frees what only forgotten restore points needed, keeps what the rest need, and restores them all', async () => {
    makeBankDb(tmp.db, { mode: 'wal', accounts: 3000, blobRows: 2000, blobBytes: 3000 });
    const source = await engine.sources.add(tmp.db);
    await engine.sources.update(source.id, { retention: { keepLast: 2, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, minCount: 0 } });
    const storeBytes = () => readdirSync(path.join(engine.vaultDir, '_pages'), { withFileTypes: true }).filter((e) => e.isFile() && e.name.includes('.pack.')).reduce((n, e) => n + statSync(path.join(e.parentPath, e.name)).size, 0);
    const taken = [];
    for (let i = 0; i < 4; i++) {
      const db = new Database(tmp.db);
      // Each round rewrites a different half of the blobs: what the forgotten ones alone held goes.
      db.prepare('UPDATE blobs SET data = randomblob(3000) WHERE id % 2 = ?').run(i % 2);
      db.close();
      taken.push(await engine.backup({ sourceId: source.id }, { trigger: 'manual', pages: true, prune: false }));
    }
    const before = storeBytes();
    const [result] = await engine.prune({ sourceId: source.id });
    expect(result?.remove.map((d) => d.id).sort()).toEqual([taken[0]?.id, taken[1]?.id].sort());
    expect(storeBytes()).toBeLessThan(before * 0.75);
    for (const m of engine.list({ sourceId: source.id })) {
      expect(await engine.verify(m.id)).toMatchObject({ ok: true });
      const to = path.join(tmp.dir, `${m.id}.db`);
      await engine.restore({ id: m.id, to });
      expect(bankState(to).check).toBe('ok');
    }
  });
});

describe('moving a vault that holds page-level restore points', () => {
  it('moves the page store with them: every restore point opens from the new folder, nothing is left in the old one', async () => {
    makeBankDb(tmp.db, { mode: 'wal', accounts: 800, blobRows: 400, blobBytes: 2000 });
    const first = await engine.backup({ path: tmp.db }, { trigger: 'manual', pages: true });
    const db = new Database(tmp.db);
    db.exec('UPDATE accounts SET balance = balance + 5 WHERE id = 7; UPDATE accounts SET balance = balance - 5 WHERE id = 8');
    db.close();
    const second = await engine.backup({ path: tmp.db }, { trigger: 'manual', pages: true });
    const old = engine.vaultDir;
    const to = path.join(tmp.dir, 'usb-vault');
    mkdirSync(to);
    const moved = await engine.moveVault(to);
    expect(moved.restorePoints).toBe(2);
    expect(existsSync(path.join(old, '_pages'))).toBe(false);
    for (const m of [first, second]) {
      expect(await engine.verify(m.id)).toMatchObject({ ok: true });
      const out = path.join(tmp.dir, `${m.id}.db`);
      await engine.restore({ id: m.id, to: out });
      expect(bankState(out)).toEqual({ total: 800 * 100, accounts: 800, check: 'ok' });
    }
    // A backup after the move still stores only what changed.
    const third = await engine.backup({ path: tmp.db }, { trigger: 'manual', pages: true });
    expect(third.pages?.newPages).toBe(0);
  });
});
