// The local index of a page store: which packs each place holds and which blobs each pack holds, in
// a SQLite file in the data folder. A cache of what the packs' own index files say: lost, it is
// rebuilt from them (rebuildPlaceIndex).
import Database from 'better-sqlite3';
import type { BlobKind } from './blob-id.ts';
import { parsePackFile, readPackIndex, type PackEntry, type WrittenPack } from './packs.ts';
import type { PackPlace } from './pack-place.ts';

/** A pack at a place, as the index knows it. */
export interface IndexedPack {
  id: string;
  encrypted: boolean;
  storedBytes: number;
  plainBytes: number;
}

/** Where one blob is: the pack at the place that holds it, and its entry there. */
export interface BlobLocation {
  pack: string;
  encrypted: boolean;
  entry: PackEntry;
}

export interface PageIndex {
  /** Records packs written to `place` (after they are durable there). */
  addPacks(place: string, packs: WrittenPack[]): void;
  /** Whether `place` holds blob `id`. */
  has(place: string, id: string): boolean;
  /** Which of `ids` `place` holds (one query for many ids); `encryptedOnly`: only in encrypted packs. */
  held(place: string, ids: string[], o?: { encryptedOnly?: boolean }): Set<string>;
  /** Where each of `ids` is at `place` (ids it does not hold are absent from the result). */
  locate(place: string, ids: Iterable<string>): Map<string, BlobLocation>;
  /** The packs `place` holds. */
  packs(place: string): IndexedPack[];
  /** The blobs of one pack. */
  blobsOf(pack: string): PackEntry[];
  /** Forgets a pack at `place` (and its blobs once no place holds it). */
  removePack(place: string, pack: string): void;
  /** Keeps the page ids of a source's newest restore point (its next backup compares with them). */
  rememberMap(sourceId: string, restorePointId: string, ids: Buffer): void;
  /** The page ids last remembered for a source, and of which restore point. */
  lastMap(sourceId: string): { restorePointId: string; ids: Buffer } | undefined;
  /** A small note kept with the index (when garbage was last collected at a place); undefined removes it. */
  setNote(key: string, value: string | undefined): void;
  note(key: string): string | undefined;
  /** Forgets everything about `place`. */
  clearPlace(place: string): void;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS packs (place TEXT NOT NULL, id TEXT NOT NULL, encrypted INTEGER NOT NULL, stored_bytes INTEGER NOT NULL, plain_bytes INTEGER NOT NULL, PRIMARY KEY (place, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (id TEXT NOT NULL, pack TEXT NOT NULL, kind TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL, PRIMARY KEY (id, pack)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blobs_by_pack ON blobs (pack);
CREATE TABLE IF NOT EXISTS last_maps (source TEXT PRIMARY KEY, restore_point TEXT NOT NULL, ids BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

interface BlobRow {
  id: string;
  pack: string;
  kind: BlobKind;
  offset: number;
  length: number;
  encrypted: number;
}

/** Opens (creating if needed) the index in `file`. */
export function openPageIndex(file: string): PageIndex {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  const insertPack = db.prepare('INSERT OR REPLACE INTO packs (place, id, encrypted, stored_bytes, plain_bytes) VALUES (?, ?, ?, ?, ?)');
  const insertBlob = db.prepare('INSERT OR IGNORE INTO blobs (id, pack, kind, offset, length) VALUES (?, ?, ?, ?, ?)');
  const hasBlob = db.prepare('SELECT 1 FROM blobs b JOIN packs p ON p.id = b.pack AND p.place = ? WHERE b.id = ? LIMIT 1').pluck();
  // Many ids per query (a JSON array): one statement per thousand pages, not one per page. CROSS
  // JOIN keeps SQLite's order: each id of the array looked up by key, never a scan of every blob.
  const heldOf = db.prepare('SELECT DISTINCT b.id FROM json_each(?) j CROSS JOIN blobs b ON b.id = j.value CROSS JOIN packs p ON p.id = b.pack AND p.place = ? AND p.encrypted >= ?').pluck();
  const findMany = db.prepare('SELECT b.id, b.pack, b.kind, b.offset, b.length, p.encrypted FROM json_each(?) j CROSS JOIN blobs b ON b.id = j.value CROSS JOIN packs p ON p.id = b.pack AND p.place = ?');
  const addPacks = db.transaction((place: string, packs: WrittenPack[]) => {
    for (const p of packs) {
      insertPack.run(place, p.id, p.encrypted ? 1 : 0, p.storedBytes, p.plainBytes);
      for (const [id, kind, offset, length] of p.blobs) insertBlob.run(id, p.id, kind, offset, length);
    }
  });
  const dropPack = db.transaction((place: string, pack: string) => {
    db.prepare('DELETE FROM packs WHERE place = ? AND id = ?').run(place, pack);
    if (!db.prepare('SELECT 1 FROM packs WHERE id = ?').get(pack)) db.prepare('DELETE FROM blobs WHERE pack = ?').run(pack);
  });
  return {
    addPacks: (place, packs) => addPacks(place, packs),
    has: (place, id) => hasBlob.get(place, id) !== undefined,
    held: (place, ids, o = {}) => new Set(ids.length ? (heldOf.all(JSON.stringify(ids), place, o.encryptedOnly ? 1 : 0) as string[]) : []),
    locate(place, ids) {
      const out = new Map<string, BlobLocation>();
      const all = [...new Set(ids)];
      for (let at = 0; at < all.length; at += 4096) {
        for (const row of findMany.all(JSON.stringify(all.slice(at, at + 4096)), place) as BlobRow[]) {
          if (!out.has(row.id)) out.set(row.id, { pack: row.pack, encrypted: row.encrypted === 1, entry: [row.id, row.kind, row.offset, row.length] });
        }
      }
      return out;
    },
    packs: (place) =>
      (db.prepare('SELECT id, encrypted, stored_bytes AS storedBytes, plain_bytes AS plainBytes FROM packs WHERE place = ? ORDER BY id').all(place) as (Omit<IndexedPack, 'encrypted'> & { encrypted: number })[]).map((p) => ({
        ...p,
        encrypted: p.encrypted === 1,
      })),
    blobsOf: (pack) => (db.prepare('SELECT id, kind, offset, length FROM blobs WHERE pack = ? ORDER BY offset').all(pack) as { id: string; kind: BlobKind; offset: number; length: number }[]).map((b) => [b.id, b.kind, b.offset, b.length]),
    removePack: (place, pack) => dropPack(place, pack),
    rememberMap: (sourceId, restorePointId, ids) => void db.prepare('INSERT OR REPLACE INTO last_maps (source, restore_point, ids) VALUES (?, ?, ?)').run(sourceId, restorePointId, ids),
    lastMap: (sourceId) => {
      const row = db.prepare('SELECT restore_point AS restorePointId, ids FROM last_maps WHERE source = ?').get(sourceId) as { restorePointId: string; ids: Buffer } | undefined;
      return row;
    },
    setNote: (key, value) => {
      if (value === undefined) db.prepare('DELETE FROM notes WHERE key = ?').run(key);
      else db.prepare('INSERT OR REPLACE INTO notes (key, value) VALUES (?, ?)').run(key, value);
    },
    note: (key) => db.prepare('SELECT value FROM notes WHERE key = ?').pluck().get(key) as string | undefined,
    clearPlace: (place) => {
      for (const p of db.prepare('SELECT id FROM packs WHERE place = ?').pluck().all(place) as string[]) dropPack(place, p);
    },
    close: () => db.close(),
  };
}

/**
 * Rebuilds what the index knows of `place` from the index files there (every pack whose index can
 * be read; a pack without one is left out: nothing durable names it). Returns the packs it found.
 */
export async function rebuildPlaceIndex(index: PageIndex, placeName: string, place: PackPlace, identity?: string): Promise<number> {
  index.clearPlace(placeName);
  const found: WrittenPack[] = [];
  const files = await place.list('');
  const names = new Set(files.map((f) => f.name));
  for (const f of files) {
    const parsed = parsePackFile(f.name);
    if (!parsed || parsed.kind !== 'index') continue;
    const packName = f.name.replace(/\.index\.zst/, '.pack.zst');
    if (!names.has(packName)) continue;
    const idx = await readPackIndex(place, parsed.id, parsed.encrypted, identity);
    if (!idx) continue;
    const packBytes = files.find((x) => x.name === packName)?.bytes ?? 0;
    const plainBytes = idx.blobs.reduce((n, [, , offset, length]) => Math.max(n, offset + length), 0);
    found.push({ id: parsed.id, blobs: idx.blobs, encrypted: parsed.encrypted, storedBytes: packBytes + f.bytes, plainBytes });
  }
  index.addPacks(placeName, found);
  return found.length;
}
