// The one reader of restore points (read-restore-point.ts), on real restore points of a real
// database: every format becomes the same plain database, owner-only, where the caller says and
// nowhere in the vault; a plain one is read in place only where the caller allows it, and its
// checksum settles `verified`; a missing artifact, changed bytes, a zstd bomb, a wrong or absent key
// and a cancel are each told apart; a copy fetched elsewhere is read like the vault's own.
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Manifest } from '../../../shared/model.ts';
import type { Engine } from '../engine.ts';
import { openTestEngine } from '../testing/test-engine.ts';
import { makeShopDb, sha256, keepWholeFiles } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';
import type { EngineContext } from './context.ts';
import { filesOf } from './manifest.ts';
import { openContext } from './open.ts';
import { restorePointOfName } from './names.ts';
import { checkStoredBytes, openRestorePoint, UnreadableRestorePoint, type UnreadableReason } from './read-restore-point.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is tested here (the page store has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));
let engine: Engine;
let context: EngineContext;
beforeEach(async () => {
  engine = await openTestEngine(tmp.home, { fastKeys: true });
  // The engine's modules' own view of the same data folder (what the engine hands the reader).
  context = await openContext({ dataDir: tmp.home, appVersion: '0.0.0-test' }, async () => undefined);
});
afterEach(() => {
  engine.close();
  context.catalog.close();
});

const ctx = () => context;
const artifactOf = (m: Manifest) => filesOf(engine.vaultDir, m).stored[0]!.file;
const vaultFiles = () => readdirSync(path.join(engine.vaultDir, 'store')).sort();

/** What reading `m` with `o` fails with: the reason, or the code of any other error. */
async function failure(p: Promise<unknown>): Promise<UnreadableReason | string> {
  try {
    await p;
  } catch (e) {
    return e instanceof UnreadableRestorePoint ? e.reason : String((e as { code?: string }).code);
  }
  return 'no failure';
}

