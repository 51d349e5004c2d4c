// The vault's page store, opened for one job: its folder (`<vault>/_pages`), the local index of its
// packs (`page-index.db` in the data folder, rebuilt from the packs when it does not match them),
// the repository key (from the secret store; made the first time; opened from the store's wrapped
// copies on a machine that lost it), and the lock that keeps garbage collection and backups apart.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { DecryptWith } from '../artifact/artifact-codec.ts';
import { rememberedPassphrase } from '../artifact/keys.ts';
import { pageStoreLockFile } from '../common/data-folder.ts';
import { acquireLock, type Lock } from '../common/locks.ts';
import { LifeboatError } from '../common/errors.ts';
import { folderPlace, PAGES_DIR, type PackPlace } from '../pages/pack-place.ts';
import { openPageIndex, rebuildPlaceIndex, type PageIndex } from '../pages/page-index.ts';
import type { StoreReader } from '../pages/page-map.ts';
import { parsePackFile } from '../pages/packs.ts';
import { collectGarbage, type CollectResult } from '../pages/collect-garbage.ts';
import { DEFAULT_ZSTD_LEVEL } from '../artifact/artifact-codec.ts';
import { scanVault } from './vault.ts';
import { newRepositoryKey, packRecipient, parseKey, storeConfigSchema, unwrapKey, wrapKey, type RepositoryKey, type StoreConfig } from '../pages/repository-key.ts';
import type { EngineContext } from './context.ts';

const KEY_SECRET = 'page-store-key';
const CONFIG = 'config.json';
/** The vault's name in the page index (destinations go by their ids). */
export const VAULT_PLACE = 'vault';

/** The vault's page store, open; `close` releases the lock and the index. */
export interface VaultPageStore extends StoreReader {
  key: RepositoryKey;
  /** The age recipient encrypted packs are encrypted to. */
  recipient: string;
  close(): Promise<void>;
}

/** Where the vault's page store is. */
export function vaultPlace(ctx: Pick<EngineContext, 'vaultDir'>): PackPlace {
  return folderPlace(path.join(ctx.vaultDir, PAGES_DIR));
}

/**
 * Opens the vault's page store for one job, holding its lock (waiting up to `waitMs` for another
 * job's). `keys` opens the repository key from its wrapped copies when this machine does not hold it.
 * `unlocked` opens it to read while other jobs go on (a long upload must not hold up backups): the
 * index is taken as it is, and a pack garbage collection moved meanwhile is looked up again.
 */
export async function openVaultPageStore(ctx: EngineContext, o: { what: string; keys?: DecryptWith; waitMs?: number; unlocked?: boolean }): Promise<VaultPageStore> {
  const lock: Lock | undefined = o.unlocked ? undefined : await acquireLock(pageStoreLockFile(ctx), o.what, { waitMs: o.waitMs ?? 10 * 60_000 });
  let index: PageIndex | undefined;
  try {
    const place = vaultPlace(ctx);
    const key = await repositoryKey(ctx, place, o.keys);
    index = openPageIndex(path.join(ctx.dataDir, 'page-index.db'));
    if (lock) await syncIndex(index, place, key.identity);
    const opened = index;
    return {
      place,
      placeName: VAULT_PLACE,
      index,
      idKey: Buffer.from(key.idKey, 'hex'),
      identity: key.identity,
      key,
      recipient: await packRecipient(key),
      close: async () => {
        opened.close();
        await lock?.release();
      },
    };
  } catch (e) {
    index?.close();
    await lock?.release();
    throw e;
  }
}

/**
 * The page store of a folder laid out like a vault (a folder destination, a copy of one), read-only:
 * an index built in memory from its packs' index files, and the key that opens it (this machine's
 * when it is the same store; else a wrapped copy there, opened with `keys` or the remembered passphrase).
 */
