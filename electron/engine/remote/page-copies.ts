// Page-level restore points at a destination: its page store (`_pages/` in its storage) receives the
// packs a restore point needs that it does not hold yet, its settings and the wrapped keys, then the
// manifest; a pull brings back the packs the vault lacks; a check reads every blob a restore point
// needs there; garbage collection there removes packs no restore point kept there needs (no
// repacking at a destination: that would mean downloading and sending again). The local index keeps
// what each destination holds (place `dest:<id>`), checked against the destination's own listing.
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import type { Destination, Manifest } from '../../../shared/model.ts';
import { DEFAULT_ZSTD_LEVEL } from '../artifact/artifact-codec.ts';
import { LifeboatError, isLifeboatError } from '../common/errors.ts';
import { withLock } from '../common/locks.ts';
import { ID_BYTES } from '../pages/blob-id.ts';
import { collectGarbage, type CollectResult } from '../pages/collect-garbage.ts';
import type { PackPlace } from '../pages/pack-place.ts';
import { openPageIndex, type PageIndex } from '../pages/page-index.ts';
import { readBlobs, readMap, type StoreReader } from '../pages/page-map.ts';
import { packFiles, parsePackFile, readPackIndex, type WrittenPack } from '../pages/packs.ts';
import type { ConfiguredDestination } from '../storage/restore-points.ts';
import type { EngineContext } from '../vault/context.ts';
import { garbageDue, openVaultPageStore, vaultPlace, wrapKeyForSettings, type VaultPageStore } from '../vault/page-store.ts';
import { storagePlace } from './page-place.ts';

const PACK_MAX_BYTES = 64 << 20;
const SMALL_MAX_BYTES = 1 << 20;

/** The name of a destination in the page index. */
const placeOf = (d: Destination) => `dest:${d.id}`;

/**
 * Runs `fn` holding the lock of a destination's page store: sending pages and then the manifest
 * that names them is one step for garbage collection there, which never sees the pages without it.
 */
export function withPagesAt<T>(ctx: EngineContext, d: Destination, what: string, fn: () => Promise<T>): Promise<T> {
  return withLock(path.join(ctx.dataDir, 'locks', `pages-${d.id}.lock`), what, fn, { waitMs: 30 * 60_000 });
}

/** The page store of one destination, as a PackPlace. */
function destinationPlace(ctx: EngineContext, target: ConfiguredDestination): PackPlace {
  return storagePlace(target.store.storage, { dataDir: ctx.dataDir, where: target.destination.name, sleep: ctx.sleep });
}

/** Every blob a page-level restore point needs: its map's chunks and the pages they name. */
async function neededBy(store: StoreReader, pages: NonNullable<Manifest['pages']>): Promise<Set<string>> {
  const ids = await readMap(store, pages.map, pages.pageCount);
  const needed = new Set(pages.map);
  for (let at = 0; at < ids.length; at += ID_BYTES) needed.add(ids.subarray(at, at + ID_BYTES).toString('hex'));
  return needed;
}

/**
 * Brings the index's view of a destination in line with what it holds (one listing): packs gone
 * there are forgotten, packs it holds that the index does not know (another machine's, or a crash
 * after sending) are read from their index files.
 */
async function syncDestinationIndex(index: PageIndex, placeName: string, place: PackPlace, identity: string | undefined): Promise<Set<string>> {
  const files = await place.list('');
  const packs = new Map<string, { encrypted: boolean; bytes: number }>();
  const indexes = new Map<string, number>();
  for (const f of files) {
    const p = parsePackFile(f.name);
    if (p?.kind === 'pack') packs.set(p.id, { encrypted: p.encrypted, bytes: f.bytes });
    if (p?.kind === 'index') indexes.set(p.id, f.bytes);
  }
  const known = new Set(index.packs(placeName).map((p) => p.id));
  for (const id of known) if (!packs.has(id) || !indexes.has(id)) index.removePack(placeName, id);
  const found: WrittenPack[] = [];
  for (const [id, pack] of packs) {
    if (known.has(id) || !indexes.has(id)) continue;
    const idx = await readPackIndex(place, id, pack.encrypted, identity).catch(() => undefined);
    if (!idx) continue; // an index that cannot be read: the pack is sent again when it is needed
    found.push({ id, blobs: idx.blobs, encrypted: pack.encrypted, storedBytes: pack.bytes + (indexes.get(id) ?? 0), plainBytes: idx.blobs.reduce((n, [, , o, l]) => Math.max(n, o + l), 0) });
  }
  index.addPacks(placeName, found);
  return new Set(files.map((f) => f.name));
}