describe('opening a restore point', () => {
  it('turns every format into the same database, owner-only, where the caller says and never into the vault', async () => {
    makeShopDb(tmp.db);
    const identity = await generateIdentity();
    const made = [
      await engine.backup({ path: tmp.db }, { trigger: 'manual' }),
      await engine.backup({ path: tmp.db }, { trigger: 'manual', compressLevel: 3 }),
      await engine.backup({ path: tmp.db }, { trigger: 'manual', encrypt: { passphrase: 'correct horse battery' } }),
      await engine.backup({ path: tmp.db }, { trigger: 'manual', compressLevel: 3, encrypt: { recipients: [await identityToRecipient(identity)] } }),
    ];
    expect(made.map((m) => m.artifact.format)).toEqual(['sqlite', 'sqlite+zstd', 'sqlite+age', 'sqlite+zstd+age']);
    const inVault = vaultFiles();
    const keys = { passphrases: ['correct horse battery'], identities: [identity] };
    for (const m of made) {
      const to = path.join(tmp.dir, `${m.id}.sqlite`);
      let read = 0;
      const opened = await openRestorePoint(ctx(), m, { to, keys, onProgress: (done, total) => (read = done === total ? done : read) });
      await opened.verified;
      expect(opened).toMatchObject({ file: to, inPlace: false });
      expect(sha256(to)).toBe(m.database.sha256);
      expect(statSync(to).mode & 0o777).toBe(0o600);
      expect(read).toBe(m.artifact.bytes);
    }
    expect(vaultFiles()).toEqual(inVault);
  });

  it('reads a plain one in place only where the caller allows it, and settles `verified` by its checksum', async () => {
    makeShopDb(tmp.db);
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const to = path.join(tmp.dir, 'copy.sqlite');
    let asked = '';
    let made = false;
    const opened = await openRestorePoint(ctx(), m, {
      inPlace: async (file) => ((asked = file), true),
      to: async () => ((made = true), to),
    });
    expect(opened).toMatchObject({ file: artifactOf(m), inPlace: true });
    expect(asked).toBe(artifactOf(m));
    await opened.verified;
    expect(made).toBe(false);
    expect(existsSync(to)).toBe(false);
    // Refused in place (a copy with planner statistics, say): copied and checked instead.
    const copied = await openRestorePoint(ctx(), m, { inPlace: async () => false, to });
    expect(copied).toMatchObject({ file: to, inPlace: false });
    expect(sha256(to)).toBe(m.database.sha256);

    // Changed in the vault: the in-place read's `verified` rejects.
    const bytes = readFileSync(artifactOf(m));
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
    writeFileSync(artifactOf(m), bytes);
    const tampered = await openRestorePoint(ctx(), m, { inPlace: true, to, refusal: ', so it was not opened' });
    await expect(tampered.verified).rejects.toMatchObject({ reason: 'mismatch', code: 'tampered', message: `Restore point ${m.id} does not match its checksum (the artifact was changed or damaged), so it was not opened` });
  });

  it('tells a missing artifact, changed bytes, a zstd bomb, a wrong or absent key and a cancel apart, leaving nothing behind', async () => {
    makeShopDb(tmp.db);
    const plain = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
    const zst = await engine.backup({ path: tmp.db }, { trigger: 'manual', compressLevel: 3 });
    const locked = await engine.backup({ path: tmp.db }, { trigger: 'manual', encrypt: { passphrase: 'correct horse battery' } });
    const to = path.join(tmp.dir, 'out.sqlite');
    const open = (m: Manifest, o: Partial<Parameters<typeof openRestorePoint>[2]> = {}) => openRestorePoint(ctx(), m, { to, ...o });

    expect(await failure(open(locked))).toBe('wrong-key');
    expect(await failure(open(locked, { keys: { passphrases: ['wrong horse'] } }))).toBe('wrong-key');
    // A manifest that says the database is smaller than what the artifact expands to: decoding stops there.
    expect(await failure(open({ ...zst, database: { ...zst.database, bytes: 4096 } }))).toBe('damaged');
    const stopped = new AbortController();
    stopped.abort();
    expect(await failure(open(zst, { signal: stopped.signal }))).toBe('cancelled');

    // The stored bytes match but the database inside them is not the one the manifest names.
    expect(await failure(open({ ...zst, database: { ...zst.database, sha256: plain.artifact.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0')) } }))).toBe('inside-mismatch');
    const bytes = readFileSync(artifactOf(plain));
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
    writeFileSync(artifactOf(plain), bytes);
    expect(await failure(open(plain))).toBe('mismatch');
    rmSync(artifactOf(zst));
    expect(await failure(open(zst))).toBe('missing');
    await expect(open(zst)).rejects.toMatchObject({ message: `The artifact of restore point ${zst.id} is missing from the vault` });
    expect(existsSync(to)).toBe(false);
  });

  it('reads a copy fetched from elsewhere like the vault’s own, and checks stored bytes without a key', async () => {
    makeShopDb(tmp.db);
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual', compressLevel: 3, encrypt: { passphrase: 'correct horse battery' } });
    const fetched = path.join(tmp.dir, 'fetched');
    copyFileSync(artifactOf(m), fetched);
    rmSync(artifactOf(m));
    await checkStoredBytes(ctx(), m, { from: { artifactFile: fetched } });
    expect(await failure(checkStoredBytes(ctx(), m))).toBe('missing');
    const to = path.join(tmp.dir, 'out.sqlite');
    await openRestorePoint(ctx(), m, { to, from: { artifactFile: fetched }, keys: { passphrases: ['correct horse battery'] } });
    expect(sha256(to)).toBe(m.database.sha256);
    writeFileSync(fetched, Buffer.concat([readFileSync(fetched), Buffer.from('more')]));
    expect(await failure(checkStoredBytes(ctx(), m, { from: { artifactFile: fetched } }))).toBe('damaged'); // larger than declared: never read
  });
});

describe("a restore point's files", () => {
  it('are listed by filesOf and recognised by name, and nothing else is', async () => {
    makeShopDb(tmp.db);
    const m = await engine.backup({ path: tmp.db }, { trigger: 'manual', compressLevel: 3 });
    const files = filesOf(engine.vaultDir, m);
    expect([files.manifest, ...files.stored.map((s) => s.file)].map((f) => path.basename(f)).sort()).toEqual(vaultFiles());
    expect(files.stored).toEqual([{ file: artifactOf(m), bytes: m.artifact.bytes, sha256: m.artifact.sha256 }]);
    for (const name of vaultFiles()) expect(restorePointOfName(name)).toMatchObject({ sourceId: 'store', id: m.id, manifestName: path.basename(files.manifest), isManifest: name === path.basename(files.manifest) });
    for (const name of ['store.db', `store_${m.id}.sqlite.gz`, `.lifeboat-tmp-store_${m.id}.sqlite`, `Store_${m.id}.sqlite`]) expect(restorePointOfName(name)).toBeUndefined();
  });
});
