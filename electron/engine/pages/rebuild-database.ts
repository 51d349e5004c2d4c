// Rebuilding a database from its pages: the page map's chunks, then each pack that holds some of
// its pages is read once, every page checked against its id and written at its place in a new file.
// One pack in memory at a time. The caller checks the result's SHA-256 against the manifest.
import { open } from 'node:fs/promises';
import { fsyncFile, hashFile, type HashResult } from '../common/durable-fs.ts';
import { LifeboatError } from '../common/errors.ts';
import { ID_BYTES } from './blob-id.ts';
import { readBlobs, readMap, type StoreReader } from './page-map.ts';

export interface RebuildOptions {
  map: string[];
  pageSize: number;
  pageCount: number;
  signal?: AbortSignal;
  onBytes?: (done: number, total: number) => void;
}

/** Writes the database a page map describes into the new file `to`; returns its size and SHA-256. */
export async function rebuildDatabase(store: StoreReader, to: string, o: RebuildOptions): Promise<HashResult> {
  const ids = await readMap(store, o.map, o.pageCount);
  const where = new Map<string, number[]>();
  for (let n = 0; n < o.pageCount; n++) {
    const id = ids.subarray(n * ID_BYTES, (n + 1) * ID_BYTES).toString('hex');
    const pages = where.get(id);
    if (pages) pages.push(n);
    else where.set(id, [n]);
  }
  const total = o.pageCount * o.pageSize;
  const out = await open(to, 'wx', 0o600);
  let written = 0;
  try {
    await out.truncate(total);
    // Pages go out in runs of consecutive page numbers (one write each), a pack's worth at a time.
    let run: { first: number; pages: Buffer[] } | undefined;
    const flush = async () => {
      if (!run) return;
      const bytes = Buffer.concat(run.pages);
      await out.write(bytes, 0, bytes.length, run.first * o.pageSize);
      written += bytes.length;
      o.onBytes?.(written, total);
      run = undefined;
    };
    const pending: { n: number; data: Buffer }[] = [];
    await readBlobs(store, where.keys(), async (id, data) => {
      if (o.signal?.aborted) throw new LifeboatError('cancelled', 'Stopped', 'Nothing was changed');
      for (const n of where.get(id) ?? []) pending.push({ n, data });
      if (pending.length < 2048) return;
      await writeRuns();
    });
    await writeRuns();
    async function writeRuns(): Promise<void> {
      pending.sort((a, b) => a.n - b.n);
      for (const { n, data } of pending) {
        if (run && run.first + run.pages.length !== n) await flush();
        run ??= { first: n, pages: [] };
        run.pages.push(data);
      }
      await flush();
      pending.length = 0;
    }
  } finally {
    await out.close();
  }
  await fsyncFile(to);
  return hashFile(to, { signal: o.signal });
}
