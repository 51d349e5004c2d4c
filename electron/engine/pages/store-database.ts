// Storing a database as pages: its copy is read once, page by page; each page is named by its id,
// and only the pages the place does not hold yet are written (into packs), then the page map's new
// chunks. What the place already holds costs nothing: an unchanged database adds no pack at all.
import { open } from 'node:fs/promises';
import { LifeboatError } from '../common/errors.ts';
import { blobIdBytes, ID_BYTES } from './blob-id.ts';
import { mapChunks } from './page-map.ts';
import { createPackWriter, type WrittenPack } from './packs.ts';
import type { PageIndex } from './page-index.ts';
import type { PackPlace } from './pack-place.ts';

const READ_BYTES = 1 << 20;

export interface StorePagesOptions {
  place: PackPlace;
  placeName: string;
  index: PageIndex;
  idKey: Uint8Array;
  /** zstd level of the packs. */
  level: number;
  /** The repository key's recipient, when this place encrypts. */
  encryptTo?: string;
  /**
   * The page ids of a restore point whose blobs the place holds and will keep while this runs (the
   * source's newest): a page equal to its page at the same number needs no lookup.
   */
  previousMap?: Buffer;
  signal?: AbortSignal;
  onBytes?: (done: number, total: number) => void;
}

export interface StoredPages {
  pageSize: number;
  pageCount: number;
  /** The ids of the map's chunks, in order. */
  map: string[];
  /** Every page's id, in order (pageCount × 16 bytes): the next backup's `previousMap`. */
  ids: Buffer;
  /** Packs written (already recorded in the index). */
  packs: WrittenPack[];
  /** Pages written (not held by the place before). */
  newPages: number;
}

/** Stores the database file `file` (a private copy, never a live database) as pages at a place. */
export async function storePages(file: string, o: StorePagesOptions): Promise<StoredPages> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const header = Buffer.alloc(100);
    await handle.read(header, 0, 100, 0);
    const raw = header.readUInt16BE(16);
    const pageSize = raw === 1 ? 65536 : raw;
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0 || size % pageSize !== 0) {
      throw new LifeboatError('corrupt', `${file} does not hold whole pages of ${pageSize} bytes`, 'The database may be damaged; restore it from an earlier restore point');
    }
    const pageCount = size / pageSize;
    const ids = Buffer.alloc(pageCount * ID_BYTES);
    const pages = createPackWriter({ place: o.place, level: o.level, encryptTo: o.encryptTo });
    const seen = new Set<string>();
    let newPages = 0;
    const chunkBytes = Math.max(pageSize, READ_BYTES - (READ_BYTES % pageSize));
    for (let at = 0; at < size; ) {
      if (o.signal?.aborted) throw new LifeboatError('cancelled', 'The backup was cancelled', 'Nothing was added to the vault');
      // A fresh buffer per read: the pack writer keeps the new pages as views of it, without copying each.
      const chunk = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - at), at);
      if (bytesRead === 0 || bytesRead % pageSize !== 0) throw new LifeboatError('corrupt', `${file} changed while it was read`, 'Take the backup again');
      // The pages of this read that differ from the previous map, then one lookup for all of them.
      const changed: { id: string; page: Buffer }[] = [];
      for (let p = 0; p < bytesRead; p += pageSize) {
        const n = (at + p) / pageSize;
        const page = chunk.subarray(p, p + pageSize);
        const id = blobIdBytes(o.idKey, 'p', page);
        id.copy(ids, n * ID_BYTES);
        if (o.previousMap && o.previousMap.length >= (n + 1) * ID_BYTES && id.equals(o.previousMap.subarray(n * ID_BYTES, (n + 1) * ID_BYTES))) continue;
        changed.push({ id: id.toString('hex'), page });
      }
      const held = o.index.held(o.placeName, changed.map((c) => c.id).filter((id) => !seen.has(id)));
      for (const { id, page } of changed) {
        if (seen.has(id) || held.has(id)) continue;
        seen.add(id);
        newPages++;
        await pages.add(id, 'p', page);
      }
      at += bytesRead;
      o.onBytes?.(at, size);
    }
    const maps = createPackWriter({ place: o.place, level: o.level, encryptTo: o.encryptTo });
    const chunks = mapChunks(o.idKey, ids);
    const heldChunks = o.index.held(o.placeName, chunks.map((c) => c.id));
    for (const c of chunks) {
      if (seen.has(c.id) || heldChunks.has(c.id)) continue;
      seen.add(c.id);
      await maps.add(c.id, 'm', c.bytes);
    }
    // Page packs first, then map packs: a map never names a page that is not durable.
    const packs = [...(await pages.finish()), ...(await maps.finish())];
    o.index.addPacks(o.placeName, packs);
    return { pageSize, pageCount, map: chunks.map((c) => c.id), ids, packs, newPages };
  } finally {
    await handle.close();
  }
}
