// The engine's restore point store (engine/remote/restore-point-store.ts) over a real folder storage,
// wrapped to misbehave as a backend could: what arrived is checked (by the backend's own checksum
// when it gives one, else read back), a copy already there is not sent again, downloads stop one
// byte past what the manifest declares and resume after a cut, manifests are read once while the
// backend says they are unchanged, and what cannot be trusted is reported one line each.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Destination, Manifest } from '../../shared/model.ts';
import { createEngine } from '../engine/engine.ts';
import { restorePointStore, storedNames } from '../engine/remote/restore-point-store.ts';
import type { Storage } from '../engine/storage/storage.ts';
import { makeBankDb, sha256, keepWholeFiles } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';
import { folderStorage } from './folder/folder-storage.ts';

const tmp = useTestFolder();
// Whole-file restore points are what is tested here (the page store has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));
let manifest: Manifest;
let artifact: string;
let root: string;
const destination: Destination = { id: 'usb', kind: 'folder', name: 'USB disk', enabled: true, priority: 100, upload: { manual: true, scheduled: true } };

beforeEach(async () => {
  makeBankDb(tmp.db, { blobRows: 50 });
  const engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test' });
  manifest = await engine.backup({ path: tmp.db }, { trigger: 'manual' });
  artifact = path.join(engine.vaultDir, manifest.artifact.path);
  engine.close();
  root = path.join(tmp.dir, 'usb');
});

/** A folder storage, wrapped, with every call counted. */
async function storage(wrap: (inner: Storage) => Partial<Storage> = () => ({})) {
  const inner = folderStorage(root, 'USB disk');
  await inner.init?.();
  const calls: string[] = [];
  const wrapped = { ...inner, ...wrap(inner) };
  const counted: Storage = {
    ...wrapped,
    save: (name, file, opts) => (calls.push(`save ${name}`), wrapped.save(name, file, opts)),
    load: (name, opts) => (calls.push(`load ${name} @${opts?.offset ?? 0}`), wrapped.load(name, opts)),
  };
  return { inner, storage: counted, calls };
}

const sleeps: number[] = [];
const storeOver = (s: Storage, memo?: Map<string, Manifest>) => restorePointStore(destination, s, { dataDir: tmp.home, sleep: async (ms) => void sleeps.push(ms), memo });

