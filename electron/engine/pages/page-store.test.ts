// The page store on real SQLite files: a database stored as pages comes back byte for byte; a second
// backup after a small change writes only the changed pages (and the map chunks around them); an
// unchanged one writes nothing; two databases share what they have in common; encrypted packs open
// only with the repository key; a damaged pack or a page map naming a page nobody stored is refused.
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, sha256 } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';
import { folderPlace, type PackPlace } from './pack-place.ts';
import { openPageIndex, rebuildPlaceIndex, type PageIndex } from './page-index.ts';
import { packRecipient, newRepositoryKey, unwrapKey, wrapKey, type RepositoryKey } from './repository-key.ts';
import { collectGarbage } from './collect-garbage.ts';
import { rebuildDatabase } from './rebuild-database.ts';
import { storePages, type StoredPages } from './store-database.ts';

const tmp = useTestFolder();

/** A database of `rows` rows of ~200 bytes, in rollback-journal mode (a copy, as a backup makes). */
function makeDb(file: string, rows: number): void {
  const db = new Database(file);
  db.exec('CREATE TABLE sales (id INTEGER PRIMARY KEY, customer INTEGER, amount INTEGER, note TEXT); CREATE INDEX by_customer ON sales (customer)');
  const add = db.prepare('INSERT INTO sales (customer, amount, note) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) add.run(i % 997, i, `sale ${i} ${'x'.repeat(150)}`);
  })();
  db.close();
}

interface Store {
  place: PackPlace;
  index: PageIndex;
  key: RepositoryKey;
  idKey: Buffer;
}

async function openStore(encrypted = false): Promise<Store & { encryptTo?: string }> {
  const key = await newRepositoryKey();
  return {
    place: folderPlace(path.join(tmp.dir, 'vault', '_pages')),
    index: openPageIndex(path.join(tmp.dir, 'page-index.db')),
    key,
    idKey: Buffer.from(key.idKey, 'hex'),
    ...(encrypted ? { encryptTo: await packRecipient(key) } : {}),
  };
}

function store(s: Store & { encryptTo?: string }, file: string, previous?: StoredPages): Promise<StoredPages> {
  return storePages(file, { place: s.place, placeName: 'vault', index: s.index, idKey: s.idKey, level: 3, encryptTo: s.encryptTo, previousMap: previous?.ids });
}

function rebuild(s: Store, stored: StoredPages, to: string, identity?: string) {
  return rebuildDatabase({ place: s.place, placeName: 'vault', index: s.index, idKey: s.idKey, identity }, to, { map: stored.map, pageSize: stored.pageSize, pageCount: stored.pageCount });
}

const addedBytes = (r: StoredPages) => r.packs.reduce((n, p) => n + p.storedBytes, 0);