export async function openFolderPageStore(ctx: EngineContext, folder: string, o: { keys?: DecryptWith } = {}): Promise<VaultPageStore> {
  const place = folderPlace(path.join(folder, PAGES_DIR));
  const config = await readConfig(place);
  if (!config) throw new LifeboatError('not-found', `${folder} holds no page store`, 'Choose the folder that holds the restore points (its _pages folder beside the sources\' folders)');
  const kept = await ctx.secrets.get(KEY_SECRET);
  let key = kept ? parseKey(kept, 'The page store key in the secret store') : undefined;
  if (key?.repository !== config.repository) {
    const remembered = await rememberedPassphrase(ctx);
    key = await openWrappedKey(place, { passphrases: [...(o.keys?.passphrases ?? []), ...(remembered ? [remembered.passphrase] : [])], identities: o.keys?.identities ?? [] });
    if (!key && config.idKey) key = { version: 1, repository: config.repository, idKey: config.idKey, identity: await newRepositoryKey().then((k) => k.identity) };
  }
  if (!key || key.repository !== config.repository) throw new LifeboatError('wrong-key', `The page store in ${folder} is encrypted and no key given opens it`, 'Give the passphrase or the age key its restore points were encrypted with');
  const index = openPageIndex(':memory:');
  await rebuildPlaceIndex(index, 'folder', place, key.identity);
  return { place, placeName: 'folder', index, idKey: Buffer.from(key.idKey, 'hex'), identity: key.identity, key, recipient: await packRecipient(key), close: async () => index.close() };
}

/** Rebuilds the index's view of the vault when it does not name exactly the packs there. */
async function syncIndex(index: PageIndex, place: PackPlace, identity: string): Promise<void> {
  const onDisk = new Set((await place.list('')).flatMap((f) => {
    const p = parsePackFile(f.name);
    return p?.kind === 'pack' ? [p.id] : [];
  }));
  const known = index.packs(VAULT_PLACE).map((p) => p.id);
  if (known.length === onDisk.size && known.every((id) => onDisk.has(id))) return;
  await rebuildPlaceIndex(index, VAULT_PLACE, place, identity);
}

async function readConfig(place: PackPlace): Promise<StoreConfig | undefined> {
  const bytes = await place.load(CONFIG, 64 * 1024);
  if (!bytes) return undefined;
  const parsed = storeConfigSchema.safeParse(JSON.parse(bytes.toString('utf8')));
  if (!parsed.success) throw new LifeboatError('bad-manifest', `${place.label}/${CONFIG} is not a page store's settings`, 'It was damaged or edited; move it away and run `lifeboat reindex`');
  return parsed.data;
}

/**
 * This data folder's repository key: the secret store's; else the one a wrapped copy in the store
 * opens (with the remembered passphrase or `keys`), kept from then on; else, for a store that has
 * none yet, a new one. The store's config is written the first time (with the id key in plain: the
 * vault holds plain packs beside it; see docs/page-store.md).
 */
export async function repositoryKey(ctx: EngineContext, place: PackPlace, keys: DecryptWith = {}): Promise<RepositoryKey> {
  const kept = await ctx.secrets.get(KEY_SECRET);
  const config = await readConfig(place);
  if (kept) {
    const key = parseKey(kept, 'The page store key in the secret store');
    if (config && config.repository !== key.repository) {
      throw new LifeboatError('bad-manifest', `The page store in ${place.label} belongs to another Lifeboat data folder`, 'Point the vault at this data folder\'s own vault (Settings), or move that folder away');
    }
    if (!config) await place.save(CONFIG, Buffer.from(JSON.stringify({ version: 1, repository: key.repository, idKey: key.idKey } satisfies StoreConfig)));
    return key;
  }
  if (config) {
    const remembered = await rememberedPassphrase(ctx);
    const opened = await openWrappedKey(place, { passphrases: [...(keys.passphrases ?? []), ...(remembered ? [remembered.passphrase] : [])], identities: keys.identities ?? [] });
    if (opened && opened.repository === config.repository) {
      await ctx.secrets.set(KEY_SECRET, JSON.stringify(opened));
      return opened;
    }
    // A store that never encrypted anything has no wrapped key: its id key is in its settings, and
    // this machine takes a new age identity for whatever it encrypts from now on.
    if (config.idKey && (await place.list('key-')).length === 0) {
      const adopted: RepositoryKey = { version: 1, repository: config.repository, idKey: config.idKey, identity: (await newRepositoryKey()).identity };
      await ctx.secrets.set(KEY_SECRET, JSON.stringify(adopted));
      return adopted;
    }
    throw new LifeboatError('wrong-key', `The page store in ${place.label} was made on another machine (or its key was lost here), and no key given opens it`, 'Give the passphrase (`lifeboat passphrase set`) or the age key (`--identity`) its restore points were encrypted with');
  }
  const key = await newRepositoryKey();
  await ctx.secrets.set(KEY_SECRET, JSON.stringify(key));
  await place.save(CONFIG, Buffer.from(JSON.stringify({ version: 1, repository: key.repository, idKey: key.idKey } satisfies StoreConfig)));
  return key;
}

