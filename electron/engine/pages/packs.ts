// Packs: blobs grouped into files of about 8 MiB, compressed as one zstd stream and, where the place
// encrypts, age-encrypted to the repository key's recipient; beside each, its index (which blobs, at
// which offsets). A place receives a handful of files per restore point, not one per page, and a
// reader checks every blob against its id before it uses it. See docs/page-store.md.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { constants as zlibConstants, zstdCompress, zstdDecompress } from 'node:zlib';
import { z } from 'zod';
/** age (and its curves) is loaded only by the work that encrypts or decrypts a pack. */
const loadAge = () => import('../artifact/age-stream.ts');
import { LifeboatError } from '../common/errors.ts';
import { blobIdBytes, isBlobId, type BlobKind } from './blob-id.ts';
import type { PackPlace } from './pack-place.ts';

const compress = promisify(zstdCompress);
const decompress = promisify(zstdDecompress);

/** Plain bytes a pack collects before it is written. */
export const PACK_TARGET_BYTES = 8 << 20;
/** No pack is read beyond this (a pack is about 8 MiB; a blob is at most a 64 KiB page or a 16 KiB map chunk). */
const PACK_MAX_BYTES = 64 << 20;
const INDEX_MAX_BYTES = 16 << 20;

/** One blob of a pack: id, kind, and where it sits in the pack's plain bytes. */
export type PackEntry = [id: string, kind: BlobKind, offset: number, length: number];

const indexSchema = z.object({
  version: z.literal(1),
  pack: z.string().regex(/^[0-9a-f]{32}$/),
  blobs: z.array(z.tuple([z.string().refine(isBlobId), z.enum(['p', 'm']), z.number().int().nonnegative(), z.number().int().positive()])),
});
export type PackIndex = z.infer<typeof indexSchema>;

/** A pack as written: its id, its blobs, whether it is encrypted, and the bytes it took at the place. */
export interface WrittenPack {
  id: string;
  blobs: PackEntry[];
  encrypted: boolean;
  /** Bytes of the pack file and its index file at the place. */
  storedBytes: number;
  plainBytes: number;
}

/** The file names of a pack and its index (`ab12….pack.zst`, `ab12….index.zst`, `.age` when encrypted). */
export function packFiles(id: string, encrypted: boolean): { pack: string; index: string } {
  const stem = id;
  const age = encrypted ? '.age' : '';
  return { pack: `${stem}.pack.zst${age}`, index: `${stem}.index.zst${age}` };
}

/** Recognises a pack's or an index's file name: its id and whether it is encrypted. */
export function parsePackFile(name: string): { id: string; kind: 'pack' | 'index'; encrypted: boolean } | undefined {
  const m = /^([0-9a-f]{32})\.(pack|index)\.zst(\.age)?$/.exec(name);
  if (!m) return undefined;
  return { id: m[1] as string, kind: m[2] as 'pack' | 'index', encrypted: m[3] !== undefined };
}

export interface PackWriterOptions {
  place: PackPlace;
  /** zstd level of the pack's stream. */
  level: number;
  /** The repository key's recipient when the place encrypts; plain otherwise. */
  encryptTo?: string;
  targetBytes?: number;
}

/** Collects blobs and writes them as packs; `finish` writes what is left and says what was written. */
export interface PackWriter {
  /** Adds a blob (kept as given until its pack is written: the caller does not reuse `data`); resolves once the writer has room for more. */
  add(id: string, kind: BlobKind, data: Uint8Array): Promise<void>;
  /** Writes the last pack and returns every pack written, in order. */
  finish(): Promise<WrittenPack[]>;
}

/** Packs compressed at once (on libuv's threads) while this thread reads and names the next pages. */
const PACKS_IN_FLIGHT = 3;

/** A pack writer for one place. Packs are compressed (and encrypted) a few at a time, and written in order. */
export function createPackWriter(opts: PackWriterOptions): PackWriter {
  const target = opts.targetBytes ?? PACK_TARGET_BYTES;
  const written: WrittenPack[] = [];
  let parts: Buffer[] = [];
  let entries: PackEntry[] = [];
  let size = 0;
  let writing: Promise<void> = Promise.resolve();
  const inFlight: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  const flush = async () => {
    // Room for one more: wait for the oldest pack in flight to be written.
    while (inFlight.length >= PACKS_IN_FLIGHT) await inFlight.shift();
    if (failure) throw failure.error;
    if (entries.length === 0) return;
    const plain = Buffer.concat(parts, size);
    const blobs = entries;
    parts = [];
    entries = [];
    size = 0;
    const encoded = encodePack(opts, plain, blobs);
    encoded.catch(() => undefined); // reported through `failure` below
    // Written in order, each once it is encoded; a failure is kept for the next add or finish to throw.
    writing = writing.then(async () => {
      if (failure) return;
      try {
        written.push(await savePack(opts.place, await encoded));
      } catch (error) {
        failure ??= { error };
      }
    });
    inFlight.push(writing);
  };
  return {
    async add(id, kind, data) {
      if (failure) throw failure.error;
      entries.push([id, kind, size, data.length]);
      parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      size += data.length;
      if (size >= target) await flush();
    },
    async finish() {
      await flush();
      await writing;
      if (failure) throw failure.error;
      return written;
    },
  };
}

