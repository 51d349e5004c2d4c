// Garbage collection of a page store, after retention removed restore points (forget): every blob a
// kept restore point needs stays (its map's chunks and the pages they name). A pack none of whose
// blobs is needed is removed; a pack mostly dead is repacked (its needed blobs written into a new
// pack, durably and indexed, before the old one goes). Every step leaves each kept restore point
// readable: at worst a blob is in two packs, or an unnamed pack is left for the next run. The caller
// holds the page store's lock, so no backup adds blobs meanwhile.
import { ID_BYTES } from './blob-id.ts';
import { createPackWriter, packFiles, parsePackFile, readPack, takeBlob, type PackEntry } from './packs.ts';
import { readBlobs, type StoreReader } from './page-map.ts';

/** A restore point as garbage collection sees it: the chunk ids of its page map. */
export interface KeptMap {
  map: string[];
}

export interface CollectOptions {
  /** A pack whose needed bytes are below this share of it is repacked (0.5: half). */
  repackBelow?: number;
  level: number;
  /** The repository key's recipient: blobs of an encrypted pack are repacked encrypted to it (plain ones stay plain). */
  encryptTo?: string;
  dryRun?: boolean;
  /** Named steps (crash tests stop the process at one). */
  checkpoint?: (name: string) => Promise<void>;
}

export interface CollectResult {
  /** Packs removed (nothing in them was needed, or they were repacked). */
  removedPacks: number;
  /** Packs whose needed blobs were written into new packs. */
  repackedPacks: number;
  /** Bytes the place holds less than before (new packs counted). */
  freedBytes: number;
  /** Files at the place that no index names (a crash's leftovers), removed. */
  strays: number;
}

/** Every blob id the kept restore points need: their map chunks and every page they name. */
export async function neededBlobs(store: StoreReader, kept: KeptMap[]): Promise<Set<string>> {
  const needed = new Set<string>();
  const chunks = new Set(kept.flatMap((k) => k.map));
  for (const id of chunks) needed.add(id);
  await readBlobs(store, chunks, (_id, data) => {
    for (let at = 0; at < data.length; at += ID_BYTES) needed.add(data.subarray(at, at + ID_BYTES).toString('hex'));
  });
  return needed;
}

/** Removes (or repacks) what no kept restore point needs at `store`'s place; see the module comment. */
export async function collectGarbage(store: StoreReader, kept: KeptMap[], o: CollectOptions): Promise<CollectResult> {
  const needed = await neededBlobs(store, kept);
  const result: CollectResult = { removedPacks: 0, repackedPacks: 0, freedBytes: 0, strays: 0 };
  const remove: { id: string; encrypted: boolean; storedBytes: number }[] = [];
  const repack: { id: string; encrypted: boolean; storedBytes: number; live: PackEntry[] }[] = [];
  for (const pack of store.index.packs(store.placeName)) {
    const blobs = store.index.blobsOf(pack.id);
    const live = blobs.filter(([id]) => needed.has(id));
    const liveBytes = live.reduce((n, [, , , length]) => n + length, 0);
    if (live.length === 0) remove.push(pack);
    else if (liveBytes < (o.repackBelow ?? 0.5) * pack.plainBytes) repack.push({ ...pack, live });
  }
  if (o.dryRun) return { ...result, removedPacks: remove.length + repack.length, repackedPacks: repack.length, freedBytes: remove.reduce((n, p) => n + p.storedBytes, 0) };

  // The needed blobs of mostly-dead packs go into new packs first (unless a kept pack holds them too).
  const keptElsewhere = (id: string, except: Set<string>) => [...store.index.locate(store.placeName, [id]).values()].some((l) => !except.has(l.pack));
  const leaving = new Set([...remove, ...repack].map((p) => p.id));
  // Blobs keep their protection: those of an encrypted pack go into encrypted packs, plain ones into plain packs.
  const plainWriter = createPackWriter({ place: store.place, level: o.level });
  const encryptedWriter = o.encryptTo ? createPackWriter({ place: store.place, level: o.level, encryptTo: o.encryptTo }) : undefined;
  const moved = new Set<string>();
  for (const pack of repack) {
    if (pack.encrypted && !encryptedWriter) throw new Error('collectGarbage: an encrypted pack needs the repository key\'s recipient to be repacked');
    const writer = pack.encrypted ? (encryptedWriter as typeof plainWriter) : plainWriter;
    const plain = await readPack(store.place, { version: 1, pack: pack.id, blobs: store.index.blobsOf(pack.id) }, pack.encrypted, store.identity);
    for (const entry of pack.live) {
      if (moved.has(entry[0]) || keptElsewhere(entry[0], leaving)) continue;
      moved.add(entry[0]);
      await writer.add(entry[0], entry[1], takeBlob(plain, entry, store.idKey, `The pack ${pack.id} in ${store.place.label}`));
    }
  }
  const written = [...(await plainWriter.finish()), ...((await encryptedWriter?.finish()) ?? [])];
  store.index.addPacks(store.placeName, written);
  await o.checkpoint?.('gc:repacked');
  // Only now do the old packs go: the index first (nobody reads them any more), then their files.
  for (const pack of [...remove, ...repack]) {
    store.index.removePack(store.placeName, pack.id);
    const files = packFiles(pack.id, pack.encrypted);
    await store.place.remove(files.pack);
    await o.checkpoint?.('gc:pack-removed');
    await store.place.remove(files.index);
    result.freedBytes += pack.storedBytes;
  }
  result.freedBytes -= written.reduce((n, p) => n + p.storedBytes, 0);
  result.removedPacks = remove.length + repack.length;
  result.repackedPacks = repack.length;
  result.strays = await removeStrays(store);
  return result;
}

/** Removes pack and index files the local index does not name: what a crash left half-written. */
async function removeStrays(store: StoreReader): Promise<number> {
  const known = new Set(store.index.packs(store.placeName).map((p) => p.id));
  let strays = 0;
  for (const f of await store.place.list('')) {
    const parsed = parsePackFile(f.name);
    if (parsed && known.has(parsed.id)) continue;
    // A file that is not a pack's or an index's is not Lifeboat's, unless it is a temp file it left.
    if (!parsed && !f.name.startsWith('.lifeboat-tmp-')) continue;
    await store.place.remove(f.name);
    strays++;
  }
  return strays;
}