/** Whether what goes to `destination` of this restore point is encrypted there. */
const encryptedAt = (destination: Destination, manifest: Manifest) => destination.encrypt !== undefined || manifest.pages?.encrypted === true;

/**
 * Sends what restore point `manifest` (page-level) needs that the destination lacks: the packs
 * holding its blobs (encrypted on the way where the destination encrypts), the store's settings
 * and the wrapped keys. Returns the bytes sent. The caller then writes the manifest there.
 */
export async function sendPages(ctx: EngineContext, manifest: Manifest, target: ConfiguredDestination, o: { onBytes?: (b: number) => void; signal?: AbortSignal } = {}): Promise<number> {
  const pages = manifest.pages as NonNullable<Manifest['pages']>;
  // Read while backups go on: a pack garbage collection moved meanwhile is looked up again.
  const vault = await openVaultPageStore(ctx, { what: `copying ${manifest.id} to ${target.destination.name}`, unlocked: true });
  try {
    if (encryptedAt(target.destination, manifest)) await wrapKeyForSettings(ctx, vault.place, vault.key);
    const place = destinationPlace(ctx, target);
    const placeName = placeOf(target.destination);
    const there = await syncDestinationIndex(vault.index, placeName, place, vault.identity);
    let sent = await sendSettings(vault, place, there, encryptedAt(target.destination, manifest));
    const needed = await neededBy(vault, pages);
    // Where the destination encrypts, a page it holds only in a plain pack (sent before encryption
    // was switched on) is sent again, encrypted, and the plain pack goes.
    const encryptedOnly = encryptedAt(target.destination, manifest);
    const held = vault.index.held(placeName, [...needed], { encryptedOnly });
    const missing = [...needed].filter((id) => !held.has(id));
    for (let attempt = 0; missing.length > 0; attempt++) {
      const packs = new Set([...vault.index.locate(vault.placeName, missing).values()].map((l) => l.pack));
      if (packs.size === 0 || attempt > 1) throw new LifeboatError('tampered', `The vault's page store lacks pages restore point ${manifest.id} needs`, 'Run `lifeboat verify` to find what it affects');
      for (const pack of packs) {
        o.signal?.throwIfAborted();
        sent += await sendPack(vault, place, placeName, pack, encryptedAt(target.destination, manifest)).catch((e: unknown) => {
          if (isLifeboatError(e) && e.code === 'not-found') return 0; // moved by garbage collection: looked up again
          throw e;
        });
        o.onBytes?.(sent);
      }
      const nowHeld = vault.index.held(placeName, missing, { encryptedOnly });
      missing.splice(0, missing.length, ...missing.filter((id) => !nowHeld.has(id)));
    }
    return sent;
  } finally {
    await vault.close();
  }
}

/** The store's settings and wrapped keys, where the destination lacks them; returns the bytes sent. */
async function sendSettings(vault: VaultPageStore, place: PackPlace, there: Set<string>, encrypted: boolean): Promise<number> {
  let sent = 0;
  if (!there.has('config.json')) {
    // Where packs are encrypted, the id key stays inside the wrapped key.
    const config = Buffer.from(JSON.stringify({ version: 1, repository: vault.key.repository, ...(encrypted ? {} : { idKey: vault.key.idKey }) }));
    await place.save('config.json', config);
    sent += config.length;
  }
  for (const f of await vault.place.list('key-')) {
    if (there.has(f.name)) continue;
    const bytes = await vault.place.load(f.name, SMALL_MAX_BYTES);
    if (!bytes) continue;
    await place.save(f.name, bytes);
    sent += bytes.length;
  }
  return sent;
}

