// Where a page store's files live: the vault's `_pages/` folder here; a destination's storage later
// (the same names). Every write is durable and atomic (a name exists only once all its bytes are
// there), and every read is bounded by what the caller expects.
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ensureDir, writeFileDurable } from '../common/durable-fs.ts';
import { errorCode } from '../common/errors.ts';
import { openRegularFile, readOpened } from '../common/safe-files.ts';

/** The folder of a page store, in the vault and at the top of a destination (never a source id). */
export const PAGES_DIR = '_pages';

/** The files of a page store, by name relative to it (`config.json`, `packs/ab/ab12….pack.zst`). */
export interface PackPlace {
  /** Where it is, for messages. */
  readonly label: string;
  /** Writes `bytes` under `name`, durably and atomically; an existing file is replaced. */
  save(name: string, bytes: Uint8Array): Promise<void>;
  /** The bytes under `name` (a regular file no larger than `maxBytes`), or undefined when there is none. */
  load(name: string, maxBytes: number): Promise<Buffer | undefined>;
  /** Every file under the folder `prefix` (e.g. `packs/`), with its size. */
  list(prefix: string): Promise<{ name: string; bytes: number }[]>;
  /** Removes `name` (nothing happens when it is not there). */
  remove(name: string): Promise<void>;
}

/** The page store in a local folder (`<vault>/_pages`). */
export function folderPlace(root: string): PackPlace {
  const full = (name: string) => path.join(root, ...name.split('/'));
  return {
    label: root,
    async save(name, bytes) {
      await ensureDir(path.dirname(full(name)));
      await writeFileDurable(full(name), bytes, 0o600);
    },
    async load(name, maxBytes) {
      try {
        return await readOpened(await openRegularFile(full(name), { within: root, maxBytes, code: 'tampered', what: `${name} in the page store ${root}` }));
      } catch (e) {
        if (errorCode(e) === 'ENOENT') return undefined;
        throw e;
      }
    },
    async list(prefix) {
      const out: { name: string; bytes: number }[] = [];
      const walk = async (rel: string): Promise<void> => {
        const entries = await readdir(full(rel), { withFileTypes: true }).catch((e: unknown) => {
          if (errorCode(e) === 'ENOENT') return [];
          throw e;
        });
        for (const entry of entries) {
          const name = rel ? `${rel.replace(/\/$/, '')}/${entry.name}` : entry.name;
          if (entry.isDirectory()) await walk(`${name}/`);
          else if (entry.isFile()) out.push({ name, bytes: (await stat(full(name))).size });
        }
      };
      await walk(prefix);
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },
    async remove(name) {
      await rm(full(name), { force: true });
    },
  };
}
