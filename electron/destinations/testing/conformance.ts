// The conformance suite of the storage interface (engine/storage/storage.ts), in the spirit of
// restic's backend test suite and Litestream's RunWithReplicaClient: every destination kind runs
// the same checks against a real backend (a folder, the Drive emulator; S3 and Azure servers next).
// Each check is a named function that throws when the storage breaks its contract, so the suite can
// also be run against a deliberately broken storage and seen to fail (conformance.test.ts).
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Storage } from '../../engine/storage/storage.ts';

/** One backend under test, fresh and empty, with what its fault injection can do. */
export interface ConformanceTarget {
  storage: Storage;
  /** A folder of this machine for the files the suite saves from. */
  scratch: string;
  /** Bytes above which the backend saves in pieces (Drive's resumable upload); the suite saves a larger object. */
  chunkBytes?: number;
  /** Objects per page of the backend's listing; the suite saves more than two pages. */
  pageSize?: number;
  /** Cuts the connection of the next load after `afterBytes` bytes, where the backend can be made to. */
  cutNextLoad?(afterBytes: number): void;
  /** Makes every save fail half-way from now on (a server that keeps erroring), where it can; returns the undo. */
  failSaves?(): () => void;
}

export type Check = (t: ConformanceTarget) => Promise<void>;

/** A file of `bytes` random bytes (or the given content) in the scratch folder. */
function source(t: ConformanceTarget, content: number | Buffer): { file: string; data: Buffer } {
  const data = typeof content === 'number' ? randomBytes(content) : content;
  const file = path.join(t.scratch, `source-${randomBytes(6).toString('hex')}`);
  writeFileSync(file, data);
  return { file, data };
}

/** Everything a stream gives, or the error it ended with (and what came before it). */
export async function drain(stream: Readable): Promise<{ data: Buffer; error?: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    return { data: Buffer.concat(chunks) };
  } catch (error) {
    return { data: Buffer.concat(chunks), error };
  }
}