interface EncodedPack {
  id: string;
  blobs: PackEntry[];
  encrypted: boolean;
  pack: Buffer;
  index: Buffer;
  plainBytes: number;
}

async function encodePack(opts: PackWriterOptions, plain: Buffer, blobs: PackEntry[]): Promise<EncodedPack> {
  const id = randomBytes(16).toString('hex');
  const index = Buffer.from(JSON.stringify({ version: 1, pack: id, blobs } satisfies PackIndex));
  const [pack, packIndex] = await Promise.all([encode(plain, opts), encode(index, opts)]);
  return { id, blobs, encrypted: opts.encryptTo !== undefined, pack, index: packIndex, plainBytes: plain.length };
}

async function savePack(place: PackPlace, p: EncodedPack): Promise<WrittenPack> {
  const files = packFiles(p.id, p.encrypted);
  // The pack first, then its index: an index never names a pack that is not there.
  await place.save(files.pack, p.pack);
  await place.save(files.index, p.index);
  return { id: p.id, blobs: p.blobs, encrypted: p.encrypted, storedBytes: p.pack.length + p.index.length, plainBytes: p.plainBytes };
}

async function encode(plain: Buffer, opts: Pick<PackWriterOptions, 'level' | 'encryptTo'>): Promise<Buffer> {
  const zst = await compress(plain, { params: { [zlibConstants.ZSTD_c_compressionLevel]: opts.level } });
  if (!opts.encryptTo) return zst;
  const { ageEncryptStream } = await loadAge();
  return collect(Readable.from([zst]).pipe(ageEncryptStream({ recipients: [opts.encryptTo] })));
}

/** Opens a pack's or an index's stored bytes (decrypt, decompress), stopping beyond `maxPlainBytes`. */
async function decode(stored: Buffer, encrypted: boolean, identity: string | undefined, maxPlainBytes: number, what: string): Promise<Buffer> {
  let zst = stored;
  if (encrypted) {
    if (!identity) throw new LifeboatError('wrong-key', `${what} is encrypted and the page store's key is not open`, 'Give the passphrase or the age key the backups were encrypted with');
    try {
      const { ageDecryptStream } = await loadAge();
      zst = await collect(Readable.from([stored]).pipe(ageDecryptStream({ identities: [identity] })));
    } catch (e) {
      throw new LifeboatError('tampered', `${what} cannot be decrypted with the page store's key: it was changed or damaged`, 'Run `lifeboat verify` to find what it affects; another destination may hold it', { cause: e });
    }
  }
  try {
    return await decompress(zst, { maxOutputLength: maxPlainBytes });
  } catch (e) {
    throw new LifeboatError('tampered', `${what} is not a valid zstd stream of at most ${maxPlainBytes} bytes: it was changed or damaged`, 'Run `lifeboat verify` to find what it affects; another destination may hold it', { cause: e });
  }
}

/** Reads and checks a pack's index at `place`; undefined when it is not there. */
export async function readPackIndex(place: PackPlace, id: string, encrypted: boolean, identity?: string): Promise<PackIndex | undefined> {
  const name = packFiles(id, encrypted).index;
  const stored = await place.load(name, INDEX_MAX_BYTES);
  if (!stored) return undefined;
  const what = `The pack index ${name} in ${place.label}`;
  const plain = await decode(stored, encrypted, identity, INDEX_MAX_BYTES, what);
  let parsed;
  try {
    parsed = indexSchema.safeParse(JSON.parse(plain.toString('utf8')));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success || parsed.data.pack !== id) throw new LifeboatError('tampered', `${what} is not a valid pack index`, 'Run `lifeboat verify` to find what it affects; another destination may hold it');
  return parsed.data;
}

/** A pack's plain bytes, read from `place` and checked against its index's size. */
export async function readPack(place: PackPlace, index: PackIndex, encrypted: boolean, identity?: string): Promise<Buffer> {
  const name = packFiles(index.pack, encrypted).pack;
  const plainBytes = index.blobs.reduce((n, [, , offset, length]) => Math.max(n, offset + length), 0);
  const stored = await place.load(name, PACK_MAX_BYTES);
  if (!stored) throw new LifeboatError('not-found', `The pack ${name} is missing from ${place.label}`, 'Run `lifeboat verify` to find what it affects; another destination may hold it');
  return decode(stored, encrypted, identity, Math.min(plainBytes, PACK_MAX_BYTES), `The pack ${name} in ${place.label}`);
}

/** The bytes of one blob of a read pack, checked against its id (throws `tampered` when they differ). */
export function takeBlob(plain: Buffer, entry: PackEntry, idKey: Uint8Array, where: string): Buffer {
  const [id, kind, offset, length] = entry;
  const data = plain.subarray(offset, offset + length);
  if (data.length !== length || blobIdBytes(idKey, kind, data).toString('hex') !== id) {
    throw new LifeboatError('tampered', `${where}: blob ${id} does not match its id (the pack was changed or damaged)`, 'Run `lifeboat verify` to find what it affects; another destination may hold it');
  }
  return data;
}