/** Sends one vault pack (and then its index) to a destination, encrypting it on the way if needed. */
async function sendPack(vault: VaultPageStore, place: PackPlace, placeName: string, pack: string, encrypt: boolean): Promise<number> {
  const indexed = vault.index.packs(vault.placeName).find((p) => p.id === pack);
  if (!indexed) throw new LifeboatError('not-found', `pack ${pack} is no longer in the vault`, '');
  const from = packFiles(pack, indexed.encrypted);
  const [packBytes, indexBytes] = [await vault.place.load(from.pack, PACK_MAX_BYTES), await vault.place.load(from.index, SMALL_MAX_BYTES)];
  if (!packBytes || !indexBytes) throw new LifeboatError('not-found', `pack ${pack} is no longer in the vault`, '');
  const encryptNow = encrypt && !indexed.encrypted;
  const seal = async (b: Buffer) => (encryptNow ? collect(Readable.from([b]).pipe((await import('../artifact/age-stream.ts')).ageEncryptStream({ recipients: [vault.recipient] }))) : b);
  const to = packFiles(pack, indexed.encrypted || encryptNow);
  const [packOut, indexOut] = [await seal(packBytes), await seal(indexBytes)];
  // The pack first, then its index: an index there never names a pack that is not there.
  await place.save(to.pack, packOut);
  await place.save(to.index, indexOut);
  if (encryptNow) {
    // A plain copy of the same pack sent before encryption was switched on goes now.
    const plainThere = packFiles(pack, false);
    await place.remove(plainThere.index);
    await place.remove(plainThere.pack);
  }
  vault.index.addPacks(placeName, [{ id: pack, blobs: vault.index.blobsOf(pack), encrypted: indexed.encrypted || encryptNow, storedBytes: packOut.length + indexOut.length, plainBytes: indexed.plainBytes }]);
  return packOut.length + indexOut.length;
}

/** A StoreReader over a destination's page store with an index of its own (built from its index files). */
async function destinationReader(ctx: EngineContext, target: ConfiguredDestination, vault: VaultPageStore): Promise<StoreReader & { close(): void }> {
  const index = openPageIndex(':memory:');
  const place = destinationPlace(ctx, target);
  await syncDestinationIndex(index, 'dest', place, vault.identity);
  return { place, placeName: 'dest', index, idKey: vault.idKey, identity: vault.identity, close: () => index.close() };
}

/**
 * Brings the packs restore point `manifest` needs that the vault lacks from a destination into the
 * vault's page store (as they are stored there); the caller writes the manifest. The vault's store
 * must be the destination's (the same repository): on a new machine the destination's settings and
 * wrapped keys are adopted first, and `keys` (or the remembered passphrase) open them.
 */
export async function pullPages(ctx: EngineContext, target: ConfiguredDestination, manifest: Manifest, o: { keys?: { passphrases?: string[]; identities?: string[] }; signal?: AbortSignal } = {}): Promise<number> {
  const pages = manifest.pages as NonNullable<Manifest['pages']>;
  const place = destinationPlace(ctx, target);
  await adoptSettings(ctx, place, pages.repository);
  const vault = await openVaultPageStore(ctx, { what: `fetching ${manifest.id}`, keys: o.keys });
  const remote = await destinationReader(ctx, target, vault);
  try {
    if (vault.key.repository !== pages.repository) {
      throw new LifeboatError('usage', `Restore point ${manifest.id} on ${target.destination.name} belongs to another Lifeboat's page store than this vault's`, 'Restore it into a file with `lifeboat restore ID --to FILE --from DESTINATION` on a machine set up with that page store, or with tools/rebuild-from-pages.py');
    }
    const needed = await neededBy(remote, pages);
    const held = vault.index.held(vault.placeName, [...needed]);
    const missing = [...needed].filter((id) => !held.has(id));
    const packs = new Set([...remote.index.locate('dest', missing).values()].map((l) => l.pack));
    let fetched = 0;
    for (const pack of packs) {
      o.signal?.throwIfAborted();
      const info = remote.index.packs('dest').find((p) => p.id === pack) as NonNullable<ReturnType<PageIndex['packs']>[number]>;
      const names = packFiles(pack, info.encrypted);
      const [packBytes, indexBytes] = [await place.load(names.pack, PACK_MAX_BYTES), await place.load(names.index, SMALL_MAX_BYTES)];
      if (!packBytes || !indexBytes) throw new LifeboatError('tampered', `${target.destination.name} lacks the pack ${pack} restore point ${manifest.id} needs`, 'Try another destination, or another restore point');
      await vault.place.save(names.pack, packBytes);
      await vault.place.save(names.index, indexBytes);
      vault.index.addPacks(vault.placeName, [{ ...info, blobs: remote.index.blobsOf(pack) }]);
      fetched += packBytes.length + indexBytes.length;
    }
    // Every blob it needs is now in the vault, each checked against its id as it is read.
    await readBlobs(vault, needed, () => undefined);
    return fetched;
  } finally {
    remote.close();
    await vault.close();
  }
}