describe('the page store', () => {
  it('gives back the database byte for byte, and a later backup stores only what changed', async () => {
    const db = path.join(tmp.dir, 'store.db');
    makeDb(db, 20_000);
    const s = await openStore();
    const first = await store(s, db);
    expect(first.pageCount * first.pageSize).toBe(readFileSync(db).length);
    const back = await rebuild(s, first, path.join(tmp.dir, 'back1.db'));
    expect(back.sha256).toBe(sha256(db));

    // An unchanged database adds nothing at all.
    const idle = await store(s, db, first);
    expect(idle).toMatchObject({ newPages: 0, packs: [] });
    expect(idle.map).toEqual(first.map);

    // A day's change: a few rows updated and some added.
    const conn = new Database(db);
    conn.exec("UPDATE sales SET amount = amount + 1 WHERE id IN (5, 9000, 19000); INSERT INTO sales (customer, amount, note) SELECT customer, amount, note FROM sales WHERE id <= 200");
    conn.close();
    const second = await store(s, db, first);
    expect(second.newPages).toBeGreaterThan(0);
    expect(second.newPages).toBeLessThan(first.newPages / 5);
    expect(addedBytes(second)).toBeLessThan(addedBytes(first) / 5);
    expect((await rebuild(s, second, path.join(tmp.dir, 'back2.db'))).sha256).toBe(sha256(db));
    // The first restore point is still whole: nothing it needs was replaced.
    expect((await rebuild(s, first, path.join(tmp.dir, 'back1-again.db'))).sha256).toBe(back.sha256);
  });

  it('stores once what two databases share', async () => {
    const a = path.join(tmp.dir, 'a.db');
    makeDb(a, 10_000);
    const b = path.join(tmp.dir, 'b.db');
    writeFileSync(b, readFileSync(a));
    const s = await openStore();
    const first = await store(s, a);
    const second = await store(s, b);
    expect(second.newPages).toBe(0);
    expect(second.packs).toEqual([]);
    expect((await rebuild(s, second, path.join(tmp.dir, 'b-back.db'))).sha256).toBe(sha256(b));
    expect(first.map).toEqual(second.map);
  });

  it('encrypts packs to the repository key, which a passphrase or an age key opens', async () => {
    const db = path.join(tmp.dir, 'store.db');
    makeDb(db, 5_000);
    const s = await openStore(true);
    const stored = await store(s, db);
    const files = (await s.place.list('')).filter((f) => f.name.includes('.pack.') || f.name.includes('.index.'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.name.endsWith('.age'))).toBe(true);
    // Nothing of the database is readable in the packs.
    for (const f of files) expect(readFileSync(path.join(tmp.dir, 'vault', '_pages', f.name)).includes(Buffer.from('sale 1 '))).toBe(false);
    // Without the key: refused, clearly.
    await expect(rebuild(s, stored, path.join(tmp.dir, 'nokey.db'))).rejects.toMatchObject({ code: 'wrong-key' });
    // The key wrapped to a passphrase, opened on "another machine" with it; a wrong passphrase opens nothing.
    const wrapped = await wrapKey(s.key, { passphrase: 'correct horse battery', scryptWorkFactor: 10 });
    expect(await unwrapKey(wrapped, { passphrases: ['wrong one'] }, 'key')).toBeUndefined();
    const opened = await unwrapKey(wrapped, { passphrases: ['correct horse battery'] }, 'key');
    expect(opened).toEqual(s.key);
    expect((await rebuild(s, stored, path.join(tmp.dir, 'back.db'), opened?.identity)).sha256).toBe(sha256(db));
  });

  it('refuses a damaged pack and a map that names a page nobody stored, and rebuilds its index from the packs', async () => {
    const db = path.join(tmp.dir, 'store.db');
    makeDb(db, 5_000);
    const s = await openStore();
    const stored = await store(s, db);

    // The index is a cache: lost, it is rebuilt from the packs' own index files.
    s.index.close();
    const fresh = openPageIndex(path.join(tmp.dir, 'page-index-2.db'));
    expect(await rebuildPlaceIndex(fresh, 'vault', s.place)).toBe(stored.packs.length);
    const again = { ...s, index: fresh };
    expect((await rebuild(again, stored, path.join(tmp.dir, 'back.db'))).sha256).toBe(sha256(db));

    // A map chunk id nobody stored.
    const bogus = { ...stored, map: ['0'.repeat(32), ...stored.map.slice(1)] };
    await expect(rebuild(again, bogus, path.join(tmp.dir, 'bogus.db'))).rejects.toMatchObject({ code: 'tampered' });

    // One byte of a page pack flipped: caught (zstd's frame, or the page's id), nothing written over it.
    const packDir = path.join(tmp.dir, 'vault', '_pages');
    const packFile = readdirSync(packDir, { encoding: 'utf8' }).find((f) => f.endsWith('.pack.zst') && stored.packs[0] && f.includes(stored.packs[0].id)) as string;
    const full = path.join(packDir, packFile);
    const bytes = readFileSync(full);
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
    writeFileSync(full, bytes);
    await expect(rebuild(again, stored, path.join(tmp.dir, 'damaged.db'))).rejects.toMatchObject({ code: 'tampered' });
  });

  it('collects garbage: what a forgotten restore point alone needed goes, what a kept one needs stays, whatever step a crash stops at', async () => {
    const db = path.join(tmp.dir, 'store.db');
    makeDb(db, 20_000);
    const s = await openStore();
    const reader = { place: s.place, placeName: 'vault', index: s.index, idKey: s.idKey };
    const first = await store(s, db);
    const conn = new Database(db);
    conn.exec("UPDATE sales SET note = note || ' changed' WHERE id % 3 = 0");
    conn.close();
    const second = await store(s, db, first);
    const before = (await s.place.list('')).filter((f) => f.name !== 'config.json').reduce((n, f) => n + f.bytes, 0);

    // Both kept: nothing goes.
    expect(await collectGarbage(reader, [first, second], { level: 3 })).toMatchObject({ removedPacks: 0, repackedPacks: 0 });

    // The first forgotten, and the collection stopped (as by a kill) right after repacking, then at
    // the first removal: the second restore point stays whole at every step, and a new run finishes.
    for (const step of ['gc:repacked', 'gc:pack-removed']) {
      const stop = async (name: string) => {
        if (name === step) throw new Error(`stopped at ${name}`);
      };
      await expect(collectGarbage(reader, [second], { level: 3, checkpoint: stop })).rejects.toThrow(`stopped at ${step}`);
      expect((await rebuild(s, second, path.join(tmp.dir, `after-${step}.db`))).sha256).toBe(sha256(db));
    }
    await collectGarbage(reader, [second], { level: 3 });
    expect((await rebuild(s, second, path.join(tmp.dir, 'after-gc.db'))).sha256).toBe(sha256(db));
    const after = (await s.place.list('')).reduce((n, f) => n + f.bytes, 0);
    expect(after).toBeLessThan(before);
    // Nothing left to collect, and the first restore point's own pages are gone.
    expect(await collectGarbage(reader, [second], { level: 3 })).toMatchObject({ removedPacks: 0, repackedPacks: 0, strays: 0 });
    await expect(rebuild(s, first, path.join(tmp.dir, 'forgotten.db'))).rejects.toMatchObject({ code: 'tampered' });
  });

  it.each([false, true])('is rebuilt without Lifeboat by tools/rebuild-from-pages.py, with zstd and age (encrypted: %s)', async (encrypted) => {
    const db = path.join(tmp.dir, 'store.db');
    makeDb(db, 8_000);
    const s = await openStore(encrypted);
    const stored = await store(s, db);
    const pagesDir = path.join(tmp.dir, 'vault', '_pages');
    writeFileSync(path.join(pagesDir, 'config.json'), JSON.stringify({ version: 1, repository: s.key.repository, ...(encrypted ? {} : { idKey: s.key.idKey }) }));
    const manifest = path.join(tmp.dir, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ artifact: { format: 'pages' }, pages: { pageSize: stored.pageSize, pageCount: stored.pageCount, map: stored.map }, database: { sha256: sha256(db) } }));
    const tool = path.join(REPO, 'tools', 'rebuild-from-pages.py');
    const args = [tool, path.join(tmp.dir, 'vault'), manifest];
    if (encrypted) {
      // Without the key it says what to give; with the key file a person decrypted with age, it rebuilds.
      const refused = spawnSync('python3', [...args, path.join(tmp.dir, 'no.db')], { encoding: 'utf8' });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/is encrypted: give the repository key with --key/);
      const wrapped = path.join(tmp.dir, 'key.age');
      const identity = path.join(tmp.dir, 'me.txt');
      execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
      const recipient = execFileSync('age-keygen', ['-y', identity], { encoding: 'utf8' }).trim();
      writeFileSync(wrapped, await wrapKey(s.key, { recipients: [recipient] }));
      execFileSync('age', ['-d', '-i', identity, '-o', path.join(tmp.dir, 'repo-key.json'), wrapped]);
      args.push('--key', path.join(tmp.dir, 'repo-key.json'));
    }
    const out = path.join(tmp.dir, 'rebuilt.db');
    const r = spawnSync('python3', [args[0] as string, args[1] as string, args[2] as string, out, ...args.slice(3)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(sha256(out)).toBe(sha256(db));
    expect(new Database(out, { readonly: true }).prepare('SELECT count(*) FROM sales').pluck().get()).toBe(8_000);
    // A damaged pack is caught by the tool too.
    const packDir = pagesDir;
    const packFile = readdirSync(packDir, { encoding: 'utf8' }).find((f) => /\.pack\.zst/.test(f)) as string;
    const bytes = readFileSync(path.join(packDir, packFile));
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
    writeFileSync(path.join(packDir, packFile), bytes);
    const damaged = spawnSync('python3', [args[0] as string, args[1] as string, args[2] as string, path.join(tmp.dir, 'damaged.db'), ...args.slice(3)], { encoding: 'utf8' });
    expect(damaged.status).not.toBe(0);
  });
});
