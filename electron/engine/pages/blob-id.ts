// Blob ids: what a page (or a chunk of a page map) is called in the page store. The first 16 bytes
// of HMAC-SHA-256 keyed with the repository's id key, over the blob's kind and bytes: keyed, so an
// id says nothing about the data when the store is encrypted; 128 bits, so two different pages
// never share one (a collision needs about 2^64 pages). See docs/page-store.md.
import { createHmac } from 'node:crypto';

/** A database page (`p`) or a chunk of a page map (`m`). */
export type BlobKind = 'p' | 'm';

/** Bytes of an id (32 hex digits). */
export const ID_BYTES = 16;

/** The id of a blob of `kind` with these bytes, under `idKey` (32 hex digits). */
export function blobId(idKey: Uint8Array, kind: BlobKind, data: Uint8Array): string {
  return blobIdBytes(idKey, kind, data).toString('hex');
}

/** The id as its 16 bytes (what page maps hold). */
export function blobIdBytes(idKey: Uint8Array, kind: BlobKind, data: Uint8Array): Buffer {
  return createHmac('sha256', idKey).update(kind).update(data).digest().subarray(0, ID_BYTES);
}

/** Whether `text` is a blob id (32 lower-case hex digits). */
export function isBlobId(text: string): boolean {
  return /^[0-9a-f]{32}$/.test(text);
}