async function loaded(s: Storage, name: string, opts?: Parameters<Storage['load']>[1]): Promise<Buffer> {
  const { data, error } = await drain(await s.load(name, opts));
  if (error) throw error;
  return data;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Saves, stats and loads an object: the same bytes come back, and the size (and checksum, if given) is what the backend holds. */
export const roundTrip: Check = async (t) => {
  const { file, data } = source(t, 100_000);
  const saved = await t.storage.save('round/trip.bin', file);
  expect(saved.size).toBe(data.length);
  if (saved.sha256 !== undefined) expect(saved.sha256).toBe(sha256(data));
  const info = await t.storage.stat('round/trip.bin');
  expect(info).toMatchObject({ name: 'round/trip.bin', size: data.length });
  expect(info?.refused).toBeUndefined();
  expect((await loaded(t.storage, 'round/trip.bin')).equals(data)).toBe(true);
};

/** Loads with an offset and a length: exactly that slice, shorter at the end, nothing past it. */
export const loadRange: Check = async (t) => {
  const { file, data } = source(t, 1000);
  await t.storage.save('range/object', file);
  const slice = (offset: number, length?: number) => loaded(t.storage, 'range/object', { offset, length });
  expect((await slice(100, 200)).equals(data.subarray(100, 300))).toBe(true);
  expect((await slice(900, 500)).equals(data.subarray(900))).toBe(true);
  expect((await slice(250)).equals(data.subarray(250))).toBe(true);
  expect((await slice(0, 1)).equals(data.subarray(0, 1))).toBe(true);
  expect(await slice(1000)).toHaveLength(0);
  expect(await slice(5000, 10)).toHaveLength(0);
  expect(await slice(10, 0)).toHaveLength(0);
};

/** A name nothing was saved under: stat says so, load refuses with 'not-found'. */
export const statMissing: Check = async (t) => {
  expect(await t.storage.stat('nothing/here')).toBeUndefined();
  expect(await t.storage.stat('nothing')).toBeUndefined();
  await expect(t.storage.load('nothing/here')).rejects.toMatchObject({ code: 'not-found' });
};

/** Lists by prefix across pages: every object, once, and only those under the prefix. */
export const listByPrefix: Check = async (t) => {
  const count = 2 * (t.pageSize ?? 50) + 1;
  const { file } = source(t, 10);
  const names = Array.from({ length: count }, (_, i) => `paged/object-${String(i).padStart(4, '0')}`);
  for (const name of names) await t.storage.save(name, file);
  await t.storage.save('pager/beside', file);
  await t.storage.save('top-level', file);
  const namesOf = async (prefix: string) => (await t.storage.list(prefix)).map((o) => o.name).sort();
  expect(await namesOf('paged/')).toEqual(names);
  expect(await namesOf('page')).toEqual([...names, 'pager/beside']);
  expect(await namesOf('')).toEqual([...names, 'pager/beside', 'top-level'].sort());
  expect(await namesOf('paged/object-000')).toEqual(names.slice(0, 10));
  expect(await namesOf('nowhere/')).toEqual([]);
  for (const o of await t.storage.list('paged/')) expect(o.size).toBe(10);
};

/** Removes an object (gone from stat, list and load), and removing a missing one is not an error. */
export const removeObject: Check = async (t) => {
  const { file } = source(t, 1000);
  await t.storage.save('remove/me', file);
  await t.storage.save('remove/keep', file);
  await t.storage.remove('remove/me');
  expect(await t.storage.stat('remove/me')).toBeUndefined();
  expect((await t.storage.list('remove/')).map((o) => o.name)).toEqual(['remove/keep']);
  await expect(t.storage.load('remove/me')).rejects.toMatchObject({ code: 'not-found' });
  await t.storage.remove('remove/me');
  await t.storage.remove('remove/never-was');
};

/** What a save cancelled half-way leaves: the name as it was (absent, or the old bytes), nothing half-written. */
export const cancelledSave: Check = async (t) => {
  const size = Math.max(3 * (t.chunkBytes ?? 0), 4 * 1024 * 1024);
  const { file } = source(t, size);
  const abort = new AbortController();
  const cancel = (bytes: number) => bytes > 0 && bytes < size && abort.abort(new Error('cancelled by the test'));
  await expect(t.storage.save('cancel/new', file, { signal: abort.signal, onBytes: cancel })).rejects.toThrow();
  expect(await t.storage.stat('cancel/new')).toBeUndefined();
  const old = source(t, 500);
  await t.storage.save('cancel/old', old.file);
  const again = new AbortController();
  await expect(t.storage.save('cancel/old', file, { signal: again.signal, onBytes: (b) => b > 0 && b < size && again.abort(new Error('cancelled')) })).rejects.toThrow();
  expect((await loaded(t.storage, 'cancel/old')).equals(old.data)).toBe(true);
  expect((await t.storage.list('cancel/')).map((o) => [o.name, o.size])).toEqual([['cancel/old', 500]]);
};

/** What a save that fails half-way (the backend keeps erroring) leaves: nothing visible. */
export const failedSave: Check = async (t) => {
  if (!t.failSaves) throw new Error('this backend cannot be made to fail a save');
  const { file } = source(t, Math.max(3 * (t.chunkBytes ?? 0), 1024 * 1024));
  const undo = t.failSaves();
  try {
    await expect(t.storage.save('fail/object', file)).rejects.toThrow();
  } finally {
    undo();
  }
  expect(await t.storage.stat('fail/object')).toBeUndefined();
  expect(await t.storage.list('fail/')).toEqual([]);
};

/** Saving under a name again replaces the object: the new bytes, one entry. */
export const overwrite: Check = async (t) => {
  const first = source(t, 5000);
  const second = source(t, 1234);
  await t.storage.save('over/write', first.file);
  const saved = await t.storage.save('over/write', second.file);
  expect(saved.size).toBe(1234);
  expect((await loaded(t.storage, 'over/write')).equals(second.data)).toBe(true);
  expect(await t.storage.stat('over/write')).toMatchObject({ size: 1234 });
  expect((await t.storage.list('over/')).map((o) => o.name)).toEqual(['over/write']);
};

/** Names with spaces, quotes and any Unicode are kept as they are. */
export const unusualNames: Check = async (t) => {
  const names = ['with spaces/a file name.txt', 'unicode/Grüße — 東京 ✓.bin', "quote/it's \"here\".txt", 'Ünïcode folder/plain'];
  for (const name of names) {
    const { file, data } = source(t, Buffer.from(name));
    await t.storage.save(name, file);
    expect((await loaded(t.storage, name)).equals(data)).toBe(true);
    expect(await t.storage.stat(name)).toMatchObject({ name, size: data.length });
  }
  expect((await t.storage.list('')).map((o) => o.name).sort()).toEqual([...names].sort());
};

/** An object larger than the backend's upload piece (Drive's resumable path) arrives whole. */
export const largerThanAChunk: Check = async (t) => {
  const { file, data } = source(t, 2 * (t.chunkBytes ?? 1024 * 1024) + 12_345);
  const saved = await t.storage.save('large/object', file, { sha256: sha256(data) });
  expect(saved.size).toBe(data.length);
  expect(sha256(await loaded(t.storage, 'large/object'))).toBe(sha256(data));
};

/** Saves of different names at the same time all arrive, each with its own bytes. */
export const concurrentSaves: Check = async (t) => {
  const items = Array.from({ length: 6 }, (_, i) => ({ name: `together/${i}`, ...source(t, 20_000 + i) }));
  await Promise.all(items.map((x) => t.storage.save(x.name, x.file)));
  for (const x of items) expect((await loaded(t.storage, x.name)).equals(x.data)).toBe(true);
  expect(await t.storage.list('together/')).toHaveLength(items.length);
};

/** A load whose connection is cut part-way ends with an error, and a load from that offset gives the rest. */
export const resumeAfterCut: Check = async (t) => {
  if (!t.cutNextLoad) throw new Error('this backend cannot cut a connection');
  const { file, data } = source(t, 600_000);
  await t.storage.save('cut/object', file);
  t.cutNextLoad(100_000);
  const first = await drain(await t.storage.load('cut/object'));
  expect(first.error).toBeDefined();
  expect(first.data.length).toBeLessThan(data.length);
  expect(first.data.equals(data.subarray(0, first.data.length))).toBe(true);
  const rest = await loaded(t.storage, 'cut/object', { offset: first.data.length });
  expect(Buffer.concat([first.data, rest]).equals(data)).toBe(true);
};

/** Every check, by name. */
export const conformanceChecks = { roundTrip, loadRange, statMissing, listByPrefix, removeObject, cancelledSave, failedSave, overwrite, unusualNames, largerThanAChunk, concurrentSaves, resumeAfterCut };

/**
 * Runs every check as a test against fresh targets from `open` (each closed after its test). A
 * check the backend's fault injection cannot drive is skipped, saying why.
 */
export function describeStorageConformance(label: string, open: () => Promise<ConformanceTarget & { close(): Promise<void> }>): void {
  describe(`the storage conformance suite: ${label}`, () => {
    let target: ConformanceTarget & { close(): Promise<void> };
    beforeEach(async () => {
      target = await open();
    });
    afterEach(async () => {
      await target.close();
    });
    const needs: Partial<Record<keyof typeof conformanceChecks, keyof ConformanceTarget>> = { failedSave: 'failSaves', resumeAfterCut: 'cutNextLoad' };
    for (const [name, check] of Object.entries(conformanceChecks)) {
      const need = needs[name as keyof typeof conformanceChecks];
      it(name, async (ctx) => {
        if (need && target[need] === undefined) ctx.skip(`${label} has no fault injection for this (${need})`);
        await check(target);
      });
    }
  });
}
