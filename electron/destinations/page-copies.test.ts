// Page-level restore points at a destination (a folder on another disk): a copy sends only the packs
// the destination lacks, then its manifest; a new machine with only that folder (and the passphrase)
// lists and restores them; a damaged pack there is found by the scheduled check of copies; retention
// there removes the packs only forgotten restore points needed, and what is kept stays restorable.
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine/engine.ts';
import { bankState, makeBankDb } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';
import { addFolderDestination } from './folder/folder-kind.ts';
import { destinationKinds } from './registry.ts';

const tmp = useTestFolder();
const engines: Engine[] = [];
afterEach(() => engines.splice(0).forEach((e) => e.close()));

async function open(home: string): Promise<Engine> {
  const e = await createEngine({ dataDir: home, appVersion: '0.0.0-test', storages: destinationKinds({ env: {} }).storages });
  engines.push(e);
  return e;
}

const pagesAt = (folder: string) => readdirSync(path.join(folder, '_pages'));
const packBytesAt = (folder: string) => pagesAt(folder).filter((f) => f.includes('.pack.')).reduce((n, f) => n + statSync(path.join(folder, '_pages', f)).size, 0);

function transfer(db: string, from: number, to: number): void {
  const conn = new Database(db);
  conn.prepare('UPDATE accounts SET balance = balance - 7 WHERE id = ?').run(from);
  conn.prepare('UPDATE accounts SET balance = balance + 7 WHERE id = ?').run(to);
  conn.prepare('UPDATE blobs SET data = randomblob(3000) WHERE id % 4 = ?').run(from % 4);
  conn.close();
}

describe('page-level restore points at a folder destination', () => {
  it('send only what the destination lacks, restore on a new machine with the passphrase, and are checked there', async () => {
    const usb = path.join(tmp.dir, 'usb');
    mkdirSync(usb);
    makeBankDb(tmp.db, { mode: 'wal', accounts: 1500, blobRows: 1500, blobBytes: 3000 });
    const engine = await open(tmp.home);
    await engine.passphrase.remember('passphrase for the usb disk');
    const { destination } = await addFolderDestination(engine, usb, { id: 'usb' });
    await engine.destinations.setEncoding(destination.id, { encrypt: { kind: 'passphrase' } });

    const first = await engine.backup({ path: tmp.db }, { trigger: 'manual', pages: true });
    const [copied] = await engine.uploadNew(first);
    expect(copied).toMatchObject({ status: 'completed' });
    // Encrypted there (the destination asks for it), the key wrapped for the passphrase beside the packs.
    expect(pagesAt(usb).filter((f) => f.includes('.pack.')).every((f) => f.endsWith('.age'))).toBe(true);
    expect(pagesAt(usb).some((f) => f.startsWith('key-passphrase-'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(usb, '_pages', 'config.json'), 'utf8'))).not.toHaveProperty('idKey');

    transfer(tmp.db, 3, 4);
    const second = await engine.backup({ path: tmp.db }, { trigger: 'manual', pages: true });
    const [again] = await engine.uploadNew(second);
    expect(again?.status).toBe('completed');
    expect(again?.bytes ?? 0).toBeLessThan((copied?.bytes ?? 0) / 2);

    // A new machine: an empty data folder, the same disk, the passphrase. It lists and restores both.
    const other = await open(path.join(tmp.dir, 'new-machine'));
    await other.passphrase.remember('passphrase for the usb disk');
    await addFolderDestination(other, usb, { id: 'usb' });
    const [listing] = await other.destinations.listRemote('usb');
    expect(listing?.points.map((p) => p.manifest.id).sort()).toEqual([first.id, second.id].sort());
    for (const m of [first, second]) {
      const to = path.join(tmp.dir, `${m.id}.db`);
      await other.restore({ id: m.id, to });
      expect(bankState(to)).toEqual({ total: 1500 * 100, accounts: 1500, check: 'ok' });
    }

    // The scheduled check reads every page a copy needs there: a damaged pack is found, the copy sent again.
    const ok = await engine.verifyScheduled('newest', { sample: 10 });
    expect(ok.copies).toMatchObject({ failed: [], unreachable: [] });
    expect(ok.copies.checked).toBeGreaterThan(0);
    const pack = pagesAt(usb).find((f) => f.endsWith('.pack.zst.age')) as string;
    const file = path.join(usb, '_pages', pack);
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(300) ^ 0xff, 300);
    writeFileSync(file, bytes);
    const damaged = await engine.verifyScheduled('all', { sample: 10 });
    expect(damaged.copies.failed.map((c) => c.destinationId)).toContain('usb');
  });

  it('retention there removes the pages only forgotten restore points needed; what it keeps stays restorable', async () => {
    const usb = path.join(tmp.dir, 'usb');
    mkdirSync(usb);
    makeBankDb(tmp.db, { mode: 'wal', accounts: 1000, blobRows: 2000, blobBytes: 3000 });
    const engine = await open(tmp.home);
    const { destination } = await addFolderDestination(engine, usb, { id: 'usb' });
    const source = await engine.sources.add(tmp.db);
    await engine.destinations.setRetention(destination.id, { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, minCount: 0 });
    await engine.sources.update(source.id, { retention: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, minCount: 0 } });
    let last;
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      transfer(tmp.db, i + 1, i + 2);
      last = await engine.backup({ sourceId: source.id }, { trigger: 'manual', pages: true, prune: false });
      await engine.uploadNew(last);
      sizes.push(packBytesAt(usb));
    }
    await engine.prune({ sourceId: source.id });
    await engine.pruneDestinations({ sourceId: source.id });
    const [listing] = await engine.destinations.listRemote('usb');
    expect(listing?.points.map((p) => p.manifest.id)).toEqual([last?.id]);
    expect(packBytesAt(usb)).toBeLessThan(sizes[2] as number);
    const other = await open(path.join(tmp.dir, 'new-machine'));
    await addFolderDestination(other, usb, { id: 'usb' });
    const to = path.join(tmp.dir, 'kept.db');
    await other.restore({ id: last?.id as string, to });
    expect(bankState(to)).toEqual({ total: 1000 * 100, accounts: 1000, check: 'ok' });
  });
});
