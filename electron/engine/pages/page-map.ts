// Page maps: the id of every page of a database, in order, cut into chunks of 1024 ids (16 KiB)
// that are stored as blobs of kind `m` — so the part of a map no page of which changed is stored once.
import { LifeboatError } from '../common/errors.ts';
import { blobId, ID_BYTES } from './blob-id.ts';
import { readPack, takeBlob, type PackEntry } from './packs.ts';
import type { PageIndex } from './page-index.ts';
import type { PackPlace } from './pack-place.ts';

/** Pages per map chunk. */
export const MAP_CHUNK_PAGES = 1024;

/** The chunks of a map (`ids`: pageCount × 16 bytes), each with its id. */
export function mapChunks(idKey: Uint8Array, ids: Buffer): { id: string; bytes: Buffer }[] {
  const out: { id: string; bytes: Buffer }[] = [];
  const step = MAP_CHUNK_PAGES * ID_BYTES;
  for (let at = 0; at < ids.length; at += step) {
    const bytes = ids.subarray(at, Math.min(ids.length, at + step));
    out.push({ id: blobId(idKey, 'm', bytes), bytes });
  }
  return out;
}

/** Where a place's blobs are read from: the place, its index, and the key that opens them. */
export interface StoreReader {
  place: PackPlace;
  placeName: string;
  index: PageIndex;
  idKey: Uint8Array;
  /** The repository key's age identity, for encrypted packs. */
  identity?: string;
}

/**
 * Reads blobs `ids` from a place, each checked against its id; `use` gets each one as its pack is
 * read (one pack in memory at a time). Throws naming the first blob the place does not hold.
 */
export async function readBlobs(store: StoreReader, ids: Iterable<string>, use: (id: string, data: Buffer) => void | Promise<void>): Promise<void> {
  const wanted = new Set(ids);
  const where = store.index.locate(store.placeName, wanted);
  for (const id of wanted) {
    if (!where.has(id)) throw new LifeboatError('tampered', `The page store in ${store.place.label} has no blob ${id}, which a restore point needs`, 'Run `lifeboat verify` to find what it affects; another destination may hold it');
  }
  const byPack = new Map<string, { encrypted: boolean; entries: PackEntry[] }>();
  for (const loc of where.values()) {
    const group = byPack.get(loc.pack) ?? { encrypted: loc.encrypted, entries: [] };
    group.entries.push(loc.entry);
    byPack.set(loc.pack, group);
  }
  for (const [pack, group] of byPack) {
    const blobs = store.index.blobsOf(pack);
    const plain = await readPack(store.place, { version: 1, pack, blobs }, group.encrypted, store.identity);
    for (const entry of group.entries) await use(entry[0], takeBlob(plain, entry, store.idKey, `The pack ${pack} in ${store.place.label}`));
  }
}

/** A restore point's whole map (pageCount × 16 bytes) from its chunk ids. */
export async function readMap(store: StoreReader, chunkIds: string[], pageCount: number): Promise<Buffer> {
  const chunks = new Map<string, Buffer>();
  await readBlobs(store, chunkIds, (id, data) => void chunks.set(id, Buffer.from(data)));
  const ids = Buffer.concat(chunkIds.map((id) => chunks.get(id) as Buffer));
  if (ids.length !== pageCount * ID_BYTES) throw new LifeboatError('tampered', `A page map in ${store.place.label} holds ${ids.length / ID_BYTES} pages where its manifest says ${pageCount}`, 'The manifest or the page store was changed; choose another restore point');
  return ids;
}
