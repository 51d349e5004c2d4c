// A destination's page store: the files of `_pages/` in its storage, seen as a PackPlace, so that
// everything the vault does with its page store (read a map, read and check blobs, rebuild a
// database, collect garbage) works at a destination the same way. Reads are bounded by what the
// caller expects and resumed after a cut (bounded-read.ts); writes go through a file in the data
// folder's scratch space, named for this process.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { workDir } from '../common/data-folder.ts';
import { ensureDir } from '../common/durable-fs.ts';
import { isLifeboatError, LifeboatError } from '../common/errors.ts';
import { PAGES_DIR, type PackPlace } from '../pages/pack-place.ts';
import type { Storage } from '../storage/storage.ts';
import { readBounded } from './bounded-read.ts';

/** The page store in `storage` (at `<storage>/_pages/`), named `where` in messages. */
export function storagePlace(storage: Storage, o: { dataDir: string; where: string; sleep: (ms: number) => Promise<void> }): PackPlace {
  const object = (name: string) => `${PAGES_DIR}/${name}`;
  return {
    label: `${o.where} (${PAGES_DIR})`,
    async save(name, bytes) {
      const dir = workDir(o);
      await ensureDir(dir);
      const file = path.join(dir, `${process.pid}-page-${randomBytes(4).toString('hex')}-${name}`);
      try {
        await writeFile(file, bytes, { mode: 0o600 });
        const saved = await storage.save(object(name), file, { labels: { lifeboat: 'pages' } });
        if (saved.size !== bytes.length) throw new LifeboatError('tampered', `${o.where} holds ${saved.size} bytes of ${name} after writing ${bytes.length}`, 'It is sent again later; if this keeps happening, the destination may be failing');
      } finally {
        await rm(file, { force: true });
      }
    },
    async load(name, maxBytes) {
      const chunks: Uint8Array[] = [];
      try {
        await readBounded(storage, object(name), maxBytes, (c) => chunks.push(c), {
          sleep: o.sleep,
          where: o.where,
          tooLarge: () => new LifeboatError('tampered', `${name} on ${o.where} is larger than ${maxBytes} bytes, more than it can be`, 'Run `lifeboat verify` to find what it affects; another destination may hold it'),
        });
      } catch (e) {
        if (isLifeboatError(e) && e.code === 'not-found') return undefined;
        throw e;
      }
      return Buffer.concat(chunks);
    },
    async list(prefix) {
      const objects = await storage.list(`${PAGES_DIR}/`);
      return objects
        .filter((x) => x.refused === undefined && x.name.startsWith(`${PAGES_DIR}/${prefix}`))
        .map((x) => ({ name: x.name.slice(PAGES_DIR.length + 1), bytes: x.size }));
    },
    async remove(name) {
      await storage.remove(object(name));
    },
  };
}
