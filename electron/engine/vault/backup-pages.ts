// A backup's copy stored as pages in the vault's page store (a page-level restore point): only the
// pages the vault does not hold yet are written, compared first with the source's previous restore
// point. The store stays open (its lock held) until the manifest that names the new blobs is listed,
// so garbage collection never removes them in between.
import type { EncryptionInfo, PagesInfo } from '../../../shared/model.ts';
import { hashFile, type HashResult } from '../common/durable-fs.ts';
import { storePages } from '../pages/store-database.ts';
import type { EngineContext } from './context.ts';
import { openVaultPageStore, wrapKeyForSettings, type VaultPageStore } from './page-store.ts';

export interface StoredAsPages {
  pages: PagesInfo;
  /** Size and SHA-256 of the whole database copy. */
  plain: HashResult;
  /** Bytes this restore point added to the vault (its new packs). */
  addedBytes: number;
  /** Plain bytes of the new blobs (for the compression ratio). */
  addedPlainBytes: number;
  /** The open store: `remember` once the manifest is listed, then `close`. */
  store: VaultPageStore;
  /** Keeps the page ids for the source's next backup (after the manifest is listed). */
  remember(restorePointId: string): void;
}

/** Stores the private copy `file` of source `sourceId` as pages; see the module comment. */
export async function storeAsPages(ctx: EngineContext, sourceId: string, file: string, o: { level: number; encryption?: EncryptionInfo; signal?: AbortSignal; onBytes?: (done: number, total: number) => void }): Promise<StoredAsPages> {
  const store = await openVaultPageStore(ctx, { what: `storing the pages of ${sourceId}` });
  try {
    if (o.encryption) await wrapKeyForSettings(ctx, store.place, store.key);
    // The source's previous restore point, if it is still listed: its blobs stay while the lock is held.
    const last = store.index.lastMap(sourceId);
    const previousMap = last && ctx.catalog.get(last.restorePointId) ? last.ids : undefined;
    const [stored, plain] = await Promise.all([
      storePages(file, { place: store.place, placeName: store.placeName, index: store.index, idKey: store.idKey, level: o.level, encryptTo: o.encryption ? store.recipient : undefined, previousMap, signal: o.signal, onBytes: o.onBytes }),
      hashFile(file, { signal: o.signal }),
    ]);
    return {
      pages: { pageSize: stored.pageSize, pageCount: stored.pageCount, map: stored.map, repository: store.key.repository, newPages: stored.newPages, encrypted: o.encryption !== undefined },
      plain,
      addedBytes: stored.packs.reduce((n, p) => n + p.storedBytes, 0),
      addedPlainBytes: stored.packs.reduce((n, p) => n + p.plainBytes, 0),
      store,
      remember: (restorePointId) => store.index.rememberMap(sourceId, restorePointId, stored.ids),
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