/** On a machine whose vault has no page store yet: the destination's settings and wrapped keys become the vault's. */
async function adoptSettings(ctx: EngineContext, place: PackPlace, repository: string): Promise<void> {
  const vaultPlaceNow = vaultPlace(ctx);
  if (await vaultPlaceNow.load('config.json', SMALL_MAX_BYTES)) return;
  const config = await place.load('config.json', SMALL_MAX_BYTES);
  if (!config) throw new LifeboatError('tampered', `${place.label} has no config.json for its restore points`, 'Try another destination');
  const parsed = JSON.parse(config.toString('utf8')) as { repository?: string };
  if (parsed.repository !== repository) throw new LifeboatError('tampered', `${place.label}'s config.json names another page store than its restore points`, 'Try another destination');
  for (const f of await place.list('key-')) {
    const bytes = await place.load(f.name, SMALL_MAX_BYTES);
    if (bytes) await vaultPlaceNow.save(f.name, bytes);
  }
  await vaultPlaceNow.save('config.json', config);
}

/** Reads every blob a page-level restore point needs at a destination, each checked against its id. */
export async function checkPagesAt(ctx: EngineContext, target: ConfiguredDestination, manifest: Manifest, o: { signal?: AbortSignal } = {}): Promise<void> {
  const vault = await openVaultPageStore(ctx, { what: `checking ${manifest.id} on ${target.destination.name}`, unlocked: true });
  const remote = await destinationReader(ctx, target, vault);
  try {
    const needed = await neededBy(remote, manifest.pages as NonNullable<Manifest['pages']>);
    await readBlobs(remote, needed, () => o.signal?.throwIfAborted());
  } finally {
    remote.close();
    await vault.close();
  }
}

/**
 * Removes the packs at a destination that no page-level restore point there needs (its listing,
 * read under the lock of its page store, so a copy being sent is counted). Nothing is repacked
 * there; nothing is removed while one of its manifests could not be read.
 */
export function collectGarbageAt(ctx: EngineContext, target: ConfiguredDestination, o: { whenDue?: boolean } = {}): Promise<CollectResult | undefined> {
  return withPagesAt(ctx, target.destination, `cleaning up ${target.destination.name}`, () => collectAt(ctx, target, o));
}

async function collectAt(ctx: EngineContext, target: ConfiguredDestination, o: { whenDue?: boolean }): Promise<CollectResult | undefined> {
  const noteKey = `gc:${placeOf(target.destination)}`;
  const vault = await openVaultPageStore(ctx, { what: `cleaning up ${target.destination.name}`, unlocked: true });
  try {
    if (o.whenDue && !garbageDue(vault.index, noteKey, ctx.now())) return undefined;
    const listing = await target.store.list();
    if (listing.problems.length) return undefined;
    const remote = await destinationReader(ctx, target, vault);
    try {
      if (remote.index.packs('dest').length === 0) return undefined;
      const maps = listing.points.flatMap((p) => (p.manifest.pages && p.manifest.pages.repository === vault.key.repository ? [{ map: p.manifest.pages.map }] : []));
      const result = await collectGarbage(remote, maps, { level: DEFAULT_ZSTD_LEVEL, repackBelow: 0 });
      vault.index.setNote(noteKey, ctx.now().toISOString());
      // The local view of that destination follows.
      await syncDestinationIndex(vault.index, placeOf(target.destination), remote.place, vault.identity);
      return result;
    } finally {
      remote.close();
    }
  } finally {
    await vault.close();
  }
}