async function openWrappedKey(place: PackPlace, keys: DecryptWith): Promise<RepositoryKey | undefined> {
  for (const f of await place.list('key-')) {
    const wrapped = await place.load(f.name, 64 * 1024);
    const key = wrapped && (await unwrapKey(wrapped, keys, `${place.label}/${f.name}`));
    if (key) return key;
  }
  return undefined;
}

/**
 * Keeps the store's wrapped copies of the key in line with the settings: one for the remembered
 * passphrase (an older passphrase's copy goes once the new one is written) and one for each set of
 * age recipients a source or destination encrypts to. Nothing is encrypted again.
 */
export async function wrapKeyForSettings(ctx: EngineContext, place: PackPlace, key: RepositoryKey): Promise<void> {
  const settings = ctx.settings.read();
  const existing = new Set((await place.list('key-')).map((f) => f.name));
  const wanted = new Set<string>();
  const remembered = await rememberedPassphrase(ctx);
  if (remembered) {
    // Named by the passphrase's key id (random), never by anything derived from the passphrase.
    const name = `key-passphrase-${remembered.keyId}.age`;
    wanted.add(name);
    if (!existing.has(name)) await place.save(name, await wrapKey(key, { passphrase: remembered.passphrase, scryptWorkFactor: settings.scryptWorkFactor }));
  }
  const recipientSets = [...settings.sources.map((s) => s.encryption), ...settings.destinations.map((d) => d.encrypt)].flatMap((e) => (e?.kind === 'recipients' ? [[...e.recipients].sort()] : []));
  for (const recipients of recipientSets) {
    const name = `key-recipients-${digest(recipients.join(','))}.age`;
    wanted.add(name);
    if (!existing.has(name)) await place.save(name, await wrapKey(key, { recipients }));
  }
  for (const name of existing) if (name.startsWith('key-passphrase-') && !wanted.has(name) && remembered) await place.remove(name);
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * After restore points left the vault: removes from its page store what no restore point still in
 * the vault needs (read from the manifests on disk once the store's lock is held, so a backup that
 * listed its restore point a moment ago is counted), repacking mostly dead packs. Nothing is done
 * when the vault has no page store, or while a manifest in it cannot be read (`verify` reports it).
 */
export async function collectVaultGarbage(ctx: EngineContext, o: { whenDue?: boolean } = {}): Promise<CollectResult | undefined> {
  if (!(await readConfig(vaultPlace(ctx)))) return undefined;
  const store = await openVaultPageStore(ctx, { what: 'cleaning up the page store' });
  try {
    if (o.whenDue && !garbageDue(store.index, 'gc:vault', ctx.now())) return undefined;
    const { manifests, problems } = await scanVault(ctx.vaultDir);
    // A manifest that cannot be read may still name blobs: nothing is removed until it is dealt with.
    if (problems.length) return undefined;
    const maps = manifests.flatMap((m) => (m.pages && m.pages.repository === store.key.repository ? [{ map: m.pages.map }] : []));
    const result = await collectGarbage(store, maps, { level: DEFAULT_ZSTD_LEVEL, encryptTo: store.recipient, checkpoint: ctx.checkpoint });
    store.index.setNote('gc:vault', ctx.now().toISOString());
    return result;
  } finally {
    await store.close();
  }
}

/** How often garbage is collected after backups (a person's `prune` collects at once). */
const GC_EVERY_MS = 24 * 60 * 60_000;

/** Whether garbage collection noted under `key` is due: never ran, or ran a day ago or more (or in the future: the clock moved back). */
export function garbageDue(index: PageIndex, key: string, now: Date): boolean {
  const last = Date.parse(index.note(key) ?? '');
  return Number.isNaN(last) || now.getTime() - last >= GC_EVERY_MS || last > now.getTime();
}