describe('the restore point store', () => {
  it('writes the artifact, then the exported manifest, checking what arrived by reading it back when the backend gives no checksum', async () => {
    const { storage: s, calls } = await storage();
    const stored = await storeOver(s).put(manifest, artifact);
    const names = storedNames(manifest);
    expect(stored).toEqual({ remoteId: names.artifact, bytes: manifest.artifact.bytes, sha256: manifest.artifact.sha256 });
    expect(calls).toEqual([`save ${names.artifact}`, `load ${names.artifact} @0`, `save ${names.manifest}`]);
    expect(sha256(path.join(root, names.artifact))).toBe(manifest.artifact.sha256);
    expect(JSON.parse(readFileSync(path.join(root, names.manifest), 'utf8')).id).toBe(manifest.id);
  });

  it('refuses (and removes) a copy that arrived different, and writes no manifest for it', async () => {
    const { storage: s } = await storage((inner) => ({
      save: async (name, file, opts) => {
        const bent = path.join(tmp.dir, 'bent');
        const bytes = readFileSync(file);
        bytes[100] = (bytes[100] ?? 0) ^ 0xff;
        writeFileSync(bent, bytes);
        return inner.save(name, bent, opts);
      },
    }));
    await expect(storeOver(s).put(manifest, artifact)).rejects.toMatchObject({ code: 'tampered', message: "The copy on USB disk does not match the restore point's checksum after writing" });
    expect(existsSync(path.join(root, storedNames(manifest).artifact))).toBe(false);
    expect(existsSync(path.join(root, storedNames(manifest).manifest))).toBe(false);
  });

  it("trusts the backend's own checksum when it gives one (no read-back), refuses a wrong one, and sends nothing a backend already holds", async () => {
    const withSha = (lie?: string) => (inner: Storage): Partial<Storage> => ({
      save: async (name, file, opts) => ({ ...(await inner.save(name, file, opts)), sha256: lie ?? sha256(file) }),
      stat: async (name) => {
        const info = await inner.stat(name);
        return info && { ...info, sha256: sha256(path.join(root, name)) };
      },
    });
    const lying = await storage(withSha('0'.repeat(64)));
    await expect(storeOver(lying.storage).put(manifest, artifact)).rejects.toMatchObject({ code: 'tampered' });
    expect(lying.calls.filter((c) => c.startsWith('load'))).toEqual([]);
    const honest = await storage(withSha());
    await storeOver(honest.storage).put(manifest, artifact);
    expect(honest.calls.filter((c) => c.startsWith('load'))).toEqual([]);
    honest.calls.length = 0;
    await storeOver(honest.storage).put(manifest, artifact); // an upload whose manifest a crash kept from being written
    expect(honest.calls).toEqual([`save ${storedNames(manifest).manifest}`]);
  });

  it('downloads what the manifest declares, resuming from where a cut load stopped, and stops one byte past it', async () => {
    let cuts = 1;
    const { storage: s, calls } = await storage((inner) => ({
      load: async (name, opts) => {
        const stream = await inner.load(name, opts);
        if (cuts-- <= 0) return stream;
        // The connection drops after its first 1000 bytes.
        return Readable.from((async function* () {
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            yield chunk.subarray(0, 1000);
            stream.destroy();
            throw new Error('socket hang up');
          }
        })());
      },
    }));
    const store = storeOver(s);
    await store.put(manifest, artifact);
    calls.length = 0;
    sleeps.length = 0;
    const [point] = (await store.list()).points;
    cuts = 1;
    const to = path.join(tmp.dir, 'fetched');
    expect(await store.fetch(point!, to)).toEqual({ sha256: manifest.artifact.sha256, bytes: manifest.artifact.bytes });
    const loads = calls.filter((c) => c.startsWith(`load ${manifest.artifact.path}`));
    expect(loads).toHaveLength(2);
    expect(loads[1]).toBe(`load ${manifest.artifact.path} @1000`);
    expect(sleeps).toHaveLength(1);

    // The artifact there grew past what its manifest says: refused, and no more than declared was written.
    writeFileSync(path.join(root, manifest.artifact.path), Buffer.concat([readFileSync(artifact), Buffer.alloc(4 * 1024 * 1024)]));
    const grown = path.join(tmp.dir, 'grown');
    await expect(store.fetch(point!, grown)).rejects.toMatchObject({ code: 'tampered', message: expect.stringMatching(/^USB disk sent more than the .* the manifest of .* declares$/) });
    expect(statSync(grown).size).toBeLessThanOrEqual(manifest.artifact.bytes);
  });

  it('reads each manifest once while the backend says it is unchanged, and reports what it cannot trust, one line each', async () => {
    let version = 1;
    const { storage: s, calls } = await storage((inner) => ({ list: async (prefix) => (await inner.list(prefix)).map((o) => ({ ...o, id: `v${version}` })) }));
    const memo = new Map<string, Manifest>();
    const store = storeOver(s, memo);
    await store.put(manifest, artifact);
    const dir = path.join(root, manifest.source.id);
    writeFileSync(path.join(dir, 'store_20260101T000000Z-aaaaaa.manifest.json'), '{ "version": 1, ');
    writeFileSync(path.join(dir, 'store_20260101T000000Z-bbbbbb.manifest.json'), ' '.repeat(2 * 1024 * 1024));
    writeFileSync(path.join(dir, 'store_20260101T000000Z-cccccc.manifest.json'), readFileSync(path.join(dir, path.basename(storedNames(manifest).manifest))).toString().replaceAll(manifest.id, '20260101T000000Z-cccccc'));
    mkdirSync(path.join(root, 'notes'));
    writeFileSync(path.join(root, 'notes', 'mine.txt'), 'not a restore point');
    calls.length = 0;
    const first = await store.list();
    expect(first.points.map((p) => p.manifest.id)).toEqual([manifest.id]);
    expect(first.problems.sort()).toEqual([
      expect.stringMatching(/^The manifest store_20260101T000000Z-aaaaaa\.manifest\.json on USB disk is not valid JSON/),
      expect.stringMatching(/^The manifest store_20260101T000000Z-bbbbbb\.manifest\.json on USB disk is 2\.1 MB, more than a manifest can be; it was not read/),
      "The manifest store_20260101T000000Z-cccccc.manifest.json on USB disk does not match its artifact's name (or the artifact is missing)",
    ]);
    expect(calls.filter((c) => c.includes('bbbbbb'))).toEqual([]); // too large: never read
    calls.length = 0;
    await store.list();
    expect(calls.filter((c) => c.includes(manifest.id))).toEqual([]); // unchanged: from the memo
    version = 2;
    await store.list();
    expect(calls.filter((c) => c.includes(manifest.id))).toEqual([`load ${storedNames(manifest).manifest} @0`]);
  });
});
