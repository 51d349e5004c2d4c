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

/**
 * The files of a page store, by name relative to its folder, all in that one folder (`config.json`,
 * `ab12….pack.zst`, `key-passphrase-….age`): a destination keeps them as files of one folder too.
 */
export interface PackPlace {
  /** Where it is, for messages. */
  readonly label: string;
  /** Writes `bytes` under `name`, durably and atomically; an existing file is replaced. */
  save(name: string, bytes: Uint8Array): Promise<void>;
  /** The bytes under `name` (a regular file no larger than `maxBytes`), or undefined when there is none. */
  load(name: string, maxBytes: number): Promise<Buffer | undefined>;
  /** Every file whose name starts with `prefix` (`''`: all), with its size. */
  list(prefix: string): Promise<{ name: string; bytes: number }[]>;
  /** Removes `name` (nothing happens when it is not there). */
  remove(name: string): Promise<void>;
}

/** The page store in a local folder (`<vault>/_pages`). */
export function folderPlace(root: string): PackPlace {
  const full = (name: string) => path.join(root, path.basename(name));
  return {
    label: root,
    async save(name, bytes) {
      await ensureDir(root);
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
      const entries = await readdir(root, { withFileTypes: true }).catch((e: unknown) => {
        if (errorCode(e) === 'ENOENT') return [];
        throw e;
      });
      const out: { name: string; bytes: number }[] = [];
      for (const entry of entries) {
        if (!entry.isFile() || !entry.name.startsWith(prefix)) continue;
        out.push({ name: entry.name, bytes: (await stat(full(entry.name))).size });
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },
    async remove(name) {
      await rm(full(name), { force: true });
    },
  };
}
